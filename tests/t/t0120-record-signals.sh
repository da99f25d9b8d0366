#!/bin/bash
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

test_done
