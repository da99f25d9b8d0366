#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# kscope profile: on-CPU sampling of a workload with known shares (tests/lib/profload.c),
# frame-pointer and DWARF call graphs, -p and -a targets, the file as trace-cmd sees
# it, file:line, --symfs, binaries without symbols, report --profile.
. "$(dirname "$0")/lib.sh"

for b in "$PROFLOAD_FP" "$PROFLOAD_NOFP"; do
	[ -x "$b" ] || make -s -C "$SRC_DIR" "${b#$SRC_DIR/}" >&2 || exit 1
done

# share FOLDED REGEX: percentage of the weight whose stack matches the extended REGEX.
share() {
	t=$(awk '{ t += $NF } END { print t + 0 }' "$1")
	m=$(sed 's/ \([0-9]*\)$/\t\1/' "$1" | grep -E -- "$2"$'\t' | awk '{ m += $NF } END { print m + 0 }')
	[ "$t" -gt 0 ] || { echo "no samples in $1"; return 1; }
	awk -v m="$m" -v t="$t" 'BEGIN { printf "%.1f\n", 100 * m / t }'
}

# within VALUE LOW HIGH

test_expect_success PERF "profile -g of a command writes a trace.dat of samples" '
	"$KSCOPE" profile -g -F 499 -o cpu.dat -- "$PROFLOAD_FP" cpu 2 2>err &&
	cat err &&
	grep -q "samples in" err &&
	grep -q "call graph fp" err &&
	test -s cpu.dat
'

test_expect_success PERF "the profile has the expected shares (60/30/10) and call chains" '
	"$KSCOPE" flame -i cpu.dat --format folded >cpu.folded &&
	a=$(share cpu.folded ";main;run_cpu;spin_a") && within "$a" 52 68 &&
	b=$(share cpu.folded ";main;run_cpu;spin_b") && within "$b" 23 37 &&
	c=$(share cpu.folded ";run_cpu(;recurse){41};spin_c") && within "$c" 6 14 &&
	grep -q "^profload-fp;" cpu.folded
'

test_expect_success PERF "report --profile: self and total per function" '
	"$KSCOPE" report --profile -i cpu.dat >top.txt &&
	cat top.txt &&
	grep -q "^# kscope profile: cpu-clock at 499 Hz, call graph fp, command: " top.txt &&
	self=$(awk "\$NF == \"spin_a\" { sub(/%/, \"\", \$1); print \$1 }" top.txt) &&
	within "$self" 52 68 &&
	total=$(awk "\$NF == \"run_cpu\" { sub(/%/, \"\", \$2); print \$2 }" top.txt) &&
	within "$total" 95 100 &&
	rec=$(awk "\$NF == \"recurse\" { sub(/%/, \"\", \$1); print \$1 }" top.txt) &&
	within "$rec" 0 1 &&
	"$KSCOPE" report --profile --sort total -i cpu.dat >total.txt &&
	cat total.txt &&
	# the outermost frame first (a sample taken in ld.so before main has another root)
	sed -n "5,6p" total.txt | awk "{ v = \$2; sub(/%/, \"\", v); t[NR] = v + 0 }
		END { exit !(t[1] >= 99 && t[1] >= t[2]) }"
'

test_expect_success PERF,TRACECMD "trace-cmd report reads the profile: samples, mmaps, comms" '
	trace-cmd report -i cpu.dat >tc.txt 2>tc.err &&
	n=$(grep -c " sample: " tc.txt) && test "$n" -ge 50 &&
	test "$n" = "$(sed -n "2s/^# \([0-9]*\) on-CPU samples.*/\1/p" top.txt)" &&
	grep -q " mmap: .*profload-fp" tc.txt &&
	grep -q " comm: .*exec=1 comm=profload-fp" tc.txt
'

test_expect_success PERF "--srcline names profload.c lines inside each function" '
	"$KSCOPE" flame -i cpu.dat --format folded --srcline >src.folded &&
	line=$(sed -n "s/.*;spin_a (profload.c:\([0-9]*\)) [0-9]*$/\1/p" src.folded | sort | uniq -c |
	       sort -rn | awk "NR == 1 { print \$2 }") &&
	first=$(grep -n "^NOINLINE void spin_a" "$SRC_DIR/tests/lib/profload.c" | cut -d: -f1) &&
	last=$(grep -n "^NOINLINE void spin_b" "$SRC_DIR/tests/lib/profload.c" | cut -d: -f1) &&
	within "$line" "$first" "$last"
