#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# kscope report vs trace-cmd report, side by side on the same trace.dat: a kscope
# recording of raw_syscalls + sched while a getppid() loop runs (>= 2M events).
# Both decode it RUNS times, alternately; prints wall time, events/s and peak RSS
# of each, the median speed ratio, and whether the two outputs are identical.
#
# A benchmark, not a test: exits 0 unless something failed to run (or the two
# reports differ, which makes the numbers meaningless).
# Run as root from the repo root after `make` (or `make bench`).
#
# Environment: KSCOPE (./kscope), RUNS (3), MIN_EVENTS (2000000), BUILD (build),
# BENCH_DAT=file: use this trace.dat instead of recording one (no root needed).
set -u

# Paths given by the caller are taken from where it runs; the rest from the repo root.
[ -n "${KSCOPE:-}" ] && KSCOPE=$(realpath "$KSCOPE")
[ -n "${BENCH_DAT:-}" ] && BENCH_DAT=$(realpath "$BENCH_DAT")
cd "$(dirname "$0")/../.." || exit 1
KSCOPE=${KSCOPE:-./kscope}
RUNS=${RUNS:-3}
MIN_EVENTS=${MIN_EVENTS:-2000000}
BUILD=${BUILD:-build}
LOADGEN=$BUILD/bench/loadgen

die() {
	echo "report-bench: $*" >&2
	exit 1
}

[ -x "$KSCOPE" ] || die "$KSCOPE not found: run make first"
command -v trace-cmd >/dev/null ||
	die "trace-cmd is not installed (Debian: apt-get install trace-cmd)"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/report-bench.XXXXXX") || die "mktemp failed"
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT TERM

# Wall time and peak RSS of one run, "SECONDS KB", output thrown away.
if [ ! -x /usr/bin/time ] && command -v apt-get >/dev/null && [ "$(id -u)" = 0 ]; then
	echo "report-bench: installing GNU time" >&2
	apt-get install -y -qq time >/dev/null 2>&1
fi
measure() {
	if [ -x /usr/bin/time ]; then
		/usr/bin/time -f '%e %M' -o "$tmp/time" "$@" >/dev/null 2>"$tmp/stderr" || return 1
		tail -n 1 "$tmp/time"
	else
		python3 - "$@" 2>"$tmp/stderr" <<-'EOF'
		import resource, subprocess, sys, time
		t = time.monotonic()
		rc = subprocess.call(sys.argv[1:], stdout=subprocess.DEVNULL)
		t = time.monotonic() - t
		if rc:
		    sys.exit(1)
		ru = resource.getrusage(resource.RUSAGE_CHILDREN)
		print("%.3f %d" % (t, ru.ru_maxrss))
		EOF
	fi
}

count_events() {
	"$KSCOPE" report -i "$1" --stat 2>/dev/null | sed -nE 's/^events: +([0-9]+).*/\1/p'
}

# --- the trace.dat ---
if [ -n "${BENCH_DAT:-}" ]; then
	dat=$BENCH_DAT
	[ -r "$dat" ] || die "$dat: not readable"
	events=$(count_events "$dat")
else
	[ "$(id -u)" = 0 ] || die "recording needs root (or set BENCH_DAT=trace.dat)"
	mkdir -p "$BUILD/bench" || die "cannot create $BUILD/bench"
	if [ ! -x "$LOADGEN" ] || [ tests/lib/loadgen.c -nt "$LOADGEN" ]; then
		cc -O2 -Wall -o "$LOADGEN" tests/lib/loadgen.c || die "cannot build $LOADGEN"
	fi
	dat=$tmp/trace.dat
	secs=0.5
	for try in 1 2 3 4; do
		"$KSCOPE" record -q -e raw_syscalls -e sched -o "$dat" -- "$LOADGEN" syscalls $secs \
			>/dev/null 2>"$tmp/record.err" || { cat "$tmp/record.err" >&2; die "kscope record failed"; }
		events=$(count_events "$dat")
		[ "${events:-0}" -ge "$MIN_EVENTS" ] && break
		echo "report-bench: only ${events:-0} events in ${secs}s, recording longer" >&2
		secs=$(awk -v s=$secs 'BEGIN { print s * 2 }')
	done
fi
[ "${events:-0}" -gt 0 ] || die "no events in $dat"
size=$(stat -c %s "$dat")
printf 'trace.dat: %d events, %.1f MB%s\n' "$events" "$(awk -v b=$size 'BEGIN { print b / 1e6 }')" \
	"${BENCH_DAT:+ ($BENCH_DAT)}"

# --- same output? ---
cmp <(trace-cmd report -i "$dat" 2>/dev/null) <("$KSCOPE" report -i "$dat" --no-progress) \
	>"$tmp/cmp" 2>&1
same=$?

# --- timed runs, alternately ---
printf '%-4s %12s %8s   %12s %8s\n' run "trace-cmd s" "RSS MB" "kscope s" "RSS MB"
for i in $(seq 1 "$RUNS"); do
	tc=$(measure trace-cmd report -i "$dat") ||
		{ cat "$tmp/stderr" >&2; die "trace-cmd report failed"; }
	ks=$(measure "$KSCOPE" report -i "$dat" --no-progress) ||
		{ cat "$tmp/stderr" >&2; die "kscope report failed"; }
	echo "$tc" >>"$tmp/tc"
	echo "$ks" >>"$tmp/ks"
	set -- $tc $ks
	printf '%-4s %12.2f %8.1f   %12.2f %8.1f\n' "$i" "$1" "$(awk -v k=$2 'BEGIN { print k / 1024 }')" \
		"$3" "$(awk -v k=$4 'BEGIN { print k / 1024 }')"
done

median() {	# column of file
	sort -n -k"$2" "$1" | awk -v c="$2" '{ v[NR] = $c } END {
		print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
tc_t=$(median "$tmp/tc" 1)
ks_t=$(median "$tmp/ks" 1)
tc_m=$(sort -n -k2 "$tmp/tc" | tail -n 1 | cut -d' ' -f2)
ks_m=$(sort -n -k2 "$tmp/ks" | tail -n 1 | cut -d' ' -f2)
awk -v n="$events" -v tt="$tc_t" -v kt="$ks_t" -v tm="$tc_m" -v km="$ks_m" 'BEGIN {
	if (tt <= 0) tt = 0.001
	if (kt <= 0) kt = 0.001
	fmt = "%-17s median %6.2f s  %9.0f events/s  peak RSS %7.1f MB\n"
	printf fmt, "trace-cmd report:", tt, n / tt, tm / 1024
	printf fmt, "kscope report:", kt, n / kt, km / 1024
	printf "speed ratio (median, trace-cmd / kscope): %.2fx\n", tt / kt
}'
if [ $same -eq 0 ]; then
	echo "output: identical (cmp)"
else
	sed 's/^/  /' "$tmp/cmp"
	die "output: kscope report differs from trace-cmd report"
fi
exit 0
