# SPDX-License-Identifier: GPL-2.0-only
# Shell TAP library for kscope's tests against the running kernel (sourced by tNNNN-*.sh).
#   test_expect_success [PREREQ,...] "description" 'commands'
#   test_done
# Prerequisites: ROOT, TRACEFS, TRACECMD, INSTANCES, UPROBES, TRIGGERS, PERF (perf_event
# sampling allowed), PERFTOOL (perf(1) works), NODE. A test whose
# prerequisite is missing prints "ok N # skip ..." and does not count as a failure.
set -u
# bash: assert_clean uses process substitution.

TEST_DIR=$(cd "$(dirname "$0")" && pwd)
SRC_DIR=$(cd "$TEST_DIR/../.." && pwd)
KSCOPE=${KSCOPE_BIN:-$SRC_DIR/kscope}
LOADGEN=${LOADGEN_BIN:-$SRC_DIR/build/tests/loadgen}
TRACEFS=/sys/kernel/tracing
# On a fresh machine tracefs may not be mounted yet: mount it before the first snapshot
# of the tracing state, or the first kscope command (which mounts it) looks like a change.
[ -f $TRACEFS/trace ] || [ "$(id -u)" != 0 ] || mount -t tracefs nodev $TRACEFS 2>/dev/null
[ -f $TRACEFS/trace ] || TRACEFS=/sys/kernel/debug/tracing
test_count=0
test_failed=0
TMP=$(mktemp -d "${TMPDIR:-/tmp}/kscope-test.XXXXXX")
# Journals of this test file go to a private state dir, so tests never see each other's.
export KSCOPE_STATE_DIR=$TMP/state
trap 'rm -rf "$TMP"' EXIT

PROFLOAD_FP=${PROFLOAD_FP:-$SRC_DIR/build/tests/profload-fp}
PROFLOAD_NOFP=${PROFLOAD_NOFP:-$SRC_DIR/build/tests/profload-nofp}
PROFLOAD_CXX=${PROFLOAD_CXX:-$SRC_DIR/build/tests/profload-cxx}
if [ ! -x "$LOADGEN" ] || [ "$SRC_DIR/tests/lib/loadgen.c" -nt "$LOADGEN" ]; then
	mkdir -p "$(dirname "$LOADGEN")"
	cc -O2 -o "$LOADGEN" "$SRC_DIR/tests/lib/loadgen.c" || exit 1
fi

have_prereq() {
	case "$1" in
	ROOT) [ "$(id -u)" = 0 ] ;;
	TRACEFS) [ -f $TRACEFS/trace ] || { [ "$(id -u)" = 0 ] && mount -t tracefs nodev /sys/kernel/tracing 2>/dev/null && TRACEFS=/sys/kernel/tracing; } ;;
	TRACECMD) command -v trace-cmd >/dev/null ;;
	PERF) [ "$(id -u)" = 0 ] || [ "$(cat /proc/sys/kernel/perf_event_paranoid)" -le 1 ] ;;
	PERFTOOL) command -v perf >/dev/null && perf record -q -o /dev/null -e cpu-clock true >/dev/null 2>&1 ;;
	NODE) command -v node >/dev/null && command -v npm >/dev/null ;;
	INSTANCES) [ -d $TRACEFS/instances ] ;;
	UPROBES) [ -f $TRACEFS/uprobe_events ] ;;
	TRIGGERS) [ -f $TRACEFS/events/sched/sched_switch/trigger ] ;;
	BLOCK) [ -d $TRACEFS/events/block/block_rq_issue ] ;;
	# Test files live on a disk that O_DIRECT reaches (not tmpfs): block I/O a test can count.
	DIRECTIO) dd if=/dev/zero of="$TMP/.directio" bs=4k count=1 oflag=direct 2>/dev/null &&
		  [ -e "/sys/dev/block/$(stat -c '%Hd:%Ld' "$TMP/.directio")" ] ;;
	*) echo "# unknown prerequisite $1" >&2; return 1 ;;
	esac
}

test_expect_success() {
	prereqs=""
	if [ $# = 3 ]; then prereqs=$1; shift; fi
	desc=$1 body=$2
	test_count=$((test_count + 1))
	for p in $(echo "$prereqs" | tr ',' ' '); do
		if ! have_prereq "$p"; then
			echo "ok $test_count # skip $desc (missing $p)"
			return 0
		fi
	done
	out=$TMP/out.$test_count
	if (set -e; cd "$TMP" && eval "$body") >"$out" 2>&1; then
		echo "ok $test_count - $desc"
	else
		test_failed=$((test_failed + 1))
		echo "not ok $test_count - $desc"
		sed 's/^/#   /' "$out" | tail -40 >&2
	fi
}

test_done() {
	echo "1..$test_count"
	[ $test_failed = 0 ]
}

# What kscope could have left behind: instances named kscope-*, enabled top-level
# events, the top-level tracer, dynamic events named kscope.
tracefs_leftovers() {
	ls $TRACEFS/instances 2>/dev/null | grep kscope || true
	cat $TRACEFS/set_event 2>/dev/null
	tr=$(cat $TRACEFS/current_tracer 2>/dev/null)
	[ "$tr" = nop ] || echo "tracer:$tr"
	cat $TRACEFS/dynamic_events 2>/dev/null | grep ":kscope/" || true
	ls "$KSCOPE_STATE_DIR" 2>/dev/null || true
}

# Compared with what was there when the test file started (other tools may have state).
assert_clean() {
	left=$(tracefs_leftovers)
	if [ "$left" != "$TRACEFS_BEFORE" ]; then
		echo "tracefs state changed:"; diff <(echo "$TRACEFS_BEFORE") <(echo "$left"); return 1
	fi
}
TRACEFS_BEFORE=$(tracefs_leftovers 2>/dev/null)

# count_lines FILE PATTERN
count_matching() { grep -c -- "$2" "$1" || true; }

# within V LO HI: V (a number) is in [LO, HI], or say it is not.
within() {
	awk -v v="$1" -v lo="$2" -v hi="$3" 'BEGIN { exit !(v >= lo && v <= hi) }' ||
		{ echo "$1 is not within [$2, $3]"; return 1; }
}

# weight FOLDED REGEX: the summed values of the folded lines ("a;b;c 123") that match
# the extended REGEX (matched up to the value).
weight() {
	sed 's/ \([0-9]*\)$/\t\1/' "$1" | grep -E -- "$2"$'\t' | awk '{ m += $NF } END { print m + 0 }'
}
