#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# kscope record: what goes into trace.dat, checked with trace-cmd report and kscope report.
. "$(dirname "$0")/lib.sh"

# Body lines of a report (the "cpus=N" header dropped).
events_of() { sed 1d "$1"; }

test_expect_success ROOT,TRACEFS,INSTANCES "record -- cmd writes a trace.dat v6 and stops when cmd exits" '
	$KSCOPE record -e sched:sched_switch -e sched_wakeup -o t.dat -- $LOADGEN sleep 20 5 2>sum &&
	head -c 13 t.dat | od -c | head -1 | grep -q "t   r   a   c   i   n   g   6" &&
	grep -E "^kscope record: [0-9]+ events .* -> t.dat" sum &&
	grep -E "^  cpu0 +[0-9]+ events +[0-9]+ lost" sum &&
	$KSCOPE report -i t.dat >k.txt && test $(events_of k.txt | wc -l) -ge 20 &&
	grep -q "sched_switch: .*loadgen" k.txt && assert_clean
'

test_expect_success ROOT,TRACEFS,TRACECMD "trace-cmd report reads kscope's file: same events, same text" '
	trace-cmd report -i t.dat >tc.txt 2>tc.err &&
	$KSCOPE report -i t.dat >k.txt &&
	test $(wc -l <tc.txt) -gt 20 &&
	cmp tc.txt k.txt
'

test_expect_success ROOT,TRACEFS "summary counts equal the events in the file" '
	n=$(sed -nE "s/^kscope record: ([0-9]+) events.*/\1/p" sum) &&
	test "$n" = $(events_of k.txt | wc -l)
'

test_expect_success ROOT,TRACEFS,TRACECMD "trace-cmd sees kscope's clock, uname and per-CPU stats" '
	trace-cmd report -i t.dat --stat >st 2>&1 &&
	grep -q "^CPU: 0" st && grep -q "overrun:" st &&
	trace-cmd report -i t.dat --uname >un 2>&1 && grep -q "$(uname -r)" un
'

test_expect_success ROOT,TRACEFS "-f applies the filter to the preceding -e only" '
	$KSCOPE record -q -e sched:sched_switch -f "prev_comm == \"loadgen\"" -e sched:sched_wakeup \
		-o f.dat -- $LOADGEN sleep 10 5 &&
	$KSCOPE report -i f.dat --events sched_switch >sw && test $(events_of sw | wc -l) -ge 5 &&
	! events_of sw | grep -v "sched_switch: *loadgen:" &&
	$KSCOPE report -i f.dat --events sched_wakeup >wk && test $(events_of wk | wc -l) -gt 0 &&
	events_of wk | grep -qv "sched_wakeup: *loadgen:"
'

test_expect_success ROOT,TRACEFS,TRIGGERS "-T records a kernel stack after each event" '
	$KSCOPE record -q -T -e sched:sched_switch -o st.dat -- $LOADGEN sleep 5 5 &&
	$KSCOPE report -i st.dat >r &&
	sw=$(grep -c " sched_switch: " r) && ks=$(grep -c " kernel_stack: " r) &&
	test $sw -gt 0 && test $ks = $sw && grep -q "=> __schedule" r
'

# With a pid filter the kernel keeps sched_switch events whose prev OR next task
# matches, so check per-task syscall events instead.
test_expect_success ROOT,TRACEFS "-F traces only the command; -c adds its children" '
	$KSCOPE record -q -F -e raw_syscalls:sys_enter -o p.dat -- \
		sh -c "$LOADGEN sleep 3 5; $LOADGEN sleep 3 5" &&
	$KSCOPE report -i p.dat >r1 && grep -q "^ *sh-" r1 && ! grep -q "loadgen-" r1 &&
	$KSCOPE record -q -F -c -e raw_syscalls:sys_enter -o c.dat -- \
		sh -c "$LOADGEN sleep 3 5; $LOADGEN sleep 3 5" &&
	$KSCOPE report -i c.dat >r2 && grep -q "^ *loadgen-" r2 &&
	! events_of r2 | grep -vE "^ *(sh|loadgen|kscope)-"
'

test_expect_success ROOT,TRACEFS "-P limits events to a running pid" '
	$LOADGEN sleep 200 10 & pid=$!
	$KSCOPE record -q -P $pid -e raw_syscalls:sys_enter -o pid.dat --duration 1 &&
	kill $pid; wait $pid || true
	$KSCOPE report -i pid.dat --stat >s && test $(sed -nE "s/^events: +([0-9]+).*/\1/p" s) -gt 0 &&
	$KSCOPE report -i pid.dat >r && ! events_of r | grep -v -- "-$pid "
'

test_expect_success ROOT,TRACEFS "--duration stops the recording; -b and -C reach the instance" '
	$KSCOPE record -e sched:sched_switch -b 256 -C mono -o d.dat --duration 1.5 2>sum &
	kpid=$!
	sleep 0.7
	inst=$(ls -d $TRACEFS/instances/kscope-record-$kpid) &&
	kb=$(cat $inst/buffer_size_kb) && test $kb -ge 256 && test $kb -lt 300 &&
	grep -q "\[mono\]" $inst/trace_clock &&
	wait $kpid &&
	secs=$(sed -nE "s/.* in ([0-9.]+)s -> .*/\1/p" sum) &&
	awk -v s=$secs "BEGIN { exit !(s >= 1.4 && s < 3) }" &&
	$KSCOPE report -i d.dat --stat | grep -q "^clock: *mono" && assert_clean
'

test_expect_success ROOT,TRACEFS "a high event rate is recorded without silent loss" '
	$KSCOPE record -e raw_syscalls -o hi.dat -- $LOADGEN syscalls 1 2>sum &&
	n=$(sed -nE "s/^kscope record: ([0-9]+) events.*/\1/p" sum) &&
	test $n -gt 200000 &&
	test "$($KSCOPE report -i hi.dat --stat | sed -nE "s/^events: +([0-9]+).*/\1/p")" = $n &&
	lost=$(awk "/^  cpu/ { s += \$4 } END { print s }" sum) &&
	if [ $lost -gt 0 ]; then grep -q "WARNING: $lost events lost" sum; fi
'

test_expect_success ROOT,TRACEFS "status line on a terminal shows rate and lost events" '
	command -v script >/dev/null || exit 0
	script -qec "$KSCOPE record -e sched -o tty.dat --duration 2.5" /dev/null >tty.out &&
	grep -aE "kscope record: [0-9.]+s .*/s\).* events \([0-9]+/s\) +lost [0-9]+" tty.out
'

test_done
