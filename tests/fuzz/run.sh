#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Build and run the libFuzzer targets (clang with -fsanitize=fuzzer,address,undefined).
#
#   tests/fuzz/run.sh build        build every target into build-fuzz/
#   tests/fuzz/run.sh smoke        (make fuzz-check) every seed once, then ~60 s of fuzzing
#                                  per target
#   tests/fuzz/run.sh long SECS    fuzz each target for SECS seconds on all CPUs
#   tests/fuzz/run.sh repro FILE.. run every target once on each FILE
#
# Targets: fuzz-tracedat (the trace.dat reader and report's printer, seeds in
# tests/fuzz/seeds/), fuzz-profile (the profile reader and the profile writers,
# seeds in tests/fuzz/seeds-profile/), fuzz-analysis (every analysis run offline
# on the trace.dat seeds) and fuzz-evexpr (the offline event filter, seeds in
# tests/fuzz/seeds-evexpr/); FUZZ_TARGETS picks some. Seeds are never written
# to; the growing corpus, crash artifacts and logs go to build-fuzz/. Output is TAP,
# ending with "N passed, M failed". CC (default: clang, then clang-14) and
# FUZZ_SMOKE_SECS (default 60) can be overridden.
set -u

SRC_DIR=$(cd "$(dirname "$0")/../.." && pwd)
FUZZ_DIR=$SRC_DIR/tests/fuzz
OUT=$SRC_DIR/build-fuzz
ARTIFACTS=$OUT/artifacts/
TARGETS=${FUZZ_TARGETS:-tracedat profile analysis evexpr khist}

# use_target NAME: the target's binary, seeds, corpus, sources and libraries.
use_target() {
	NAME=$1
	BIN=$OUT/fuzz-$NAME
	CORPUS=$OUT/corpus-$NAME
	DICT=$FUZZ_DIR/tracedat.dict
	case $NAME in
	tracedat)
		SEEDS=$FUZZ_DIR/seeds
		SOURCES="src/tracedat/tracedat-read.c src/output/evprint.c src/base/util.c"
		PKGS="libtraceevent libtracefs"
		;;
	profile)
		SEEDS=$FUZZ_DIR/seeds-profile
		SOURCES="src/profile/prof.c src/output/proffold.c src/output/proftop.c
			 src/output/pprof.c src/profile/stacks.c src/tracedat/tracedat-read.c"
		PKGS="libtraceevent libtracefs libdw libelf zlib"
		;;
	analysis)
		# The analyses read the same files: the trace.dat seeds are theirs too, and
		# offcputime reads profiles.
		SEEDS="$FUZZ_DIR/seeds $FUZZ_DIR/seeds-profile"
		SOURCES="$(cd "$SRC_DIR" && echo plugins/*.c) src/analysis/analysis.c
			 src/analysis/analysis-run.c"
		PKGS="libtraceevent libtracefs libdw libelf zlib"
		;;
	evexpr)
		SEEDS=$FUZZ_DIR/seeds-evexpr
		SOURCES="src/tracedat/evexpr.c"
		PKGS="libtraceevent"
		DICT=$FUZZ_DIR/evexpr.dict
		;;
	khist)
		SEEDS=$FUZZ_DIR/seeds-khist
		SOURCES="src/kernel/khist.c"
		PKGS="libtraceevent"
		DICT=$FUZZ_DIR/khist.dict
		;;
	*)
		echo "unknown fuzz target $NAME" >&2
		exit 2
		;;
	esac
}

# Full stacks for leaks, so that tests/lsan.supp recognises libtraceevent's own.
export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=0:detect_leaks=1:allocator_may_return_null=1:fast_unwind_on_malloc=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
# libtraceevent leaks small strings on some formats: not ours (same list as asan-check).
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$SRC_DIR/tests/lsan.supp:print_suppressions=0}

passed=0
failed=0
n=0

ok() {
	n=$((n + 1)); passed=$((passed + 1)); echo "ok $n - $*"
}

not_ok() {
	n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $*"
}

finish() {
	echo "1..$n"
	echo "$passed passed, $failed failed"
	[ "$failed" = 0 ]
	exit
}

find_cc() {
	local c

	for c in ${CC:-} clang clang-14; do
		if command -v "$c" >/dev/null && "$c" --version 2>/dev/null | grep -q clang; then
			echo "$c"
			return 0
		fi
	done
	return 1
}

# SOURCES plus src/LAYER/NAME.c and src/LAYER/NAME-*.c for every "kscope/LAYER/NAME.h"
# they include, transitively (headers mirror src/: a module is one header and its files).
module_sources() {
	local todo="$SOURCES" seen="" f h m

	while [ -n "$todo" ]; do
		set -- $todo
		f=$1
		shift
		todo="$*"
		case " $seen " in *" $f "*) continue ;; esac
		seen="$seen $f"
		# A private header next to the file (src/analysis/analysis-priv.h) counts too.
		for h in $(sed -n 's|^#include "\([a-z0-9_-]*\.h\)".*|\1|p' "$SRC_DIR/$f"); do
			todo="$todo $(dirname "$f")/$h"
		done
		for h in $(sed -n 's|^#include "kscope/\([a-z0-9/_-]*\)\.h".*|\1|p' "$SRC_DIR/$f"); do
			todo="$todo include/kscope/$h.h"
			for m in "$SRC_DIR/src/$h.c" "$SRC_DIR/src/$h"-*.c; do
				[ -f "$m" ] && todo="$todo ${m#$SRC_DIR/}"
			done
		done
	done
	for f in $seen; do
		case $f in *.c) echo "$f" ;; esac
	done
}

