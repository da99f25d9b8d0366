#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# kscope report on truncated, corrupted and foreign files: one line, non-zero exit,
# never a crash (exit status below 128).
. "$(dirname "$0")/lib.sh"

report_fails() {
	set +e; $KSCOPE report -i "$1" >/dev/null 2>err; rc=$?; set -e
	cat err; test $rc -ge 1 && test $rc -lt 128 && test $(wc -l <err) = 1
}

test_expect_success ROOT,TRACEFS "a good file to damage" '
	$KSCOPE record -q -e sched -o $TMP/good.dat -- $LOADGEN sleep 10 5 &&
	$KSCOPE report -i $TMP/good.dat >/dev/null
'

test_expect_success "missing file, empty file, directory, text file" '
	report_fails $TMP/nonexistent.dat && grep -q "cannot open" err &&
	: >empty.dat && report_fails empty.dat && grep -q "not a trace.dat" err &&
	report_fails $TMP && grep -q "not a trace.dat" err &&
	echo "hello world, not a trace" >text.dat && report_fails text.dat
'

test_expect_success ROOT,TRACEFS "truncated inside the header" '
	for n in 11 20 100 5000 200000; do
		head -c $n $TMP/good.dat >cut.dat && report_fails cut.dat || exit 1
	done
'

test_expect_success ROOT,TRACEFS "truncated inside the data keeps the whole pages" '
	size=$(stat -c %s $TMP/good.dat) &&
	head -c $((size - 1000)) $TMP/good.dat >cut.dat &&
	set +e; $KSCOPE report -i cut.dat >out 2>err; rc=$?; set -e
	test $rc -lt 128 &&
	$KSCOPE report -i $TMP/good.dat | head -n -1 >all &&
	test $(wc -l <out) -gt 1 && test $(wc -l <out) -lt $(wc -l <all) &&
	$KSCOPE report -i cut.dat --cpu 0 >c0 && $KSCOPE report -i $TMP/good.dat --cpu 0 >g0 &&
	cmp c0 g0
'

test_expect_success ROOT,TRACEFS "random bytes over the data and the header: no crash" '
	size=$(stat -c %s $TMP/good.dat) &&
	for seed in 1 2 3 4 5 6 7 8; do
		python3 $SRC_DIR/tests/lib/corrupt.py $TMP/good.dat bad.dat $seed &&
		set +e; $KSCOPE report -i bad.dat >/dev/null 2>err; rc=$?; set -e
		test $rc -lt 128 || { echo "seed $seed crashed: $rc"; exit 1; }
		set +e; $KSCOPE report -i bad.dat --stat >/dev/null 2>err; rc=$?; set -e
		test $rc -lt 128 || { echo "seed $seed --stat crashed: $rc"; exit 1; }
	done
'

test_done
