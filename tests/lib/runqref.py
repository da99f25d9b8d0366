#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""Run-queue latency reference for the runqlat tests, computed from `trace-cmd report -t`
text alone (no kscope code): a task is queued at sched_wakeup / sched_wakeup_new or
when switched out still runnable (R, R+), and dequeued at its switch-in (a task seen
leaving a CPU while queued was running, its wait unknown, and is dropped); the wait in
microseconds goes into bcc's log2 slots. Prints "SLOT COUNT" lines, slots as bcc
numbers them (slot i holds [2^(i-1), 2^i - 1], slot 1 holds 0 and 1).

usage: trace-cmd report -t -i FILE | runqref.py [--pid TGID]"""
import re
import sys

# trace-cmd's sched plugin: "sched_wakeup: comm:PID [PRIO] CPU:NNN" and
# "sched_switch: comm:PID [PRIO] STATE ==> comm:PID [PRIO]" (comms may hold ':').
WAKE = re.compile(r" (\d+)\.(\d{9}): sched_wakeup(?:_new)?: +.*:(\d+) \[\d+\]")
SWITCH = re.compile(r" (\d+)\.(\d{9}): sched_switch: +.*:(\d+) \[\d+\] (\S+) ==> "
                    r".*:(\d+) \[\d+\]")


def main():
    queued, slots = {}, {}
    for line in sys.stdin:
        m = WAKE.search(line)
        if m:
            pid = int(m.group(3))
            if pid:
                queued[pid] = int(m.group(1)) * 10**9 + int(m.group(2))
            continue
        m = SWITCH.search(line)
        if not m:
            continue
        ts = int(m.group(1)) * 10**9 + int(m.group(2))
        prev, state, nxt = int(m.group(3)), m.group(4), int(m.group(5))
        # A task leaving a CPU was running, not waiting (even if its switch-in is missing).
        queued.pop(prev, None)
        if prev and state in ("R", "R+"):
            queued[prev] = ts
        if nxt and nxt in queued:
            us = max(ts - queued.pop(nxt), 0) // 1000
            slot = us.bit_length() if us else 1
            slots[slot] = slots.get(slot, 0) + 1
    for s in sorted(slots):
        print(s, slots[s])


main()
