#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# biolatency, biosnoop and biotop against independent truth: a program making a known
# number of O_DIRECT reads of known size at known offsets (each one request), the
# /proc/diskstats reads counter of the disk around the run, and, offline, lines and a
# histogram computed from `trace-cmd report -t` text of the same recording
# (tests/lib/bioref.py).
. "$(dirname "$0")/lib.sh"

REF=$SRC_DIR/tests/lib/bioref.py

# The disk a file lives on, "MAJ:MIN" of the whole disk (a partition's parent).
disk_of() {
	local dev sys
	dev=$(stat -c '%Hd:%Ld' "$1") || return 1
	sys=$(readlink -f "/sys/dev/block/$dev") || return 1
	[ -e "$sys/partition" ] && sys=$(dirname "$sys")
	cat "$sys/dev"
}

# reads_of MAJ:MIN: the disk's completed reads so far (/proc/diskstats field 4).
reads_of() {
	awk -v d="$1" '$1 ":" $2 == d { print $4 }' /proc/diskstats
}

# rows FILE.json: biosnoop's JSON rows as "TIME COMM PID DISK T SECTOR BYTES LAT".
rows() {
	python3 -c '
import json, sys
for line in open(sys.argv[1]):
    d = json.loads(line)
    if "row" in d:
        r = d["row"]
        print("%.6f %s %d %s %s %d %d %.2f" % (r["TIME(s)"], r["COMM"], r["PID"], r["DISK"],
              r["T"], r["SECTOR"], r["BYTES"], r["LAT(ms)"]))
' "$1"
}

# slots FILE.json: "SLOT COUNT" of every log2 histogram, summed over sections.
slots() {
	python3 -c '
import json, sys
s = {}
for line in open(sys.argv[1]):
    for i in json.loads(line)["results"]:
        if i["type"] == "log2":
            for n, b in enumerate(i["data"]["buckets"], 1):
                s[n] = s.get(n, 0) + b["count"]
for n in sorted(s):
    if s[n]:
        print(n, s[n])
' "$1"
}

test_expect_success ROOT,TRACEFS,INSTANCES,BLOCK,DIRECTIO "biosnoop: one line per O_DIRECT read of a known program" '
	dd if=/dev/urandom of=big.dat bs=1M count=4 2>/dev/null && sync &&
	"$KSCOPE" biosnoop -P --json -- dd if=big.dat of=/dev/null bs=4k iflag=direct count=300 \
		>s.json 2>/dev/null &&
	rows s.json >s.txt && awk "\$2 == \"dd\"" s.txt >dd.txt &&
	test $(wc -l <dd.txt) = 300 &&
	awk "\$5 != \"R\" || \$7 != 4096 { bad++ } END { exit bad }" dd.txt &&
	test $(sort -u -k6,6n dd.txt | wc -l) = 300 &&
	awk "NR > 1 && \$6 != last + 8 { jumps++ } { last = \$6 } END { print \"# \" jumps+0 \" jumps\"; exit jumps > 3 }" dd.txt &&
	python3 -c "
