#!/usr/bin/env python3
"""Talk to a hil harness over a serial port or pty (docs/harness-protocol.md), for trying the
firmware by hand: ask for HELLO and print it, then optionally run one input and print the RESULT.

    talk.py /dev/pts/N                          HELLO (and the labels of a ready model)
    talk.py /dev/pts/N --png IMAGE.png          HELLO, then one inference of the image
    talk.py /dev/pts/N --raw INPUT.bin          HELLO, then one inference of raw int8 bytes

A PNG is read as 8-bit RGB/gray (no interlace) and quantised as `hilctl run --pixels unit` does:
q = round(p / 255 / scale) + zero point. Standard library only. Exit status 0 when every step
answered as expected (HELLO; a RESULT for the input if one was given)."""
import argparse
import os
import select
import struct
import sys
import termios
import time
import tty
import zlib

HELLO_REQUEST, INPUT, INFER = 0x01, 0x04, 0x05
HELLO, LABELS, RESULT, ERROR, NAK = 0x81, 0x82, 0x86, 0x87, 0x85
MODEL_STATES = {0: "ready", 1: "empty", 2: "corrupt", 3: "too big"}
TIMERS = {0: "DWT cycle counter (measured)", 1: "QEMU SysTick (emulated)", 2: "cost model (estimated)"}


def cobs_encode(raw):
    out, block = bytearray(), bytearray()
    for b in raw:
        if b == 0:
            out += bytes([len(block) + 1]) + block
            block = bytearray()
        else:
            block.append(b)
            if len(block) == 254:
                out += b"\xff" + block
                block = bytearray()
    out += bytes([len(block) + 1]) + block
    return bytes(out)


def cobs_decode(enc):
    out, i = bytearray(), 0
    while i < len(enc):
        code = enc[i]
        if code == 0 or i + code > len(enc):
            return None
        out += enc[i + 1:i + code]
        i += code
        if code != 0xFF and i < len(enc):
            out.append(0)
    return bytes(out)


class Link:
    def __init__(self, path):
        self.fd = os.open(path, os.O_RDWR | os.O_NOCTTY)
        if os.isatty(self.fd):
            tty.setraw(self.fd)
            attrs = termios.tcgetattr(self.fd)
            attrs[4] = attrs[5] = termios.B115200
            termios.tcsetattr(self.fd, termios.TCSANOW, attrs)
        self.seq = 0
        self.pending = bytearray()

    def send(self, ftype, payload=b""):
        raw = struct.pack("<BH", ftype, self.seq) + payload
        raw += struct.pack("<I", zlib.crc32(raw) & 0xFFFFFFFF)
        self.seq = (self.seq + 1) & 0xFFFF
        os.write(self.fd, b"\x00" + cobs_encode(raw) + b"\x00")

    def frames(self, timeout):
        """Yields (type, seq, payload) of good frames until `timeout` seconds pass without one."""
        deadline = time.monotonic() + timeout
        while True:
            while b"\x00" in self.pending:
                enc, _, rest = bytes(self.pending).partition(b"\x00")
                self.pending = bytearray(rest)
                raw = cobs_decode(enc) if enc else None
                if raw and len(raw) >= 7 and zlib.crc32(raw[:-4]) & 0xFFFFFFFF == struct.unpack("<I", raw[-4:])[0]:
                    deadline = time.monotonic() + timeout
                    yield raw[0], struct.unpack("<H", raw[1:3])[0], raw[3:-4]
            left = deadline - time.monotonic()
            if left <= 0:
                return
            ready, _, _ = select.select([self.fd], [], [], left)
            if ready:
                self.pending += os.read(self.fd, 4096)


def text(p, at):
    n = p[at]
    return p[at + 1:at + 1 + n].decode("utf-8", "replace"), at + 1 + n


def parse_hello(p):
    h = {"version": p[0], "reason": p[1], "boot_id": struct.unpack_from("<I", p, 4)[0],
         "model_state": MODEL_STATES.get(p[8], p[8]), "load_status": p[9], "timer": TIMERS.get(p[10], p[10]),
         "cache_flags": p[11], "core_clock_hz": struct.unpack_from("<I", p, 12)[0],
         "baud": struct.unpack_from("<I", p, 16)[0], "max_baud": struct.unpack_from("<I", p, 20)[0],
         "input_buffer": struct.unpack_from("<I", p, 24)[0], "buffers": p[28],
         "max_payload": struct.unpack_from("<H", p, 30)[0], "input_hwc": struct.unpack_from("<3H", p, 32),
         "classes": struct.unpack_from("<H", p, 38)[0], "input_scale": struct.unpack_from("<f", p, 40)[0],
         "input_zero_point": struct.unpack_from("<i", p, 44)[0], "arena_bytes": struct.unpack_from("<I", p, 56)[0],
         "model_size": struct.unpack_from("<I", p, 60)[0], "sha256": p[64:96].hex(),
         "macs": struct.unpack_from("<Q", p, 96)[0], "boot_baud": struct.unpack_from("<I", p, 104)[0]}
    at = 108
    h["board"], at = text(p, at)
    h["build_id"], at = text(p, at)
    h["model"], at = text(p, at)
    return h


