#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""mkseed.py IN OUT [options]: shrink a trace.dat v6 into a small fuzzer seed.

Parses the v6 layout (as src/tracedat-write.c writes it and trace-cmd convert
--file-version 6 does) and writes it back with:
  - only the first --pages sub-buffers of each CPU (default 1),
  - only the event systems/events whose ids occur in those pages (or --systems),
  - kallsyms, printk formats and saved_cmdlines cut to a few lines,
  - options kept as they are, except BUFFER (extra instances: they point at data
    we drop).
The CPU data blocks stay aligned to the page size, as both writers do.
`mkseed.py --dump IN` prints the sections and their sizes instead.
"""
import argparse
import struct
import sys

MAGIC = b"\x17\x08\x44tracing"
OPT_BUFFER = 3


class Reader:
    def __init__(self, data, endian="<"):
        self.data = data
        self.pos = 0
        self.e = endian

    def take(self, n):
        if n > len(self.data) - self.pos:
            raise ValueError("cut short at offset %d (wanted %d bytes)" % (self.pos, n))
        b = self.data[self.pos:self.pos + n]
        self.pos += n
        return b

    def num(self, size):
        fmt = {2: "H", 4: "I", 8: "Q"}[size]
        return struct.unpack(self.e + fmt, self.take(size))[0]

    def cstr(self):
        end = self.data.index(b"\0", self.pos)
        s = self.data[self.pos:end]
        self.pos = end + 1
        return s


def fmt_field(text, key):
    for line in text.split(b"\n"):
        line = line.strip()
        if line.startswith(key + b":"):
            return line[len(key) + 1:].strip()
    return None


def parse(data):
    r = Reader(data)
    f = {}
    if r.take(10) != MAGIC:
        raise ValueError("no trace.dat magic")
    f["version"] = r.cstr()
    if f["version"] != b"6":
        raise ValueError("version %r, want 6 (trace-cmd convert --file-version 6)" % f["version"])
    f["endian"] = r.take(1)[0]
    f["long_size"] = r.take(1)[0]
    r.e = ">" if f["endian"] else "<"
    f["page_size"] = r.num(4)
    if r.take(12) != b"header_page\0":
        raise ValueError("no header_page")
    f["header_page"] = r.take(r.num(8))
    if r.take(13) != b"header_event\0":
        raise ValueError("no header_event")
    f["header_event"] = r.take(r.num(8))
    f["ftrace"] = [r.take(r.num(8)) for _ in range(r.num(4))]
    f["systems"] = []
    for _ in range(r.num(4)):
        name = r.cstr()
        f["systems"].append((name, [r.take(r.num(8)) for _ in range(r.num(4))]))
    f["kallsyms"] = r.take(r.num(4))
    f["printk"] = r.take(r.num(4))
    f["cmdlines"] = r.take(r.num(8))
    f["ncpus"] = r.num(4)
    f["options"] = None
    tag = r.take(10)
    if tag == b"options  \0":
        f["options"] = []
        while True:
            oid = r.num(2)
            if oid == 0:
                break
            f["options"].append((oid, r.take(r.num(4))))
        tag = r.take(10)
    if tag != b"flyrecord\0":
        raise ValueError("no flyrecord section (%r)" % tag)
    f["cpus"] = []
    for _ in range(f["ncpus"]):
        off, size = r.num(8), r.num(8)
        f["cpus"].append(data[off:off + size])
    f["e"] = r.e
    return f


def page_events(page, f):
    """The (common_type, common_pid) of every data event in one sub-buffer."""
    e, ls = f["e"], f["long_size"]
    hdr = 8 + ls
    if len(page) < hdr:
        return set()
    commit = struct.unpack(e + ("Q" if ls == 8 else "I"), page[8:hdr])[0] & ((1 << 27) - 1)
    end = min(len(page), hdr + commit)
    ids = set()
    p = hdr
    while p + 4 <= end:
        h = struct.unpack(e + "I", page[p:p + 4])[0]
        type_len = h & 31 if e == "<" else h >> 27
        if type_len == 0:
            if p + 8 > end:
                break
            length = struct.unpack(e + "I", page[p + 4:p + 8])[0]
            data = page[p + 8:p + 4 + length]
            p += 4 + length
        elif type_len <= 28:
            data = page[p + 4:p + 4 + type_len * 4]
            p += 4 + type_len * 4
        elif type_len == 29:
            if p + 8 > end:
                break
            p += 4 + struct.unpack(e + "I", page[p + 4:p + 8])[0]
            continue
        else:
            p += 8
            continue
        if len(data) >= 8:
            ids.add(struct.unpack(e + "Hxxi", data[:8]))
    return ids


def first_lines(text, n, also=None):
    """The first @n lines of @text, and the later ones that @also(line) accepts."""
    if n < 0:
        return text
    lines = [l for i, l in enumerate(text.split(b"\n"))
             if l and (i < n or (also and also(l)))]
    return b"".join(l + b"\n" for l in lines)


def shrink(f, args):
    ps = f["page_size"]
    f["cpus"] = [d[:ps * args.pages] for d in f["cpus"]]
    events = set()
    for d in f["cpus"]:
        for i in range(0, len(d), ps):
            events |= page_events(d[i:i + ps], f)
    ids = set(i for i, _ in events)
    pids = set(str(p).encode() for _, p in events)
    if args.systems is not None:
        keep = set(s.encode() for s in args.systems.split(",") if s)
        f["systems"] = [(n, evs) for n, evs in f["systems"] if n in keep]
    else:
        systems = []
        for name, evs in f["systems"]:
            evs = [ev for ev in evs if (fmt_field(ev, b"ID") or b"-1").isdigit() and
                   int(fmt_field(ev, b"ID")) in ids]
            if evs:
                systems.append((name, evs))
        f["systems"] = systems
    if args.ftrace is not None:
        keep = set(s.encode() for s in args.ftrace.split(",") if s)
        f["ftrace"] = [ev for ev in f["ftrace"] if fmt_field(ev, b"name") in keep]
    f["kallsyms"] = first_lines(f["kallsyms"], args.kallsyms_lines)
    f["printk"] = first_lines(f["printk"], args.printk_lines)
    f["cmdlines"] = first_lines(f["cmdlines"], args.cmdlines,
                                lambda l: l.split(b" ", 1)[0] in pids)
    if f["options"] is not None:
        f["options"] = [(i, d) for i, d in f["options"] if i != OPT_BUFFER]


def emit(f):
    e = f["e"]
    u16 = lambda v: struct.pack(e + "H", v)
    u32 = lambda v: struct.pack(e + "I", v)
    u64 = lambda v: struct.pack(e + "Q", v)
    out = bytearray()
    out += MAGIC + f["version"] + b"\0" + bytes([f["endian"], f["long_size"]])
    out += u32(f["page_size"])
    out += b"header_page\0" + u64(len(f["header_page"])) + f["header_page"]
    out += b"header_event\0" + u64(len(f["header_event"])) + f["header_event"]
    out += u32(len(f["ftrace"]))
    for ev in f["ftrace"]:
        out += u64(len(ev)) + ev
    out += u32(len(f["systems"]))
    for name, evs in f["systems"]:
        out += name + b"\0" + u32(len(evs))
        for ev in evs:
            out += u64(len(ev)) + ev
    out += u32(len(f["kallsyms"])) + f["kallsyms"]
    out += u32(len(f["printk"])) + f["printk"]
    out += u64(len(f["cmdlines"])) + f["cmdlines"]
    out += u32(f["ncpus"])
    if f["options"] is not None:
        out += b"options  \0"
        for oid, d in f["options"]:
            out += u16(oid) + u32(len(d)) + d
        out += u16(0)
    out += b"flyrecord\0"
    table = len(out)
    out += bytes(16 * f["ncpus"])
    ps = f["page_size"]
    for i, d in enumerate(f["cpus"]):
        out += bytes(-len(out) % ps)
        out[table + 16 * i:table + 16 * i + 16] = u64(len(out)) + u64(len(d))
        out += d
    return bytes(out)


def dump(f):
    print("version %s, %s endian, long %d, page %d, %d cpus" % (
        f["version"].decode(), "big" if f["endian"] else "little", f["long_size"],
        f["page_size"], f["ncpus"]))
    print("header_page %d, header_event %d" % (len(f["header_page"]), len(f["header_event"])))
    print("ftrace formats: %d, %d bytes" % (len(f["ftrace"]), sum(map(len, f["ftrace"]))))
    for name, evs in f["systems"]:
        print("system %s: %d formats, %d bytes" % (name.decode(), len(evs), sum(map(len, evs))))
    print("kallsyms %d, printk %d, cmdlines %d" % (
        len(f["kallsyms"]), len(f["printk"]), len(f["cmdlines"])))
    for oid, d in f["options"] or []:
        print("option %#x: %d bytes %r" % (oid, len(d), d[:60]))
    for i, d in enumerate(f["cpus"]):
        print("cpu%d: %d bytes" % (i, len(d)))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("input")
    ap.add_argument("output", nargs="?")
    ap.add_argument("--dump", action="store_true", help="print the layout, write nothing")
    ap.add_argument("--pages", type=int, default=1, help="sub-buffers kept per CPU")
    ap.add_argument("--systems", help="event systems to keep (default: those used)")
    ap.add_argument("--ftrace", help="ftrace formats to keep by name (default: all)")
    ap.add_argument("--kallsyms-lines", type=int, default=16)
    ap.add_argument("--printk-lines", type=int, default=8)
    ap.add_argument("--cmdlines", type=int, default=32,
                    help="saved_cmdlines lines kept, besides those of the pids in the data")
    args = ap.parse_args()
    f = parse(open(args.input, "rb").read())
    if args.dump or not args.output:
        dump(f)
        return 0
    shrink(f, args)
    out = emit(f)
    parse(out)
    with open(args.output, "wb") as o:
        o.write(out)
    print("%s: %d bytes" % (args.output, len(out)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
