#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# kscope record with bad input: one clear line, non-zero exit, nothing left configured.
. "$(dirname "$0")/lib.sh"

# expect_error EXIT_CODE PATTERN -- kscope args...: exactly one line on stderr.
expect_error() {
	code=$1 pat=$2; shift 3
	set +e; "$KSCOPE" "$@" >/dev/null 2>err; rc=$?; set -e
	cat err
	test $rc = $code && test $(wc -l <err) = 1 && grep -q -- "$pat" err && assert_clean
}

test_expect_success ROOT,TRACEFS "unknown event" '
	expect_error 2 "unknown event .nosuch:thing." -- record -e nosuch:thing -o x.dat &&
	test ! -e x.dat
'

test_expect_success ROOT,TRACEFS "bad filter shows the kernel's error_log text" '
	expect_error 2 "bad filter for sched:sched_switch.*kernel says: .*Field not found" -- \
		record -e sched:sched_switch -f "no_such_field > 1" -o x.dat &&
	test ! -e x.dat
'

test_expect_success ROOT,TRACEFS "unknown clock lists the kernel's clocks" '
	expect_error 2 "unknown trace clock .sundial. (this kernel has: .*local" -- \
		record -e sched -C sundial -o x.dat
'

test_expect_success ROOT,TRACEFS "output not writable" '
	expect_error 1 "cannot write /nonexistent/dir/x.dat" -- \
		record -e sched -o /nonexistent/dir/x.dat
'

test_expect_success ROOT,TRACEFS "usage errors: no -e, -f first, bad pid, bad duration, -F without a command" '
	expect_error 2 "nothing to record" -- record -o x.dat &&
	expect_error 2 "must follow an -e" -- record -f "pid > 1" -e sched &&
	expect_error 2 "bad pid" -- record -e sched -P abc &&
	expect_error 2 "no process with pid" -- record -e sched -P 999999 &&
	expect_error 2 "bad duration" -- record -e sched --duration soon &&
	expect_error 2 "bad buffer size" -- record -e sched -b 0 &&
	expect_error 2 "-F needs a command" -- record -e sched -F
'

test_expect_success ROOT,TRACEFS "a command that cannot run: clear error, exit 2 (or 126 from exec, as a shell), no file, no state" '
	set +e; $KSCOPE record -q -e sched -o cmd.dat -- /nonexistent/program 2>err; rc=$?; set -e
	cat err; test $rc = 2 && grep -q "cannot run ./nonexistent/program.: No such file" err &&
	set +e; $KSCOPE record -q -e sched -o cmd.dat -- no-such-command-here 2>err; rc=$?; set -e
	cat err; test $rc = 2 && grep -q "not found in PATH" err &&
	mkdir -p adir &&
	set +e; $KSCOPE record -q -e sched -o cmd.dat -- ./adir 2>err; rc=$?; set -e
	cat err; test $rc = 126 && grep -q "cannot run .\\./adir.: Permission denied" err &&
	test ! -e cmd.dat && assert_clean
'

test_expect_success ROOT,TRACEFS "a failed run leaves an existing output file as it was" '
	echo precious >keep.dat &&
	set +e; $KSCOPE record -e sched:sched_switch -f "bogus > 1" -o keep.dat 2>err; set -e
	test "$(cat keep.dat)" = precious &&
	set +e; $KSCOPE record -q -e sched -o keep.dat -- /nonexistent/program 2>err; set -e
	test "$(cat keep.dat)" = precious && ! ls -a | grep -q "keep.dat.kscope"
'

test_expect_success ROOT,TRACEFS "not root: says so, exit 1, creates nothing" '
	command -v setpriv >/dev/null || exit 0
	for c in "record -e sched -o $TMP/np.dat" "stream -e sched" "check" "list -e" "reset"; do
		set +e
		setpriv --reuid=65534 --regid=65534 --clear-groups $KSCOPE $c >/dev/null 2>err
		rc=$?
		set -e
		cat err; test $rc = 1 && test $(wc -l <err) = 1 && grep -q "run kscope as root" err ||
			exit 1
	done
	test ! -e $TMP/np.dat && assert_clean
'

test_expect_success "no tracefs where kscope is told to look: one line, exit 1" '
	mkdir -p empty &&
	for c in "record -e sched -o nofs.dat" "check" "list -t" "reset" "stream -e sched"; do
		set +e; KSCOPE_TRACEFS=$PWD/empty $KSCOPE $c >/dev/null 2>err; rc=$?; set -e
		cat err; test $rc = 1 && test $(wc -l <err) = 1 && grep -q "is not a tracefs mount" err ||
			exit 1
	done
	test ! -e nofs.dat
'

test_done
