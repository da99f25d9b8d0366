#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Bad input to kscope profile, flame and report --profile: one clear line, exit 2 (or 1
# for runtime failures), no crash, no output file, nothing left behind.
. "$(dirname "$0")/lib.sh"

[ -x "$PROFLOAD_FP" ] || make -s -C "$SRC_DIR" "${PROFLOAD_FP#$SRC_DIR/}" >&2 || exit 1

# fails CODE PATTERN cmd...: exits CODE with one stderr line matching PATTERN.
fails() {
	code=$1 pat=$2
	shift 2
	"$@" >out 2>err
	rc=$?
	cat err
	[ $rc = "$code" ] || { echo "exit $rc, want $code"; return 1; }
	grep -q -- "$pat" err || { echo "no '$pat'"; return 1; }
	! grep -qi "sanitizer\|segmentation\|core dumped" err
}

test_expect_success PERF "a pid that does not exist" '
	fails 2 "kscope profile: no process with pid 999999999$" "$KSCOPE" profile -p 999999999 -o x.dat &&
	test ! -e x.dat
'

test_expect_success PERF "a command that cannot be run" '
	fails 2 "cannot run .\./no-such-program." "$KSCOPE" profile -o x.dat -- ./no-such-program &&
	touch notexec && chmod -x notexec &&
	fails 2 "cannot run .\./notexec." "$KSCOPE" profile -o x.dat -- ./notexec &&
	test ! -e x.dat
'

test_expect_success PERF "unknown events, bad options" '
	fails 2 "unknown event .bogus." "$KSCOPE" profile -e bogus -o x.dat -- true &&
	fails 2 "unknown tracepoint .nosys:noevent." "$KSCOPE" profile -e nosys:noevent -- true &&
	fails 2 "bad --call-graph .lbr." "$KSCOPE" profile --call-graph lbr -- true &&
	fails 2 "bad stack size" "$KSCOPE" profile --call-graph dwarf,99999999 -- true &&
	fails 2 "bad frequency" "$KSCOPE" profile -F 0 -- true &&
	fails 2 "-F and -c exclude each other" "$KSCOPE" profile -F 99 -c 1000 -- true &&
	fails 2 "a command excludes -p" "$KSCOPE" profile -p 1 -- true &&
	fails 2 "bad CPU list" "$KSCOPE" profile -C 9999 -a --duration 0.1 &&
	fails 2 "bad --mmap-pages" "$KSCOPE" profile --mmap-pages 3 -- true &&
	test ! -e x.dat
'

test_expect_success PERF "a hardware event this machine lacks, and the fallback for cycles" '
	if "$KSCOPE" profile -q -e instructions -o hw.dat -- true 2>err; then
		echo "# this machine has a PMU: instructions work"
	else
		grep -q "cannot sample .instructions." err && test ! -e hw.dat
	fi &&
	"$KSCOPE" profile -o cyc.dat -- "$PROFLOAD_FP" cpu 0.2 2>err &&
	{ grep -q "sampling cpu-clock instead" err || "$KSCOPE" report --profile -i cyc.dat | grep -q "# kscope profile: cycles"; }
'

test_expect_success "files that are not profiles" '
	fails 2 "kscope flame: .*passwd: line 1: " "$KSCOPE" flame -i /etc/passwd &&
	printf "\027\010\104tracing6\0garbage" >bad.dat &&
	fails 2 "kscope flame: bad.dat: " "$KSCOPE" flame -i bad.dat &&
	fails 2 "kscope report: bad.dat: " "$KSCOPE" report --profile -i bad.dat &&
	fails 2 "cannot open nothere.dat" "$KSCOPE" report --profile -i nothere.dat &&
	# found by the fuzzer: a profile whose kscope options are gone (NULL + 0 in the
	# option lookup, which the UBSan of clang reports)
	fails 2 "no profile settings in the file" "$KSCOPE" flame \
		-i "$SRC_DIR/tests/data/profile-no-settings.dat" &&
	fails 2 "no profile settings in the file" "$KSCOPE" report --profile \
		-i "$SRC_DIR/tests/data/profile-no-settings.dat"
'

test_expect_success PERF,TRACEFS,INSTANCES "a trace.dat without samples is not a profile" '
	"$KSCOPE" record -q -e sched:sched_switch -o trace.dat -- sleep 0.1 &&
	fails 2 "without profile samples" "$KSCOPE" flame -i trace.dat &&
	fails 2 "without profile samples" "$KSCOPE" report --profile -i trace.dat
'

test_expect_success PERF "truncated and corrupted profiles never crash" '
	"$KSCOPE" profile -q -g -o good.dat -- "$PROFLOAD_FP" cpu 0.3 &&
	size=$(stat -c %s good.dat) &&
	for cut in 100 5000 $((size / 2)) $((size - 4096)) $((size - 100)); do
		head -c $cut good.dat >cut.dat
		"$KSCOPE" flame -i cut.dat -o cut.svg 2>err; rc=$?
		cat err
		test $rc = 0 -o $rc = 2 || exit 1
		! grep -qi "sanitizer\|segmentation" err || exit 1
	done &&
	for seed in 1 2 3 4 5 6 7 8; do
		python3 "$SRC_DIR/tests/lib/corrupt.py" good.dat bad2.dat $seed || exit 1
		"$KSCOPE" report --profile -i bad2.dat >/dev/null 2>err; rc=$?
		cat err
		test $rc -le 2 || exit 1
		! grep -qi "sanitizer\|segmentation" err || exit 1
	done
'

test_expect_success PERF "options for profiles on folded input are refused" '
	printf "a;b 3\n" >x.folded &&
	fails 2 "pprof and speedscope need a kscope profile" "$KSCOPE" flame -i x.folded --format pprof &&
	fails 2 "--pid only applies to kscope profiles" "$KSCOPE" flame -i x.folded --pid 1 &&
	fails 2 "bad --state" "$KSCOPE" flame -i x.folded --state Q &&
	fails 2 "exclude each other" "$KSCOPE" flame -i x.folded --on-cpu --off-cpu
'

test_expect_success "nothing left behind" '
	assert_clean
'

test_done
