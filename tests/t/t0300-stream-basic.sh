#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# kscope stream: live events in report's layout; nothing left behind.
. "$(dirname "$0")/lib.sh"

test_expect_success ROOT,TRACEFS,INSTANCES "stream prints events as they happen and stops after --duration" '
	( sleep 0.5; $LOADGEN sleep 20 5 ) &
	$KSCOPE stream -e sched:sched_switch -e sched:sched_process_exit --duration 2 >out &&
	wait &&
	grep -qE "^ +[^ ]+-[0-9]+ +\[[0-9]{3}\] +[0-9]+\.[0-9]{6}: sched_switch: " out &&
	grep -q "loadgen" out && assert_clean
'

test_expect_success ROOT,TRACEFS,INSTANCES "stream output is in time order" '
	sed -nE "s/^.*\] +([0-9]+\.[0-9]+): .*/\1/p" out >ts && test $(wc -l <ts) -gt 10 &&
	sort -n -c ts
'

test_expect_success ROOT,TRACEFS,INSTANCES "stream with a filter and a pid" '
	$LOADGEN sleep 100 10 & pid=$!
	$KSCOPE stream -e raw_syscalls:sys_enter -P $pid --duration 1 >out &&
	kill $pid; wait $pid || true
	test $(wc -l <out) -gt 5 && ! grep -v -- "-$pid " out && assert_clean
'

test_expect_success ROOT,TRACEFS,INSTANCES "SIGINT ends stream cleanly" '
	$KSCOPE stream -e sched >out & spid=$!
	sleep 1 && kill -INT $spid && wait $spid && test -s out && assert_clean
'

test_expect_success ROOT,TRACEFS "bad input: unknown event, bad filter" '
	set +e; $KSCOPE stream -e nosuch --duration 1 2>err; rc=$?; set -e
	test $rc = 2 && grep -q "unknown event" err &&
	set +e; $KSCOPE stream -e sched:sched_switch -f "x >" --duration 1 2>err; rc=$?; set -e
	test $rc = 2 && grep -q "kernel says" err && test $(wc -l <err) = 1 && assert_clean
'

test_done
