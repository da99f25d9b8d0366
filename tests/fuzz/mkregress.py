#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""mkregress.py SEED OUTDIR: write the regression seeds (regress-*.dat) for fuzz-tracedat.

Each is a crash or hang that fuzzing found in the trace.dat reader (or, through it,
in libtraceevent 1.7), reduced by hand to the one construct that triggers it and
planted into a small copy of SEED (a trace.dat v6 made by mkseed.py: two sched
formats, one page per CPU). `tests/fuzz/run.sh smoke` runs every seed once.
"""
import os
import struct
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mkseed  # noqa: E402

SWITCH_FIELDS = (b"\tfield:unsigned short common_type;\toffset:0;\tsize:2;\tsigned:0;\n"
                 b"\tfield:unsigned char common_flags;\toffset:2;\tsize:1;\tsigned:0;\n"
                 b"\tfield:unsigned char common_preempt_count;\toffset:3;\tsize:1;\tsigned:0;\n"
                 b"\tfield:int common_pid;\toffset:4;\tsize:4;\tsigned:1;\n\n"
                 b"\tfield:char prev_comm[16];\toffset:8;\tsize:16;\tsigned:0;\n"
                 b"\tfield:pid_t prev_pid;\toffset:24;\tsize:4;\tsigned:1;\n\n")


def switch_format(f, print_fmt=None, fields=SWITCH_FIELDS, name=b"sched_switch"):
    """sched_switch's ID with other fields and print fmt, named @name (the
    sched_switch plugin prints sched_switch its own way, not by its print fmt)."""
    for _, evs in f["systems"]:
        for ev in evs:
            if mkseed.fmt_field(ev, b"name") == b"sched_switch":
                text = b"name: " + name + b"\nID: " + mkseed.fmt_field(ev, b"ID") + b"\nformat:\n"
                text += fields
                if print_fmt is not None:
                    text += b"print fmt: " + print_fmt + b"\n"
                return text
    raise ValueError("seed has no sched_switch format")


def with_switch(f, text):
    f["systems"] = [(b"sched", [text])]


def page(f, cpu, events, commit=None):
    """Replace CPU @cpu's data with one page holding the raw @events bytes."""
    e = f["e"]
    ps, ls = f["page_size"], f["long_size"]
    body = bytes(events)
    hdr = struct.pack(e + "Q", 1000) + struct.pack(e + ("Q" if ls == 8 else "I"),
                                                  len(body) if commit is None else commit)
    f["cpus"][cpu] = (hdr + body).ljust(ps, b"\0")


def switch_id(text):
    return int(mkseed.fmt_field(text, b"ID"))


def event_hdr(f, size):
    """Ring-buffer header of a data event of @size bytes (a multiple of 4, <= 112)."""
    tl = size // 4
    return struct.pack(f["e"] + "I", tl | (1 << 5) if f["e"] == "<" else (tl << 27) | 1)


