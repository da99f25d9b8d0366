#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# One exit-status table for every command (kscope(1), EXIT STATUS): 0 success (Ctrl-C
# ends a recording successfully), 1 runtime failure, 2 bad usage or input, 3 the kernel
# lacks what was asked (the message names the `kscope check` line), and with -- cmd the
# command's own status (128+N for a signal). Each command is tried on each code this
# machine can produce; what the kernel lacks is taken from `kscope check`.
. "$(dirname "$0")/lib.sh"

[ -x "$PROFLOAD_FP" ] || make -s -C "$SRC_DIR" "${PROFLOAD_FP#$SRC_DIR/}" >&2 || exit 1

# code WANT [PATTERN] -- kscope args...: exits WANT, and stderr matches PATTERN if given.
# Standard output goes to $OUT (default: the file out).
code() {
	want=$1 pat=
	shift
	[ "$1" = -- ] || { pat=$1; shift; }
	shift
	"$KSCOPE" "$@" >"${OUT:-out}" 2>err
	rc=$?
	[ "$rc" = "$want" ] || { echo "kscope $*: exit $rc, want $want"; cat err; return 1; }
	[ -z "$pat" ] || grep -q -- "$pat" err || { echo "kscope $*: no '$pat' in:"; cat err; return 1; }
	! grep -qi "sanitizer\|segmentation\|core dumped" err
}

# interrupted CMD ARGS...: kscope CMD in the background, SIGINT once its instance exists
# (signals are handled from then on); its exit status.
interrupted() {
	"$KSCOPE" "$@" >bg.out 2>bg.err &
	pid=$!
	for i in $(seq 100); do
		[ -d $TRACEFS/instances/kscope-$1-$pid ] && break
		sleep 0.1
	done
	sleep 0.3
	kill -INT $pid
	wait $pid
}

# What `kscope check` says of ITEM: yes, no, forbidden.
check_says() {
	"$KSCOPE" check | awk -v k="$1" '$1 == k { print $2 }'
}

test_expect_success "help: the list, a command's options, unknown commands" '
	code 0 -- help && grep -q "^  record " out &&
	code 0 -- help record && cp out help1 && grep -q "^usage: kscope record" help1 &&
	code 0 -- record --help && cmp help1 out &&
	code 0 -- record -h && cmp help1 out &&
	code 2 "did you mean .record." -- recrod &&
	code 2 "did you mean .report." -- reprot &&
	code 2 "unknown command .nosuch." -- help nosuch &&
	code 2 -- help record report &&
	code 2 -- &&
	code 0 -- --version && grep -q "^kscope " out
'

test_expect_success "every command: an unknown option is bad usage (2)" '
	for c in check list record report stream latency profile flame reset \
		syscount runqlat hardirqs softirqs; do
		code 2 "kscope $c: unknown option .--frobnicate." -- $c --frobnicate || exit 1
		code 0 -- $c --help || exit 1
	done
'

test_expect_success "check, list, reset: 0, bad usage 2, output or state that fails 1" '
	code 0 -- check && code 2 "unexpected argument" -- check extra &&
	OUT=/dev/full code 1 "cannot write the output" -- check --json &&
	code 0 -- list -t && code 2 "unknown event" -- list -e "nosuch_sys_xyz:*" &&
	OUT=/dev/full code 1 "cannot write the output" -- list -e &&
	code 0 -- reset -q && code 2 -- reset extra &&
	KSCOPE_STATE_DIR=/etc/passwd code 1 "cannot open /etc/passwd" -- reset
'

test_expect_success ROOT,TRACEFS,INSTANCES "record: 0, Ctrl-C 0, bad input 2, unwritable output 1" '
	code 0 -- record -q -e sched_switch -o r.dat --duration 0.2 &&
	interrupted record -q -e sched_switch -o int.dat && test -s int.dat &&
	code 2 "unknown event" -- record -e nosuch_event_xyz -o x.dat &&
	code 2 "bad duration" -- record -e sched --duration soon &&
	code 2 "not found in PATH" -- record -e sched -o x.dat -- no-such-command-xyz &&
	code 1 "cannot write /nonexistent/dir/x.dat" -- record -e sched -o /nonexistent/dir/x.dat &&
	test ! -e x.dat && assert_clean
'

test_expect_success ROOT,TRACEFS,INSTANCES "record -- cmd: the command's status, 128+N for a signal, 126 if exec fails" '
	code 7 -- record -q -e sched_switch -o c.dat -- sh -c "exit 7" && test -s c.dat &&
	code 143 -- record -q -e sched_switch -o c.dat -- sh -c "kill -TERM \$\$" &&
	code 0 -- record -q -e sched_switch -o c.dat --duration 0.3 -- sleep 10 &&
	mkdir -p adir && code 126 "cannot run" -- record -q -e sched -o e.dat -- ./adir &&
	test ! -e e.dat && assert_clean
'

test_expect_success ROOT,TRACEFS "record, latency: what the kernel lacks is 3 and names the check line" '
	case $(check_says kprobe_events) in
	yes) ;;
	*) code 3 "(kscope check: kprobe_events)" -- record --kprobe vfs_read -o x.dat ;;
	esac &&
	case $(check_says function) in
	yes) ;;
	*) code 3 "(kscope check: function)" -- record -p function -o x.dat -- true ;;
	esac &&
	case $(check_says function_graph) in
	yes) ;;
	*) code 3 "(kscope check: function_graph)" -- record -p function_graph -o x.dat -- true ;;
	esac &&
	case $(check_says latency_tracers) in
	yes) ;;
	*) code 3 "(kscope check: latency_tracers)" -- latency irqsoff -- true ;;
	esac &&
	code 3 "(kscope check: tracers)" -- record -p no_such_tracer -o x.dat -- true &&
	test ! -e x.dat && assert_clean
