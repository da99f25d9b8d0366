#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# kscope report filters and --stat, checked against the unfiltered output.
# The comm column is left out of comparisons: libtraceevent learns comms from the
# sched_switch events it prints (as trace-cmd does), so a filtered report may name a
# task differently than the full one.
. "$(dirname "$0")/lib.sh"

# A busy machine can make the recording drop events: the report's "CPU:N [M EVENTS
# DROPPED]" lines are no events and belong to no task, so they are left out on both sides.
nocomm() { grep -v " EVENTS DROPPED\]$" "$@" | perl -pe 's/^.*?-(\d+)\s+\[/$1 [/'; }

test_expect_success ROOT,TRACEFS "a recording with several events on both CPUs" '
	$KSCOPE record -q -e sched:sched_switch -e sched:sched_wakeup -e raw_syscalls:sys_exit \
		-o $TMP/r.dat -- sh -c "$LOADGEN sleep 10 2 & $LOADGEN syscalls 0.2 >/dev/null; wait" &&
	$KSCOPE report -i $TMP/r.dat | tail -n +2 | grep -v " EVENTS DROPPED\]$" >$TMP/all.txt &&
	test $(wc -l <$TMP/all.txt) -gt 100
'

test_expect_success ROOT,TRACEFS "--cpu keeps exactly that CPU's lines" '
	$KSCOPE report -i $TMP/r.dat --cpu 0 | tail -n +2 | nocomm >c0 &&
	grep " \[000\] " $TMP/all.txt | nocomm >want && cmp want c0
'

test_expect_success ROOT,TRACEFS "--events takes names, sys:event and globs" '
	$KSCOPE report -i $TMP/r.dat --events sched_switch | tail -n +2 | nocomm >a &&
	grep " sched_switch: " $TMP/all.txt | nocomm >want && cmp want a &&
	$KSCOPE report -i $TMP/r.dat --events "raw_syscalls:*,sched:sched_wakeup" | tail -n +2 |
		nocomm >b &&
	grep -E " (sys_exit|sched_wakeup): " $TMP/all.txt | nocomm >want && cmp want b
'

test_expect_success ROOT,TRACEFS "--comm and --pid select tasks" '
	$KSCOPE report -i $TMP/r.dat --comm "load*" | tail -n +2 | grep -v "EVENTS DROPPED" >a &&
	test -s a &&
	! grep -vE "^ *loadgen-[0-9]+ " a &&
	pid=$(head -1 a | sed -E "s/^ *loadgen-([0-9]+) .*/\1/") &&
	$KSCOPE report -i $TMP/r.dat --pid $pid | tail -n +2 | nocomm >p &&
	grep -E "^ *[^ ]+-$pid +\[" $TMP/all.txt | nocomm >want && cmp want p
'

test_expect_success ROOT,TRACEFS "--stat counts per event and per CPU add up" '
	$KSCOPE report -i $TMP/r.dat --stat >st &&
	test $(sed -nE "s/^events: +([0-9]+).*/\1/p" st) = $(wc -l <$TMP/all.txt) &&
	test $(sed -nE "s/^ +([0-9]+)  raw_syscalls:sys_exit$/\1/p" st) = \
		$(grep -c " sys_exit: " $TMP/all.txt) &&
	test $(awk "/^ +0 +[0-9]+ +[0-9]+ /{print \$2}" st) = $(grep -c " \[000\] " $TMP/all.txt)
'

test_expect_success ROOT,TRACEFS "the file as an operand, options before or after; repeated options add up" '
	$KSCOPE report $TMP/r.dat --events sched_switch --events sched_wakeup | tail -n +2 | nocomm >a &&
	$KSCOPE report --events sched_switch,sched_wakeup -i $TMP/r.dat | tail -n +2 | nocomm >b &&
	cmp a b && test -s a &&
	pids=$(awk "{print \$1}" a | sort -u | head -2 | tr "\n" " ") &&
	set -- $pids &&
	$KSCOPE report $TMP/r.dat --pid $1 --pid ${2:-$1} | tail -n +2 | nocomm >p &&
	$KSCOPE report $TMP/r.dat --pid $1,${2:-$1} | tail -n +2 | nocomm >q && cmp p q && test -s p &&
	set +e; $KSCOPE report -i $TMP/r.dat $TMP/r.dat 2>err; rc=$?; set -e
	test $rc = 2 && grep -q "give the file once" err
'

test_expect_success ROOT,TRACEFS "filters that match nothing in the file are an error" '
	set +e; $KSCOPE report -i $TMP/r.dat --events nosuch_event >/dev/null 2>err; rc=$?; set -e
	test $rc = 2 && grep -q "no event in .* matches .nosuch_event." err &&
	set +e; $KSCOPE report -i $TMP/r.dat --cpu x 2>err; rc=$?; set -e
	test $rc = 2 && grep -q "bad --cpu" err &&
	ncpus=$(sed -nE "s/^cpus: +([0-9]+)$/\1/p" <($KSCOPE report -i $TMP/r.dat --stat)) &&
	set +e; $KSCOPE report -i $TMP/r.dat --cpu 0,99 >out 2>err; rc=$?; set -e
	test $rc = 2 && test ! -s out && test $(wc -l <err) = 1 &&
	grep -q "has no CPU 99 (it has CPUs 0-$((ncpus - 1)))" err &&
	set +e; $KSCOPE report -i $TMP/r.dat --pid 999999 >out 2>err; rc=$?; set -e
	test $rc = 2 && grep -q "has no events of pid 999999" err &&
	set +e; $KSCOPE report -i $TMP/r.dat --comm "no-such-task*" >out 2>err; rc=$?; set -e
	test $rc = 2 && grep -q "has no events of a task named no-such-task" err
'

test_done
