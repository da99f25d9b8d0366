#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# kscope hardirqs and softirqs against the kernel's own counters on the same run:
# /proc/interrupts around O_DIRECT reads (each read is a disk interrupt) and
# /proc/softirqs around a loopback TCP transfer (NET_RX). kscope traces inside the
# window the counters span, so it counts at most their delta, and nearly all of it.
. "$(dirname "$0")/lib.sh"

# near KSCOPE_COUNT PROC_DELTA: kscope saw at most the delta and at least 90% of it.
near() {
	echo "# kscope $1, /proc $2" >&2
	test "$2" -gt 100 && test "$1" -le "$2" && test $(($1 * 10)) -ge $(($2 * 9))
}

# irq_counts: "NAME TOTAL" per line of /proc/interrupts with an action name.
irq_counts() {
	awk -v n="$(nproc)" 'NR > 1 && $1 ~ /^[0-9]+:$/ {
		t = 0; for (i = 2; i <= n + 1; i++) t += $i; print $NF, t }' /proc/interrupts
}

test_expect_success ROOT,TRACEFS,INSTANCES "hardirqs -C: the disk interrupts of O_DIRECT reads, as /proc/interrupts counts them" '
	dd if=/dev/zero of=big.dat bs=1M count=16 2>/dev/null && sync &&
	irq_counts >before &&
	"$KSCOPE" hardirqs -C -- dd if=big.dat of=/dev/null bs=4k iflag=direct count=2000 >hi 2>/dev/null &&
	irq_counts >after && cat hi &&
	join before after | awk "{ print \$1, \$3 - \$2 }" | sort -k2 -n | tail -1 >busiest &&
	read name delta <busiest &&
	got=$(awk -v n="$name" "\$1 == n { print \$2 }" hi) &&
	near "${got:-0}" "$delta" &&
	grep -q "^HARDIRQ                    TOTAL_count$" hi && assert_clean
'

test_expect_success ROOT,TRACEFS,INSTANCES "hardirqs: times, -N, -d histograms" '
	"$KSCOPE" hardirqs -- dd if=big.dat of=/dev/null bs=4k iflag=direct count=300 >t 2>/dev/null &&
	grep -q "^HARDIRQ                    TOTAL_usecs$" t &&
	"$KSCOPE" hardirqs -N -- dd if=big.dat of=/dev/null bs=4k iflag=direct count=300 >n 2>/dev/null &&
	grep -q "TOTAL_nsecs" n &&
	"$KSCOPE" hardirqs -d -- dd if=big.dat of=/dev/null bs=4k iflag=direct count=300 >d 2>/dev/null &&
	grep -qE "^hardirq = .[^ ]+.$" d && grep -q "usecs *: count *distribution" d
'

LOAD="import socket, threading
s = socket.socket(); s.bind((\"127.0.0.1\", 0)); s.listen(1)
def sink():
    c, _ = s.accept()
    while c.recv(1 << 16):
        pass
t = threading.Thread(target=sink); t.start()
c = socket.create_connection(s.getsockname())
buf = b\"x\" * 4096
for i in range(12000):
    c.sendall(buf)
c.close(); t.join()"

test_expect_success ROOT,TRACEFS,INSTANCES "softirqs -C: NET_RX of a loopback transfer, as /proc/softirqs counts it" '
	before=$(awk "\$1 == \"NET_RX:\" { for (i = 2; i <= NF; i++) t += \$i; print t }" /proc/softirqs) &&
	"$KSCOPE" softirqs -C -- python3 -c "$LOAD" >so &&
	after=$(awk "\$1 == \"NET_RX:\" { for (i = 2; i <= NF; i++) t += \$i; print t }" /proc/softirqs) &&
	cat so && got=$(awk "\$1 == \"net_rx\" { print \$2 }" so) &&
	near "${got:-0}" $((after - before)) &&
	grep -q "^SOFTIRQ          TOTAL_count$" so && assert_clean
'

test_expect_success ROOT,TRACEFS,INSTANCES "softirqs: times and -d sections; no -p for a measure of the whole system" '
	"$KSCOPE" softirqs --duration 0.3 >st && grep -q "^SOFTIRQ          TOTAL_usecs$" st &&
	"$KSCOPE" softirqs -d --duration 0.3 >sd && grep -qE "^softirq = [a-z_]+$" sd &&
	"$KSCOPE" softirqs -p 1 --duration 0.1 2>err; test $? = 2 && grep -q "unknown option .-p." err
'

test_done
