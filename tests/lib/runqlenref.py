#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""Run queue length reference for the runqlen tests, from `trace-cmd report -t` text
alone (no kscope code). Each CPU's queue holds the tasks woken for it (a task woken
for an idle CPU runs there at once) or switched out still runnable (state R or R+);
sched_migrate_task moves a waiting task; a switch-in takes it off. Every 1/99 s of
trace time after the first event, each CPU's length is sampled. Prints "CPU LEN COUNT".

usage: trace-cmd report -t -i FILE | runqlenref.py"""
import re
import sys

PERIOD = 10**9 // 99
HEAD = re.compile(r"^\s*.*-\d+\s+\[(\d+)\]\s+(?:\S+\s+)?(\d+)\.(\d{9}): (\w+): +(.*)$")
SWITCH = re.compile(r".*:(\d+) \[-?\d+\] (\S+) ==> .*:(\d+) \[-?\d+\]$")
WAKEUP = re.compile(r".*:(\d+) \[-?\d+\](?: success=\d+)? CPU:(\d+)$")
MIGRATE = re.compile(r"pid=(\d+) .*orig_cpu=(\d+) dest_cpu=(\d+)$")


def main():
    ncpus = 0
    place = {}      # tid -> (cpu, running)
    length, curr, samples = {}, {}, {}
    nxt = None

    def leave(tid):
        p = place.get(tid)
        if p and not p[1] and length.get(p[0], 0) > 0:
            length[p[0]] -= 1

    def enqueue(tid, cpu, preempted):
        if tid <= 0 or cpu >= ncpus:
            return
        p = place.get(tid)
        if p:
            if p[1] and not preempted:
                return
            if not p[1] and p[0] == cpu:
                return
            leave(tid)
        running = not preempted and curr.get(cpu, -1) == 0
        place[tid] = (cpu, running)
        if running:
            curr[cpu] = tid
        else:
            length[cpu] = length.get(cpu, 0) + 1

    for line in sys.stdin:
        if line.startswith("cpus="):
            ncpus = int(line[5:])
            continue
        m = HEAD.match(line)
        if not m or not m.group(4).startswith("sched_"):
            continue
        cpu, ts, event, rest = int(m.group(1)), int(m.group(2)) * 10**9 + int(m.group(3)), m.group(4), m.group(5)
        if event not in ("sched_switch", "sched_wakeup", "sched_wakeup_new", "sched_migrate_task"):
            continue
        if nxt is None:
            nxt = ts + PERIOD
        elif ts >= nxt:
            n = (ts - nxt) // PERIOD + 1
            for c in range(ncpus):
                k = (c, max(length.get(c, 0), 0))
                samples[k] = samples.get(k, 0) + n
            nxt += n * PERIOD
        if event == "sched_switch":
            s = SWITCH.match(rest)
            prev, state, nxt_pid = int(s.group(1)), s.group(2), int(s.group(3))
            curr[cpu] = nxt_pid
            if prev > 0:
                if state in ("R", "R+"):
                    enqueue(prev, cpu, True)
                else:
                    leave(prev)
                    place.pop(prev, None)
            if nxt_pid > 0:
                if nxt_pid in place:
                    leave(nxt_pid)
                place[nxt_pid] = (cpu, True)
        elif event == "sched_migrate_task":
            s = MIGRATE.search(rest)
            tid, dest = int(s.group(1)), int(s.group(3))
            p = place.get(tid)
            if p and not p[1] and dest < ncpus and p[0] != dest:
                leave(tid)
                place[tid] = (dest, False)
                length[dest] = length.get(dest, 0) + 1
        else:
            s = WAKEUP.match(rest)
            if s:
                enqueue(int(s.group(1)), int(s.group(2)), False)
    for k in sorted(samples):
        print(k[0], k[1], samples[k])


main()
