#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# kscope profile --off-cpu: blocked stacks from sched:sched_switch samples, weighted by
# the time off CPU. The workload (tests/lib/profload.c offcpu) sleeps 10 ms in
# nanosleep and blocks 30 ms on a pipe each round: the weights must be 1:3.
. "$(dirname "$0")/lib.sh"

[ -x "$PROFLOAD_FP" ] || make -s -C "$SRC_DIR" "${PROFLOAD_FP#$SRC_DIR/}" >&2 || exit 1

test_expect_success PERF "--off-cpu of a command: pipe and sleep weighted 3:1" '
	"$KSCOPE" profile --off-cpu -g -o off.dat -- "$PROFLOAD_FP" offcpu 20 2>err &&
	cat err &&
	grep -q "sched:sched_switch" err &&
	"$KSCOPE" flame -i off.dat --format folded >off.folded &&
	pipe=$(weight off.folded ";main;run_offcpu;read;.*;anon_pipe_read_\[k\];.*\[off-cpu:S\]") &&
	nap=$(weight off.folded ";main;run_offcpu;clock_nanosleep[^;]*;.*do_nanosleep_\[k\];.*\[off-cpu:S\]") &&
	echo "pipe $pipe us, nanosleep $nap us" &&
	within "$pipe" 500000 800000 &&
	within "$nap" 150000 300000 &&
	within "$(awk -v p=$pipe -v n=$nap "BEGIN { print p / n }")" 2.5 3.5
'

test_expect_success PERF "the SVG counts microseconds; --state filters by how threads blocked" '
	"$KSCOPE" flame -i off.dat -o off.svg &&
	grep -q " us, " off.svg &&
	"$KSCOPE" flame -i off.dat --format folded --state S >s.folded &&
	test "$(weight s.folded ";main;run_offcpu;read;")" = "$(weight off.folded ";main;run_offcpu;read;")" &&
	"$KSCOPE" flame -i off.dat --format folded --state R >r.folded 2>r.err;
	test $? = 0 -o $? = 2 &&
	! grep -q ";main;run_offcpu;read;" r.folded
'

test_expect_success PERF "report --profile on an off-CPU profile counts microseconds" '
	"$KSCOPE" report --profile -i off.dat >top.txt &&
	grep -q "sched:sched_switch (off-CPU)" top.txt &&
	grep -q " us$" <(sed -n 2p top.txt) &&
	grep -q "anon_pipe_read \[k\]" top.txt
'

test_expect_success PERF "hot/cold: on-CPU and off-CPU stacks in one graph" '
	"$KSCOPE" profile -q --off-cpu -e cpu-clock -F 499 -g -o hc.dat -- \
		sh -c "\"$PROFLOAD_FP\" cpu 0.5; \"$PROFLOAD_FP\" offcpu 5" &&
	"$KSCOPE" flame -i hc.dat --format folded >hc.folded &&
	on=$(weight hc.folded ";run_cpu;spin_a") && off=$(weight hc.folded ";main;run_offcpu;read;.*\[off-cpu:S\]") &&
	echo "on $on us, off $off us" &&
	within "$on" 150000 450000 && within "$off" 100000 250000 &&
	"$KSCOPE" flame -i hc.dat --format folded --on-cpu >on.folded &&
	! grep -q "off-cpu" on.folded &&
	"$KSCOPE" flame -i hc.dat --format folded --off-cpu >offonly.folded &&
	! grep -v "\[off-cpu:[A-Z]\] [0-9]*$" offonly.folded
'

test_expect_success PERF "-p with --off-cpu follows the threads it starts (context switches)" '
	"$PROFLOAD_FP" offcpu 40 & pid=$!
	sleep 0.2 &&
	"$KSCOPE" profile -q --off-cpu -g -p $pid --duration 1 -o pidoff.dat &&
	wait $pid
	"$KSCOPE" flame -i pidoff.dat --format folded >pidoff.folded &&
	pipe=$(weight pidoff.folded ";read;.*\[off-cpu:S\]") &&
	test "$pipe" -gt 300000 &&
	grep -q "^profload-fp;start_thread;" pidoff.folded
'

test_expect_success PERF "system-wide off-CPU (implies -g): intervals end at switch-in, exits do not count" '
	"$PROFLOAD_FP" offcpu 40 & pid=$!
	sleep 0.2 &&
	"$KSCOPE" profile -q -a --off-cpu --duration 1 -o sysoff.dat &&
	wait $pid
	"$KSCOPE" flame -i sysoff.dat --format folded >all.folded &&
	! grep -q "do_task_dead" all.folded &&
	"$KSCOPE" flame -i sysoff.dat --format folded --pid $pid >sysoff.folded &&
	pipe=$(weight sysoff.folded ";run_offcpu;read;.*\[off-cpu:S\]") &&
	nap=$(weight sysoff.folded ";run_offcpu;clock_nanosleep[^;]*;.*\[off-cpu:S\]") &&
	echo "pipe $pipe nap $nap" &&
	within "$(awk -v p=$pipe -v n=$nap "BEGIN { print p / n }")" 2.3 3.7
'

test_done
