# SPDX-License-Identifier: GPL-2.0-only
# Latency tracers on the custom 6.1 kernel (irqsoff, preemptoff; no BTF). Load from
# user space: reading /proc/kallsyms holds locks with preemption off for a while.
. /tests/lib.sh

load() { for i in 1 2 3; do cat /proc/kallsyms >/dev/null; done; }

for t in irqsoff preemptoff preemptirqsoff; do
test_expect_success "latency $t: a measured maximum with its stack" "
	\$KSCOPE latency $t -- sh -c 'for i in 1 2 3; do cat /proc/kallsyms >/dev/null; done' >out &&
	cat out && us=\$(sed -n 's/^latency: \([0-9]*\) us\$/\1/p' out) && test \"\$us\" -gt 0 &&
	grep -q '^started: ' out && grep -q '^ => ' out && same_state
"
done

test_expect_success "latency irqsoff --threshold lists every latency above it" '
	$KSCOPE latency irqsoff --threshold 100 --duration 3 -- sh -c "cat /proc/kallsyms >/dev/null; sleep 1; cat /proc/kallsyms >/dev/null" >out &&
	cat out && n=$(sed -n "s/^\([0-9]*\) latenc.* above 100 us$/\1/p" out) && test "$n" -ge 1 &&
	test $(grep -c "^latency: [0-9]* us  irqsoff  cpu" out) = $n && same_state
'

test_expect_success "record -p irqsoff writes trace.dat and prints the latency" '
	$KSCOPE record -p irqsoff -o lat.dat -- cat /proc/kallsyms >/dev/null 2>sum &&
	cat sum && grep -q "^kscope record: irqsoff latency: [0-9]* us" sum && same_state &&
	export_file lat.dat irqsoff.dat
'

test_expect_success "--function-trace is off unless asked" '
	$KSCOPE latency irqsoff --duration 1 >out && ! grep -q "function-trace" out && same_state
'

test_done
