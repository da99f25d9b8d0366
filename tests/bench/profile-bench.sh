#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# kscope profile + flame vs perf record + perf script | stackcollapse-perf.pl |
# flamegraph.pl, side by side in the same run, alternately, medians of RUNS.
#
# 1. Overhead: a fixed amount of work (profload-fp work N, about WORK_SECS bare) run
#    bare, under `perf record` and under `kscope profile`, both -e cpu-clock -F FREQ:
#    with the command (-g, --call-graph dwarf), and system-wide (-a -g, -a
#    --call-graph dwarf) while two copies of it run, one per CPU on a 2-CPU machine.
#    The workload is timed by its own /usr/bin/time inside the profiler, so its wall
#    and CPU time are its alone; the profiler's CPU is the rest of what the run used
#    (with -a: all the profiler used).
# 2. From samples to SVG: both profilers record (-g -p, at the same time) the same
#    workload for FLAME_SECS (whole seconds): profload-fp alone (deep stacks, a small
#    binary: the issue's fixed CPU workload), then
#    beside a C compiler in a loop (cc1: a big binary, like most real programs), with
#    their children; then DWARF_SECS of the same with profload-nofp and --call-graph
#    dwarf. Then `perf script | stackcollapse-perf.pl | flamegraph.pl` vs `kscope
#    flame`, `perf script` alone, and `perf report --stdio` vs `kscope report
#    --profile`, FLAME_RUNS times each: wall time, CPU time, peak RSS (of a pipeline:
#    the sum of its stages' peaks, as they run at the same time).
#
# A benchmark, not a test: exits 0 unless something failed to run. Run as root from
# the repo root after `make` (or `make bench-profile`). Part 2 needs a checkout of
# https://github.com/brendangregg/FlameGraph in FLAMEGRAPH_DIR for the perf pipeline
# (without it, only `perf script` is timed).
#
# Environment: KSCOPE (./kscope), BUILD (build), RUNS (3), FREQ (999), WORK_SECS (5),
# WORK_ROUNDS (calibrated to WORK_SECS), FLAME_SECS (30), DWARF_SECS (5), FLAME_RUNS
# (RUNS), FLAMEGRAPH_DIR, PARTS ("overhead flame": either or both), CC (cc).
set -u

# Paths given by the caller are taken from where it runs; the rest from the repo root.
[ -n "${KSCOPE:-}" ] && KSCOPE=$(realpath "$KSCOPE")
[ -n "${FLAMEGRAPH_DIR:-}" ] && FLAMEGRAPH_DIR=$(realpath "$FLAMEGRAPH_DIR")
cd "$(dirname "$0")/../.." || exit 1
KSCOPE=${KSCOPE:-./kscope}
BUILD=${BUILD:-build}
RUNS=${RUNS:-3}
FREQ=${FREQ:-999}
WORK_SECS=${WORK_SECS:-5}
FLAME_SECS=${FLAME_SECS:-30}
DWARF_SECS=${DWARF_SECS:-5}
FLAME_RUNS=${FLAME_RUNS:-$RUNS}
PARTS=${PARTS:-overhead flame}
LOAD_FP=$BUILD/tests/profload-fp
LOAD_NOFP=$BUILD/tests/profload-nofp
TIME=/usr/bin/time

die() {
	echo "profile-bench: $*" >&2
	exit 1
}

[ -x "$KSCOPE" ] || die "$KSCOPE not found: run make first"
[ "$(id -u)" = 0 ] || die "profiling other processes and system-wide needs root"
command -v perf >/dev/null || die "perf is not installed (Debian: apt-get install linux-perf)"
if [ ! -x $TIME ] && command -v apt-get >/dev/null; then
	echo "profile-bench: installing GNU time" >&2
	apt-get install -y -qq time >/dev/null 2>&1
