#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Recorder comparison on a real kernel (Debian's, in QEMU/TCG): function_graph of a
# busy getppid() loop (4 s, the recorded command) with `kscope record` and with
# `trace-cmd record` (which works there), same tracer and buffer size. Prints
# events captured, events lost, and CPU time (user+sys of recorder and workload:
# the workload's 4 s are the same for both) and wall time including setup.
# A benchmark, not a test. Needs root, qemu-system-x86, busybox-static, trace-cmd.
set -eu
src=$(cd "$(dirname "$0")/../.." && pwd)
extra=$(mktemp -d)
trap 'rm -rf "$extra"' EXIT

# trace-cmd is dynamic: bring it and its libraries into the initramfs.
mkdir -p "$extra/usr/bin" "$extra/tests"
cp /usr/bin/trace-cmd "$extra/usr/bin/"
for lib in $(ldd /usr/bin/trace-cmd | grep -oE '/[^ ]+\.so[^ ]*'); do
	mkdir -p "$extra$(dirname "$lib")"
	cp -L "$lib" "$extra$lib"
done
cp "$src/tests/bench/guest/recbench.sh" "$extra/tests/"

VM_EXTRA_DIR=$extra VM_TIMEOUT=1200 "$src/tests/vm/run-vm.sh" debian recbench >/dev/null || true
log=$src/build-vm/console-debian.log
out=$src/build-vm/out/debian
grep '^#' "$log" | grep -v KSCOPE || true

field() { awk -v t="$1" -v k="$2" '$1 == "BENCH" && $2 == t && $3 == k { $1 = $2 = $3 = ""; print }' "$log"; }
events() { "$src/kscope" report -i "$1" --stat 2>/dev/null | sed -nE 's/^events: +([0-9]+).*/\1/p'; }

printf "%-10s %12s %10s %10s %10s\n" tool events lost cpu_s wall_s
for t in kscope tracecmd; do
	f=$out/bench-$t.dat
	[ -s "$f" ] || { echo "$t: no result"; continue; }
	set -- $(field $t time)
	wall=$1 cpu=$(awk -v u="$2" -v s="$3" "BEGIN { print u + s }")
	printf "%-10s %12s %10s %10s %10s\n" "$t" "$(events "$f")" "$(field $t lost | tr -d ' ')" "$cpu" "$wall"
done
