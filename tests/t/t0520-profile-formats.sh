#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# pprof and speedscope output, decoded by independent tools: the pprof file by the
# npm `pprof-format` package, the speedscope file validated against speedscope's own
# schema (from the npm `speedscope` package) by ajv. Samples come from a fixed text
# description through build/tests/profwrite (tests/lib/profwrite.c) and the summaries
# of the decoders are compared exactly. Needs node and npm; the packages are
# installed into tests/js/node_modules on first use (`npm ci`, the registry only).
. "$(dirname "$0")/lib.sh"

PROFWRITE=${PROFWRITE_BIN:-$SRC_DIR/build/tests/profwrite}
JS=$SRC_DIR/tests/js

if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
	echo "1..0 # skip node and npm are not installed (Debian: nodejs npm)"
	exit 0
fi
# Built by `make tcheck`; (re)built here when missing or older than the writers.
if [ -z "${PROFWRITE_BIN:-}" ]; then
	for f in tests/lib/profwrite.c src/output/pprof.c src/output/speedscope.c src/output/profout.c; do
		if [ ! -x "$PROFWRITE" ] || [ "$PROFWRITE" -ot "$SRC_DIR/$f" ]; then
			make -s -C "$SRC_DIR" build/tests/profwrite >&2 || exit 1
			break
		fi
	done
fi

test_expect_success "the decoders are installed (npm ci from the lock file)" '
	if [ ! -d "$JS/node_modules/pprof-format" ] || [ ! -d "$JS/node_modules/ajv" ] ||
	   [ ! -d "$JS/node_modules/speedscope" ]; then
		npm ci --prefix "$JS" --ignore-scripts --no-audit --no-fund --loglevel=error
	fi &&
	test -f "$JS/node_modules/speedscope/dist/release/file-format-schema.json"
'

cat >"$TMP/fixture.in" <<'EOF'
# The program, libc twice (equal content under two pointers), the kernel.
map 1 0x555555554000 0x555555556000 0x0 /usr/bin/app 0123456789abcdef
map 2 0x7ffff7d80000 0x7ffff7f00000 0x28000 /usr/lib/x86_64-linux-gnu/libc.so.6 a1b2c3
map 3 0xffffffff81000000 0xffffffff82e00000 0 [kernel.kallsyms] - kernel
map 4 0x7ffff7d80000 0x7ffff7f00000 0x28000 /usr/lib/x86_64-linux-gnu/libc.so.6 a1b2c3
sample 4242 4242 app 1000000 1000000
loc 0xffffffff81234567 3 k copy_user_generic
loc 0xffffffff81200000 3 k do_syscall_64
loc 0x7ffff7d91234 2 __libc_read@read.c:26
loc 0x555555555180 1 parse_line@parse.h:12 parse@parse.c:40
loc 0x555555555300 1 main@main.c:9
sample 4242 4243 app-worker 2000000 3000000
loc 0x555555555400 1
loc 0x555555555300 1 main@main.c:9
sample 4242 4242 app 3000000 1000000
loc 0xffffffff81234567 3 k copy_user_generic
loc 0xffffffff81200000 3 k do_syscall_64
loc 0x7ffff7d91234 4 __libc_read@read.c:26
loc 0x555555555180 1 parse_line@parse.h:12 parse@parse.c:40
loc 0x555555555300 1 main@main.c:9
sample 4242 4242 app 4000000 500000
loc 0x555555555200 1 ?@parse.c:55
loc 0x555555555300 1 main@main.c:9
sample 77 77 kworker/0:1 5000000 250000
loc 0xffffffff81100000 3 k worker_thread
loc 0xffffffffc0001234 - k
sample 88 88 sleeper 6000000 40000
sample 99 99 idle 6500000 0
loc 0x555555555300 1 main@main.c:9
EOF

test_expect_success "profwrite writes a pprof and a speedscope file" '
	"$PROFWRITE" -p 10000000 -T 1700000000123456789 -n "app cpu" p.pb.gz p.json \
		<fixture.in &&
	test -s p.pb.gz && test -s p.json && gzip -t p.pb.gz
'

