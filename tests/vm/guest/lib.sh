# SPDX-License-Identifier: GPL-2.0-only
# TAP helpers for tests inside the VM (busybox sh). Same shape as tests/t/lib.sh.
KSCOPE=/bin/kscope
LOADGEN=/bin/loadgen
TRACEFS=/sys/kernel/tracing
[ -f $TRACEFS/trace ] || TRACEFS=/sys/kernel/debug/tracing
test_count=0
test_failed=0
TMP=$(mktemp -d /tmp/t.XXXXXX)

test_expect_success() {
	desc=$1 body=$2
	test_count=$((test_count + 1))
	if (set -e; cd "$TMP" && eval "$body") >"$TMP/out" 2>&1; then
		echo "ok $test_count - $desc"
	else
		test_failed=$((test_failed + 1))
		echo "not ok $test_count - $desc"
		{ head -12 "$TMP/out"; echo ...; tail -20 "$TMP/out"; } | sed 's/^/#   /'
	fi
}

test_skip() {
	test_count=$((test_count + 1))
	echo "ok $test_count # skip $1"
}

test_done() {
	echo "1..$test_count"
	[ $test_failed = 0 ]
}

# Send a file to the host: gzip + base64 between markers on the console (fd 3: a
# test body's own output is captured).
exec 3>&1
export_file() {
	{
		echo "KSCOPE-FILE-BEGIN $2"
		gzip -1 -c "$1" | base64
		echo "KSCOPE-FILE-END $2"
	} >&3
}

# Top-level tracefs state that must be back to what it was after kscope ran.
toplevel_state() {
	for f in current_tracer tracing_thresh tracing_on tracing_max_latency \
		 options/function-trace options/display-graph trace_clock set_ftrace_filter \
		 set_ftrace_notrace set_graph_function max_graph_depth; do
		[ -e $TRACEFS/$f ] && echo "$f=$(cat $TRACEFS/$f 2>/dev/null | head -5 | tr '\n' ' ')"
	done
	# "7 (expanded: 1408)" is the boot-time stub of a buffer that reads 1410 once the
	# kernel allocates it (page rounding): compare sizes in 16 KiB units.
	kb=$(sed 's/^[0-9]* (expanded: \([0-9]*\))/\1/' $TRACEFS/buffer_size_kb)
	echo "buffer_size_kb~$((kb / 16))"
	ls $TRACEFS/instances
	cat $TRACEFS/kprobe_events $TRACEFS/uprobe_events 2>/dev/null
}

# The top level as it was when the test file started, and a check against it.
before=$(toplevel_state)
same_state() {
	now=$(toplevel_state)
	[ "$now" = "$before" ] || { echo "top level changed:"; echo "$before" > b; echo "$now" > a; diff b a; return 1; }
}
