# SPDX-License-Identifier: GPL-2.0-only
# Inside the VM: record function_graph of a busy workload for a fixed time with kscope
# and with trace-cmd, same settings; print one result line per tool for the host.
. /tests/lib.sh
secs=${BENCH_SECS:-4}
# The workload is the recorded command, so it runs exactly while tracing is on
# (switching function_graph on and off takes seconds under TCG).
run_tool() {
	tool=$1; shift
	/bin/busybox time -f "%e %U %S" -o /tmp/$tool.time "$@" >/tmp/$tool.out 2>&1
	echo "BENCH $tool time $(cat /tmp/$tool.time)"
}
run_tool kscope /bin/kscope record -p function_graph -b 4096 -o /tmp/k.dat -- \
	/bin/loadgen syscalls $secs
grep -E "lost|events" /tmp/kscope.out | sed 's/^/# /'
echo "BENCH kscope lost $(awk '/^  cpu/ { s += $4 } END { print s + 0 }' /tmp/kscope.out)"
export_file /tmp/k.dat bench-kscope.dat
if [ -x /usr/bin/trace-cmd ]; then
	run_tool tracecmd /usr/bin/trace-cmd record -p function_graph -b 4096 -o /tmp/t.dat \
		/bin/loadgen syscalls $secs
	grep -iE "overrun|lost" /tmp/tracecmd.out | sed 's/^/# /'
	# trace-cmd ends with "CPU 0: 1009430 events lost" lines.
	echo "BENCH tracecmd lost $(awk '/^CPU [0-9]+: [0-9]+ events lost/ { s += $3 } END { print s + 0 }' /tmp/tracecmd.out)"
	export_file /tmp/t.dat bench-tracecmd.dat
fi
test_skip "benchmark run"
test_done
