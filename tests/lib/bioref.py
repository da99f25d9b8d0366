#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""Block I/O reference for the bio* tests, from `trace-cmd report -t` text alone (no
kscope code). A request is keyed by its disk and sector; it is submitted
(block_io_start, or block_rq_insert on kernels without it: the submitter is the task
that ran then), issued (block_rq_issue) and completed (block_rq_complete). A
completion with no issue seen is not counted.

usage: trace-cmd report -t -i FILE | bioref.py rows    # biosnoop's lines, one a line
       trace-cmd report -t -i FILE | bioref.py hist [-Q]  # biolatency's log2 "SLOT COUNT"
"""
import re
import sys

# "  comm-PID [CPU] SECS.NSECS: EVENT: MAJ,MIN RWBS ..."
LINE = re.compile(r"^\s*(.*)-(\d+)\s+\[\d+\]\s+(?:\S+\s+)?(\d+)\.(\d{9}): "
                  r"(block_io_start|block_rq_insert|block_rq_issue|block_rq_complete): "
                  r"+(\d+),(\d+) (\S+) (.*)$")
# issue/insert/io_start: "BYTES (CMD) SECTOR + NR ... [COMM]"; complete: "(CMD) SECTOR + NR ... [ERR]"
WITH_BYTES = re.compile(r"^(\d+) \(.*?\) (\d+) \+ (\d+) .*\[(.*)\]$")
COMPLETE = re.compile(r"^\(.*?\) (\d+) \+ (\d+) .*\[(-?\d+)\]$")


def kind(rwbs):
    """The operation letter biosnoop prints: the rwbs letter after a preflush F."""
    if len(rwbs) > 1 and rwbs[0] == "F" and rwbs[1] in "WRDNF":
        rwbs = rwbs[1:]
    if rwbs.startswith("DE"):
        return "E"
    return rwbs[0] if rwbs[0] in "RWFD" else "N"


def main():
    mode = sys.argv[1]
    queued = "-Q" in sys.argv[2:]
    submitted, issued = {}, {}
    rows, slots, first = [], {}, None
    for line in sys.stdin:
        m = LINE.match(line)
        if not m:
            continue
        comm, pid = m.group(1).strip(), int(m.group(2))
        ts = int(m.group(3)) * 10**9 + int(m.group(4))
        event, dev, rwbs, rest = m.group(5), (int(m.group(6)), int(m.group(7))), m.group(8), m.group(9)
        if event == "block_rq_complete":
            c = COMPLETE.match(rest)
            if not c:
                continue
            key = (dev, int(c.group(1)))
            sub = submitted.pop(key, None)
            iss = issued.pop(key, None)
            if not iss:
                continue
            start = sub[0] if queued and sub else iss[0]
            us = max(ts - start, 0) // 1000
            slot = us.bit_length() if us else 1
            slots[slot] = slots.get(slot, 0) + 1
            if first is None:
                first = ts
            who = sub[1:] if sub else iss[3:]
            rows.append("%.6f %s %d %d:%d %s %d %d %.2f" % (
                (ts - first) / 1e9, who[1] or "?", who[0], dev[0], dev[1], kind(iss[1]),
                key[1], iss[2], (ts - iss[0]) / 1e6 if ts > iss[0] else 0))
            continue
        b = WITH_BYTES.match(rest)
        if not b:
            continue
        key = (dev, int(b.group(2)))
        if event == "block_rq_issue":
            issued[key] = (ts, rwbs, int(b.group(1)), pid, b.group(4))
        elif event == "block_io_start" or event == "block_rq_insert":
            submitted[key] = (ts, pid, b.group(4))
            issued.pop(key, None)
    if mode == "rows":
        print("\n".join(rows))
    else:
        for s in sorted(slots):
            print(s, slots[s])


main()
