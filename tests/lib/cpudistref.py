#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""On-CPU (or with --off, off-CPU) time reference for the cpudist tests, from
`trace-cmd report -t` text alone (no kscope code): a task's slice runs from its
switch-in to its switch-out (off-CPU: from its switch-out to its next switch-in); the
idle task (pid 0) is left out. Microseconds into bcc's log2 slots; prints "SLOT COUNT".

usage: trace-cmd report -t -i FILE | cpudistref.py [--off]"""
import re
import sys

# "sched_switch: comm:PID [PRIO] STATE ==> comm:PID [PRIO]" (trace-cmd's sched plugin)
SWITCH = re.compile(r" (\d+)\.(\d{9}): sched_switch: +.*:(\d+) \[\d+\] \S+ ==> "
                    r".*:(\d+) \[\d+\]")


def main():
    off = "--off" in sys.argv[1:]
    since, slots = {}, {}
    for line in sys.stdin:
        m = SWITCH.search(line)
        if not m:
            continue
        ts = int(m.group(1)) * 10**9 + int(m.group(2))
        prev, nxt = int(m.group(3)), int(m.group(4))
        # on-CPU: prev's slice ends, next's begins; off-CPU the other way round.
        ending, starting = (nxt, prev) if off else (prev, nxt)
        if ending and ending in since:
            us = max(ts - since.pop(ending), 0) // 1000
            slot = us.bit_length() if us else 1
            slots[slot] = slots.get(slot, 0) + 1
        if starting:
            since[starting] = ts
    for s in sorted(slots):
        print(s, slots[s])


main()
