#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# kscope hist against independent truth: a program making known numbers of known
# syscalls, dd making known O_DIRECT reads (count, bytes, sectors), and, offline,
# counts and sums computed from `trace-cmd report -t` text of the same recording.
. "$(dirname "$0")/lib.sh"

# The syscall number of getppid here, from the C library's headers.
GETPPID=$(printf '#include <sys/syscall.h>\nSYS_getppid\n' | cc -E - 2>/dev/null | tail -n 1)

# rows FILE.json: the table's rows, "COL=VALUE ..." in column order.
rows() {
	python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
for i in d["results"]:
    if i["type"] == "table":
        for r in i["data"]:
            print(" ".join("%s=%s" % (k, v) for k, v in r.items()))
' "$1"
}

test_expect_success ROOT,TRACEFS,INSTANCES "live: a program's known syscalls, counted by name and filtered by number" '
	"$KSCOPE" hist -e raw_syscalls:sys_enter -k id.syscall --json -- "$LOADGEN" calls 10000 0 >s.json &&
	rows s.json >s && grep -qx "id.syscall=getppid count=10000" s &&
	grep -E "^id.syscall=openat count=10[0-9][0-9]$" s &&
	"$KSCOPE" hist -e raw_syscalls:sys_enter -k id -f "id == $GETPPID" --json -- \
		"$LOADGEN" calls 5000 0 >f.json &&
	rows f.json >f && cat f && test "$(cat f)" = "id=$GETPPID count=5000" &&
	"$KSCOPE" hist -e raw_syscalls:sys_enter -k id.syscall -n 2 -- "$LOADGEN" calls 3000 0 >t &&
	test $(grep -c "^[a-z]" t) = 3 && grep -q "^Totals: hits [0-9]*, entries [0-9]* (-n: the first shown)$" t &&
	assert_clean
'

test_expect_success ROOT,TRACEFS,INSTANCES,BLOCK,DIRECTIO "live: O_DIRECT reads summed, as log2 and linear histograms" '
	dd if=/dev/urandom of=big.dat bs=1M count=2 2>/dev/null && sync &&
	"$KSCOPE" hist -e block:block_rq_issue -k comm -v bytes,nr_sector --json -- \
		dd if=big.dat of=/dev/null bs=4k iflag=direct count=100 >b.json 2>/dev/null &&
	rows b.json >b && cat b && grep -qx "comm=dd count=100 bytes=409600 nr_sector=800" b &&
	"$KSCOPE" hist -e block:block_rq_issue -k comm -v bytes --linear 4096 --json -- \
		dd if=big.dat of=/dev/null bs=16k iflag=direct count=40 >l.json 2>/dev/null &&
	python3 -c "
