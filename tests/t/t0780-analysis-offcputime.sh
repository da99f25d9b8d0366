#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# kscope offcputime against a program with known blocks: tests/lib/profload.c offcpu
# sleeps 10 ms in nanosleep and blocks 30 ms on a pipe, 20 rounds, so its main thread
# is off CPU 200 ms in clock_nanosleep and 600 ms in read, each writer thread 30 ms in
# clock_nanosleep. bcc's layout, folded lines, JSON, the filters, and a recording of
# kscope profile --off-cpu read with -i.
. "$(dirname "$0")/lib.sh"

[ -x "$PROFLOAD_FP" ] || make -s -C "$SRC_DIR" "${PROFLOAD_FP#$SRC_DIR/}" >&2 || exit 1

NAP="^profload-fp;.*;main;run_offcpu;clock_nanosleep;.*;do_nanosleep;schedule;__schedule"
PIPE="^profload-fp;.*;main;run_offcpu;read;.*;anon_pipe_read;schedule;__schedule"
WRITER="^profload-fp;start_thread;clock_nanosleep;.*;do_nanosleep;schedule;__schedule"

test_expect_success PERF "a command's blocks, folded: 200 ms asleep, 600 ms on the pipe" '
	"$KSCOPE" offcputime -f -- "$PROFLOAD_FP" offcpu 20 >f 2>err && cat err &&
	nap=$(weight f "$NAP") && pipe=$(weight f "$PIPE") && wr=$(weight f "$WRITER") &&
	echo "# nap $nap pipe $pipe writers $wr" &&
	within $nap 200000 230000 && within $pipe 570000 660000 && within $wr 600000 690000 &&
	test $(grep -c "$WRITER" f) -ge 18 && ! grep -q "^Tracing" f && assert_clean
'

test_expect_success PERF "bcc layout: frames leaf first, the thread, the total; largest last" '
	"$KSCOPE" offcputime -- "$PROFLOAD_FP" offcpu 10 >t 2>err &&
	head -n 1 t | grep -qx "Tracing off-CPU time (us) of the command by user + kernel stack... Hit Ctrl-C to end." &&
	sed -n 2p t | grep -qx "" &&
	tail -n 1 t | grep -qx "" && tail -n 2 t | head -n 1 | grep -Eq "^        [0-9]+$" &&
	tail -n 3 t | head -n 1 | grep -Eq "^    -                profload-fp \([0-9]+\)$" &&
	grep -B 20 -- "-                profload-fp" t | grep -q "^    anon_pipe_read$" &&
	awk "/^        [0-9]+$/ { if (\$1 < last) bad = 1; last = \$1 } END { exit bad }" t
'

test_expect_success PERF "-K, -U, -d, -m, --state, -k: what each leaves out" '
	"$KSCOPE" offcputime -f -K -- "$PROFLOAD_FP" offcpu 5 >k &&
	grep -q "^profload-fp;entry_SYSCALL_64_after_hwframe;.*;__schedule [0-9]*$" k &&
	! grep -q "main;" k &&
	"$KSCOPE" offcputime -f -U -- "$PROFLOAD_FP" offcpu 5 >u &&
	grep -q "^profload-fp;.*;main;run_offcpu;read [0-9]*$" u && ! grep -q "__schedule" u &&
	"$KSCOPE" offcputime -f -d -- "$PROFLOAD_FP" offcpu 5 >d &&
	grep -q ";main;run_offcpu;read;-;entry_SYSCALL" d &&
	"$KSCOPE" offcputime -d -- "$PROFLOAD_FP" offcpu 5 >dt && grep -qx "    --" dt &&
	"$KSCOPE" offcputime -f -m 20000 -- "$PROFLOAD_FP" offcpu 5 >m &&
	test "$(weight m "$NAP")" = 0 && within $(weight m "$PIPE") 140000 170000 &&
	"$KSCOPE" offcputime -f -M 20000 -- "$PROFLOAD_FP" offcpu 5 >mm &&
	test "$(weight mm "$PIPE")" = 0 && within $(weight mm "$NAP") 50000 60000 &&
	"$KSCOPE" offcputime -f --state 2 -- "$PROFLOAD_FP" offcpu 5 >st &&
	test "$(weight st "$PIPE")" = 0 && test "$(weight st "$NAP")" = 0 &&
	"$KSCOPE" offcputime -f --state 1 -- "$PROFLOAD_FP" offcpu 5 >s1 &&
	within $(weight s1 "$PIPE") 140000 170000 &&
	"$KSCOPE" offcputime -f -k -- "$PROFLOAD_FP" offcpu 5 >kt && ! grep -q "^profload-fp" kt &&
	assert_clean
