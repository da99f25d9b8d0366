#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# kscope list: events, tracers, options.
. "$(dirname "$0")/lib.sh"

test_expect_success ROOT,TRACEFS "list -e shows sys:event for every event directory" '
	$KSCOPE list -e >ev &&
	grep -qx "sched:sched_switch" ev &&
	want=$(ls -d $TRACEFS/events/*/*/ | grep -v /events/ftrace/ | wc -l) &&
	test $(wc -l <ev) = $want
'

test_expect_success ROOT,TRACEFS "list -e GLOB filters, -F prints the format" '
	$KSCOPE list -e "sched:sched_swi*" >ev && test "$(cat ev)" = "sched:sched_switch" &&
	$KSCOPE list -e -F sched:sched_switch >fmt && grep -q "field:char prev_comm" fmt
'

test_expect_success ROOT,TRACEFS "list -t and -o show tracers and options" '
	$KSCOPE list -t >tr && grep -qx nop tr &&
	$KSCOPE list -o >op && grep -qE "^event-fork +[01]$" op
'

test_expect_success ROOT,TRACEFS "list -e with a glob that matches nothing fails with one line" '
	set +e; $KSCOPE list -e "nosuch:*" >/dev/null 2>err; rc=$?; set -e
	test $rc = 2 && test $(wc -l <err) = 1 && grep -q "unknown event" err
'

test_done
