#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Probes: uprobes by symbol (PIE, non-PIE, libc), return probes, errors, cleanup.
. "$(dirname "$0")/lib.sh"

cc -O2 -o $TMP/target-pie "$SRC_DIR/tests/lib/uprobe-target.c" &&
cc -O2 -no-pie -fno-pie -o $TMP/target-nopie "$SRC_DIR/tests/lib/uprobe-target.c" || exit 1

probes_left() { cat $TRACEFS/uprobe_events $TRACEFS/kprobe_events 2>/dev/null | grep ":kscope/" || true; }

for kind in pie nopie; do
test_expect_success ROOT,TRACEFS,UPROBES "uprobe + uretprobe by symbol on a $kind binary, with arguments" "
	\$KSCOPE record -q --uprobe '$TMP/target-$kind:ks_target_add a=%di:s32 b=%si:s32' \
		--uretprobe $TMP/target-$kind:ks_target_add -o u.dat -- $TMP/target-$kind 7 &&
	\$KSCOPE report -i u.dat >r &&
	test \$(grep -c ' ks_target_add: ' r) = 7 && test \$(grep -c ' ks_target_add_ret: ' r) = 7 &&
	grep -q 'a=6 b=12\$' r && grep -q 'ret=0x12\$' r &&
	test -z \"\$(probes_left)\" && assert_clean
"
done

test_expect_success ROOT,TRACEFS,UPROBES,TRACECMD "trace-cmd report shows the same probe events" '
	trace-cmd report -i u.dat >tc 2>/dev/null && cmp tc r
'

test_expect_success ROOT,TRACEFS,UPROBES "uprobe on libc malloc by library name, filtered to the command" '
	$KSCOPE record -q -F --uprobe "libc.so.6:malloc size=%di:u64" -o m.dat -- $TMP/target-pie 5 &&
	$KSCOPE report -i m.dat >r &&
	for i in 0 1 2 3 4; do grep -q "malloc: .* size=$((1000 + i))$" r || exit 1; done &&
	! grep -v "target-pie-" r | tail -n +2 | grep . && test -z "$(probes_left)"
'

test_expect_success ROOT,TRACEFS,UPROBES "probe errors: unknown symbol, not ELF, bad offset, no binary" '
	for spec in "$TMP/target-pie:no_such_function" "/etc/passwd:main" \
		    "$TMP/target-pie:0x7fffffff" "/no/such/binary:main" "missingcolon"; do
		set +e; $KSCOPE record --uprobe "$spec" -o x.dat --duration 0.1 2>err; rc=$?; set -e
		cat err; test $rc -ge 1 && test $rc -le 2 && test $(wc -l <err) = 1 || exit 1
	done &&
	test -z "$(probes_left)" && assert_clean
'

test_expect_success ROOT,TRACEFS "kprobes: clean message where the kernel has none" '
	if [ -f $TRACEFS/kprobe_events ]; then exit 0; fi
	set +e; $KSCOPE record --kprobe "vfs_read" -o x.dat --duration 0.1 2>err; rc=$?; set -e
	test $rc = 3 && grep -q "no kprobe events" err && grep -q "uprobe" err &&
	grep -q "(kscope check: kprobe_events)" err && assert_clean
'

test_expect_success ROOT,TRACEFS,UPROBES "SIGKILL leaves the probe; reset removes it and nothing else" '
	$KSCOPE record -q --uprobe "$TMP/target-pie:ks_target_add" -o k.dat &
	kpid=$!
	for i in $(seq 50); do probes_left | grep -q ks_target_add && break; sleep 0.1; done
	echo "p:othertool/keepme $(probes_left | sed -E "s/^[^ ]+ ([^ ]+).*/\1/")" >>$TRACEFS/uprobe_events &&
	kill -KILL $kpid; wait $kpid || true
	probes_left | grep -q ks_target_add &&
	$KSCOPE reset >out && cat out &&
	test -z "$(probes_left)" && grep -q "othertool/keepme" $TRACEFS/uprobe_events &&
	echo "-:othertool/keepme" >>$TRACEFS/uprobe_events && assert_clean
'

test_done