'

test_expect_success "latency: bad usage is 2" '
	code 2 "which tracer" -- latency &&
	code 2 "not a latency tracer" -- latency function &&
	code 2 "bad --threshold" -- latency irqsoff --threshold -5
'

test_expect_success ROOT,TRACEFS,INSTANCES "stream: 0 after --duration or SIGINT, bad input 2, a full stdout 1" '
	code 0 -- stream -e sched_switch --duration 0.2 &&
	interrupted stream -e sched_switch &&
	code 2 "no events given" -- stream &&
	code 2 "bad filter" -- stream -e sched_switch -f "no_such_field > 1" --duration 0.1 &&
	OUT=/dev/full code 1 "writing output" -- stream -e sched_switch --duration 0.5 &&
	assert_clean
'

test_expect_success ROOT,TRACEFS,INSTANCES "report: 0, missing or malformed input 2, a full stdout 1" '
	"$KSCOPE" record -q -e sched_switch -o r.dat --duration 0.2 &&
	code 0 -- report r.dat && code 0 -- report -i r.dat --stat &&
	code 2 "cannot open nothere.dat" -- report nothere.dat &&
	printf "not a trace" >bad.dat && code 2 "bad.dat" -- report bad.dat &&
	code 2 "no event in the file matches" -- report r.dat --events nosuch_xyz &&
	OUT=/dev/full code 1 "writing the report" -- report r.dat
'

test_expect_success PERF "profile: 0, the command's status, bad input 2, unwritable output 1" '
	code 0 -- profile -q -o p.dat -- "$PROFLOAD_FP" cpu 0.2 && test -s p.dat &&
	code 7 -- profile -q -o p.dat -- sh -c "exit 7" &&
	code 137 -- profile -q -o p.dat -- sh -c "kill -KILL \$\$" &&
	code 0 -- profile -q -a -o p.dat --duration 0.3 &&
	code 2 "no process with pid" -- profile -p 999999999 -o x.dat &&
	code 2 "bad frequency" -- profile -F 0 -o x.dat -- true &&
	code 1 "cannot create /nonexistent/dir/x.dat" -- profile -o /nonexistent/dir/x.dat -- true &&
	case $(check_says perf_hardware) in
	yes) ;;
	*) code 3 "(kscope check: perf_hardware)" -- profile -e instructions -o x.dat -- true ;;
	esac &&
	test ! -e x.dat
'

test_expect_success PERF "flame: 0, bad input 2, unwritable output 1" '
	"$KSCOPE" profile -q -g -o f.dat -- "$PROFLOAD_FP" cpu 0.2 &&
	code 0 -- flame -i f.dat -o f.svg && test -s f.svg &&
	code 0 -- flame -i "$SRC_DIR/tests/data/flame-after.folded" --format folded &&
	code 2 "cannot read nothere" -- flame -i nothere.folded &&
	code 2 "unknown --format" -- flame --format png &&
	code 2 "line 1" -- flame -i /etc/passwd &&
	code 1 "cannot create /nonexistent/dir/g.svg" -- flame -i f.dat -o /nonexistent/dir/g.svg
'

test_expect_success ROOT,TRACEFS,INSTANCES "analyses: 0, the command's status, bad usage 2, a tracepoint the kernel lacks 3" '
	code 0 -- softirqs --duration 0.2 &&
	code 7 -- runqlat -- sh -c "exit 7" &&
	code 2 "bad interval" -- runqlat 0 &&
	code 2 "unknown option .-p." -- hardirqs -p 1 &&
	mkdir -p fake/events && touch fake/trace &&
	KSCOPE_TRACEFS=$PWD/fake code 3 "(kscope check: events)" -- hardirqs --duration 0.1 &&
	assert_clean
'

# Output that cannot be written fails (exit 1, one line); a reader that goes away does not.
test_expect_success "a full stdout is exit 1 with one line; | head is exit 0" '
	for c in "list" "list analyses" "check" "--version" "help" "syscount --help"; do
		"$KSCOPE" $c >/dev/full 2>err; rc=$?
		test $rc = 1 && test $(wc -l <err) = 1 && grep -q "cannot write the output" err ||
			{ echo "kscope $c: exit $rc"; cat err; exit 1; }
	done &&
	"$KSCOPE" list -e >/dev/null && { "$KSCOPE" list -e | head -n 1; } >/dev/null &&
	{ "$KSCOPE" list -e; echo "rc=$?" >rc; } | head -n 1 >/dev/null && grep -qx "rc=0" rc
'

# What kscope writes holds kernel addresses, stacks and command lines: the owner's only.
test_expect_success ROOT,TRACEFS,INSTANCES,PERF "recordings and profiles are created 0600" '
	(umask 022 && "$KSCOPE" record -q -e sched:sched_switch -o r.dat --duration 0.1 &&
	 "$KSCOPE" profile -q -o p.dat -- true) &&
	test "$(stat -c %a r.dat)" = 600 && test "$(stat -c %a p.dat)" = 600 && assert_clean
'

test_done