build() {
	local cc flags libs src f

	cc=$(find_cc) || { echo "# no clang found (Debian: apt-get install clang libclang-rt-14-dev)"; return 1; }
	flags=$(pkg-config --cflags $PKGS) || return 1
	libs=$(pkg-config --libs $PKGS) || return 1
	mkdir -p "$OUT" "$CORPUS" "$ARTIFACTS" || return 1
	# Rebuild only when a source, a header or this script is newer than the binary.
	if [ -x "$BIN" ] && [ -z "$(cd "$SRC_DIR" && find $(module_sources) include/kscope \
		"$FUZZ_DIR"/*.c "$FUZZ_DIR"/run.sh tests/lib/*.h -newer "$BIN" 2>/dev/null)" ]; then
		return 0
	fi
	src=""
	for f in $(module_sources); do
		src="$src $SRC_DIR/$f"
	done
	# No KS_HAVE_TRACECMD: only kscope's own v6 reader is under test.
	"$cc" -g -O1 -fno-omit-frame-pointer -fsanitize=fuzzer,address,undefined \
		-fno-sanitize-recover=undefined -std=gnu11 -Wall -Wextra -Wno-unused-parameter \
		-I"$SRC_DIR/include" -D_GNU_SOURCE $flags \
		-o "$BIN.tmp" "$FUZZ_DIR/fuzz-$NAME.c" $src $libs &&
	mv "$BIN.tmp" "$BIN"
}

# One run of the target on one file (libFuzzer runs a file argument exactly once).
# Seeds must also be valid input (KSCOPE_FUZZ_STRICT: a target may check more).
run_one() {
	KSCOPE_FUZZ_STRICT=1 "$BIN" -rss_limit_mb=2048 -timeout=30 "$1" >"$OUT/one.log" 2>&1
}

check_seeds() {
	local f

	for f in $(for d in $SEEDS; do echo "$d"/*; done); do
		[ -f "$f" ] || continue
		if run_one "$f"; then
			ok "$NAME seed $(basename "$f")"
		else
			sed 's/^/# /' "$OUT/one.log" | tail -n 40
			not_ok "$NAME seed $(basename "$f")"
		fi
	done
}

# fuzz SECS JOBS: fuzz the corpus dir (new inputs land there) starting from the seeds.
fuzz() {
	local secs=$1 jobs=$2 log=$OUT/fuzz-$NAME.log rc

	echo "# fuzzing for $secs s with $jobs job(s); log: $log"
	# -fork runs the workers and stops at the first crash (artifact in $ARTIFACTS).
	"$BIN" -max_total_time="$secs" -timeout=30 -rss_limit_mb=2048 -max_len=131072 \
		-print_final_stats=1 -artifact_prefix="$ARTIFACTS" -dict="$DICT" \
		$([ "$jobs" -gt 1 ] && echo "-fork=$jobs") "$CORPUS" $SEEDS >"$log" 2>&1
	rc=$?
	grep -E '^(#[0-9]+:? *(DONE|pulse|cov)|stat::number_of_executed_units|stat::average_exec_per_sec)' \
		"$log" | tail -n 3 | sed 's/^/# /'
	if [ $rc = 0 ] && ! grep -q -E '^==[0-9]+==ERROR|runtime error:' "$log"; then
		ok "fuzz-$NAME for $secs s"
	else
		grep -E -A 30 '^==[0-9]+==ERROR|runtime error:|Test unit written' "$log" | head -n 60 |
			sed 's/^/# /'
		not_ok "fuzz-$NAME for $secs s (crash input in $ARTIFACTS)"
	fi
}

mode=${1:-smoke}
case $mode in
build)
	for t in $TARGETS; do
		use_target "$t"
		build || exit 1
	done
	exit
	;;
smoke|long)
	secs=${FUZZ_SMOKE_SECS:-60} jobs=1
	if [ "$mode" = long ]; then
		secs=${2:-600} jobs=${FUZZ_JOBS:-$(nproc)}
	fi
	for t in $TARGETS; do
		use_target "$t"
		if build; then ok "build fuzz-$t"; else not_ok "build fuzz-$t"; continue; fi
		check_seeds
		fuzz "$secs" "$jobs"
	done
	finish
	;;
repro)
	shift
	for t in $TARGETS; do
		use_target "$t"
		build || exit 1
		for f in "$@"; do
			if "$BIN" -rss_limit_mb=2048 -timeout=30 "$f"; then ok "$t $f"; else not_ok "$t $f"; fi
		done
	done
	finish
	;;
*)
	sed -n '2,17p' "$0"
	exit 2
	;;
esac