test_expect_success "pprof: pprof-format decodes it; the summary is exact" '
	node "$JS/check-pprof.js" p.pb.gz >got &&
	cat >want <<-\EOF &&
	{
	 "sampleTypes": [["samples","count"],["cpu","nanoseconds"]],
	 "defaultSampleType": "cpu",
	 "periodType": ["cpu","nanoseconds"],
	 "period": 10000000,
	 "timeNanos": "1700000000123456789",
	 "durationNanos": 5500000,
	 "sampleCount": 6,
	 "totals": ["7","5790000"],
	 "samples": [
	  {"stack":"copy_user_generic;do_syscall_64;__libc_read;parse_line;parse;main","values":[2,2000000],"labels":{"pid":4242,"tid":4242,"comm":"app"}},
	  {"stack":"0x555555555400;main","values":[1,3000000],"labels":{"pid":4242,"tid":4243,"comm":"app-worker"}},
	  {"stack":"app+0x1200;main","values":[1,500000],"labels":{"pid":4242,"tid":4242,"comm":"app"}},
	  {"stack":"worker_thread;0xffffffffc0001234","values":[1,250000],"labels":{"pid":77,"tid":77,"comm":"kworker/0:1"}},
	  {"stack":"","values":[1,40000],"labels":{"pid":88,"tid":88,"comm":"sleeper"}},
	  {"stack":"main","values":[1,0],"labels":{"pid":99,"tid":99,"comm":"idle"}}
	 ],
	 "mappings": [
	  {"id":1,"start":"0xffffffff81000000","limit":"0xffffffff82e00000","offset":"0x0","file":"[kernel.kallsyms]","buildId":"","hasFunctions":true,"hasFilenames":false,"hasLineNumbers":false,"hasInlineFrames":false},
	  {"id":2,"start":"0x7ffff7d80000","limit":"0x7ffff7f00000","offset":"0x28000","file":"/usr/lib/x86_64-linux-gnu/libc.so.6","buildId":"a1b2c3","hasFunctions":true,"hasFilenames":true,"hasLineNumbers":true,"hasInlineFrames":false},
	  {"id":3,"start":"0x555555554000","limit":"0x555555556000","offset":"0x0","file":"/usr/bin/app","buildId":"0123456789abcdef","hasFunctions":true,"hasFilenames":true,"hasLineNumbers":true,"hasInlineFrames":true}
	 ],
	 "locations": [
	  {"id":1,"address":"0xffffffff81234567","mapping":"[kernel.kallsyms]","lines":["copy_user_generic"]},
	  {"id":2,"address":"0xffffffff81200000","mapping":"[kernel.kallsyms]","lines":["do_syscall_64"]},
	  {"id":3,"address":"0x7ffff7d91234","mapping":"/usr/lib/x86_64-linux-gnu/libc.so.6","lines":["__libc_read read.c:26"]},
	  {"id":4,"address":"0x555555555180","mapping":"/usr/bin/app","lines":["parse_line parse.h:12","parse parse.c:40"]},
	  {"id":5,"address":"0x555555555300","mapping":"/usr/bin/app","lines":["main main.c:9"]},
	  {"id":6,"address":"0x555555555400","mapping":"/usr/bin/app","lines":[]},
	  {"id":7,"address":"0x555555555200","mapping":"/usr/bin/app","lines":["app+0x1200 parse.c:55"]},
	  {"id":8,"address":"0xffffffff81100000","mapping":"[kernel.kallsyms]","lines":["worker_thread"]},
	  {"id":9,"address":"0xffffffffc0001234","mapping":null,"lines":[]}
	 ],
	 "functions": [
	  "copy_user_generic",
	  "do_syscall_64",
	  "__libc_read read.c",
	  "parse_line parse.h",
	  "parse parse.c",
	  "main main.c",
	  "app+0x1200 parse.c",
	  "worker_thread"
	 ]
	}
	EOF
	diff -u want got
'