fi
[ -x $TIME ] || die "$TIME is missing (Debian: apt-get install time)"
make -s BUILD="$BUILD" "$LOAD_FP" "$LOAD_NOFP" || die "cannot build the workloads"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/profile-bench.XXXXXX") || die "mktemp failed"
bg=""
cleanup() {
	local p

	for p in $bg; do
		kill "$p" 2>/dev/null
	done
	wait 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

median() {	# file column
	sort -g -k"$2" "$1" | awk -v c="$2" '{ v[NR] = $c } END {
		print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

mb() {		# bytes or KB (second argument 1024)
	awk -v b="$1" -v u="${2:-1}" 'BEGIN { printf "%.1f", b * u / 1e6 }'
}

# Samples and lost samples from a profiler's stderr (and perf.data): "SAMPLES LOST".
counts() {	# tool stderr file
	local s l

	if [ "$1" = kscope ]; then
		sed -nE 's/^kscope profile: ([0-9]+) samples .* ([0-9]+) lost.*/\1 \2/p' "$2" | tail -n 1
		return
	fi
	s=$(sed -nE 's/.*Captured and wrote .*\(([0-9]+) samples\).*/\1/p' "$2" | tail -n 1)
	l=$(perf report -i "$3" --stats 2>/dev/null |
		awk '/LOST_SAMPLES events:|LOST events:/ { n += $3 } END { print n + 0 }')
	echo "${s:-0} ${l:-0}"
}

# The profiler's command line, without the command, into the array cmd.
prof_cmd() {	# tool cg(fp|dwarf) file [option...]
	local tool=$1 cg=$2 out=$3

	shift 3
	case $tool in
	perf)	cmd=(perf record) ;;
	kscope)	cmd=("$KSCOPE" profile) ;;
	esac
	cmd+=(-e cpu-clock -F "$FREQ")
	if [ "$cg" = dwarf ]; then
		cmd+=(--call-graph dwarf)
	else
		cmd+=(-g)
	fi
	cmd+=("$@" -o "$out")
}

# --- part 1: overhead ---

# The fixed work, timed by $TIME into $tmp/wl.time.N.
work() {	# N
	$TIME -f '%e %U %S' -o "$tmp/wl.time.$1" "$LOAD_FP" work "$WORK_ROUNDS"
}

# Two copies at once, one per CPU on a 2-CPU machine, for the system-wide runs.
work2() {
	local w

	work 1 &
	w=$!
	work 2
	wait "$w"
}

# One run: "WALL CPU PROF_CPU PROF_RSS_KB SAMPLES LOST FILE_BYTES", the workload's
# times the mean over its copies. The workload is a child of the profiler (cmd), or
# two copies run beside a profiler -a (all).
one_run() {	# tool cg cmd|all
	local tool=$1 cg=$2 how=$3 out=$tmp/prof.out wl pid

	rm -f "$out" "$tmp"/wl.time.* "$tmp/prof.time" "$tmp/prof.pid"
	if [ "$tool" = bare ]; then
		if [ "$how" = cmd ]; then work 1; else work2; fi || return 1
	elif [ "$how" = cmd ]; then
		prof_cmd "$tool" "$cg" "$out"
		$TIME -f '%U %S %M' -o "$tmp/prof.time" "${cmd[@]}" -- \
			$TIME -f '%e %U %S' -o "$tmp/wl.time.1" "$LOAD_FP" work "$WORK_ROUNDS" \
			>/dev/null 2>"$tmp/prof.err" || return 1
	else
		# The profiler runs until SIGINT; its pid is that of the shell it replaces.
		prof_cmd "$tool" "$cg" "$out" -a
		$TIME -f '%U %S %M' -o "$tmp/prof.time" sh -c 'echo $$ >"$0"; exec "$@"' \
			"$tmp/prof.pid" "${cmd[@]}" >/dev/null 2>"$tmp/prof.err" &
		bg=$!
		sleep 1
		pid=$(cat "$tmp/prof.pid" 2>/dev/null)
		work2
		[ -n "$pid" ] && kill -INT "$pid"
		# perf record ends by raising the SIGINT again: judge by its output.
		wait "$bg"
		bg=""
		[ -s "$out" ] || return 1
	fi
	wl=$(for f in "$tmp"/wl.time.*; do tail -n 1 "$f"; done | awk '
		{ w += $1; c += $2 + $3; n++ } END { if (n) printf "%.2f %.2f %d", w / n, c / n, n }')
	[ -n "$wl" ] || return 1
	set -- $wl
	if [ "$tool" = bare ]; then
		echo "$1 $2 0 0 0 0 0"
		return 0
	fi
	awk -v w="$1" -v c="$2" -v n="$3" -v how="$how" \
		-v p="$(tail -n 1 "$tmp/prof.time")" -v k="$(counts "$tool" "$tmp/prof.err" "$out")" \
		-v f="$(stat -c %s "$out")" 'BEGIN {
		split(p, a, " "); split(k, s, " ")
		prof = a[1] + a[2] - (how == "cmd" ? c * n : 0)
		printf "%s %s %.2f %d %d %d %d\n", w, c, (prof < 0 ? 0 : prof), a[3], s[1], s[2], f
	}'
}

