#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# kscope cpudist against independent truth: on- and off-CPU histograms of a recording
# equal those computed from `trace-cmd report -t` text of the same file
# (tests/lib/cpudistref.py); live, a program that runs 5 ms and sleeps 2 ms 50 times
# shows slices of 4-7 ms and gaps of 2-3 ms. Workloads are pinned to CPU 0: on some
# kernels (this VM's) a switch away from idle on CPU 1 is never traced, so slices that
# start there have no beginning in the trace.
. "$(dirname "$0")/lib.sh"

REF=$SRC_DIR/tests/lib/cpudistref.py

# slots FILE.json: "SLOT COUNT" of the first histogram; count_in FILE.json LOW: one bucket's count.
slots() {
	python3 -c "
import json, sys
d = json.load(open(sys.argv[1]))
h = [i for i in d[\"results\"] if i[\"type\"] == \"log2\"][0][\"data\"]
for n, b in enumerate(h[\"buckets\"], 1):
    if b[\"count\"]:
        print(n, b[\"count\"])
" "$1"
}

count_in() {
	python3 -c "
import json, sys
d = json.load(open(sys.argv[1]))
h = [i for i in d[\"results\"] if i[\"type\"] == \"log2\"][0][\"data\"]
print(sum(b[\"count\"] for b in h[\"buckets\"] if b[\"low\"] == int(sys.argv[2])))
" "$1" "$2"
}

test_expect_success ROOT,TRACEFS,INSTANCES,TRACECMD "offline: on- and off-CPU histograms equal trace-cmd report's reference" '
	"$KSCOPE" record -q -C mono -e sched:sched_switch -o cd.dat -- taskset -c 0 sh -c \
		"$LOADGEN syscalls 0.5 & $LOADGEN burst 40 3 1; wait" >/dev/null &&
	trace-cmd report -t -i cd.dat 2>/dev/null | python3 "$REF" >want &&
	test $(awk "{ n += \$2 } END { print n }" want) -gt 50 &&
	"$KSCOPE" cpudist -i cd.dat --json >on.json && slots on.json >got && diff want got &&
	trace-cmd report -t -i cd.dat 2>/dev/null | python3 "$REF" --off >want &&
	"$KSCOPE" cpudist -O -i cd.dat --json >off.json && slots off.json >got && diff want got
'

# kscope reads on CPU 1, the workload runs alone on CPU 0: nothing splits its slices.
test_expect_success ROOT,TRACEFS,INSTANCES "live: 5 ms slices and 2 ms gaps where a program makes them" '
	taskset -c 1 "$KSCOPE" cpudist -m --json -- taskset -c 0 "$LOADGEN" burst 50 5 2 >on.json &&
	n=$(count_in on.json 4) && echo "# $n slices of 4-7 ms" && test "$n" -ge 40 &&
	taskset -c 1 "$KSCOPE" cpudist -O -m --json -- taskset -c 0 "$LOADGEN" burst 50 5 2 >off.json &&
	n=$(count_in off.json 2) && echo "# $n gaps of 2-3 ms" && test "$n" -ge 40 &&
	assert_clean
'

test_expect_success ROOT,TRACEFS,INSTANCES "-P, -L, -e, -I; bad combinations" '
	"$KSCOPE" cpudist -P -e -- taskset -c 0 "$LOADGEN" burst 10 2 1 >p && cat p &&
	grep -qE "^pid = [0-9]+$" p && grep -qE "^avg = [0-9]+ usecs, total: [0-9]+ usecs, count: [0-9]+$" p &&
	"$KSCOPE" cpudist -L -- taskset -c 0 "$LOADGEN" burst 10 2 1 >l && grep -qE "^tid = [0-9]+$" l &&
	{ taskset -c 0 "$LOADGEN" burst 100 2 1 & "$KSCOPE" cpudist -I -P -d 0.2 >i; wait; } &&
	grep -q "^pid = 0$" i &&
	! grep -q "^pid = [0-9]\{6,\}" i &&
	"$KSCOPE" cpudist -P -L -d 0.1 2>err; test $? = 2 && grep -q "exclude each other" err &&
	"$KSCOPE" cpudist -I -O -d 0.1 2>err; test $? = 2 && grep -q "not with -O" err
'

test_done
