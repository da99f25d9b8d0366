#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# make demo: record a few seconds of scheduler events while something runs, then show
# the summary and the first lines of the report; then profile a workload and draw its
# flame graph.
set -e
cd "$(dirname "$0")/.."
out=${TMPDIR:-/tmp}/kscope-demo.dat
echo "== kscope check (what this kernel offers)"
./kscope check
echo
echo "== kscope record -e sched:sched_switch -e sched:sched_wakeup -e raw_syscalls:sys_enter -- <workload>"
./kscope record -e sched:sched_switch -e sched:sched_wakeup -e raw_syscalls:sys_enter \
	-o "$out" -- sh -c 'for i in 1 2 3 4 5; do ls -R /usr/include >/dev/null; sleep 0.3; done'
echo
echo "== kscope report --stat"
./kscope report -i "$out" --stat
echo
echo "== kscope report --events sched_switch (first 15 lines)"
./kscope report -i "$out" --events sched_switch | head -15
rm -f "$out"

prof=${TMPDIR:-/tmp}/kscope-demo-profile.dat
svg=${TMPDIR:-/tmp}/kscope-demo-flame.svg
echo
echo "== kscope profile -g -F 499 -- <workload>   (CPU samples with call stacks, no eBPF)"
./kscope profile -g -F 499 -o "$prof" -- sh -c 'for i in 1 2 3; do find /usr/include -name "*.h" | xargs cat | gzip -c >/dev/null; done'
echo
echo "== kscope report --profile (hottest functions, first 12 lines)"
./kscope report --profile -i "$prof" | head -12
echo
echo "== kscope flame -o $svg"
./kscope flame -i "$prof" -o "$svg" --title "kscope demo"
echo "open $svg in a browser: hover for details, click to zoom, Ctrl-F to search"
rm -f "$prof"