overhead() {
	local mode cg how tool i order

	echo "== overhead: $LOAD_FP work $WORK_ROUNDS, -e cpu-clock -F $FREQ, $RUNS runs each"
	for mode in cmd-fp cmd-dwarf all-fp all-dwarf; do
		how=${mode%-*}
		cg=${mode#*-}
		printf '%-10s %-3s %-7s %8s %8s %9s %9s %8s %6s %8s\n' mode run tool "wall s" \
			"CPU s" "prof CPU" "prof MB" samples lost "file MB"
		for i in $(seq 1 "$RUNS"); do
			# Rotate the order, so no tool always runs after the same one.
			case $((i % 3)) in
			1) order="bare perf kscope" ;;
			2) order="perf kscope bare" ;;
			0) order="kscope bare perf" ;;
			esac
			for tool in $order; do
				r=$(one_run "$tool" "$cg" "$how") || {
					cat "$tmp/prof.err" >&2 2>/dev/null
					die "$mode: $tool run failed"
				}
				echo "$r" >>"$tmp/$mode.$tool"
				set -- $r
				printf '%-10s %-3s %-7s %8.2f %8.2f %9.2f %9.1f %8d %6d %8.1f\n' \
					"$mode" "$i" "$tool" "$1" "$2" "$3" "$(mb "$4" 1024)" "$5" "$6" \
					"$(mb "$7")"
			done
		done
	done
}

# Medians of a tool's runs in one mode: "WALL CPU PROF_CPU PROF_KB SAMPLES FILE_BYTES".
medians() {	# file
	local c

	for c in 1 2 3 4 5 7; do
		printf '%s ' "$(median "$1" "$c")"
	done
	echo
}

overhead_table() {
	local mode t b bc

	echo
	echo "Overhead: $LOAD_FP work $WORK_ROUNDS (fixed work), -e cpu-clock -F $FREQ," \
		"median of $RUNS runs"
	echo "  cmd: profiler -- workload;  all: profiler -a while two copies run (mean of both);"
	echo "  +wall, +CPU: the workload's wall and CPU time over its bare run's"
	printf '%-10s %-7s %8s %8s %7s %7s %9s %8s %8s %8s\n' mode tool "wall s" "CPU s" \
		"+wall" "+CPU" "prof CPU" "prof MB" samples "file MB"
	for mode in cmd-fp cmd-dwarf all-fp all-dwarf; do
		read -r b bc _ <<<"$(medians "$tmp/$mode.bare")"
		printf '%-10s %-7s %8.2f %8.2f %7s %7s %9s %8s %8s %8s\n' "$mode" bare "$b" "$bc" \
			- - - - - -
		for t in perf kscope; do
			medians "$tmp/$mode.$t" | awk -v mode="$mode" -v t="$t" -v b="$b" -v bc="$bc" '{
				printf "%-10s %-7s %8.2f %8.2f %6.1f%% %6.1f%% %9.2f %8.1f %8d %8.1f\n",
					mode, t, $1, $2, (b > 0 ? ($1 / b - 1) * 100 : 0),
					(bc > 0 ? ($2 / bc - 1) * 100 : 0), $3, $4 * 1024 / 1e6, $5, $6 / 1e6
			}'
		done
		{ medians "$tmp/$mode.perf"; medians "$tmp/$mode.kscope"; } | awk -v b="$b" '
			NR == 1 { ps = $1 - b; pp = $3 }
			NR == 2 { ks = $1 - b; kp = $3 }
			END {
				printf "  perf vs kscope:  added wall %.2f s vs %.2f s%s,", ps, ks,
					(ps > 0.01 && ks > 0.01 ? sprintf(" (%.1fx)", ps / ks) : "")
				printf " profiler CPU %.2f s vs %.2f s%s\n", pp, kp,
					(kp > 0.01 ? sprintf(" (%.1fx)", pp / kp) : "")
			}'
	done
}

# --- part 2: from samples to SVG ---

# What both profilers record in part 2, at the same time (-p, children followed): for
# SECS, profload (deep stacks, a small binary) beside a C compiler in a loop (cc1: a
# big binary without frame pointers, like most real programs); it waits a second for
# them to attach. Arguments: profload SECS cc.
WORKLOAD='sleep 1
"$1" cpu "$2" &
end=$((SECONDS + $2))
while [ -n "$3" ] && [ $SECONDS -lt $end ]; do
	"$3" -std=gnu11 -O2 -g -D_GNU_SOURCE -Iinclude -c src/stacks.c -o /dev/null 2>/dev/null