import json, sys
d = json.load(open(\"l.json\"))
h = [i for i in d[\"results\"] if i[\"type\"] == \"linear\" and i[\"value\"] == \"dd\"][0][\"data\"]
c = {b[\"value\"]: b[\"count\"] for b in h[\"buckets\"] if b[\"count\"]}
print(\"#\", h[\"unit\"], c)
sys.exit(not (c == {4: 40} and h[\"unit\"] == \"bytes/4096\"))
" &&
	"$KSCOPE" hist -e block:block_rq_issue -v bytes --log2 -- \
		dd if=big.dat of=/dev/null bs=8k iflag=direct count=30 >g 2>/dev/null &&
	grep -qE "^ +8192 -> 16383 +: 30 " g && assert_clean
'

test_expect_success ROOT,TRACEFS,INSTANCES,TRACECMD "offline: counts, sums and a filter equal trace-cmd report's" '
	"$KSCOPE" record -q -e sched:sched_switch -o h.dat -- sh -c "$LOADGEN sleep 30 1 & $LOADGEN sleep 20 2; wait" &&
	trace-cmd report -t -i h.dat 2>/dev/null | python3 -c "
import re, sys
c, s = {}, {}
for l in sys.stdin:
    m = re.search(r\"sched_switch: +.*:(\d+) \[-?\d+\] \S+ ==> .*:(\d+) \[-?\d+\]\", l)
    if m and m.group(1) != \"0\":
        p = int(m.group(1)); c[p] = c.get(p, 0) + 1; s[p] = s.get(p, 0) + int(m.group(2))
for p in sorted(c):
    print(\"prev_pid=%d count=%d next_pid=%d\" % (p, c[p], s[p]))
" >want && test $(wc -l <want) -ge 3 &&
	"$KSCOPE" hist -i h.dat -e sched:sched_switch -k prev_pid -v next_pid -f "prev_pid != 0" \
		--sort key --json >h.json && rows h.json >got && diff want got
'

# The same filter, live in the kernel and offline in kscope, over the same run, and
# against trace-cmd report: ret is a signed field, comm a glob over the task's name.
test_expect_success ROOT,TRACEFS,INSTANCES,TRACECMD "offline filters mean what the kernel's mean" '
	F="ret < -1 && comm ~ \"ca*\"" &&
	"$KSCOPE" record -q -e raw_syscalls:sys_exit -o f.dat -- "$KSCOPE" hist \
		-e raw_syscalls:sys_exit -k comm -f "$F" --json -- \
		sh -c "for i in 1 2 3 4; do cat /nonexist; cat /etc/passwd; done >/dev/null 2>&1" \
		>live.json && rows live.json >live && cat live && grep -q "^comm=cat count=" live &&
	"$KSCOPE" hist -i f.dat -e raw_syscalls:sys_exit -k comm -f "$F" --json >off.json &&
	rows off.json >off && diff live off &&
	trace-cmd report -i f.dat 2>/dev/null | python3 -c "
import re, sys
neg = pos = 0
for l in sys.stdin:
    m = re.search(r\"^ *(\\S+)-\\d+ .* sys_exit: +NR -?\\d+ = (-?\\d+)\", l)
    if m:
        neg += m.group(1).startswith(\"ca\") and int(m.group(2)) < -1
        pos += m.group(1) == \"cat\" and int(m.group(2)) > 0
print(\"comm=cat count=%d\" % neg)
print(\"comm=cat count=%d\" % pos)
" >want &&
	"$KSCOPE" hist -i f.dat -e raw_syscalls:sys_exit -k comm -f "ret > 0 && comm == cat" \
		--json >pos.json && rows pos.json >>off && diff want off
'

# sched_process_exec is also how kscope follows a command's tasks: both uses get
# every record, the plugin's filter applied in user space.
test_expect_success ROOT,TRACEFS,INSTANCES "an event kscope follows tasks with, filtered; --events as given" '
	"$KSCOPE" hist -e sched:sched_process_exec -k filename -f "filename ~ \"*/ca*\"" --json -- \
		sh -c "ls >/dev/null; cat /dev/null; (cat /dev/null)" >x.json && rows x.json >x && cat x &&
	grep -Eqx "filename=/(usr/)?bin/cat count=2" x && test $(wc -l <x) = 1 &&
	"$KSCOPE" syscount --events >ev && ! grep -q common_pid ev &&
	"$KSCOPE" hist -e raw_syscalls:sys_enter -f "id == 1" --events >ev &&
	grep -qx "kscope record -e raw_syscalls:sys_enter -f .id == 1. -o hist.dat" ev && assert_clean
'

# --path kernel: where the kernel takes hist triggers, the same table as streamed; where
# it does not (this machine's locked-down kernel), exit 3 with the kernel's words, and
# the default falls back to streaming.
test_expect_success ROOT,TRACEFS,INSTANCES "--path kernel: the kernel's table, or its refusal said" '
	if "$KSCOPE" hist --path kernel -e raw_syscalls:sys_enter -k id.syscall -- \
		"$LOADGEN" calls 3000 0 >k 2>err; then
		grep -qE "^getppid +3000$" k &&
		"$KSCOPE" hist --path stream -e raw_syscalls:sys_enter -k id.syscall -- \
			"$LOADGEN" calls 3000 0 >s && grep -E "^getppid " k >a && grep -E "^getppid " s >b &&
		diff a b
	else
		test $? = 3 && grep -q "the kernel does not aggregate it: writing .hist:keys=id.syscall,common_pid:vals=hitcount:size=" err &&
		grep -q "(kscope check: hist_triggers)" err &&
		"$KSCOPE" hist -e raw_syscalls:sys_enter -k id.syscall -- "$LOADGEN" calls 3000 0 >d &&
		grep -qE "^getppid +3000$" d
	fi && assert_clean
'

test_expect_success ROOT,TRACEFS,INSTANCES "bad input: one line, exit 2, nothing left" '
	"$KSCOPE" hist --duration 0.1 2>err; test $? = 2 && grep -q "which event" err &&
	"$KSCOPE" hist -e sched:sched_switch -k nosuch --duration 0.1 2>err; test $? = 2 &&
	grep -q "no field .nosuch." err &&
	"$KSCOPE" hist -e sched:sched_switch -v prev_comm --duration 0.1 2>err; test $? = 2 &&
	grep -q "string has no sum" err &&
	"$KSCOPE" hist -e sched:sched_switch --log2 --duration 0.1 2>err; test $? = 2 &&
	"$KSCOPE" hist -e sched:sched_switch -v prev_pid --log2 --linear 2 --duration 0.1 2>err; test $? = 2 &&
	"$KSCOPE" hist -e sched:sched_switch -k prev_pid.bogus --duration 0.1 2>err; test $? = 2 &&
	"$KSCOPE" hist -e sched:sched_switch -f "prev_stat == 1" --duration 0.1 2>err; test $? = 2 &&
	grep -q "kernel says" err &&
	"$KSCOPE" hist -e nosuch:event --duration 0.1 2>err; test $? = 3 &&
	"$KSCOPE" record -q -e sched:sched_switch -o h.dat --duration 0.1 &&
	"$KSCOPE" hist -i h.dat -e sched:sched_switch -f "prev_stat == 1" 2>err; test $? = 2 &&
	grep -q "no field .prev_stat." err &&
	"$KSCOPE" hist -e sched:sched_switch --path nowhere --duration 0.1 2>err; test $? = 2 &&
	"$KSCOPE" hist -e sched:sched_switch -k comm --path kernel --duration 0.1 2>err; test $? = 2 &&
	grep -q "use --path stream" err && assert_clean
'

test_done