test_expect_success "speedscope: valid by speedscope's schema; the summary is exact" '
	node "$JS/check-speedscope.js" p.json >got &&
	cat >want <<-\EOF &&
	{
	 "name": "app cpu",
	 "exporter": "kscope",
	 "activeProfileIndex": 2,
	 "frames": [
	  ["main","main.c",9],
	  ["parse_line","parse.h",12],
	  ["parse","parse.c",40],
	  ["__libc_read","read.c",26],
	  ["do_syscall_64 [k]","[kernel.kallsyms]"],
	  ["copy_user_generic [k]","[kernel.kallsyms]"],
	  ["app+0x1400","/usr/bin/app"],
	  ["app+0x1200","parse.c",55],
	  ["[unknown] [k]"],
	  ["worker_thread [k]","[kernel.kallsyms]"]
	 ],
	 "profiles": [
	  {"name":"kworker/0:1 (77)","unit":"nanoseconds","startValue":0,"endValue":250000,"samples":1,"total":250000},
	  {"name":"sleeper (88)","unit":"nanoseconds","startValue":0,"endValue":40000,"samples":1,"total":40000},
	  {"name":"app (4242)","unit":"nanoseconds","startValue":0,"endValue":5500000,"samples":4,"total":5500000}
	 ],
	 "stacks": [
	  "kworker/0:1 (77): [unknown] [k];worker_thread [k] 250000",
	  "sleeper (88):  40000",
	  "app (4242): main;parse;parse_line;__libc_read;do_syscall_64 [k];copy_user_generic [k] 1000000",
	  "app (4242): main;app+0x1400 3000000",
	  "app (4242): main;parse;parse_line;__libc_read;do_syscall_64 [k];copy_user_generic [k] 1000000",
	  "app (4242): main;app+0x1200 500000"
	 ]
	}
	EOF
	diff -u want got
'

test_expect_success "the checkers refuse broken files (so their passing means something)" '
	sed "s/\"weights\":/\"weightz\":/" p.json >bad.json &&
	! node "$JS/check-speedscope.js" bad.json >out 2>err &&
	grep -q "must have required property .weights." err &&
	sed "s/\"unit\":\"nanoseconds\"/\"unit\":\"ns\"/" p.json >bad2.json &&
	! node "$JS/check-speedscope.js" bad2.json 2>err &&
	grep -q "must be equal to one of the allowed values" err &&
	sed "s/^\\[8,9\\]/[8,99]/" p.json >bad3.json && ! cmp -s p.json bad3.json &&
	! node "$JS/check-speedscope.js" bad3.json 2>err && grep -q "out of range" err &&
	head -c 100 p.pb.gz >cut.pb.gz &&
	! node "$JS/check-pprof.js" cut.pb.gz 2>err &&
	printf "not gzip" >plain.pb.gz && ! node "$JS/check-pprof.js" plain.pb.gz 2>err &&
	grep -q "not gzip" err
'

test_expect_success "off-CPU, and events counted: value types, period types, units" '
	"$PROFWRITE" -t off_cpu -u nanoseconds off.pb.gz off.json <fixture.in &&
	node "$JS/check-pprof.js" off.pb.gz >got &&
	grep -qxF " \"sampleTypes\": [[\"samples\",\"count\"],[\"off_cpu\",\"nanoseconds\"]]," got &&
	grep -qxF " \"defaultSampleType\": \"off_cpu\"," got &&
	grep -qxF " \"periodType\": [\"off_cpu\",\"nanoseconds\"]," got &&
	grep -qxF " \"period\": 0," got && grep -qxF " \"timeNanos\": \"0\"," got &&
	node "$JS/check-speedscope.js" off.json >/dev/null &&
	"$PROFWRITE" -t cycles -u count -p 100003 -U none ev.pb.gz ev.json <fixture.in &&
	node "$JS/check-pprof.js" ev.pb.gz >got &&
	grep -qxF " \"sampleTypes\": [[\"samples\",\"count\"],[\"cycles\",\"count\"]]," got &&
	grep -qxF " \"period\": 100003," got &&
	node "$JS/check-speedscope.js" ev.json >got &&
	grep -qF "\"unit\":\"none\"" got && ! grep -q nanoseconds got
'

