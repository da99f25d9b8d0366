#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Tracers on this machine's kernel: where function tracing or the latency tracers are
# missing or forbidden, kscope says exactly that, suggests what works, and leaves
# nothing configured. (They are exercised for real in tests/vm.)
. "$(dirname "$0")/lib.sh"

top_state() {
	for f in current_tracer tracing_thresh tracing_max_latency options/function-trace \
		 set_event; do
		echo "$f=$(cat $TRACEFS/$f 2>/dev/null)"
	done
}

test_expect_success ROOT,TRACEFS "record -p function: runs, or a clear refusal that check predicted" '
	top_state >before && $KSCOPE check >caps &&
	set +e; $KSCOPE record -q -p function -l vfs_read -o f.dat --duration 0.3 2>err; rc=$?; set -e
	cat err
	if grep -qE "^function +yes" caps; then
		test $rc = 0 && $KSCOPE report -i f.dat | grep -q "vfs_read <--"
	else
		test $rc != 0 && test $(wc -l <err) = 1 &&
		grep -qE "refuses (the function tracer|function filters)|not available" err &&
		grep -qE "tracepoints|uprobe" err
	fi &&
	top_state >after && diff before after && assert_clean
'

for t in function_graph irqsoff wakeup_rt; do
test_expect_success ROOT,TRACEFS "$t: used when present, else named as missing with what to use instead" "
	top_state >before && \$KSCOPE check >caps &&
	if grep -qw $t \$TRACEFS/available_tracers; then exit 0; fi
	set +e; \$KSCOPE record -p $t -o t.dat --duration 0.3 2>err; rc=\$?; set -e
	cat err; test \$rc != 0 && test \$(wc -l <err) = 1 &&
	grep -q \"tracer '$t' is not available on this kernel (available: \" err &&
	set +e; \$KSCOPE latency $t --duration 0.3 2>err2 >/dev/null; set -e
	case $t in irqsoff|wakeup_rt) grep -q 'not available' err2 ;; *) grep -q 'not a latency tracer' err2 ;; esac &&
	top_state >after && diff before after && assert_clean
"
done

test_expect_success ROOT,TRACEFS "function filters without a tracer are a usage error" '
	set +e; $KSCOPE record -l vfs_read -e sched -o x.dat 2>err; rc=$?; set -e
	test $rc = 2 && grep -q "need a tracer" err && assert_clean
'

test_expect_success ROOT,TRACEFS "latency: bad input" '
	set +e; $KSCOPE latency 2>e1; r1=$?; $KSCOPE latency nosuch 2>e2; r2=$?
	$KSCOPE latency irqsoff --threshold -5 2>e3; r3=$?; set -e
	test $r1 = 2 && grep -q "which tracer" e1 && test $r2 = 2 && grep -q "not a latency tracer" e2 &&
	test $r3 = 2 && grep -q "bad --threshold" e3 && assert_clean
'

test_done
