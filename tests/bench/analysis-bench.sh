#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# The analyses next to their peers, in one run, alternating, medians of RUNS:
# - offline: each analysis over a recording of raw_syscalls + sched + irq + block under
#   a getppid() loop and O_DIRECT reads, against `kscope report` of the same file (the
#   issue's target: 5x);
# - live: the slowdown of a fixed syscall workload (loadgen calls N) under
#   `kscope syscount`, `perf trace -s` and `strace -c -f`, against the bare run, with
#   the events kscope lost and its peak RSS.
# A benchmark, not a test: exits 0 unless something failed to run.
# Run as root from the repo root (make bench does). RUNS (3), N (2000000).
set -u
cd "$(dirname "$0")/../.." || exit 1
KSCOPE=${KSCOPE:-./kscope}
RUNS=${RUNS:-3}
N=${N:-2000000}
BUILD=${BUILD:-build}
LOADGEN=$BUILD/bench/loadgen

die() {
	echo "analysis-bench: $*" >&2
	exit 1
}

[ -x "$KSCOPE" ] || die "$KSCOPE not found: run make first"
[ "$(id -u)" = 0 ] || die "needs root"
mkdir -p "$BUILD/bench" || die "cannot create $BUILD/bench"
if [ ! -x "$LOADGEN" ] || [ tests/lib/loadgen.c -nt "$LOADGEN" ]; then
	cc -O2 -Wall -o "$LOADGEN" tests/lib/loadgen.c || die "cannot build $LOADGEN"
fi
[ -x /usr/bin/time ] || apt-get install -y -qq time >/dev/null 2>&1
[ -x /usr/bin/time ] || die "GNU time is missing (apt-get install time)"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/analysis-bench.XXXXXX") || die "mktemp failed"
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT TERM

# seconds CMD...: wall seconds of one run (output thrown away); "SECS KB" with -m.
seconds() {
	/usr/bin/time -f '%e %M' -o "$tmp/time" "$@" >/dev/null 2>"$tmp/err" || {
		cat "$tmp/err" >&2
		return 1
	}
	tail -n 1 "$tmp/time"
}

median() {
	sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'
}

# --- offline ---
dat=$tmp/mix.dat
OFFLINE="syscount runqlat runqlen cpudist hardirqs softirqs biolatency biosnoop biotop hist"
# hist needs an event and keys: the syscalls per name, as syscount counts them.
offline_args() {
	case $1 in
	hist) echo "-e raw_syscalls:sys_enter -k id.syscall" ;;
	esac
}
dd if=/dev/zero of="$tmp/direct.dat" bs=1M count=8 2>/dev/null && sync
"$KSCOPE" record -q -C mono -e raw_syscalls -e sched -e irq -e block -o "$dat" -- sh -c \
	"'$LOADGEN' syscalls 0.8 & dd if='$tmp/direct.dat' of=/dev/null bs=4k iflag=direct \
	 2>/dev/null; wait" >/dev/null || die "cannot record the mix"
events=$("$KSCOPE" report --stat "$dat" | sed -nE 's/^events: +([0-9]+).*/\1/p')
echo "offline: $events events ($(du -m "$dat" | cut -f1) MB), $RUNS runs each, alternating"
printf '%-26s %10s %10s %8s\n' "" "seconds" "peak MB" "vs report"
for r in $(seq "$RUNS"); do
	seconds "$KSCOPE" report "$dat" >>"$tmp/report" || die "report failed"
	for a in $OFFLINE; do
		seconds "$KSCOPE" $a $(offline_args $a) --input "$dat" >>"$tmp/$a" ||
			die "$a failed"
	done
done
rep=$(awk '{ print $1 }' "$tmp/report" | median)
printf '%-26s %10s %10.1f\n' "kscope report" "$rep" \
	"$(awk '{ print $2 / 1024 }' "$tmp/report" | median)"
for a in $OFFLINE; do
	s=$(awk '{ print $1 }' "$tmp/$a" | median)
	printf '%-26s %10s %10.1f %7.1fx\n' "kscope $a --input" "$s" \
		"$(awk '{ print $2 / 1024 }' "$tmp/$a" | median)" \
		"$(awk -v r="$rep" -v s="$s" 'BEGIN { print (s > 0 ? r / s : 0) }')"
done

# --- live ---
echo
echo "live: loadgen calls $N 0 ($N getppid + $((N / 10)) openat + $((N / 20)) close), $RUNS runs"
peers="bare kscope"
command -v perf >/dev/null && peers="$peers perf"
command -v strace >/dev/null && peers="$peers strace"
for r in $(seq "$RUNS"); do
	for p in $peers; do
		case $p in
		bare) seconds "$LOADGEN" calls $N 0 ;;
		kscope) seconds "$KSCOPE" syscount --json -- "$LOADGEN" calls $N 0 ;;
		perf) seconds perf trace -s -o "$tmp/perf.out" -- "$LOADGEN" calls $N 0 ;;
		strace) seconds strace -c -f -o "$tmp/strace.out" "$LOADGEN" calls $N 0 ;;
		esac >>"$tmp/live-$p" || die "$p failed"
	done
done
"$KSCOPE" syscount --json -- "$LOADGEN" calls $N 0 >"$tmp/json" || die "syscount failed"
lost=$(python3 -c "import json; d = json.load(open('$tmp/json')); print(d['lost_events'], d['lossy_subbuffers'])")
bare=$(awk '{ print $1 }' "$tmp/live-bare" | median)
printf '%-28s %10s %10s %10s\n' "" "seconds" "slowdown" "peak MB"
for p in $peers; do
	s=$(awk '{ print $1 }' "$tmp/live-$p" | median)
	printf '%-28s %10s %9.2fx %10.1f\n' "$p" "$s" \
		"$(awk -v b="$bare" -v s="$s" 'BEGIN { print (b > 0 ? s / b : 0) }')" \
		"$(awk '{ print $2 / 1024 }' "$tmp/live-$p" | median)"
done
echo "kscope syscount lost: $lost (events, sub-buffers without a count)"
