#!/bin/bash
# kscope profile next to its peers on the same workload: the hot functions' shares
# against perf's, and the pprof / speedscope files of a real profile read by
# independent decoders (tests/js: the npm pprof-format package, ajv with
# speedscope's schema).
. "$(dirname "$0")/lib.sh"

JS=$SRC_DIR/tests/js
[ -x "$PROFLOAD_FP" ] || make -s -C "$SRC_DIR" "${PROFLOAD_FP#$SRC_DIR/}" >&2 || exit 1

within() {
	awk -v v="$1" -v lo="$2" -v hi="$3" 'BEGIN { exit !(v >= lo && v <= hi) }' ||
		{ echo "$1 is not within [$2, $3]"; return 1; }
}

# perf record without the build-id cache (~/.debug, shared with any other perf that
# runs); a perf that crashes (it happens, rarely) gets a second chance.
perf_record() {
	perf record -q -N "$@" 2>perf.err || { cat perf.err; perf record -q -N "$@" 2>perf.err; }
}

# self FILE FUNC: the self percentage of FUNC in a `kscope report --profile` table or
# in `perf report --stdio --no-children --sort sym` output.
self() {
	awk -v f="$2" '$NF == f { v = $1; sub(/%/, "", v); print v; exit }' "$1"
}

test_expect_success PERF,PERFTOOL "the hot functions' shares match perf's within 3 points" '
	"$KSCOPE" profile -q -g -e cpu-clock -F 499 -o k.dat -- "$PROFLOAD_FP" cpu 3 &&
	perf_record -g -e cpu-clock -F 499 -o perf.data -- "$PROFLOAD_FP" cpu 3 &&
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