def read_png(path):
    """8-bit gray/RGB/RGBA PNG without interlace, as rows of channel bytes (alpha dropped)."""
    data = open(path, "rb").read()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", f"{path}: not a PNG"
    at, idat = 8, b""
    while at < len(data):
        n, tag = struct.unpack_from(">I4s", data, at)
        body = data[at + 8:at + 8 + n]
        if tag == b"IHDR":
            w, h, depth, ctype, _, _, interlace = struct.unpack(">IIBBBBB", body)
            assert depth == 8 and interlace == 0 and ctype in (0, 2, 4, 6), f"{path}: unsupported PNG"
        elif tag == b"IDAT":
            idat += body
        at += 12 + n
    bpp = {0: 1, 2: 3, 4: 2, 6: 4}[ctype]
    raw, stride, prev, pixels = zlib.decompress(idat), w * bpp, bytearray(w * bpp), bytearray()
    for y in range(h):
        f, row = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = row[i - bpp] if i >= bpp else 0
            b, c = prev[i], prev[i - bpp] if i >= bpp else 0
            pred = {0: 0, 1: a, 2: b, 3: (a + b) // 2}.get(f)
            if pred is None:  # Paeth
                pa, pb, pc = abs(b - c), abs(a - c), abs(a + b - 2 * c)
                pred = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
            row[i] = (row[i] + pred) & 0xFF
        prev = row
        for x in range(w):
            px = row[x * bpp:(x + 1) * bpp]
            pixels += px[:3] if ctype in (2, 6) else px[:1]
    return pixels


def quantise(pixels, scale, zero_point):
    out = bytearray()
    for p in pixels:
        q = p / 255 / scale
        q = int(q + 0.5) if q >= 0 else -int(-q + 0.5)
        out.append(max(-128, min(127, q + zero_point)) & 0xFF)
    return bytes(out)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("port")
    ap.add_argument("--png")
    ap.add_argument("--raw")
    ap.add_argument("--timeout", type=float, default=10.0, help="seconds of silence before giving up")
    args = ap.parse_args()
    link = Link(args.port)

    hello, labels = None, {}
    for attempt in range(3):
        link.send(HELLO_REQUEST)
        for ftype, _, p in link.frames(args.timeout):
            if ftype == HELLO:
                hello, labels = parse_hello(p), {}
            elif ftype == LABELS and hello:
                first, count, at = struct.unpack_from("<HB", p) + (3,)
                for i in range(count):
                    labels[first + i], at = text(p, at)
            if hello and (hello["model_state"] != "ready" or len(labels) >= hello["classes"]):
                break
        if hello:
            break
    if not hello:
        print("no HELLO", file=sys.stderr)
        return 1
    for k, v in hello.items():
        print(f"{k:17} {v}")
    if labels:
        print(f"{'labels':17} {', '.join(labels[i] for i in sorted(labels))}")
    if not (args.png or args.raw):
        return 0
    if hello["model_state"] != "ready":
        print("no model to run", file=sys.stderr)
        return 1

    h, w, c = hello["input_hwc"]
    if args.png:
        data = quantise(read_png(args.png), hello["input_scale"], hello["input_zero_point"])
    else:
        data = open(args.raw, "rb").read()
    if len(data) != h * w * c:
        print(f"input is {len(data)} bytes; the model takes {h}x{w}x{c} = {h * w * c}", file=sys.stderr)
        return 1
    sample, chunk = 0x1000 + int(time.time()) % 0x10000, hello["max_payload"] - 9
    started = time.monotonic()
    for off in range(0, len(data), chunk):
        link.send(INPUT, struct.pack("<BII", 0, sample, off) + data[off:off + chunk])
    link.send(INFER, struct.pack("<BI", 0, sample))
    for ftype, _, p in link.frames(args.timeout):
        if ftype == RESULT:
            sid, boot, crc, cycles, cls, count, slot = struct.unpack_from("<IIIQHHB", p)
            scores = list(struct.unpack_from(f"<{count}b", p, 25))
            ok = sid == sample and boot == hello["boot_id"] and crc == zlib.crc32(data) & 0xFFFFFFFF
            print(f"{'result':17} sample {sid:#x} slot {slot} class {cls} ({labels.get(cls, '?')}) "
                  f"cycles {cycles} = {cycles / hello['core_clock_hz'] * 1e3:.3f} ms at {hello['core_clock_hz']} Hz")
            print(f"{'scores':17} {scores}")
            print(f"{'checks':17} sample id, boot id, input CRC {'match' if ok else 'DO NOT MATCH'}; "
                  f"{time.monotonic() - started:.2f} s on the wire and in QEMU")
            return 0 if ok else 1
        if ftype in (ERROR, NAK):
            print(f"device answered {ftype:#x}: {p.hex()}", file=sys.stderr)
            return 1
    print("no RESULT", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