'

test_expect_success PERF "JSON: one document, a stack item per thread and stack" '
	"$KSCOPE" offcputime --json -- "$PROFLOAD_FP" offcpu 5 >j.json &&
	python3 -c "
import json, sys
d = json.load(open(\"j.json\"))
st = [i[\"data\"] for i in d[\"results\"] if i[\"type\"] == \"stack\"]
pipe = sum(s[\"value\"] for s in st if \"anon_pipe_read\" in s[\"kernel\"] and \"run_offcpu\" in s[\"user\"])
print(\"# pipe\", pipe)
sys.exit(not (d[\"analysis\"] == \"offcputime\" and d[\"final\"] and 140000 <= pipe <= 170000 and
              all(s[\"comm\"] == \"profload-fp\" for s in st)))
"
'

test_expect_success PERF "-i: a kscope profile --off-cpu recording, the same blocks" '
	"$KSCOPE" profile -q --off-cpu -o off.dat -- "$PROFLOAD_FP" offcpu 10 &&
	"$KSCOPE" offcputime -i off.dat -f >i && within $(weight i "$PIPE") 285000 330000 &&
	within $(weight i "$NAP") 100000 115000 &&
	"$KSCOPE" offcputime --events | grep -qx "kscope profile --off-cpu -a -o offcputime.dat"
'

test_expect_success PERF "system-wide for a duration: the program, not kscope itself" '
	"$PROFLOAD_FP" offcpu 40 & pid=$!
	"$KSCOPE" offcputime -f 1 >sw
	wait $pid
	grep -q "^profload-fp;.*;run_offcpu;read;" sw && ! grep -q "^kscope;" sw
	"$PROFLOAD_FP" offcpu 40 & pid=$!
	sleep 0.1
	"$KSCOPE" offcputime -f -p $pid --duration 1 >p
	wait $pid
	grep -q "^profload-fp;" p && test -z "$(grep -v "^profload-fp;" p)" && assert_clean
'

test_expect_success PERF "exit status, bad input: one line, exit 2" '
	"$KSCOPE" offcputime -- sh -c "exit 7" >/dev/null; test $? = 7 &&
	"$KSCOPE" offcputime -U -K 1 2>err; test $? = 2 && grep -q "exclude" err &&
	"$KSCOPE" offcputime -f --json 1 2>err; test $? = 2 &&
	"$KSCOPE" offcputime -m 10 -M 5 1 2>err; test $? = 2 &&
	"$KSCOPE" offcputime 1 2 2>err; test $? = 2 && grep -q "one operand" err &&
	"$KSCOPE" offcputime abc 2>err; test $? = 2 &&
	"$KSCOPE" offcputime --state x 2>err; test $? = 2 &&
	"$KSCOPE" record -q -e sched:sched_switch -o r.dat --duration 0.1 &&
	"$KSCOPE" offcputime -i r.dat 2>err; test $? = 2 && test $(wc -l <err) = 1 &&
	"$KSCOPE" offcputime -- /nonexistent/cmd 2>err; test $? = 2 && grep -q "cannot run" err &&
	assert_clean
'

test_done
