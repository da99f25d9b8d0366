#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# kscope report reads trace.dat files written by trace-cmd (v7 default, and v6) and
# prints what trace-cmd report prints.
. "$(dirname "$0")/lib.sh"

# trace-cmd record dies on this kernel (it writes ftrace_enabled); extract works after
# enabling events at the top level. Put the top level back as it was afterwards.
make_tracecmd_file() {
	old_events=$(cat $TRACEFS/set_event)
	echo > $TRACEFS/trace
	echo 1 > $TRACEFS/events/sched/sched_switch/enable
	echo 1 > $TRACEFS/events/sched/sched_wakeup/enable
	echo 1 > $TRACEFS/events/raw_syscalls/sys_exit/enable
	$LOADGEN sleep 20 5
	echo 0 > $TRACEFS/events/sched/sched_switch/enable
	echo 0 > $TRACEFS/events/sched/sched_wakeup/enable
	echo 0 > $TRACEFS/events/raw_syscalls/sys_exit/enable
	trace-cmd extract -o tc7.dat >/dev/null 2>&1
	rc=$?
	echo > $TRACEFS/trace
	echo "$old_events" > $TRACEFS/set_event
	return $rc
}

test_expect_success ROOT,TRACEFS,TRACECMD "trace-cmd extract makes a v7 file" '
	make_tracecmd_file && head -c 12 tc7.dat | od -c | grep -q "7  \\\\0" &&
	trace-cmd convert --file-version 6 --compression none -i tc7.dat -o tc6.dat >/dev/null 2>&1 &&
	head -c 12 tc6.dat | od -c | grep -q "6  \\\\0" && assert_clean
'

test_expect_success ROOT,TRACEFS,TRACECMD "v6 from trace-cmd: identical report, kscope's own reader" '
	trace-cmd report -i tc6.dat >tc.txt 2>/dev/null && $KSCOPE report -i tc6.dat >k.txt &&
	test $(wc -l <k.txt) -gt 50 && cmp tc.txt k.txt &&
	$KSCOPE report -i tc6.dat --stat | grep -q "read by kscope"
'

test_expect_success ROOT,TRACEFS,TRACECMD "v7 (zstd) from trace-cmd: identical report via libtracecmd" '
	trace-cmd report -i tc7.dat >tc.txt 2>/dev/null && $KSCOPE report -i tc7.dat >k.txt &&
	test $(wc -l <k.txt) -gt 50 && cmp tc.txt k.txt &&
	$KSCOPE report -i tc7.dat --stat | grep -q "v7.*read by libtracecmd"
'

test_expect_success ROOT,TRACEFS,TRACECMD "--stat counts match trace-cmd's event lines" '
	for f in tc6.dat tc7.dat; do
		trace-cmd report -i $f 2>/dev/null | tail -n +2 >tc.txt
		$KSCOPE report -i $f --stat >st
		test $(sed -nE "s/^events: +([0-9]+).*/\1/p" st) = $(wc -l <tc.txt) &&
		test $(grep -c " sched_switch: " tc.txt) = \
			$(sed -nE "s/^ +([0-9]+)  sched:sched_switch$/\1/p" st) || exit 1
	done
'

test_done
