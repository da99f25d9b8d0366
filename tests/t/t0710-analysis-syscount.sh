#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# kscope syscount against independent truth: a program that makes known numbers of
# known syscalls (tests/lib/loadgen.c "calls": per process N getppid, N/10 failing
# openat, N/20 failing close), and strace -c -f on the same program.
. "$(dirname "$0")/lib.sh"

N=20000

# rows FILE: "NAME COUNT" from syscount's table (the header and time line dropped).
rows() {
	awk '/^SYSCALL/ { on = 1; next } on && NF >= 2 && $1 !~ /^\[/ { print $1, $2 }' "$1" | sort
}

test_expect_success ROOT,TRACEFS,INSTANCES "syscount -- cmd counts the command and its child exactly" '
	"$KSCOPE" syscount -T 100 -- "$LOADGEN" calls $N 1 >out &&
	cat out && rows out >got &&
	grep -qx "getppid $((2 * N))" got &&
	grep -qx "openat $((2 * N / 10 + 2))" got &&
	grep -qx "close $((2 * N / 20 + 2))" got &&
	grep -qx "clone 1" got && assert_clean
'

test_expect_success ROOT,TRACEFS,INSTANCES "syscount and strace -c -f agree on every syscall" '
	command -v strace >/dev/null || { echo "# no strace"; exit 0; }
	strace -c -f -o st.txt "$LOADGEN" calls $N 1 &&
	awk "\$NF != \"total\" && \$4 ~ /^[0-9]+\$/ { print \$NF, \$4 }" st.txt | sort >want &&
	"$KSCOPE" syscount -T 100 -- "$LOADGEN" calls $N 1 >out && rows out | grep -v "^exit_group " >got &&
	diff want got
'

test_expect_success ROOT,TRACEFS,INSTANCES "-x, -e ENOENT and --syscall keep what they say" '
	"$KSCOPE" syscount -x -- "$LOADGEN" calls $N 0 >x && rows x >got &&
	grep -qx "openat $((N / 10))" got && grep -qx "close $((N / 20))" got &&
	! grep -q "^getppid" got &&
	"$KSCOPE" syscount -e ENOENT -- "$LOADGEN" calls $N 0 >e && rows e >got &&
	grep -qx "openat $((N / 10))" got && ! grep -q "^close" got &&
	"$KSCOPE" syscount -e 9 -- "$LOADGEN" calls $N 0 >e9 && rows e9 >got &&
	grep -qx "close $((N / 20))" got &&
	"$KSCOPE" syscount --syscall getppid -- "$LOADGEN" calls $N 1 >g && rows g >got &&
	test "$(cat got)" = "getppid $((2 * N))"
'

test_expect_success ROOT,TRACEFS,INSTANCES "-P per process, -L with times" '
	"$KSCOPE" syscount -P -- "$LOADGEN" calls $N 1 >p && cat p &&
	grep -q "^PID    COMM               COUNT$" p &&
	test $(grep -cE "^[0-9]+ +loadgen +[0-9]+$" p) = 2 &&
	"$KSCOPE" syscount -L -- "$LOADGEN" calls $N 0 >l && cat l &&
	grep -q "^SYSCALL                   COUNT        TIME (us)$" l &&
	grep -qE "^getppid +$N +[0-9]+\.[0-9]{3}$" l &&
	"$KSCOPE" syscount -L -m -- "$LOADGEN" calls $N 0 >lm &&
	grep -q "TIME (ms)" lm && grep -qE "^getppid +$N +[0-9]+\.[0-9]{6}$" lm
'

test_expect_success ROOT,TRACEFS,INSTANCES "offline: the same counts from a recording (--events, --input)" '
	"$KSCOPE" syscount --events >ev && grep -q "^kscope record -e raw_syscalls:sys_enter" ev &&
	"$KSCOPE" record -q -e raw_syscalls -F -c -o sc.dat -- "$LOADGEN" calls $N 1 &&
	"$KSCOPE" syscount -T 100 --input sc.dat >off && rows off >got &&
	grep -qx "getppid $((2 * N))" got && grep -qx "openat $((2 * N / 10 + 2))" got
'

test_expect_success ROOT,TRACEFS,INSTANCES "--json: one document, rows as objects" '
	"$KSCOPE" syscount --json -- "$LOADGEN" calls $N 0 >j &&
	python3 -c "
import json, sys
d = json.load(open(\"j\"))
rows = [i for i in d[\"results\"] if i[\"type\"] == \"table\"][0][\"data\"]
assert {\"SYSCALL\": \"getppid\", \"COUNT\": $N} in rows, rows
assert d[\"analysis\"] == \"syscount\" and d[\"final\"] is True and d[\"lost_events\"] == 0
"
'

# kscope's reads of the buffers are syscalls: counted, they would fill the buffers they
# read and wake it to read more (hundreds of thousands a second on an idle machine).
test_expect_success ROOT,TRACEFS,INSTANCES "system-wide: kscope's own syscalls are not counted" '
	"$KSCOPE" syscount --duration 0.5 --json >own.json &&
	python3 -c "
import json, sys
d = json.load(open(\"own.json\"))
n = sum(r[\"COUNT\"] for i in d[\"results\"] if i[\"type\"] == \"table\" for r in i[\"data\"])
print(\"#\", n, \"syscalls in 0.5 s\")
sys.exit(n > 20000)
" && assert_clean
'

test_done
