# SPDX-License-Identifier: GPL-2.0-only
# The analyses' in-kernel path on a kernel with hist triggers: kscope hist aggregating
# with a hist trigger against the same aggregation streamed, on a program making known
# calls (tests/lib/loadgen.c calls N C: in each of 1+C processes, N getppid, N/10
# openat of a missing file, N/20 close(-1)).
. /tests/lib.sh

# row FILE NAME: the counts (and sums) of row NAME of a hist table.
row() { sed -n "s/^$2  *//p" "$1"; }

test_expect_success "hist: a hist trigger and the stream count the same calls, children too" '
	$KSCOPE hist --path kernel -e raw_syscalls:sys_enter -k id.syscall -- $LOADGEN calls 3000 2 >k &&
	$KSCOPE hist --path stream -e raw_syscalls:sys_enter -k id.syscall -- $LOADGEN calls 3000 2 >s &&
	cat k && test "$(row k getppid)" = 9000 && test "$(row k openat)" = 900 &&
	test "$(row k close)" = 450 &&
	for r in getppid openat close; do test "$(row k $r)" = "$(row s $r)" || exit 1; done &&
	! grep -q kscope $TRACEFS/instances/*/events/raw_syscalls/sys_enter/trigger 2>/dev/null &&
	same_state
'

test_expect_success "hist: sums, and a log2 histogram bucketed like the stream (bcc rows)" '
	$KSCOPE hist --path kernel -e raw_syscalls:sys_exit -k id.syscall -v ret -- $LOADGEN calls 2000 0 >k &&
	$KSCOPE hist --path stream -e raw_syscalls:sys_exit -k id.syscall -v ret -- $LOADGEN calls 2000 0 >s &&
	test "$(row k openat | tr -s " ")" = "200 -400" && test "$(row k close | tr -s " ")" = "100 -900" &&
	test "$(row k openat)" = "$(row s openat)" &&
	$KSCOPE hist --path kernel -e raw_syscalls:sys_enter -v id --log2 -- $LOADGEN calls 2000 0 >kl &&
	$KSCOPE hist --path stream -e raw_syscalls:sys_enter -v id --log2 -- $LOADGEN calls 2000 0 >sl &&
	cat kl && grep -Eq "^ +2 -> 3 +: 100 " kl && diff kl sl && same_state
'

# loadgen syscalls SECS calls getppid in a loop and prints how many: the intervals add up.
test_expect_success "hist: intervals from the kernel table start from zero; a filter is applied there" '
	$KSCOPE hist --path kernel -e raw_syscalls:sys_enter -k id.syscall -f "id == 110" 0.4 \
		-- $LOADGEN syscalls 1.5 >iv && cat iv &&
	test $(grep -c "^Totals:" iv) -ge 3 && n=$(grep -Ex "[0-9]+" iv) && test -n "$n" &&
	test "$(sed -n "s/^getppid  *//p" iv | awk "{ s += \$1 } END { print s }")" = "$n" &&
	! grep -Eq "^(openat|close) " iv && same_state
'

test_expect_success "syscount: counted by a hist trigger and streamed, the same calls" '
	$KSCOPE syscount --path kernel -- $LOADGEN calls 3000 1 >k &&
	$KSCOPE syscount --path stream -- $LOADGEN calls 3000 1 >s && cat k &&
	for f in k s; do
		test "$(row $f getppid)" = 6000 && test "$(row $f openat)" = 600 &&
		test "$(row $f close)" = 300 || exit 1
	done &&
	$KSCOPE syscount --path kernel -x -- $LOADGEN calls 2000 0 >x && cat x &&
	test "$(row x openat)" = 200 && test "$(row x close)" = 100 && ! grep -q "^getppid" x &&
	$KSCOPE syscount --path kernel -P -- $LOADGEN calls 1000 0 >p && cat p &&
	grep -Eq "^[0-9]+ +loadgen +1[0-9]{3}$" p && same_state
'

test_done
