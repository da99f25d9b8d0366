#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# kscope profile next to its peers on the same workload: the hot functions' shares
# against perf's, and the pprof / speedscope files of a real profile read by
# independent decoders (tests/js: the npm pprof-format package, ajv with
# speedscope's schema).
. "$(dirname "$0")/lib.sh"

JS=$SRC_DIR/tests/js
for b in "$PROFLOAD_FP" "$PROFLOAD_CXX"; do
	[ -x "$b" ] || make -s -C "$SRC_DIR" "${b#$SRC_DIR/}" >&2 || exit 1
done

# both K.DAT PERF.DATA SECS CMD...: kscope and perf record -g the same run of CMD at
# once for SECS seconds at 999 Hz (one run: the same noise for both; 5000 samples
# keep the sampling error well under the 3 points allowed), then CMD is stopped.
# perf goes without the build-id cache (~/.debug, shared with any other perf that
# runs); a perf that crashes (it happens, rarely) gets a second pair.
both() {
	local kd=$1 pd=$2 secs=$3 try w k pr kr

	shift 3
	for try in 1 2; do
		"$@" & w=$!
		"$KSCOPE" profile -q -g -e cpu-clock -F 999 -o "$kd" -p $w --duration "$secs" \
			2>k.err & k=$!
		perf record -q -N -g -e cpu-clock -F 999 -o "$pd" -p $w -- sleep "$secs" \
			2>perf.err && pr=0 || pr=$?
		wait $k && kr=0 || kr=$?
		kill $w 2>/dev/null; wait $w 2>/dev/null
		[ $kr = 0 ] || { cat k.err; return 1; }
		[ $pr = 0 ] && return 0
		cat perf.err
	done
	return 1
}

# self FILE FUNC: the self percentage of FUNC in a `kscope report --profile` table or
# in `perf report --stdio --no-children --sort sym` output.
self() {
	awk -v f="$2" '$NF == f { v = $1; sub(/%/, "", v); print v; exit }' "$1"
}

test_expect_success PERF,PERFTOOL "the hot functions' shares match perf's within 3 points" '
	both k.dat perf.data 5 "$PROFLOAD_FP" cpu 8 &&
	"$KSCOPE" report --profile -i k.dat >k.txt &&
	perf report -i perf.data --stdio --no-children --sort sym 2>/dev/null |
		grep "%" | sed "s/\[\.\] //" >p.txt &&
	for f in spin_a spin_b spin_c; do
		k=$(self k.txt $f) && p=$(self p.txt $f) &&
		echo "$f: kscope $k%, perf $p%" &&
		within "$(awk -v a=$k -v b=$p "BEGIN { d = a - b; print d < 0 ? -d : d }")" 0 3 ||
		exit 1
	done
'