done
wait'

record_pair() {	# cg secs workload perf.data profile.dat [alone]
	local w kp

	bash -c "$WORKLOAD" workload "$3" "$2" "$([ -n "${6:-}" ] || echo "${CC:-cc}")" &
	w=$!
	bg=$w
	prof_cmd kscope "$1" "$5" -p "$w"
	"${cmd[@]}" >/dev/null 2>"$tmp/k.rec" &
	kp=$!
	bg="$bg $kp"
	prof_cmd perf "$1" "$4" -p "$w"
	"${cmd[@]}" >/dev/null 2>"$tmp/p.rec" || { cat "$tmp/p.rec" >&2; die "perf record failed"; }
	wait "$kp" || { cat "$tmp/k.rec" >&2; die "kscope profile failed"; }
	wait "$w"
	bg=""
}

# Wall, CPU and peak RSS of a shell command line, output to /dev/null: "WALL CPU KB".
# CPU counts every process it started, also those it did not wait for (perf script
# leaves some of its addr2line helpers running): a subreaper collects them and adds up
# their CPU time. Times come from wait4 (microseconds; $TIME's are in 10 ms steps, too
# coarse for kscope flame), peak RSS from $TIME. The stages of a pipeline run under
# their own $TIME writing $tmp/stage.N: their peak RSS adds up (they run at the same
# time).
measure() {	# command line
	rm -f "$tmp"/stage.*
	python3 - $TIME -f '%e %U %S %M' -o "$tmp/m.time" sh -c "$1" >"$tmp/m.orphans" \
		2>"$tmp/m.err" <<-'EOF' || return 1
	import ctypes, os, sys, time
	ctypes.CDLL(None).prctl(36, 1, 0, 0, 0)		# PR_SET_CHILD_SUBREAPER
	t0 = time.monotonic()
	main = os.posix_spawn(sys.argv[1], sys.argv[1:], os.environ, file_actions=[
	    (os.POSIX_SPAWN_OPEN, 1, "/dev/null", os.O_WRONLY, 0)])
	rc, cpu, wall = 1, 0.0, 0.0
	while True:
	    try:
	        pid, status, ru = os.wait4(-1, 0)
	    except ChildProcessError:
	        break
	    if pid == main:
	        rc = os.waitstatus_to_exitcode(status)
	        wall = time.monotonic() - t0
	    cpu += ru.ru_utime + ru.ru_stime
	print("%.4f %.4f" % (wall, cpu))
	sys.exit(rc)
	EOF
	cat "$tmp"/stage.* 2>/dev/null |
		awk -v t="$(tail -n 1 "$tmp/m.time")" -v o="$(cat "$tmp/m.orphans")" 'BEGIN {
		split(t, a, " "); kb = a[4]; split(o, w, " ") }
		{ st += $1 }
		END { if (st) kb = st; printf "%.4f %.4f %d\n", w[1], w[2], kb }'
}

stage() {	# N: a $TIME prefix for stage N of a pipeline
	echo "$TIME -f %M -o $tmp/stage.$1"
}

