# SPDX-License-Identifier: GPL-2.0-only
# Tracers and probes on a Debian generic kernel: function, function_graph, kprobes,
# uprobes. Files go back to the host for trace-cmd report.
. /tests/lib.sh


test_expect_success "function tracer with -l: caller <- parent lines" '
	$KSCOPE record -q -p function -l "vfs_read" -l "ksys_read" -o fn.dat -- cat /proc/version &&
	$KSCOPE report -i fn.dat >r && grep -q "function: *vfs_read <-- ksys_read" r &&
	! grep "function:" r | grep -vE "function: *(vfs_read|ksys_read) <--" &&
	same_state && export_file fn.dat function.dat
'

test_expect_success "function tracer with -n excludes functions" '
	$KSCOPE record -q -p function -l "vfs_*" -n "vfs_read" -o fn2.dat -- cat /proc/version &&
	$KSCOPE report -i fn2.dat >r && grep -q "function: *vfs_" r && ! grep -q "function: *vfs_read <--" r &&
	same_state
'

test_expect_success "function_graph with -g and --max-graph-depth (top level, journaled)" '
	$KSCOPE record -q -p function_graph -g vfs_read --max-graph-depth 3 -o fg.dat -- cat /proc/version &&
	$KSCOPE report -i fg.dat >r && grep -q "vfs_read() {" r && grep -q "} /\* vfs_read \*/" r &&
	grep -qE "[0-9]+\.[0-9]+ us +\|" r &&
	same_state && export_file fg.dat funcgraph.dat
'

test_expect_success "function_graph --graph-stats: per-function count, total, average, max" '
	$KSCOPE report -i fg.dat --graph-stats >st && grep -E "^ *[0-9]+ +[0-9.]+ +[0-9.]+ +[0-9.]+ +vfs_read$" st
'

test_expect_success "function_graph --duration-min keeps only long calls" '
	$KSCOPE record -q -p function_graph -g vfs_read --duration-min 50 -o fgt.dat -- cat /proc/kallsyms >/dev/null &&
	$KSCOPE report -i fgt.dat --graph-stats >st && cat st && same_state
'

test_expect_success "kprobe with fetch args and kretprobe with the return value" '
	$KSCOPE record -q --kprobe "p:kscope/rd vfs_read count=\$arg3:u64" --kretprobe "vfs_read" \
		-F -o kp.dat -- dd if=/proc/version of=/dev/null bs=64 &&
	$KSCOPE report -i kp.dat >r && head -5 r && grep -q " rd: .* count=[0-9]" r &&
	grep -q " vfs_read_ret: .*ret=" r &&
	test -z "$(grep kscope $TRACEFS/kprobe_events)" && same_state && export_file kp.dat kprobe.dat
'

test_expect_success "a rejected kprobe prints the kernel error and a hint" '
	set +e; $KSCOPE record --kprobe "no_such_function_xyz" -o x.dat --duration 0.1 2>err; rc=$?; set -e
	cat err; test $rc != 0 && grep -q "available_filter_functions" err && same_state
'

test_expect_success "uprobe and uretprobe by symbol on a static binary" '
	$KSCOPE record -q --uprobe "/bin/uprobe-target:ks_target_add a=%di:s32" \
		--uretprobe /bin/uprobe-target:ks_target_add -o up.dat -- /bin/uprobe-target 4 &&
	$KSCOPE report -i up.dat >r && test $(grep -c " ks_target_add: " r) = 4 &&
	grep -q "ret=0x9" r && test -z "$(grep kscope $TRACEFS/uprobe_events)" && same_state
'

test_done