def regressions(seed):
    out = {}

    def fresh(data=True):
        """The seed without ftrace formats and symbols; without event data if not @data."""
        f = mkseed.parse(seed)
        f["ftrace"] = []
        f["kallsyms"] = b""
        f["printk"] = b""
        if not data:
            f["cpus"] = [b""] * f["ncpus"]
        return f

    # printk_formats: a line without ':' and a character after it (read past the string)
    f = fresh(False)
    f["printk"] = b"ffffffff81000000"
    out["printk-no-colon"] = f
    # printk_formats: a format of fewer than 3 characters (read before the string)
    f = fresh(False)
    f["printk"] = b'ffffffff81000000 : "\n'
    out["printk-short"] = f
    # printk_formats: last line without '\n' (our cleaned copy had no room for one)
    f = fresh(False)
    f["printk"] = b'ffffffff81000000 : "format"'
    out["printk-last-line"] = f
    # format ends inside "[": libtraceevent strcmp()s a NULL token
    f = fresh(False)
    with_switch(f, switch_format(f, fields=b"\tfield:int a["))
    out["fmt-eof-in-array"] = f
    # constant folding of "x / y": x / 0 traps (SIGFPE)
    f = fresh(False)
    with_switch(f, switch_format(f, b'"%d", x / y'))
    out["fmt-div-zero"] = f
    # __print_flags() on a field that does not exist: NULL field dereferenced
    f = fresh(False)
    with_switch(f, switch_format(f, b'"%s", __print_flags(REC->nope, "|", { 1, "A" })'))
    out["fmt-flags-no-field"] = f
    # an unknown operator after "x[0]": process_op() on a NULL argument
    f = fresh(False)
    with_switch(f, switch_format(f, b'"%d", REC->prev_comm[0] @ 1'))
    out["fmt-op-after-index"] = f
    # sizeof(int): libtraceevent 1.7.1 frees the token twice
    f = fresh(False)
    with_switch(f, switch_format(f, b'"%d", sizeof(int)'))
    out["fmt-sizeof-int"] = f
    # a width of 10^9: libtraceevent's trace_seq retries vsnprintf() a page at a time
    f = fresh()
    with_switch(f, switch_format(f, b'"%999999999d", REC->prev_pid'))
    out["fmt-huge-width"] = f
    # the same in a trace_printk() format (printk_formats), used by a bprint record
    f = fresh()
    e = f["e"]
    bprint = [ev for ev in mkseed.parse(seed)["ftrace"] if mkseed.fmt_field(ev, b"name") == b"bprint"]
    f["ftrace"] = bprint
    f["printk"] = b'0xffffffff82000000 : "%999999999d\\n"\n'
    bid = int(mkseed.fmt_field(bprint[0], b"ID"))
    rec = struct.pack(e + "HBBiQQI", bid, 0, 0, 1, 0xffffffff81000000, 0xffffffff82000000, 42)
    page(f, 0, event_hdr(f, len(rec)) + rec)
    out["printk-huge-width"] = f
    # "%.*s" with a negative length: libtraceevent then calls vsnprintf() without it
    f = fresh()
    text = switch_format(f, b'"%.*s", REC->prev_pid, REC->prev_comm', name=b"regress")
    with_switch(f, text)
    rec = struct.pack(f["e"] + "HBBi16si", switch_id(text), 0, 0, 1, b"x" * 15, -100)
    page(f, 0, event_hdr(f, len(rec)) + rec)
    out["fmt-star-negative"] = f
    # __get_cpumask() of an empty mask: libtraceevent asks malloc() for 3 GB
    f = fresh()
    text = switch_format(f, b'"%s", __get_cpumask(mask)', SWITCH_FIELDS.replace(
        b"\tfield:pid_t prev_pid;", b"\tfield:__data_loc cpumask_t mask;"), b"regress")
    with_switch(f, text)
    rec = struct.pack(f["e"] + "HBBi16sI", switch_id(text), 0, 0, 1, b"x" * 15, 28)
    page(f, 0, event_hdr(f, len(rec)) + rec)
    out["fmt-cpumask-empty"] = f
    # a record that ends before its "char buf[]" field: libtraceevent copies size - offset
    # bytes, here (unsigned) -1, into malloc(0)
    f = fresh()
    text = switch_format(f, b'"%s", REC->buf', SWITCH_FIELDS.replace(
        b"\tfield:pid_t prev_pid;\toffset:24;\tsize:4;",
        b"\tfield:char buf[];\toffset:29;\tsize:0;"), b"regress")
    with_switch(f, text)
    rec = struct.pack(f["e"] + "HBBi16si", switch_id(text), 0, 0, 1, b"x" * 15, 0)
    page(f, 0, event_hdr(f, len(rec)) + rec)
    out["record-before-field"] = f
    # a CPU block that is not whole pages, at the end of the file: page read past the map
    f = fresh()
    f["cpus"][-1] = f["cpus"][-1][:100]
    out["cpu-partial-page"] = f
    # a padding event pointing back at itself: kbuffer loops forever
    f = fresh()
    e = f["e"]
    pad = struct.pack(e + "I", 29 | (1 << 5) if e == "<" else (29 << 27) | 1)
    page(f, 0, pad + struct.pack(e + "i", -4) + bytes(8))
    out["page-padding-loop"] = f
    return out


def main():
    seed = open(sys.argv[1], "rb").read()
    for name, f in regressions(seed).items():
        path = os.path.join(sys.argv[2], "regress-%s.dat" % name)
        with open(path, "wb") as o:
            o.write(mkseed.emit(f))
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
