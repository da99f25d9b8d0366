# SPDX-License-Identifier: GPL-2.0-only
# Profiling on a real distribution kernel: sampled in the guest (no PMU under TCG:
# cpu-clock), checked here, and exported so that the host symbolizes the files with
# the guest's binaries (--symfs) and the guest's kallsyms (stored in the file).
. /tests/lib.sh

test_expect_success "profile -g of a command: the hot functions in their shares" '
	$KSCOPE profile -g -F 499 -o p.dat -- /bin/profload cpu 3 2>err && cat err &&
	grep -q "samples in" err && grep -q ", 0 lost; " err &&
	$KSCOPE report --profile -i p.dat >top && head -12 top &&
	a=$(awk "\$NF == \"spin_a\" { sub(/%/, \"\", \$1); print int(\$1) }" top) &&
	test "$a" -ge 50 && test "$a" -le 70 &&
	$KSCOPE flame -i p.dat --format folded >f &&
	grep -q "^profload;.*main;run_cpu;spin_a " f &&
	export_file p.dat profile.dat
'

test_expect_success "off-CPU stacks of a command, weighted 3:1" '
	$KSCOPE profile -q --off-cpu -o off.dat -- /bin/profload offcpu 10 &&
	$KSCOPE flame -i off.dat --format folded >f &&
	grep ";run_offcpu;" f | cut -c1-160 &&
	pipe=$(grep ";run_offcpu;[^;]*read[^;]*;.*\[off-cpu:S\] " f | awk "{ s += \$NF } END { print s + 0 }") &&
	nap=$(grep ";run_offcpu;[^;]*nanosleep[^;]*;.*\[off-cpu:S\] " f | awk "{ s += \$NF } END { print s + 0 }") &&
	echo "pipe $pipe us, nanosleep $nap us" &&
	test "$pipe" -gt $((nap * 2)) && test "$pipe" -lt $((nap * 4)) &&
	export_file off.dat profile-offcpu.dat
'

test_expect_success "system-wide with DWARF unwinding" '
	/bin/profload cpu 4 & pid=$!
	$KSCOPE profile -q -a --call-graph dwarf --duration 2 -o dw.dat &&
	wait $pid
	$KSCOPE flame -i dw.dat --format folded --pid $pid >f &&
	grep -q ";main;run_cpu;spin_a " f
'

test_done