flame() {
	local fg=${FLAMEGRAPH_DIR:-} pdata=$tmp/perf.data kdat=$tmp/profile.dat
	local ddata=$tmp/perf-dwarf.data kdwarf=$tmp/profile-dwarf.dat i name
	local p0data=$tmp/perf-alone.data k0dat=$tmp/profile-alone.dat

	if [ -n "$fg" ] && { [ ! -x "$fg/stackcollapse-perf.pl" ] || [ ! -x "$fg/flamegraph.pl" ]; }
	then
		die "FLAMEGRAPH_DIR=$fg has no stackcollapse-perf.pl and flamegraph.pl"
	fi
	[ -n "$fg" ] || echo "profile-bench: FLAMEGRAPH_DIR is not set (a checkout of" \
		"https://github.com/brendangregg/FlameGraph): perf's flame graph pipeline skipped," \
		"perf script alone timed instead" >&2
	echo "== recording: ${FLAME_SECS}s -g of profload alone, ${FLAME_SECS}s -g and" \
		"${DWARF_SECS}s --call-graph dwarf of profload + cc, both profilers at once"
	record_pair fp "$FLAME_SECS" "$LOAD_FP" "$p0data" "$k0dat" alone
	read -r ps pl <<<"$(counts perf "$tmp/p.rec" "$p0data")"
	read -r ks kl <<<"$(counts kscope "$tmp/k.rec")"
	p0_info="-g -p, ${FLAME_SECS} s: perf $ps samples, kscope $ks samples"
	record_pair fp "$FLAME_SECS" "$LOAD_FP" "$pdata" "$kdat"
	read -r ps pl <<<"$(counts perf "$tmp/p.rec" "$pdata")"
	read -r ks kl <<<"$(counts kscope "$tmp/k.rec")"
	fp_info="-g -p, ${FLAME_SECS} s: perf $ps samples ($(mb "$(stat -c %s "$pdata")") MB, $pl lost),"
	fp_info="$fp_info kscope $ks samples ($(mb "$(stat -c %s "$kdat")") MB, $kl lost)"
	record_pair dwarf "$DWARF_SECS" "$LOAD_NOFP" "$ddata" "$kdwarf"
	read -r ps pl <<<"$(counts perf "$tmp/p.rec" "$ddata")"
	read -r ks kl <<<"$(counts kscope "$tmp/k.rec")"
	dw_info="--call-graph dwarf -p, ${DWARF_SECS} s: perf $ps samples"
	dw_info="$dw_info ($(mb "$(stat -c %s "$ddata")") MB, $pl lost),"
	dw_info="$dw_info kscope $ks samples ($(mb "$(stat -c %s "$kdwarf")") MB, $kl lost)"
	echo "  $p0_info"
	echo "  $fp_info"
	echo "  $dw_info"

	# name|command line; one list per profile, the perf and kscope legs alternate.
	legs=()
	if [ -n "$fg" ]; then
		legs+=("p0-perf-svg|$(stage 1) perf script -i $p0data 2>/dev/null |
			$(stage 2) $fg/stackcollapse-perf.pl | $(stage 3) $fg/flamegraph.pl")
	fi
	legs+=("p0-kscope-svg|$KSCOPE flame -i $k0dat -o - 2>/dev/null")
	if [ -n "$fg" ]; then
		legs+=("fp-perf-svg|$(stage 1) perf script -i $pdata 2>/dev/null |
			$(stage 2) $fg/stackcollapse-perf.pl | $(stage 3) $fg/flamegraph.pl")
	fi
	legs+=("fp-kscope-svg|$KSCOPE flame -i $kdat -o - 2>/dev/null"
	       "fp-kscope-inl|$KSCOPE flame --inline -i $kdat -o - 2>/dev/null"
	       "fp-perf-script|perf script -i $pdata 2>/dev/null"
	       "fp-perf-report|perf report -i $pdata --stdio 2>/dev/null"
	       "fp-kscope-report|$KSCOPE report --profile -i $kdat --no-progress 2>/dev/null")
	if [ -n "$fg" ]; then
		legs+=("dw-perf-svg|$(stage 1) perf script -i $ddata 2>/dev/null |
			$(stage 2) $fg/stackcollapse-perf.pl | $(stage 3) $fg/flamegraph.pl"
		       "dw-perf-noinl|$(stage 1) perf script --no-inline -i $ddata 2>/dev/null |
			$(stage 2) $fg/stackcollapse-perf.pl | $(stage 3) $fg/flamegraph.pl")
	fi
	legs+=("dw-kscope-svg|$KSCOPE flame -i $kdwarf -o - 2>/dev/null"
	       "dw-kscope-inl|$KSCOPE flame --inline -i $kdwarf -o - 2>/dev/null")
	[ -n "$fg" ] || legs+=("dw-perf-script|perf script -i $ddata 2>/dev/null")

	printf '%-16s %-3s %8s %8s %8s\n' leg run "wall s" "CPU s" "RSS MB"
	for i in $(seq 1 "$FLAME_RUNS"); do
		for leg in "${legs[@]}"; do
			name=${leg%%|*}
			r=$(measure "${leg#*|}") || { cat "$tmp/m.err" >&2; die "$name failed"; }
			echo "$r" >>"$tmp/$name"
			set -- $r
			printf '%-16s %-3s %8.3f %8.3f %8.1f\n' "$name" "$i" "$1" "$2" "$(mb "$3" 1024)"
		done
	done
}

flame_row() {	# label leg
	[ -f "$tmp/$2" ] || return 0
	printf '%-48s %8.3f %8.3f %8.1f\n' "$1" "$(median "$tmp/$2" 1)" "$(median "$tmp/$2" 2)" \
		"$(mb "$(sort -n -k3 "$tmp/$2" | tail -n 1 | cut -d' ' -f3)" 1024)"
}

flame_ratio() {	# label perf-leg kscope-leg
	[ -f "$tmp/$2" ] && [ -f "$tmp/$3" ] || return 0
	awk -v l="$1" -v pw="$(median "$tmp/$2" 1)" -v kw="$(median "$tmp/$3" 1)" \
		-v pc="$(median "$tmp/$2" 2)" -v kc="$(median "$tmp/$3" 2)" 'BEGIN {
		if (kw <= 0) kw = 0.0001
		if (kc <= 0) kc = 0.0001
		printf "%-48s %7.1fx %7.1fx\n", l, pw / kw, pc / kc
	}'
}

flame_table() {
	local fg=${FLAMEGRAPH_DIR:-}

	echo
	echo "From samples to SVG, median of $FLAME_RUNS runs (RSS: the highest; a pipeline's is"
	echo "the sum of its stages'). Recorded: profload alone (profile 0), and beside cc in a"
	echo "loop with its children (profiles 1 and 2)"
	echo "  profile 0: $p0_info"
	echo "  profile 1: $fp_info"
	echo "  profile 2: $dw_info"
	echo "  Inlined functions as frames: kscope flame with --inline; perf script for DWARF"
	echo "  call graphs only (its --inline default runs addr2line), not for frame pointers"
	printf '%-48s %8s %8s %8s\n' "" "wall s" "CPU s" "RSS MB"
	flame_row "0: perf script | stackcollapse | flamegraph.pl" p0-perf-svg
	flame_row "0: kscope flame -o x.svg" p0-kscope-svg
	flame_row "1: perf script | stackcollapse | flamegraph.pl" fp-perf-svg
	flame_row "1: perf script alone" fp-perf-script
	flame_row "1: kscope flame -o x.svg" fp-kscope-svg
	flame_row "1: kscope flame --inline -o x.svg" fp-kscope-inl
	flame_row "1: perf report --stdio" fp-perf-report
	flame_row "1: kscope report --profile" fp-kscope-report
	flame_row "2: perf script | stackcollapse | flamegraph.pl" dw-perf-svg
	flame_row "2: the same with perf script --no-inline" dw-perf-noinl
	flame_row "2: perf script alone" dw-perf-script
	flame_row "2: kscope flame -o x.svg" dw-kscope-svg
	flame_row "2: kscope flame --inline -o x.svg" dw-kscope-inl
	printf '%-48s %8s %8s\n' "speed ratio perf/kscope" wall CPU
	if [ -n "$fg" ]; then
		flame_ratio "0: flame graph (pipeline / kscope flame)" p0-perf-svg p0-kscope-svg
		flame_ratio "1: flame graph (pipeline / kscope flame)" fp-perf-svg fp-kscope-svg
		flame_ratio "1: pipeline / kscope flame --inline" fp-perf-svg fp-kscope-inl
	fi
	flame_ratio "1: perf script alone / kscope flame" fp-perf-script fp-kscope-svg
	flame_ratio "1: perf report / kscope report --profile" fp-perf-report fp-kscope-report
	if [ -n "$fg" ]; then
		flame_ratio "2: DWARF, both without inlines" dw-perf-noinl dw-kscope-svg
		flame_ratio "2: DWARF, both with inlines (defaults of perf)" dw-perf-svg dw-kscope-inl
	else
		flame_ratio "2: DWARF perf script alone / kscope flame" dw-perf-script dw-kscope-svg
	fi
}

# --- run ---
case " $PARTS " in
*" overhead "*)
	if [ -z "${WORK_ROUNDS:-}" ]; then
		# 20000 rounds: about half a second, long enough for time's 10 ms ticks.
		$TIME -f '%U %S' -o "$tmp/cal" "$LOAD_FP" work 20000 || die "$LOAD_FP work failed"
		WORK_ROUNDS=$(awk -v s="$WORK_SECS" -v t="$(tail -n 1 "$tmp/cal")" 'BEGIN {
			split(t, a, " "); c = (a[1] + a[2]) / 20000
			print int(s / (c > 0 ? c : 0.001)) }')
	fi
	overhead
	;;
esac
case " $PARTS " in
*" flame "*) flame ;;
esac

echo
echo "$("$KSCOPE" --version 2>/dev/null | head -n 1), $(perf --version), $(nproc) CPUs," \
	"$(uname -r)"
case " $PARTS " in
*" overhead "*) overhead_table ;;
esac
case " $PARTS " in
*" flame "*) flame_table ;;
esac
exit 0
