#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Killing kscope record mid-capture: SIGINT/SIGTERM clean up and keep a readable file;
# after SIGKILL, kscope reset removes what it left and nothing else.
. "$(dirname "$0")/lib.sh"

# start_record OUT: a recording with events, filters and stack triggers; waits for the instance.
start_record() {
	$KSCOPE record -q -T -e sched:sched_switch -f "prev_pid >= 0" -e sched_wakeup -o "$1" &
	kpid=$!
	for i in $(seq 50); do
		[ -d $TRACEFS/instances/kscope-record-$kpid ] && break
		sleep 0.1
	done
	test -d $TRACEFS/instances/kscope-record-$kpid
	sleep 0.5
}

for sig in INT TERM HUP; do
test_expect_success ROOT,TRACEFS,INSTANCES "SIG$sig: instance, events and triggers gone; file readable" "
	start_record s.dat &&
	test -f \$KSCOPE_STATE_DIR/kscope-record-\$kpid.journal &&
	kill -$sig \$kpid && wait \$kpid &&
	assert_clean &&
	\$KSCOPE report -i s.dat >r && test \$(wc -l <r) -gt 2 && grep -q kernel_stack r
"
done

test_expect_success ROOT,TRACEFS,INSTANCES,TRACECMD "trace-cmd reads the file of an interrupted recording" '
	trace-cmd report -i s.dat >tc 2>/dev/null && $KSCOPE report -i s.dat >k && cmp tc k
'

test_expect_success ROOT,TRACEFS,INSTANCES "SIGKILL leaves the instance; kscope reset removes it and its journal" '
	start_record k.dat &&
	kill -KILL $kpid && wait $kpid || true
	test -d $TRACEFS/instances/kscope-record-$kpid &&
	test -f $KSCOPE_STATE_DIR/kscope-record-$kpid.journal &&
	$KSCOPE reset >out && grep -q "1 journal(s) undone, 1 instance(s) removed" out &&
	assert_clean
'

test_expect_success ROOT,TRACEFS,INSTANCES "reset never touches other tools' instances or a running kscope" '
	mkdir $TRACEFS/instances/other-tool-$$ &&
	start_record live.dat &&
	$KSCOPE reset >out &&
	grep -q "0 journal(s) undone" out && grep -q "skipped the journals of running" out &&
	test -d $TRACEFS/instances/other-tool-$$ &&
	test -d $TRACEFS/instances/kscope-record-$kpid &&
	kill -INT $kpid && wait $kpid &&
	rmdir $TRACEFS/instances/other-tool-$$ &&
	assert_clean
'

test_expect_success ROOT,TRACEFS,INSTANCES "reset undoes a journal whose pid was reused by another program" '
	sleep 30 & spid=$!
	mkdir -p $KSCOPE_STATE_DIR &&
	mkdir $TRACEFS/instances/kscope-record-$spid &&
	printf "kscope-journal 1\npid $spid\ninstance kscope-record-$spid\n" \
		>$KSCOPE_STATE_DIR/kscope-record-$spid.journal &&
	$KSCOPE reset -q &&
	kill $spid; wait $spid || true
	test ! -d $TRACEFS/instances/kscope-record-$spid && assert_clean
'

# --top-level: every change at the top level is journaled and undone.
top_state() {
	for f in buffer_size_kb trace_clock set_event set_event_pid tracing_on \
		 events/sched/sched_switch/filter events/sched/sched_switch/trigger \
		 events/sched/sched_switch/enable options/event-fork; do
		echo "$f=$(cat $TRACEFS/$f)"
	done
}

start_top_record() {
	$KSCOPE record -q --top-level -T -b 512 -C global -e sched:sched_switch \
		-f "prev_pid >= 0" -P $$ -c -o "$1" &
	kpid=$!
	for i in $(seq 50); do
		grep -q sched_switch $TRACEFS/set_event && break
		sleep 0.1
	done
	grep -q sched_switch $TRACEFS/set_event && sleep 0.3
}

for sig in INT TERM; do
test_expect_success ROOT,TRACEFS,TRIGGERS "--top-level, SIG$sig: every top-level setting restored" "
	top_state >before &&
	start_top_record top.dat &&
	top_state >during && ! cmp -s before during &&
	kill -$sig \$kpid && wait \$kpid &&
	top_state >after && diff before after && assert_clean
"
done

test_expect_success ROOT,TRACEFS,TRIGGERS "--top-level, SIGKILL: kscope reset restores the top level" '
	top_state >before &&
	start_top_record top.dat &&
	kill -KILL $kpid && wait $kpid || true
	top_state >during && ! cmp -s before during &&
	$KSCOPE reset >out && grep -q "1 journal(s) undone, 0 instance(s) removed" out &&
	top_state >after && diff before after && assert_clean
'

test_expect_success ROOT,TRACEFS "--top-level refuses a top level that someone else uses" '
	echo 1 > $TRACEFS/events/sched/sched_wakeup/enable &&
	set +e; $KSCOPE record --top-level -e sched:sched_switch -o busy.dat 2>err; rc=$?; set -e
	echo 0 > $TRACEFS/events/sched/sched_wakeup/enable &&
	cat err && test $rc = 1 && grep -q "enabled by someone else" err && assert_clean
'

test_done
