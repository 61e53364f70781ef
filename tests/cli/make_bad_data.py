#!/usr/bin/env python3
"""Write good and damaged traces and .npz games for test_bad_data.sh into DIR
(standard library only: gzip, zipfile, zlib).  Each file is named after its case."""
import gzip, io, os, struct, sys, zipfile, zlib

d = sys.argv[1]
N = 3

def trace_text(records, n=N, version=1, trailer=True, count=None, crc=None):
    head = "SBTRACE %d\nheader {\"n\": %d}\n" % (version, n)
    body = "".join("r %s %s\n" % (m, v) for m, v in records)
    if trailer:
        c = zlib.crc32(body.encode()) if crc is None else crc
        k = len(records) if count is None else count
        body += "batch %d %d %08x\n" % (k, k, c)
    return head, body

def write_trace(name, head, body, raw=None):
    path = os.path.join(d, name)
    if raw is not None:
        open(path, "wb").write(raw)
        return
    # header and batch as separate gzip members, as the writer does
    open(path, "wb").write(gzip.compress(head.encode()) + gzip.compress(body.encode()))

full = [(format(x, "03b")[::-1], "%.17g" % (0.5 * x - 1)) for x in range(8)]
h, b = trace_text(full)
write_trace("good.sbt.gz", h, b)
good = open(os.path.join(d, "good.sbt.gz"), "rb").read()
write_trace("empty.sbt.gz", "", "", raw=b"")
write_trace("magic.sbt.gz", "", "", raw=gzip.compress(b"SBTRACX 1\nheader {\"n\": 3}\n"))
write_trace("version.sbt.gz", *trace_text(full, version=2))
write_trace("truncated.sbt.gz", "", "", raw=good[: len(good) - 12])
cor = bytearray(good); cor[len(good) - 30] ^= 0x55
write_trace("corrupt.sbt.gz", "", "", raw=bytes(cor))
write_trace("nmismatch.sbt.gz", *trace_text([("0101", "1.0")]))
write_trace("chars.sbt.gz", *trace_text([("0x1", "1.0")]))
write_trace("nan.sbt.gz", *trace_text([("010", "nan")]))
write_trace("inf.sbt.gz", *trace_text([("010", "inf")]))
write_trace("conflict.sbt.gz", *trace_text([("010", "1"), ("010", "2")]))
write_trace("count.sbt.gz", *trace_text([("010", "1"), ("011", "2")], count=3))
write_trace("crc.sbt.gz", *trace_text([("010", "1")], crc=0x12345678))
write_trace("notrailer.sbt.gz", *trace_text([("010", "1")], trailer=False))

def npy(descr, shape, data):
    hdr = "{'descr': '%s', 'fortran_order': False, 'shape': %s, }" % (
        descr, "(%s)" % "".join("%d, " % s for s in shape) if len(shape) == 1 else str(tuple(shape)))
    pad = 64 - (10 + len(hdr) + 1) % 64
    hdr = hdr + " " * pad + "\n"
    return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(hdr)) + hdr.encode() + data

def game(n=N, rows=None, vdescr="<f8", players=None, drop=(), cols=None):
    rows = list(range(2 ** n)) if rows is None else rows
    cols = n if cols is None else cols
    vals = b"".join(struct.pack("<d", 0.5 * x - 1) for x in rows)
    if vdescr == "<f4":
        vals = b"".join(struct.pack("<f", 0.5 * x - 1) for x in rows)
    coal = bytes(((x >> i) & 1) for x in rows for i in range(cols))
    members = {
        "values.npy": npy(vdescr, [len(rows)], vals),
        "coalitions.npy": npy("|b1", [len(rows), cols], coal),
        "n_players.npy": npy("<i4", [], struct.pack("<i", n if players is None else players)),
    }
    return {k: v for k, v in members.items() if k not in drop}

def write_npz(name, members, method=zipfile.ZIP_DEFLATED):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", method) as z:
        for k, v in members.items():
            z.writestr(k, v)
    open(os.path.join(d, name), "wb").write(buf.getvalue())

write_npz("good.npz", game())
open(os.path.join(d, "notzip.npz"), "wb").write(b"this is not a zip archive\n")
write_npz("novalues.npz", game(drop=("values.npy",)))
write_npz("dtype.npz", game(vdescr="<c16"))
write_npz("shape.npz", game(rows=list(range(5))))
write_npz("players.npz", game(players=4))
write_npz("duprows.npz", game(rows=[0, 1, 2, 3, 4, 5, 6, 6]))
# zip bomb: 64 MiB of zeros as values.npy, then the declared size patched to 64 bytes
big = npy("<f8", [2 ** 23], bytes(8 * 2 ** 23))
m = game(); m["values.npy"] = big
write_npz("bomb.npz", m)
z = bytearray(open(os.path.join(d, "bomb.npz"), "rb").read())
for sig, off in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):  # uncompressed size fields
    i = 0
    while True:
        i = z.find(sig, i)
        if i < 0:
            break
        namelen = struct.unpack_from("<H", z, i + (26 if sig == b"PK\x03\x04" else 28))[0]
        start = i + (30 if sig == b"PK\x03\x04" else 46)
        if z[start:start + namelen] == b"values.npy":
            struct.pack_into("<I", z, i + off, 64)
        i += 4
open(os.path.join(d, "bomb.npz"), "wb").write(bytes(z))
gz = gzip.compress(bytes(8 * 2 ** 20))
open(os.path.join(d, "gzbomb.sbt.gz"), "wb").write(gzip.compress(b"SBTRACE 1\nheader {\"n\": 3}\n") + gz)
