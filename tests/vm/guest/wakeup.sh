# SPDX-License-Identifier: GPL-2.0-only
# Wakeup latency tracers on Debian's PREEMPT_RT kernel, and the journal of the top level
# when kscope is interrupted or killed.
. /tests/lib.sh


test_expect_success "latency wakeup_rt measures a SCHED_FIFO task's wakeups" '
	$KSCOPE latency wakeup_rt -- /bin/wakeup-rt 200 1000 >out && cat out &&
	us=$(sed -n "s/^latency: \([0-9]*\) us$/\1/p" out) && test "$us" -gt 0 &&
	grep -qE "^task: +[^ ]+-[0-9]+" out && same_state
'

test_expect_success "latency wakeup (any task)" '
	$KSCOPE latency wakeup -- sh -c "for i in 1 2 3 4 5; do sleep 0.05; done" >out && cat out &&
	us=$(sed -n "s/^latency: \([0-9]*\) us$/\1/p" out) && test "$us" -gt 0 && same_state
'

test_expect_success "latency wakeup_dl with a SCHED_DEADLINE task" '
	if ! /bin/wakeup-rt dl 1 2>/dev/null; then echo "SCHED_DEADLINE refused: skip"; exit 0; fi
	$KSCOPE latency wakeup_dl -- /bin/wakeup-rt dl 2000 >out && cat out &&
	grep -q "^latency: [0-9]* us" out && same_state
'

for sig in INT TERM; do
test_expect_success "SIG$sig during latency wakeup: the top level is restored" "
	\$KSCOPE latency wakeup --threshold 10 >out 2>&1 &
	pid=\$!
	sleep 2
	grep -q wakeup \$TRACEFS/current_tracer &&
	kill -$sig \$pid && wait \$pid; same_state
"
done

test_expect_success "SIGKILL during latency wakeup: kscope reset restores the top level" '
	$KSCOPE latency wakeup --threshold 10 >out 2>&1 &
	pid=$!
	sleep 2
	grep -q wakeup $TRACEFS/current_tracer && test "$(cat $TRACEFS/tracing_thresh)" = 10 &&
	kill -KILL $pid; wait $pid
	grep -q wakeup $TRACEFS/current_tracer &&
	$KSCOPE reset && same_state
'

test_done
