#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# make vmcheck: the guest tests on real kernels under QEMU/TCG, then host-side checks
# of the files the guests exported (trace-cmd report must print what kscope prints).
# TAP for prove. Kernels: Debian's generic and PREEMPT_RT (apt-get download), and the
# latency kernel from ../shared/kernels.
set -o pipefail
src=$(cd "$(dirname "$0")/../.." && pwd)
out=$src/build-vm/out
n=0 failed=0

emit() {	# renumber a VM's TAP into ours
	while IFS= read -r line; do
		case "$line" in
		"ok "*|"not ok "*)
			n=$((n + 1))
			case "$line" in "not ok"*) failed=$((failed + 1)) ;; esac
			echo "$line" | sed -E "s/^(not ok|ok) [0-9]+/\1 $n/" ;;
		"1.."*) ;;
		*) echo "$line" ;;
		esac
	done
}

run() { emit < <("$src/tests/vm/run-vm.sh" "$@"); }

run debian smoke,tracers,profile,analyses
run latency latency
run debian-rt wakeup

# compare FILE "trace-cmd report options" description
compare() {
	f=$1 opts=$2 desc=$3
	n=$((n + 1))
	if [ ! -s "$f" ]; then
		echo "ok $n # skip $desc (the guest did not export $(basename "$f"))"
		return
	fi
	trace-cmd report -i "$f" $opts >"$f.tc" 2>/dev/null
	"$src/kscope" report -i "$f" >"$f.ks"
	if [ -s "$f.tc" ] && [ $(wc -l <"$f.ks") -gt 1 ] && cmp -s "$f.tc" "$f.ks"; then
		echo "ok $n - $desc"
	else
		failed=$((failed + 1))
		echo "not ok $n - $desc"
		diff "$f.tc" "$f.ks" | head -10 | sed 's/^/# /' >&2
	fi
}

compare "$out/debian/function.dat" "-O parent -O indent=0" \
	"host: trace-cmd report reads the guest's function trace like kscope"
compare "$out/debian/funcgraph.dat" "-O fgraph:tailprint" \
	"host: function_graph nesting, durations and leaves identical to trace-cmd"
compare "$out/debian/kprobe.dat" "" "host: kprobe/kretprobe events identical to trace-cmd"
compare "$out/latency/irqsoff.dat" "-O parent -O indent=0" "host: irqsoff record identical to trace-cmd"
compare "$out/debian/smoke-sched.dat" "" "host: sched events with stacks identical to trace-cmd"

# A profile made on the guest, read here: user frames through the guest's binaries
# (--symfs: its root filesystem), kernel frames through the kallsyms in the file.
check() {
	n=$((n + 1))
	if [ ! -s "$2" ]; then
		echo "ok $n # skip $1 (the guest did not export $(basename "$2"))"
		return
	fi
	if (eval "$3") >"$out/check.$n" 2>&1; then
		echo "ok $n - $1"
	else
		failed=$((failed + 1))
		echo "not ok $n - $1"
		tail -10 "$out/check.$n" | sed 's/^/# /' >&2
	fi
}
p=$out/debian/profile.dat
symfs=$src/build-vm/initramfs-debian
check "host: the guest's profile symbolized with --symfs and its own kallsyms" "$p" '
	"$src/kscope" flame -i "$p" --format folded --symfs "$symfs" >"$p.folded" &&
	{ grep -q "^profload;.*main;run_cpu;spin_a " "$p.folded" ||
	  { echo "no main;run_cpu;spin_a stack, the heaviest are:"; sort -k2 -n "$p.folded" |
	    tail -n 4; false; }; } &&
	"$src/kscope" flame -i "$p" --format folded >"$p.nosymfs" 2>"$p.err" &&
	# (the frames of profload, not the roots of stacks: those are in libc, or cut short)
	{ grep -q ";\[profload\][; ]" "$p.nosymfs" && ! grep -q "spin_a" "$p.nosymfs" &&
	  grep -q "/bin/profload" "$p.err" ||
	  { echo "without --symfs, profload is not [profload] frames:"; cat "$p.err";
	    sort -k2 -n "$p.nosymfs" | tail -n 3; false; }; } &&
	"$src/kscope" report --profile -i "$p" --symfs "$symfs" >"$p.top" &&
	{ grep -q " \[k\]$" "$p.top" || { echo "no kernel function in the top table:";
	  head -n 8 "$p.top"; false; }; }
'
check "host: trace-cmd report lists the guest's samples" "$p" '
	trace-cmd report -i "$p" >"$p.tc" 2>/dev/null &&
	test "$(grep -c " sample: " "$p.tc")" -gt 100
'
o=$out/debian/profile-offcpu.dat
check "host: the guest's off-CPU profile as pprof" "$o" '
	"$src/kscope" flame -i "$o" --symfs "$symfs" --format pprof -o "$o.pb.gz" &&
	test -s "$o.pb.gz"
'

echo "1..$n"
[ $failed = 0 ]