'

test_expect_success PERF "--inline: inlined functions as frames of their own" '
	"$KSCOPE" flame -i cpu.dat --format folded --inline >inl.folded &&
	grep -q ";main;run_cpu;spin_b;mix_b_\[i\] " inl.folded &&
	! grep -q "mix_b" cpu.folded &&
	b=$(share inl.folded ";run_cpu;spin_b;mix_b_\[i\]") && within "$b" 20 37
'

test_expect_success PERF "DWARF unwinding recovers stacks that frame pointers lose" '
	"$KSCOPE" profile -q -g -F 499 -o nofp-fp.dat -- "$PROFLOAD_NOFP" cpu 1 &&
	"$KSCOPE" flame -i nofp-fp.dat --format folded >nofp-fp.folded &&
	fp=$(share nofp-fp.folded ";main;run_cpu;spin_[ab]") &&
	within "$fp" 0 20 &&
	"$KSCOPE" profile --call-graph dwarf -F 499 -o nofp-dw.dat -- "$PROFLOAD_NOFP" cpu 1 2>err &&
	grep -q "call graph dwarf" err &&
	"$KSCOPE" flame -i nofp-dw.dat --format folded >nofp-dw.folded &&
	dw=$(share nofp-dw.folded "_start;__libc_start_main;__libc_start_call_main;main;run_cpu;spin_[ab]") &&
	within "$dw" 75 100 &&
	grep -E -q ";run_cpu(;recurse){41};spin_c [0-9]+$" nofp-dw.folded
'

test_expect_success PERF,TRACECMD "trace-cmd reads the DWARF profile (64 KiB pages)" '
	trace-cmd report -i nofp-dw.dat | grep -c " sample: " >n &&
	test "$(cat n)" -ge 100
'

test_expect_success PERF "-p PID: a running process, its maps synthesized from /proc" '
	"$PROFLOAD_FP" sleep 4 & pid=$!
	sleep 0.3 &&
	"$KSCOPE" profile -q -g -F 999 -p $pid --duration 1.5 -o pid.dat &&
	"$KSCOPE" flame -i pid.dat --format folded >pid.folded &&
	kill $pid; wait $pid
	grep -q "^profload-fp;.*main;run_sleep;spin_a " pid.folded &&
	! grep -v "^profload-fp;" pid.folded
'

test_expect_success PERF "-a: every process, filtered later with --comm and --pid" '
	"$PROFLOAD_FP" cpu 3 & pid=$!
	sleep 0.3 &&
	"$KSCOPE" profile -q -a -g --duration 1 -o all.dat &&
	kill $pid; wait $pid
	"$KSCOPE" flame -i all.dat --format folded --comm profload-fp >all.folded &&
	grep -q "^profload-fp;.*;main;run_cpu;spin_a " all.folded &&
	! grep -v "^profload-fp;" all.folded &&
	"$KSCOPE" flame -i all.dat --format folded --pid $pid --per-pid >pid.folded &&
	grep -q "^profload-fp-$pid;" pid.folded &&
	! grep -v "^profload-fp-$pid;" pid.folded
'

test_expect_success PERF "-p stops when the process exits; -a with a command stops with it" '
	"$PROFLOAD_FP" sleep 1 & pid=$!
	timeout 20 "$KSCOPE" profile -q -p $pid -o gone.dat &&
	wait $pid
	test -s gone.dat &&
	timeout 20 "$KSCOPE" profile -q -a -g -o acmd.dat -- "$PROFLOAD_FP" cpu 0.5 &&
	"$KSCOPE" report --profile -i acmd.dat >acmd.txt &&
	grep -q "^# kscope profile: .*, system: .*profload-fp cpu 0.5" acmd.txt &&
	grep -q " spin_a$" acmd.txt
'

test_expect_success PERF "-F 999 on every CPU with call stacks loses nothing" '
	"$PROFLOAD_FP" cpu 3 & p1=$!
	"$PROFLOAD_NOFP" cpu 3 & p2=$!
	"$KSCOPE" profile -a -g -F 999 --duration 2 -o busy.dat 2>err; rc=$?
	wait $p1 $p2
	cat err && test $rc = 0 &&
	grep -q ", 0 lost; " err &&
	! grep -q "warning" err &&
	"$KSCOPE" report --profile -i busy.dat | sed -n 2p | grep -q ", 0 lost; " &&
	n=$("$KSCOPE" report --profile -i busy.dat | sed -n "2s/^# \([0-9]*\) on-CPU.*/\1/p") &&
	echo "$n samples" && test "$n" -ge 1500
