#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# kscope runqlen against independent truth: three programs that never sleep, pinned to
# CPU 0, keep two of them waiting there all the time; offline, per-CPU samples equal
# those computed from `trace-cmd report -t` text of the same recording
# (tests/lib/runqlenref.py).
. "$(dirname "$0")/lib.sh"

REF=$SRC_DIR/tests/lib/runqlenref.py
SPIN3="taskset -c 0 sh -c '$LOADGEN burst 1 1000 0 & $LOADGEN burst 1 1000 0 & $LOADGEN burst 1 1000 0 & wait'"

# cpu_samples FILE.json: "CPU LEN COUNT" of the per-CPU sections (-C).
cpu_samples() {
	python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
for i in d["results"]:
    if i["type"] == "linear":
        for b in i["data"]["buckets"]:
            if b["count"]:
                print(i["value"], b["value"], b["count"])
' "$1"
}

test_expect_success ROOT,TRACEFS,INSTANCES "live: three spinners on one CPU keep two waiting" '
	eval "\"\$KSCOPE\" runqlen -C --json -- $SPIN3" >l.json &&
	cpu_samples l.json >s && cat s | sed "s/^/# /" &&
	awk "\$1 == 0 { all += \$3; if (\$2 == 2) two += \$3 }
	     END { exit !(all >= 90 && all <= 130 && two >= all * 0.85) }" s &&
	eval "\"\$KSCOPE\" runqlen -O -C -- $SPIN3" >o && cat o &&
	awk "/^runqocc, CPU 0 / { sub(\"%\", \"\", \$4); exit !(\$4 + 0 >= 90) }" o &&
	grep -qE "^runqocc, CPU 1 +[0-9]+\.[0-9]{2}%$" o &&
	"$KSCOPE" runqlen -O --duration 0.3 >t && grep -qE "^runqocc: [0-9]+\.[0-9]{2}%$" t &&
	"$KSCOPE" runqlen --duration 0.3 >h && grep -qE "^ +runqlen +: count +distribution$" h &&
	assert_clean
'

test_expect_success ROOT,TRACEFS,INSTANCES,TRACECMD "offline: per-CPU samples equal trace-cmd report's reference" '
	eval "$("$KSCOPE" runqlen --events | sed "s#^kscope#\"\$KSCOPE\"#; s/-o runqlen.dat/-q -C mono -o r.dat/") -- $SPIN3" &&
	trace-cmd report -t -i r.dat 2>/dev/null | python3 "$REF" >want &&
	test $(awk "{ n += \$3 } END { print n }" want) -ge 150 &&
	"$KSCOPE" runqlen -C -i r.dat --json >r.json && cpu_samples r.json >got && diff want got
'

test_expect_success ROOT,TRACEFS,INSTANCES "bad input: exit 2, nothing left" '
	"$KSCOPE" record -q -e irq:softirq_entry -o q.dat --duration 0.1 &&
	"$KSCOPE" runqlen -i q.dat 2>err; test $? = 2 && grep -q "no sched:sched_wakeup events" err &&
	"$KSCOPE" runqlen -p 1 2>err; test $? = 2 &&
	"$KSCOPE" runqlen 0 2>err; test $? = 2 && grep -q "bad interval" err && assert_clean
'

test_done
