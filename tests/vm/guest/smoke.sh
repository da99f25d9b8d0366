# SPDX-License-Identifier: GPL-2.0-only
# Smoke test: kscope runs on this kernel, records and reports.
. /tests/lib.sh

test_expect_success "check sees the function tracer and kprobes" '
	$KSCOPE check >c && cat c &&
	grep -E "^function +yes" c && grep -E "^kprobe_events +yes" c
'

test_expect_success "record sched events with a stack trace, report them" '
	$KSCOPE record -q -T -e sched:sched_switch -o s.dat -- $LOADGEN sleep 5 5 &&
	$KSCOPE report -i s.dat >r && grep -q "sched_switch:" r && grep -q "kernel_stack:" r &&
	export_file s.dat smoke-sched.dat
'

test_done