cat >"$TMP/odd.in" <<'EOF'
map 1 0x1000 0x3000 0 /opt/we%20ird/b%22in%5C -
sample 7 7 a%22b%5Cc%01%FF 10 5
loc 0x1100 1 f%C3%BCnc%E2%82%AC@src/%FF.c:1
loc 0x1200 1
EOF
cat >"$TMP/odd-check.js" <<'EOF'
const assert = require("assert");
const fs = require("fs");
const p = JSON.parse(fs.readFileSync("odd-pprof.json", "utf8"));
const s = JSON.parse(fs.readFileSync("odd-ss.json", "utf8"));
assert.deepStrictEqual(p.samples[0].labels.comm, "a\"b\\c\u0001\ufffd");
assert.deepStrictEqual(p.functions, ["f\u00fcnc\u20ac src/\ufffd.c"]);
assert.deepStrictEqual(p.mappings[0].file, "/opt/we ird/b\"in\\");
assert.deepStrictEqual(s.profiles[0].name, "a\"b\\c\u0001\ufffd (7)");
assert.deepStrictEqual(s.frames, [["b\"in\\+0x200", "/opt/we ird/b\"in\\"],
	["f\u00fcnc\u20ac", "src/\ufffd.c", 1]]);
// Escaped as JSON must be: quote, backslash, control byte; U+FFFD for the bad byte.
assert.ok(fs.readFileSync("odd.json", "utf8").includes('"name":"a\\"b\\\\c\\u0001\ufffd (7)"'));
EOF

test_expect_success "odd bytes in names: valid UTF-8 protobuf strings and JSON" '
	"$PROFWRITE" odd.pb.gz odd.json <odd.in &&
	node "$JS/check-pprof.js" odd.pb.gz >odd-pprof.json &&
	node "$JS/check-speedscope.js" odd.json >odd-ss.json &&
	node odd-check.js
'

# Random samples over 40 processes: many stacks, frames with and without symbols,
# kernel frames; "sum" gets the total weight.
cat >"$TMP/big.awk" <<'EOF'
BEGIN {
	srand(520)
	print "map 1 0x400000 0x500000 0 /usr/bin/big -"
	print "map 2 0xffffffff81000000 0xffffffff82000000 0 [kernel.kallsyms] - kernel"
	for (i = 0; i < 20000; i++) {
		pid = 1000 + int(rand() * 40)
		w = 1 + int(rand() * 100000)
		sum += w
		printf "sample %d %d t%d %d %d\n", pid, pid + int(rand() * 3), pid, i * 1000, w
		if (rand() < 0.3)
			printf "loc 0x%x 2 k kfunc%d\n", 2164260864 + int(rand() * 500) * 16,
				int(rand() * 50)
		d = 1 + int(rand() * 30)
		for (j = 0; j < d; j++) {
			f = int(rand() * 300)
			if (f < 20)
				printf "loc 0x%x 1\n", 4194304 + f * 64 + 7
			else
				printf "loc 0x%x 1 inl%d@h.h:%d fn%d@f%d.c:%d\n", 4194304 + f * 64,
					f % 9, f % 5, f, f % 17, f
		}
	}
	print sum >"sum"
}
EOF
cat >"$TMP/big-check.js" <<'EOF'
const assert = require("assert");
const fs = require("fs");
const sum = fs.readFileSync("sum", "utf8").trim();
const p = JSON.parse(fs.readFileSync("big-pprof.json", "utf8"));
const s = JSON.parse(fs.readFileSync("big-ss.json", "utf8"));
assert.deepStrictEqual(p.totals, ["20000", sum]);
assert.strictEqual(p.mappings.length, 2);
assert.strictEqual(s.profiles.length, 40);
assert.strictEqual(String(s.profiles.reduce((a, x) => a + x.total, 0)), sum);
EOF

test_expect_success "20000 random samples: totals agree in both decoders" '
	awk -f big.awk >big.in &&
	"$PROFWRITE" big.pb.gz big.json <big.in &&
	test $(stat -c %s big.json) -gt 65536 &&
	node "$JS/check-pprof.js" big.pb.gz >big-pprof.json &&
	node "$JS/check-speedscope.js" big.json >big-ss.json &&
	node big-check.js
'

test_done