test_expect_success PERF,PERFTOOL "the same stacks as perf script shows (folded)" '
	perf script -i perf.data -F comm,ip,sym 2>/dev/null | awk "
		/^[^ \t]/ { if (s != \"\") n[s]++; s = \"\"; next }
		NF >= 2 { s = (s == \"\" ? \$2 : \$2 \";\" s) }
		END { if (s != \"\") n[s]++; for (k in n) print k, n[k] }" >perf.stacks &&
	grep -q "^.*main;run_cpu;spin_a " perf.stacks &&
	"$KSCOPE" flame -i k.dat --format folded --user-only >k.folded &&
	grep -q "^profload-fp;__libc_start_call_main;main;run_cpu;spin_a " k.folded &&
	grep -q "__libc_start_call_main;main;run_cpu;spin_a " perf.stacks
'

CXX_FUNCS="kscope_test::spin_ns kscope_test::Spinner<int>::burn kscope_test::Functor::operator()"

test_expect_success PERF,PERFTOOL "C++ names are demangled (no parameters, no clone suffix), inlined ones too" '
	both cxx.dat cxx.perf 5 "$PROFLOAD_CXX" 8 &&
	"$KSCOPE" report --profile -i cxx.dat >kc.txt &&
	cat kc.txt &&
	for f in $CXX_FUNCS; do
		test -n "$(self kc.txt "$f")" || { echo "no $f"; exit 1; }
	done &&
	"$KSCOPE" flame -i cxx.dat --format folded --user-only >kc.folded &&
	grep -q "^profload-cxx;.*;kscope_test::Spinner<int>::burn [0-9]*$" kc.folded &&
	grep -q "^profload-cxx;.*;kscope_test::Functor::operator() [0-9]*$" kc.folded &&
	"$KSCOPE" flame -i cxx.dat --format folded --user-only --inline >ki.folded &&
	grep -q ";kscope_test::Spinner<int>::burn;kscope_test::Spinner<int>::step_\[i\] [0-9]*$" \
		ki.folded &&
	"$KSCOPE" report --profile --no-demangle -i cxx.dat >km.txt &&
	test -n "$(self km.txt _ZN11kscope_test7spin_nsEm)" &&
	! grep -q "kscope_test::" km.txt &&
	"$KSCOPE" flame --no-demangle -i cxx.dat --format folded >km.folded &&
	grep -q ";_ZNK11kscope_test7FunctorclEm" km.folded
'

test_expect_success PERF,PERFTOOL "C++ functions: perf report shows the same names, shares within 3 points" '
	perf report -i cxx.perf --stdio --no-children --sort sym 2>/dev/null |
		grep "%" | sed "s/\[\.\] //" >pc.txt &&
	for f in $CXX_FUNCS; do
		k=$(self kc.txt "$f") && p=$(self pc.txt "$f") &&
		echo "$f: kscope $k%, perf $p%" && test -n "$k" && test -n "$p" &&
		within "$(awk -v a=$k -v b=$p "BEGIN { d = a - b; print d < 0 ? -d : d }")" 0 3 ||
		exit 1
	done
'

test_expect_success PERF,NODE "pprof of a real profile decodes with pprof-format" '
	if [ ! -d "$JS/node_modules/pprof-format" ]; then
		npm ci --prefix "$JS" --ignore-scripts --no-audit --no-fund --loglevel=error
	fi &&
	"$KSCOPE" flame -i k.dat --format pprof -o k.pb.gz &&
	node "$JS/check-pprof.js" k.pb.gz >k.pprof.json &&
	grep -q "\"sampleTypes\": \[\[\"samples\",\"count\"\],\[\"cpu\",\"nanoseconds\"\]\]" k.pprof.json &&
	grep -q "\"stack\":\"spin_a;run_cpu;main;" k.pprof.json &&
	grep -q "\"lines\":\[\"spin_a tests/lib/profload.c:[0-9]*\"\]" k.pprof.json &&
	grep -q "\"file\":\"$PROFLOAD_FP\",\"buildId\":\"[0-9a-f]\{40\}\"" k.pprof.json &&
	total=$(sed -n "s/^ \"totals\": \[\"\([0-9]*\)\".*/\1/p" k.pprof.json) &&
	test "$total" = "$(sed -n "2s/^# \([0-9]*\) on-CPU samples.*/\1/p" k.txt)"
'

test_expect_success PERF,NODE "speedscope of a real profile validates against its schema" '
	"$KSCOPE" flame -i k.dat --format speedscope -o k.json &&
	node "$JS/check-speedscope.js" k.json >k.ss.json &&
	grep -q "\[\"spin_a\",\"tests/lib/profload.c\",[0-9]*\]" k.ss.json
'

test_expect_success PERF,NODE "an off-CPU profile as pprof: off_cpu nanoseconds" '
	"$KSCOPE" profile -q --off-cpu -g -o off.dat -- "$PROFLOAD_FP" offcpu 5 &&
	"$KSCOPE" flame -i off.dat --format pprof -o off.pb.gz &&
	node "$JS/check-pprof.js" off.pb.gz >off.json &&
	grep -q "\"sampleTypes\": \[\[\"samples\",\"count\"\],\[\"off_cpu\",\"nanoseconds\"\]\]" off.json &&
	grep -q "anon_pipe_read;.*;read;run_offcpu;main" off.json
'

test_done