'

test_expect_success PERF "Ctrl-C (SIGINT) and SIGTERM end a profile and keep what was sampled" '
	for sig in INT TERM; do
		"$KSCOPE" profile -a -g -o sig-$sig.dat 2>sig.err & k=$!
		sleep 1.5
		kill -$sig $k
		wait $k || { cat sig.err; exit 1; }
		grep -q "stopped by" sig.err &&
		"$KSCOPE" report --profile -i sig-$sig.dat >sig.txt &&
		test "$(sed -n "2s/^# \([0-9]*\) on-CPU.*/\1/p" sig.txt)" -gt 0 || exit 1
	done
'

test_expect_success PERF "-C limits sampling to the CPUs given" '
	"$KSCOPE" profile -q -a -C 0 --duration 0.5 -o cpu0.dat &&
	"$KSCOPE" report -i cpu0.dat --events kscope:sample | grep " sample: " >s.txt &&
	test -s s.txt &&
	! grep -v "\[000\]" s.txt
'

test_expect_success PERF "--symfs finds binaries that moved (a board's root on the host)" '
	mkdir -p moved/opt/app sysroot/opt/app &&
	cp "$PROFLOAD_FP" moved/opt/app/prog &&
	"$KSCOPE" profile -q -g -o moved.dat -- "$PWD/moved/opt/app/prog" cpu 0.5 &&
	mkdir -p "sysroot$PWD/moved/opt/app" &&
	mv moved/opt/app/prog "sysroot$PWD/moved/opt/app/prog" &&
	"$KSCOPE" flame -i moved.dat --format folded >nosym.folded 2>nosym.err &&
	grep -q "^kscope flame: moved.dat: $PWD/moved/opt/app/prog: " nosym.err &&
	grep -q ";\[prog\] " nosym.folded &&
	"$KSCOPE" flame -i moved.dat --format folded --symfs "$PWD/sysroot" >sym.folded 2>sym.err &&
	grep -q ";main;run_cpu;spin_a " sym.folded &&
	! grep -q "moved/opt/app/prog" sym.err
'

test_expect_success PERF "a stripped binary: one [binary] frame, one warning" '
	cp "$PROFLOAD_FP" stripped && strip stripped &&
	"$KSCOPE" profile -q -g -o strip.dat -- ./stripped cpu 0.5 &&
	"$KSCOPE" flame -i strip.dat -o strip.svg 2>err &&
	test "$(grep -c "^kscope flame: strip.dat: .*/stripped: " err)" = 1 &&
	grep -q "\[stripped\]" strip.svg &&
	"$KSCOPE" flame -i strip.dat --format pprof -o strip.pb.gz 2>/dev/null &&
	"$KSCOPE" report --profile -i strip.dat | grep -q " stripped  *\[stripped\]$"
'

test_expect_success ROOT "an unprivileged user profiles their own command (user space only)" '
	if [ "$(cat /proc/sys/kernel/perf_event_paranoid)" -gt 2 ]; then
		echo "# perf_event_paranoid > 2: no perf_event for users at all"; exit 0
	fi
	mkdir -m 777 user && cp "$PROFLOAD_FP" user/prog && chmod 755 user/prog &&
	(cd user && setpriv --reuid=65534 --regid=65534 --clear-groups \
		"$KSCOPE" profile -g -F 499 -o u.dat -- ./prog cpu 0.5) 2>err &&
	cat err &&
	if [ "$(cat /proc/sys/kernel/perf_event_paranoid)" -ge 2 ]; then
		grep -q "user space only" err
	fi &&
	"$KSCOPE" flame -i user/u.dat --format folded >u.folded &&
	grep -q "^prog;__libc_start_call_main;main;run_cpu;spin_a " u.folded &&
	(cd user && setpriv --reuid=65534 --regid=65534 --clear-groups \
		"$KSCOPE" profile -a --duration 0.1 -o a.dat) 2>err; test $? = 1 &&
	grep -q "perf_event_paranoid" err
'

test_expect_success PERF "profiling changes nothing in tracefs" '
	assert_clean
'

test_done
