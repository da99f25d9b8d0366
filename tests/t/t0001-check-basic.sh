#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# kscope check and the command line shell: help, errors, JSON.
. "$(dirname "$0")/lib.sh"

test_expect_success "kscope --help lists every command" '
	$KSCOPE --help >help &&
	for c in check list record report stream reset; do grep -q "^  $c " help; done
'

test_expect_success "every command has --help generated from its option table" '
	for c in check list record report stream reset; do
		$KSCOPE $c --help >h.$c && grep -q "^usage: kscope $c" h.$c &&
		grep -q -- "-h, --help" h.$c || exit 1
	done &&
	grep -q -- "--duration SECS" h.record && grep -q -- "--stat" h.report
'

test_expect_success "unknown command and option: one line, exit 2" '
	set +e; $KSCOPE frobnicate 2>err; rc=$?; set -e
	test $rc = 2 && test $(wc -l <err) = 1 && grep -q "unknown command" err &&
	set +e; $KSCOPE record --bogus 2>err; rc=$?; set -e
	test $rc = 2 && test $(wc -l <err) = 1 && grep -q "unknown option" err
'

test_expect_success ROOT,TRACEFS "check reports tracefs, events and instances" '
	$KSCOPE check >out &&
	grep -E "^tracefs +yes +/sys/kernel" out &&
	grep -E "^events +yes +[0-9]+ events" out &&
	grep -E "^instances +(yes|no|forbidden) " out &&
	grep -E "^ftrace_enabled_write +(yes|no|forbidden)" out &&
	grep -E "^perf_software +(yes|no|forbidden)" out &&
	grep -E "^btf +(yes|no)" out
'

test_expect_success ROOT,TRACEFS "check agrees with the kernel on tracers and uprobes" '
	$KSCOPE check >out &&
	if grep -qw function $TRACEFS/available_tracers; then
		grep -E "^function +(yes|forbidden)" out
	else
		grep -E "^function +no" out
	fi &&
	if [ -f $TRACEFS/uprobe_events ]; then grep -E "^uprobe_events +yes" out;
	else grep -E "^uprobe_events +no" out; fi &&
	if [ -f $TRACEFS/kprobe_events ]; then grep -E "^kprobe_events +yes" out;
	else grep -E "^kprobe_events +no +no kprobes" out; fi
'

test_expect_success ROOT,TRACEFS "check --json is valid JSON with a state per capability" '
	$KSCOPE check --json >out.json &&
	python3 -c "import json,sys; d=json.load(open(\"out.json\")); assert d[\"tracefs\"][\"state\"]==\"yes\"; assert all(\"state\" in v and \"detail\" in v for v in d.values()); print(len(d))"
'

test_expect_success ROOT,TRACEFS "check leaves no instance or journal behind" '
	$KSCOPE check >/dev/null && assert_clean
'

test_done
