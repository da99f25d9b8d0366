#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# kscope wakeuptime and offwaketime against a program with known blocks and known
# wakers: tests/lib/profload.c offcpu N blocks its main thread 10 ms in nanosleep (woken
# by the timer interrupt) and 30 ms reading a pipe that a thread of its own writes
# (woken by that thread's write), each round; each writer thread sleeps 30 ms first.
. "$(dirname "$0")/lib.sh"

[ -x "$PROFLOAD_FP" ] || make -s -C "$SRC_DIR" "${PROFLOAD_FP#$SRC_DIR/}" >&2 || exit 1

# wakeuptime folded: waker;its kernel stack root first;woken thread.
W_PIPE="^profload-fp;.*;anon_pipe_write;.*;try_to_wake_up;profload-fp"
W_TIMER="^[^;]*;.*;hrtimer_wakeup;try_to_wake_up;profload-fp"
# offwaketime folded: blocked stack root first;--;waker's stack leaf first;waker.
O_PIPE="^profload-fp;.*;main;run_offcpu;read;.*;__schedule;--;try_to_wake_up;.*;anon_pipe_write;.*;start_thread;profload-fp"
O_NAP="^profload-fp;.*;main;run_offcpu;clock_nanosleep;.*;__schedule;--;try_to_wake_up;hrtimer_wakeup;.*"

test_expect_success PERF "wakeuptime: 300 ms woken by the pipe's writer, 400 ms by the timer" '
	"$KSCOPE" wakeuptime -f -- "$PROFLOAD_FP" offcpu 10 >w 2>err && cat err &&
	pipe=$(weight w "$W_PIPE") && timer=$(weight w "$W_TIMER") &&
	echo "# pipe $pipe timer $timer" &&
	within $pipe 285000 330000 && within $timer 380000 445000 && assert_clean
'

test_expect_success PERF "wakeuptime: bcc layout, -v addresses" '
	"$KSCOPE" wakeuptime -v -- "$PROFLOAD_FP" offcpu 5 >t &&
	head -n 1 t | grep -qx "Tracing blocked time (us) by user + kernel stack... Hit Ctrl-C to end." &&
	grep -B 12 -x "    waker:           profload-fp" t | grep -q "^    target:          profload-fp$" &&
	grep -Eq "^    [0-9a-f]{16} anon_pipe_write$" t &&
	grep -A 1 -x "    waker:           profload-fp" t | grep -Eq "^        [0-9]+$"
'

test_expect_success PERF "offwaketime: the blocked stacks joined to their wakers" '
	"$KSCOPE" offwaketime -f -- "$PROFLOAD_FP" offcpu 10 >o &&
	pipe=$(weight o "$O_PIPE") && nap=$(weight o "$O_NAP") && echo "# pipe $pipe nap $nap" &&
	within $pipe 290000 340000 && within $nap 98000 115000 &&
	"$KSCOPE" offwaketime -- "$PROFLOAD_FP" offcpu 3 >ot &&
	head -n 1 ot | grep -qx "Tracing blocked time (us) by user + kernel off-CPU and waker stack... Hit Ctrl-C to end." &&
	grep -Eq "^    waker:           profload-fp [0-9]+$" ot && grep -qx "    --               --" ot &&
	grep -Eq "^    target:          profload-fp [0-9]+$" ot &&
	"$KSCOPE" offwaketime -f -K -- "$PROFLOAD_FP" offcpu 3 >ok && ! grep -q "run_offcpu" ok &&
	grep -q ";__schedule;--;try_to_wake_up;" ok && assert_clean
'

test_expect_success PERF "JSON and -i: a kscope profile recording with wakeups" '
	"$KSCOPE" offwaketime --json -- "$PROFLOAD_FP" offcpu 5 >o.json &&
	python3 -c "
import json, sys
d = json.load(open(\"o.json\"))
st = [i[\"data\"] for i in d[\"results\"] if i[\"type\"] == \"stack\"]
pipe = sum(s[\"value\"] for s in st if \"anon_pipe_read\" in s[\"kernel\"] and
           \"anon_pipe_write\" in s[\"waker_kernel\"] and s[\"waker\"] == \"profload-fp\")
print(\"# pipe\", pipe)
sys.exit(not 145000 <= pipe <= 170000)
" &&
	"$KSCOPE" wakeuptime --events | grep -qx "kscope profile --off-cpu -e sched:sched_waking -a -o wakeuptime.dat" &&
	"$KSCOPE" profile -q --off-cpu -e sched:sched_waking -o wk.dat -- "$PROFLOAD_FP" offcpu 10 &&
	"$KSCOPE" wakeuptime -i wk.dat -f >wi && within $(weight wi "$W_PIPE") 285000 330000 &&
	"$KSCOPE" offwaketime -i wk.dat -f >oi && within $(weight oi "$O_PIPE") 290000 340000 &&
	"$KSCOPE" profile -q --off-cpu -o nowk.dat -- true &&
	"$KSCOPE" wakeuptime -i nowk.dat 2>err; test $? = 2 &&
	grep -q "has no sched:sched_waking samples; record them with: kscope profile --off-cpu -e sched:sched_waking -a -o nowk.dat" err
'

test_expect_success PERF "-p: only that process's threads woken, wakers from anywhere" '
	"$PROFLOAD_FP" offcpu 40 & pid=$!
	sleep 0.1
	"$KSCOPE" wakeuptime -f -p $pid --duration 1 >p
	wait $pid
	test -s p && test -z "$(grep -v ";profload-fp [0-9]*$" p)" && grep -q "^swapper;" p &&
	assert_clean
'

# profload wake: the main thread blocks in wait_partner until its second thread wakes
# it from wake_partner, 20 ms later, 10 times (both make the system call themselves).
test_expect_success PERF "two threads, one woken by the other from a named function" '
	"$KSCOPE" wakeuptime -f -- "$PROFLOAD_FP" wake 10 >wp &&
	within $(weight wp "^profload-fp;start_thread;waker_loop;wake_partner;entry_SYSCALL.*;anon_pipe_write;.*;try_to_wake_up;profload-fp") 195000 230000 &&
	"$KSCOPE" offwaketime -f -- "$PROFLOAD_FP" wake 10 >op &&
	within $(weight op ";main;run_wake;wait_partner;.*;anon_pipe_read;schedule;__schedule;--;try_to_wake_up;.*;anon_pipe_write;.*;wake_partner;waker_loop;start_thread;profload-fp") 195000 235000 &&
	"$KSCOPE" flame -i op --colors chain -o op.svg && grep -q "wake_partner" op.svg
'

test_expect_success PERF "bad input: one line, exit 2" '
	"$KSCOPE" wakeuptime -f --json 1 2>err; test $? = 2 &&
	"$KSCOPE" wakeuptime -m 9 -M 3 1 2>err; test $? = 2 &&
	"$KSCOPE" wakeuptime -p 1 -u 1 2>err; test $? = 2 &&
	grep -qx "kscope wakeuptime: -p and -u exclude each other" err &&
	"$KSCOPE" wakeuptime -p 999999 1 2>err; test $? = 2 && grep -q "no process with pid 999999" err &&
	"$KSCOPE" offwaketime -U -K 1 2>err; test $? = 2 &&
	"$KSCOPE" offwaketime -t 1 -u 1 2>err; test $? = 2 &&
	"$KSCOPE" offwaketime 1 2 2>err; test $? = 2 &&
	"$KSCOPE" wakeuptime -- sh -c "exit 5" >/dev/null; test $? = 5 && assert_clean
'

test_done
