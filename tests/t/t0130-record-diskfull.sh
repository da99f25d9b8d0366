#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Disk full mid-record: kscope stops, says so, and the file stays readable up to the
# last complete page.
. "$(dirname "$0")/lib.sh"

full=$TMP/full
cleanup_full() { umount "$full" 2>/dev/null || true; }
trap 'cleanup_full; rm -rf "$TMP"' EXIT

test_expect_success ROOT,TRACEFS "recording onto a full filesystem fails cleanly" '
	mkdir -p $full && mount -t tmpfs -o size=48m kscope-test $full &&
	set +e
	$KSCOPE record -e raw_syscalls -o $full/t.dat -- $LOADGEN syscalls 4 >/dev/null 2>err
	rc=$?
	set -e
	cat err
	test $rc = 1 && grep -q "No space left on device" err &&
	grep -qE "^kscope record: [0-9]+ events" err && assert_clean
'

test_expect_success ROOT,TRACEFS "the cut file is readable by kscope report" '
	$KSCOPE report -i $full/t.dat --stat >st &&
	n=$(sed -nE "s/^events: +([0-9]+).*/\1/p" st) && test $n -gt 1000 &&
	$KSCOPE report -i $full/t.dat >/dev/null
'

test_expect_success ROOT,TRACEFS,TRACECMD "and by trace-cmd report, with the same events" '
	trace-cmd report -i $full/t.dat 2>/dev/null | tail -n +2 | wc -l >tc.n &&
	$KSCOPE report -i $full/t.dat | tail -n +2 | wc -l >k.n &&
	cmp tc.n k.n
'

test_done
