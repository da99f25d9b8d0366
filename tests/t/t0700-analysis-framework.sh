#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# What every analysis gets from the framework: the list, help, the common options,
# intervals, JSON, offline input, --events, signals, the command's status, lost events
# said out loud, bad input, and nothing left in tracefs.
. "$(dirname "$0")/lib.sh"

test_expect_success ROOT,TRACEFS "kscope list analyses: each analysis, what it reads, how it runs here" '
	"$KSCOPE" list analyses >l && cat l &&
	for a in syscount runqlat cpudist hardirqs softirqs biolatency biosnoop biotop; do
		grep -qE "^$a +bcc $a +" l || { echo "no $a"; exit 1; }
	done &&
	"$KSCOPE" list -a >l2 && cmp l l2 &&
	"$KSCOPE" help | grep -q "^  runqlat " &&
	"$KSCOPE" help runqlat | grep -q "^usage: kscope runqlat" &&
	"$KSCOPE" runqlta 2>err; test $? = 2 && grep -q "did you mean .runqlat." err
'

test_expect_success ROOT,TRACEFS,INSTANCES "Ctrl-C prints the report and exits 0; SIGTERM too" '
	for sig in INT TERM; do
		"$KSCOPE" runqlat >out.$sig 2>err & pid=$!
		for i in $(seq 50); do [ -d $TRACEFS/instances/kscope-runqlat-$pid ] && break; sleep 0.1; done
		sleep 0.5 && kill -$sig $pid && wait $pid || { echo "SIG$sig: exit $?"; exit 1; }
		grep -q "usecs *: count *distribution" out.$sig || { cat out.$sig; exit 1; }
	done && assert_clean
'

test_expect_success ROOT,TRACEFS,INSTANCES "-- command: its exit status; 128+N for a signal" '
	"$KSCOPE" runqlat -- sh -c "exit 7" >/dev/null; test $? = 7 &&
	"$KSCOPE" syscount -- sh -c "kill -TERM \$\$" >/dev/null; test $? = 143 &&
	"$KSCOPE" softirqs -- true >/dev/null && assert_clean
'

test_expect_success ROOT,TRACEFS,INSTANCES "intervals and -T: N reports with their times" '
	"$KSCOPE" softirqs -T 0.3 2 >iv && cat iv &&
	test $(grep -cE "^[0-9]{2}:[0-9]{2}:[0-9]{2} *$" iv) = 2 &&
	test $(grep -c "^SOFTIRQ" iv) = 2
'

test_expect_success ROOT,TRACEFS,INSTANCES "--events records what -i reads back: the same answer offline" '
	cmd=$("$KSCOPE" softirqs --events) && echo "$cmd" &&
	case $cmd in "kscope record -e irq:softirq_entry -e irq:softirq_exit -o softirqs.dat") ;;
	*) exit 1 ;; esac &&
	"$KSCOPE" record -q -e irq:softirq_entry -e irq:softirq_exit -o sq.dat --duration 0.5 &&
	"$KSCOPE" softirqs -C -i sq.dat >off && grep -q "^SOFTIRQ" off &&
	"$KSCOPE" report sq.dat | grep -c "softirq_exit:" >n &&
	awk "NR > 1 { t += \$2 } END { print t }" off >t &&
	test "$(cat t)" -le "$(cat n)" && test "$(cat t)" -ge $(( $(cat n) - 2 ))
'

test_expect_success ROOT,TRACEFS,INSTANCES "an offline file without the events: exit 2, and how to record them" '
	"$KSCOPE" record -q -e sched:sched_switch -o sw.dat --duration 0.2 &&
	"$KSCOPE" softirqs -i sw.dat 2>err; test $? = 2 &&
	grep -q "sw.dat has no irq:softirq_entry events" err &&
	grep -q "record what softirqs reads with: kscope record -e irq:softirq_entry -e irq:softirq_exit -o softirqs.dat$" err &&
	"$KSCOPE" runqlat -i nothere.dat 2>err; test $? = 2 && grep -q "nothere.dat" err
'

test_expect_success ROOT,TRACEFS,INSTANCES "--json: every report one line, one document" '
	"$KSCOPE" hardirqs --json 0.2 3 >j && test $(wc -l <j) = 3 &&
	python3 -c "
import json
for n, line in enumerate(open(\"j\")):
    d = json.loads(line)
    assert d[\"analysis\"] == \"hardirqs\" and d[\"interval\"] == n, d
    assert \"lost_events\" in d and \"dropped_entries\" in d
"
'

test_expect_success ROOT,TRACEFS,INSTANCES "lost events are never silent" '
	"$KSCOPE" syscount --buffer-kb 8 --json -- sh -c "$LOADGEN syscalls 1 >/dev/null" >lost.json &&
	python3 -c "
import json
d = json.load(open(\"lost.json\"))
assert d[\"lost_events\"] > 0 or d[\"lossy_subbuffers\"] > 0, d
" &&
	"$KSCOPE" syscount --buffer-kb 8 -- "$LOADGEN" syscalls 1 >lost.txt &&
	grep -q "^Lost [0-9]* events" lost.txt
'

test_expect_success ROOT,TRACEFS,INSTANCES "bad usage: exit 2 with one line; nothing left behind" '
	for args in "--frobnicate" "0" "1 0" "1 2 3" "--max-entries 0" "-p abc" "--cpus 99" \
		"-- no-such-command-xyz" "-p 1 -- true" "-P -L"; do
		"$KSCOPE" runqlat $args >out 2>err; rc=$?
		[ $rc = 2 ] || { echo "runqlat $args: exit $rc"; cat err; exit 1; }
		[ $(wc -l <err) = 1 ] || { echo "runqlat $args:"; cat err; exit 1; }
	done && assert_clean
'

test_done