import json, sys
p = [json.loads(l)[\"row\"][\"P\"] for l in open(\"s.json\") if \"row\" in json.loads(l) and json.loads(l)[\"row\"][\"COMM\"] == \"dd\"]
print(\"#\", p.count(\"S\"), \"sequential\")
sys.exit(p.count(\"S\") < 290)
" && assert_clean
'

test_expect_success ROOT,TRACEFS,INSTANCES,BLOCK,DIRECTIO "biolatency: the reads it counts are the disk counter's" '
	dd if=/dev/urandom of=big.dat bs=1M count=4 2>/dev/null && sync &&
	disk=$(disk_of big.dat) && before=$(reads_of $disk) &&
	"$KSCOPE" biolatency -F -d $disk --json -- dd if=big.dat of=/dev/null bs=4k \
		iflag=direct count=400 >l.json 2>/dev/null &&
	after=$(reads_of $disk) &&
	python3 -c "
import json, sys
d = json.load(open(\"l.json\"))
n = sum(b[\"count\"] for i in d[\"results\"] if i[\"type\"] == \"log2\" and i[\"value\"].endswith(\"Read\")
        for b in i[\"data\"][\"buckets\"])
want = $after - $before
print(\"# biolatency\", n, \"reads, /proc/diskstats\", want)
sys.exit(not (400 <= n and abs(n - want) <= max(3, want // 20)))
" && assert_clean
'

test_expect_success ROOT,TRACEFS,INSTANCES,BLOCK,DIRECTIO,TRACECMD "offline: lines and histograms equal trace-cmd report's reference" '
	dd if=/dev/urandom of=big.dat bs=1M count=4 2>/dev/null && sync &&
	$("$KSCOPE" biosnoop --events | sed "s#^kscope#$KSCOPE#; s/-o biosnoop.dat/-q -C mono -o b.dat/") -- sh -c \
		"dd if=big.dat of=/dev/null bs=4k iflag=direct count=200; dd if=/dev/zero of=w.dat bs=64k count=16 oflag=direct,dsync" \
		>/dev/null 2>&1 &&
	trace-cmd report -t -i b.dat 2>/dev/null | python3 "$REF" rows >want &&
	test $(wc -l <want) -ge 216 &&
	"$KSCOPE" biosnoop -i b.dat --json >b.json && rows b.json >got && diff want got &&
	trace-cmd report -t -i b.dat 2>/dev/null | python3 "$REF" hist >want &&
	"$KSCOPE" biolatency -i b.dat --json >h.json && slots h.json >got && diff want got &&
	trace-cmd report -t -i b.dat 2>/dev/null | python3 "$REF" hist -Q >want &&
	"$KSCOPE" biolatency -Q -D -i b.dat --json >h.json && slots h.json >got && diff want got
'

test_expect_success ROOT,TRACEFS,INSTANCES,BLOCK,DIRECTIO "biotop: the reader, its reads and kilobytes" '
	dd if=/dev/urandom of=big.dat bs=1M count=4 2>/dev/null && sync &&
	"$KSCOPE" biotop -C --json 10 -- dd if=big.dat of=/dev/null bs=4k iflag=direct count=250 \
		>t.json 2>/dev/null &&
	python3 -c "
import json, sys
rows = [r for l in open(\"t.json\") for i in json.loads(l)[\"results\"] if i[\"type\"] == \"table\"
        for r in i[\"data\"] if r[\"COMM\"] == \"dd\" and r[\"D\"] == \"R\"]
print(\"#\", rows)
sys.exit(not (len(rows) == 1 and rows[0][\"I/O\"] == 250 and rows[0][\"Kbytes\"] == 1000
              and rows[0][\"AVGms\"] > 0))
" &&
	"$KSCOPE" biotop -C -r 1 --duration 0.5 2 >text && grep -q "loadavg: " text &&
	grep -qE "^PID +COMM +D MAJ MIN DISK +I/O +Kbytes +AVGms$" text && assert_clean
'

test_expect_success ROOT,TRACEFS,INSTANCES,BLOCK "bad input: one line, exit 2, nothing left" '
	"$KSCOPE" biolatency -D -F --duration 0.1 2>err; test $? = 2 && grep -q "exclude each other" err &&
	"$KSCOPE" biolatency -d nosuchdisk --duration 0.1 2>err; test $? = 2 &&
	grep -q "no disk .nosuchdisk." err &&
	"$KSCOPE" biosnoop -d 4095:77 --duration 0.1 2>err; test $? = 2 && grep -q "no disk" err &&
	"$KSCOPE" biosnoop 1 2>err; test $? = 2 && grep -q "takes no interval" err &&
	"$KSCOPE" biotop -r 0 2>err; test $? = 2 && grep -q "bad -r" err &&
	"$KSCOPE" record -q -e sched:sched_switch -o s.dat -- true &&
	"$KSCOPE" biosnoop -i s.dat 2>err; test $? = 2 && grep -q "block_rq_issue" err &&
	grep -q "kscope record" err &&
	"$KSCOPE" biolatency -Q -i s.dat 2>err; test $? = 2 && grep -q "block_io_start" err &&
	assert_clean
'

test_done
