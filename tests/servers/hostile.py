#!/usr/bin/env python3
"""hostile.py - loopback peers that misbehave on purpose, for tests/hostile/.

Usage:
    python3 hostile.py --state-file PATH --cert PEM --key KEY

Listens on ephemeral 127.0.0.1 ports and writes ONE JSON line to the state file:

    {"port": P, "tls_port": T, "raw_tls": {"garbage": N, ...}, "pid": 4242}

* ``port`` (plain) and ``tls_port`` (TLS, then the same routes): read one request head
  (at most 64 KiB) and run the scenario named by the path: ``/<name>?<query>``.  HTTP
  scenarios answer an HTTP request; ``/ws/<name>`` scenarios first complete (or botch) a
  WebSocket handshake; ``/attack?case=<name>&port=<p>`` makes this server a hostile
  *client*: it connects to 127.0.0.1:<p> (a Godot RustTCPServer) and runs the named
  attack, while the request's own connection is closed at once.
* ``raw_tls``: one port per scenario that misbehaves inside the TLS handshake itself (the
  scenario is chosen by the port, since nothing has been requested yet).

Every scenario is bounded: it sends at most a fixed amount (e.g. 128 MiB for the endless
ones, stopping as soon as the peer goes away), and every socket has a time-out, so a peer
that stops reading ends the scenario instead of hanging a thread.  The tables ``HTTP``,
``WS``, ``ATTACKS`` and ``RAW_TLS`` below list every route; docs/hostile.md describes each
case and what RustNet does with it.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import os
import random
import socket
import ssl
import struct
import sys
import threading
import time
import zlib
from urllib.parse import parse_qsl, urlsplit

WS_GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
CAP = 128 * 1024 * 1024  # the most any endless scenario sends
IO_TIMEOUT = 3.0  # a peer that stops reading for this long ends the scenario


# ----- connections --------------------------------------------------------------------------


class Plain:
    """A TCP connection; ``send`` is what the peer reads, ``raw`` the same (no TLS)."""

    def __init__(self, sock: socket.socket):
        self.sock = sock
        sock.settimeout(IO_TIMEOUT)
        self.buf = b""

    def send(self, data: bytes) -> None:
        self.sock.sendall(data)

    raw = send

    def recv(self, n: int = 65536) -> bytes:
        return self.sock.recv(n)

    def fin(self) -> None:
        """Half-close our side, then wait (bounded) for the peer to close."""
        try:
            self.sock.shutdown(socket.SHUT_WR)
            self.drain()
        except OSError:
            pass
        self.sock.close()

    def drain(self, limit: float = IO_TIMEOUT) -> None:
        end = time.monotonic() + limit
        try:
            while time.monotonic() < end:
                if not self.sock.recv(65536):
                    return
        except OSError:
            return

    def rst(self) -> None:
        try:
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        except OSError:
            pass
        self.sock.close()

    def read_head(self, limit: int = 65536) -> bytes | None:
        while b"\r\n\r\n" not in self.buf:
            if len(self.buf) > limit:
                return None
            chunk = self.recv()
            if not chunk:
                return None
            self.buf += chunk
        head, _, self.buf = self.buf.partition(b"\r\n\r\n")
        return head


class Tls(Plain):
    """Server side TLS over memory BIOs, so a scenario can also write raw bytes, or only part
    of the records that ``send`` would write."""

    def __init__(self, sock: socket.socket, ctx: ssl.SSLContext):
        super().__init__(sock)
        self.inc = ssl.MemoryBIO()
        self.out = ssl.MemoryBIO()
        self.obj = ctx.wrap_bio(self.inc, self.out, server_side=True)

    def handshake(self) -> bool:
        while True:
            try:
                self.obj.do_handshake()
                self.sock.sendall(self.out.read())
                return True
            except ssl.SSLWantReadError:
                self.sock.sendall(self.out.read())
                data = self.sock.recv(65536)
                if not data:
                    return False
                self.inc.write(data)
            except ssl.SSLError:
                return False

    def records(self, data: bytes) -> bytes:
        """The TLS records for ``data``, not sent."""
        self.obj.write(data)
        return self.out.read()

    def send(self, data: bytes) -> None:
        self.sock.sendall(self.records(data))

    def raw(self, data: bytes) -> None:
        self.sock.sendall(data)

    def recv(self, n: int = 65536) -> bytes:
        while True:
            try:
                return self.obj.read(n)
            except ssl.SSLWantReadError:
                data = self.sock.recv(65536)
                if not data:
                    return b""
                self.inc.write(data)
            except (ssl.SSLZeroReturnError, ssl.SSLError):
                return b""

    def close_notify(self) -> None:
        try:
            self.obj.unwrap()
        except ssl.SSLError:
            pass
        try:
            self.sock.sendall(self.out.read())
        except OSError:
            pass


def flood(c: Plain, first: bytes, unit: bytes, cap: int = CAP) -> None:
    """Sends ``first`` then ``unit`` over and over until the peer goes away or ``cap``."""
    try:
        c.send(first)
        sent = 0
        while sent < cap:
            c.send(unit)
            sent += len(unit)
    except OSError:
        pass


def drip(c: Plain, data: bytes, delay: float) -> None:
    try:
        for i in range(len(data)):
            c.send(data[i : i + 1])
            time.sleep(delay)
    except OSError:
        pass


def hold(c: Plain) -> None:
    """Keeps the connection open until the peer closes it (bounded)."""
    c.drain(IO_TIMEOUT * 2)


# ----- HTTP scenarios -----------------------------------------------------------------------

OK = b"HTTP/1.1 200 OK\r\n"
INJECTED = b"HTTP/1.1 200 OK\r\nContent-Length: 8\r\n\r\ninjected"


def sized(body: bytes, extra: bytes = b"") -> bytes:
    return OK + b"Content-Length: %d\r\n" % len(body) + extra + b"\r\n" + body


def chunked_head(extra: bytes = b"") -> bytes:
    return OK + b"Transfer-Encoding: chunked\r\n" + extra + b"\r\n"


def answer(data: bytes, then: str = "hold"):
    def run(c, q):
        try:
            c.send(data)
        except OSError:
            return
        if then == "hold":
            hold(c)
        elif then == "fin":
            c.fin()
        elif then == "rst":
            c.rst()

    return run


def h_endless_headers(c, q):
    flood(c, OK, b"X-Flood: " + b"a" * 40 + b"\r\n")


def h_endless_header_line(c, q):
    flood(c, OK + b"X-Long: ", b"a" * 65536)


def h_header_100mb(c, q):
    try:
        c.send(OK + b"X-Big: ")
        for _ in range(100 * 16):
            c.send(b"a" * 65536)
        c.send(b"\r\nContent-Length: 2\r\n\r\nok")
    except OSError:
        return
    hold(c)


def h_endless_status_line(c, q):
    flood(c, b"HTTP/1.1 200 ", b"a" * 65536)


def h_many_headers(c, q):
    c.send(OK + b"".join(b"X-H%d: v\r\n" % i for i in range(300)) + b"Content-Length: 2\r\n\r\nok")
    hold(c)


def h_endless_chunk_line(c, q):
    flood(c, chunked_head() + b"1;ext=", b"x" * 65536)


def h_endless_trailer(c, q):
    flood(c, chunked_head() + b"5\r\nhello\r\n0\r\n", b"X-Trailer: " + b"a" * 40 + b"\r\n")


def h_endless_trailer_line(c, q):
    flood(c, chunked_head() + b"5\r\nhello\r\n0\r\nX-T: ", b"a" * 65536)


def h_continue_flood(c, q):
    flood(c, b"", b"HTTP/1.1 100 Continue\r\n\r\n" * 64, cap=8 * 1024 * 1024)


def h_random_bytes(c, q):
    rng = random.Random(int(q.get("seed", "7")))
    data = bytes(rng.getrandbits(8) for _ in range(4096))
    answer(data, q.get("then", "hold"))(c, q)


def h_longer_later(c, q):
    """A 5-byte body, then (later, on its own) a whole second response nobody asked for."""
    try:
        c.send(sized(b"hello"))
        time.sleep(0.2)
        c.send(INJECTED)
    except OSError:
        return
    hold(c)


def h_longer_reuse(c, q):
    """A 5-byte body followed by a second response in the same write, then the server waits
    for a second request and answers it with a third response ("second")."""
    try:
        c.send(sized(b"hello") + INJECTED)
        if c.read_head() is not None:
            c.send(sized(b"second"))
    except OSError:
        return
    hold(c)


def slow(data: bytes):
    def run(c, q):
        drip(c, data, float(q.get("delay", "0.002")))
        hold(c)

    return run


def h_slow_endless(c, q):
    try:
        c.send(OK)
        for _ in range(20000):
            c.send(b"X")
            time.sleep(0.002)
    except OSError:
        pass


def h_halfclose_before(c, q):
    c.fin()


def h_rst_mid_body(c, q):
    try:
        c.send(OK + b"Content-Length: 100000\r\n\r\n" + b"b" * 5000)
        time.sleep(0.05)
    except OSError:
        pass
    c.rst()


def h_tls_truncated_record(c, q):
    """One response in TLS records; only the first half of those bytes is sent, then FIN."""
    rec = c.records(sized(b"x" * 3000))
    c.raw(rec[: len(rec) // 2])
    c.fin()


def h_tls_garbage_after(c, q):
    rng = random.Random(3)
    c.raw(bytes(rng.getrandbits(8) for _ in range(2048)))
    hold(c)


def h_tls_huge_record(c, q):
    try:
        c.raw(b"\x17\x03\x03\xff\xff" + b"\x00" * 70000)
    except OSError:
        pass
    hold(c)


def h_tls_cut_close_notify(c, q):
    c.send(OK + b"Content-Length: 10\r\n\r\nhello")
    c.close_notify()
    c.fin()


def h_tls_until_close_no_notify(c, q):
    c.send(OK + b"Connection: close\r\n\r\nhello")
    c.fin()


def h_tls_until_close_notify(c, q):
    c.send(OK + b"Connection: close\r\n\r\nhello")
    c.close_notify()
    c.fin()


def h_stream_echo(c, q):
    """RustStreamPeerTLS: answer "pong" to the request, then misbehave as q["then"] says."""
    c.send(b"pong")
    then = q.get("then", "hold")
    if then == "garbage":
        c.raw(os.urandom(1024))
        hold(c)
    elif then == "truncated":
        rec = c.records(b"y" * 2000)
        c.raw(rec[: len(rec) // 2])
        c.fin()
    else:
        hold(c)


HTTP = {
    "endless_headers": h_endless_headers,
    "endless_header_line": h_endless_header_line,
    "header_100mb": h_header_100mb,
    "endless_status_line": h_endless_status_line,
    "many_headers": h_many_headers,
    "chunk_ffff": answer(chunked_head() + b"ffffffffffffffff\r\n" + b"a" * 1000),
    "chunk_overflow": answer(chunked_head() + b"10000000000000000\r\n" + b"a" * 1000),
    "chunk_over_limit": answer(chunked_head() + b"1000001\r\n" + b"a" * 1000),
    "chunk_negative": answer(chunked_head() + b"-5\r\nhello\r\n0\r\n\r\n"),
    "chunk_bad_hex": answer(chunked_head() + b"zz\r\nhello\r\n0\r\n\r\n"),
    "chunk_no_crlf": answer(chunked_head() + b"5\r\nhelloXX0\r\n\r\n"),
    "endless_chunk_line": h_endless_chunk_line,
    "endless_trailer": h_endless_trailer,
    "endless_trailer_line": h_endless_trailer_line,
    "cl_negative": answer(OK + b"Content-Length: -1\r\n\r\nhello"),
    "cl_conflict": answer(OK + b"Content-Length: 5\r\nContent-Length: 10\r\n\r\nhello world"),
    "cl_list_conflict": answer(OK + b"Content-Length: 5, 10\r\n\r\nhello world"),
    "cl_duplicate_same": answer(OK + b"Content-Length: 5\r\nContent-Length: 5\r\n\r\nhello"),
    "cl_nonnumeric": answer(OK + b"Content-Length: abc\r\n\r\nhello"),
    "cl_plus_sign": answer(OK + b"Content-Length: +5\r\n\r\nhello"),
    "cl_huge": answer(OK + b"Content-Length: 99999999999999999999999\r\n\r\nhello"),
    "cl_and_chunked": answer(
        OK + b"Content-Length: 100\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n"
    ),
    "te_unknown": answer(OK + b"Transfer-Encoding: gzip, chunked, identity\r\n\r\n5\r\nhello\r\n0\r\n\r\n", "fin"),
    "longer_same_write": answer(sized(b"hello") + INJECTED),
    "longer_later": h_longer_later,
    "longer_reuse": h_longer_reuse,
    "continue_then_real": answer(b"HTTP/1.1 100 Continue\r\n\r\n" + sized(b"real")),
    "continue_flood": h_continue_flood,
    "garbage_status": answer(b"GARBAGE\r\nContent-Length: 2\r\n\r\nok"),
    "random_bytes": h_random_bytes,
    "status_no_code": answer(b"HTTP/1.1 abc OK\r\nContent-Length: 2\r\n\r\nok"),
    "status_code_9999": answer(b"HTTP/1.1 9999 OK\r\nContent-Length: 2\r\n\r\nok"),
    "http09": answer(b"hello, no status line", "fin"),
    "nul_header_value": answer(OK + b"X-A: a\x00b\r\nContent-Length: 5\r\n\r\nhello"),
    "nul_header_name": answer(OK + b"X-\x00A: b\r\nContent-Length: 5\r\n\r\nhello"),
    "obs_fold": answer(OK + b"X-A: a\r\n folded\r\nContent-Length: 5\r\n\r\nhello"),
    "space_before_colon": answer(OK + b"Content-Length : 5\r\n\r\nhello"),
    "bare_cr": answer(OK + b"X-A: a\rb\r\nContent-Length: 5\r\n\r\nhello"),
    "slow_head": slow(sized(b"hello")),
    "slow_body": slow(OK + b"Content-Length: 20\r\n\r\n" + b"0123456789abcdefghij"),
    "slow_chunked": slow(chunked_head() + b"5\r\nhello\r\n5\r\nworld\r\n0\r\n\r\n"),
    "slow_endless": h_slow_endless,
    "halfclose_before": h_halfclose_before,
    "halfclose_mid_body": answer(OK + b"Content-Length: 10\r\n\r\nhello", "fin"),
    "halfclose_mid_head": answer(OK + b"Content-Length: 10\r\n", "fin"),
    "rst_mid_body": h_rst_mid_body,
    "rst_mid_head": answer(OK + b"X-Cut: ", "rst"),
    "rst_before": answer(b"", "rst"),
    "cut_chunked_mid_chunk": answer(chunked_head() + b"a\r\nhel", "fin"),
    "cut_chunked_no_end": answer(chunked_head() + b"5\r\nhello\r\n", "fin"),
    "until_close_ok": answer(OK + b"Connection: close\r\n\r\nhello", "fin"),
    # TLS-only (tls_port)
    "tls_truncated_record": h_tls_truncated_record,
    "tls_garbage_after": h_tls_garbage_after,
    "tls_huge_record": h_tls_huge_record,
    "tls_cut_close_notify": h_tls_cut_close_notify,
    "tls_until_close_no_notify": h_tls_until_close_no_notify,
    "tls_until_close_notify": h_tls_until_close_notify,
    "stream_echo": h_stream_echo,
}


# ----- WebSocket frames ---------------------------------------------------------------------


def frame(opcode: int, payload: bytes = b"", fin: bool = True, rsv: int = 0, mask: bool = False,
          length: int | None = None) -> bytes:
    """One frame; ``length`` overrides the announced payload length."""
    n = len(payload) if length is None else length
    b0 = (0x80 if fin else 0) | (rsv << 4) | opcode
    m = 0x80 if mask else 0
    if n < 126:
        head = bytes([b0, m | n])
    elif n < 65536:
        head = bytes([b0, m | 126]) + struct.pack("!H", n)
    else:
        head = bytes([b0, m | 127]) + struct.pack("!Q", n)
    if mask:
        key = b"\x12\x34\x56\x78"
        payload = bytes(b ^ key[i % 4] for i, b in enumerate(payload))
        head += key
    return head + payload


def close_frame(code: int, reason: bytes = b"", mask: bool = False) -> bytes:
    return frame(8, struct.pack("!H", code) + reason, mask=mask)


def accept_key(key: bytes) -> bytes:
    return base64.b64encode(hashlib.sha1(key.strip() + WS_GUID).digest())


def header(head: bytes, name: bytes) -> bytes:
    for line in head.split(b"\r\n")[1:]:
        k, _, v = line.partition(b":")
        if k.strip().lower() == name:
            return v.strip()
    return b""


def ws_response(head: bytes, extra: bytes = b"") -> bytes:
    return (b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            b"Sec-WebSocket-Accept: " + accept_key(header(head, b"sec-websocket-key")) + b"\r\n"
            + extra + b"\r\n")


_BOMB: dict[int, bytes] = {}
_BOMB_LOCK = threading.Lock()


def bomb(mib: int) -> bytes:
    """Raw deflate of `mib` MiB of zeros, ending in a sync flush with its 00 00 ff ff removed
    (a permessage-deflate message body). A full flush after each MiB makes every MiB compress
    to the same bytes, so the whole message is one compressed MiB repeated (fast to build)."""
    with _BOMB_LOCK:
        if mib not in _BOMB:
            z = zlib.compressobj(9, zlib.DEFLATED, -15)
            piece = z.compress(bytes(1 << 20)) + z.flush(zlib.Z_FULL_FLUSH)
            data = piece * mib
            assert data.endswith(b"\x00\x00\xff\xff")
            _BOMB[mib] = data[:-4]
        return _BOMB[mib]


def ws_after(frames_fn, then: str = "hold"):
    """Completes the handshake, sends what ``frames_fn(q)`` returns, then holds/fin/rst."""

    def run(c, q, head):
        try:
            c.send(ws_response(head))
            c.send(frames_fn(q))
        except OSError:
            return
        if then == "hold":
            hold(c)
        elif then == "fin":
            c.fin()
        else:
            c.rst()

    return run


def ws_hs(data_fn, then: str = "hold"):
    """Answers the handshake with ``data_fn(head)`` instead of a valid response."""

    def run(c, q, head):
        answer(data_fn(head), then)(c, q)

    return run


def w_hs_endless_headers(c, q, head):
    flood(c, b"HTTP/1.1 101 Switching Protocols\r\n", b"X-Flood: " + b"a" * 40 + b"\r\n")


def w_hs_100mb_line(c, q, head):
    flood(c, b"HTTP/1.1 101 Switching Protocols\r\nX-Big: ", b"a" * 65536, cap=100 << 20)


def w_hs_drip(c, q, head):
    drip(c, ws_response(head) + frame(1, b"dripped"), 0.002)
    hold(c)


def w_endless_fragments(c, q, head):
    try:
        c.send(ws_response(head))
    except OSError:
        return
    flood(c, frame(2, b"x", fin=False), frame(0, b"x" * 100, fin=False), cap=32 << 20)


def w_ping_flood(c, q, head):
    """Pings as fast as possible for a while without ever reading (the pongs pile up on the
    peer's side), then close: the peer must neither grow without bound nor hang."""
    try:
        c.send(ws_response(head))
        unit = frame(9, b"p" * 125) * 512
        end = time.monotonic() + float(q.get("secs", "1.5"))
        while time.monotonic() < end:
            c.send(unit)
    except OSError:
        pass
    c.rst()


def w_pong_flood(c, q, head):
    """Unsolicited pongs (never answered), 32 MiB of them, then one text message and a close:
    the text must still arrive."""
    try:
        c.send(ws_response(head))
        unit = frame(10, b"q" * 125) * 512
        sent = 0
        while sent < 32 << 20:
            c.send(unit)
            sent += len(unit)
        c.send(frame(1, b"done") + close_frame(1000))
    except OSError:
        return
    hold(c)


def w_ping_flood_reading(c, q, head):
    """Pings while reading the pongs, then "done" and a close."""
    stop = threading.Event()

    def reader():
        try:
            while not stop.is_set() and c.sock.recv(65536):
                pass
        except OSError:
            pass

    try:
        c.send(ws_response(head))
        t = threading.Thread(target=reader, daemon=True)
        t.start()
        unit = frame(9, b"p" * 125) * 256
        for _ in range(400):
            c.sock.sendall(unit)
        c.sock.sendall(frame(1, b"done") + close_frame(1000))
    except OSError:
        pass
    time.sleep(IO_TIMEOUT)
    stop.set()
    c.sock.close()


def w_never_reads(c, q, head):
    """Completes the handshake, then never reads: the client's sends must back up into a
    bounded buffer and then fail."""
    try:
        c.send(ws_response(head))
    except OSError:
        return
    time.sleep(float(q.get("secs", "8")))
    c.rst()


def w_bomb(c, q, head):
    mib = int(q.get("mib", "1024"))
    frag = int(q.get("frag", "0"))
    offered = header(head, b"sec-websocket-extensions")
    ext = b"Sec-WebSocket-Extensions: permessage-deflate\r\n" if b"permessage-deflate" in offered else b""
    data = bomb(mib)
    try:
        c.send(ws_response(head, ext))
        if frag:
            parts = [data[i:i + frag] for i in range(0, len(data), frag)]
            out = []
            for i, p in enumerate(parts):
                out.append(frame(2 if i == 0 else 0, p, fin=i == len(parts) - 1, rsv=4 if i == 0 else 0))
            c.send(b"".join(out))
        else:
            c.send(frame(2, data, rsv=4))
    except OSError:
        return
    hold(c)


def w_deflate_ext(fn):
    """Like ws_after, agreeing to permessage-deflate when offered."""

    def run(c, q, head):
        offered = header(head, b"sec-websocket-extensions")
        ext = b"Sec-WebSocket-Extensions: permessage-deflate\r\n" if b"permessage-deflate" in offered else b""
        try:
            c.send(ws_response(head, ext))
            c.send(fn(q))
        except OSError:
            return
        hold(c)

    return run


def deflated(text: bytes) -> bytes:
    z = zlib.compressobj(6, zlib.DEFLATED, -15)
    return (z.compress(text) + z.flush(zlib.Z_SYNC_FLUSH))[:-4]


WS = {
    # handshake
    "hs_endless_headers": w_hs_endless_headers,
    "hs_100mb_line": w_hs_100mb_line,
    "hs_5kb_headers": ws_hs(lambda h: ws_response(h, b"X-Pad: " + b"a" * 5000 + b"\r\n")),
    "hs_bad_accept": ws_hs(lambda h: b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                           b"Connection: Upgrade\r\nSec-WebSocket-Accept: AAAAAAAAAAAAAAAAAAAAAAAAAAA=\r\n\r\n"),
    "hs_200": ws_hs(lambda h: sized(b"not a websocket")),
    "hs_garbage": ws_hs(lambda h: os.urandom(2048)),
    "hs_no_upgrade": ws_hs(lambda h: b"HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\n"
                           b"Sec-WebSocket-Accept: " + accept_key(header(h, b"sec-websocket-key")) + b"\r\n\r\n"),
    "hs_unoffered_extension": ws_hs(lambda h: ws_response(h, b"Sec-WebSocket-Extensions: permessage-deflate\r\n")
                                    + frame(1, deflated(b"compressed"), rsv=4)),
    "hs_unoffered_protocol": ws_hs(lambda h: ws_response(h, b"Sec-WebSocket-Protocol: evil\r\n")),
    "hs_cut": ws_hs(lambda h: b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: webs", "fin"),
    "hs_drip": w_hs_drip,
    "hs_silent": lambda c, q, h: hold(c),
    # frames
    "masked_frame": ws_after(lambda q: frame(1, b"masked", mask=True)),
    "rsv1": ws_after(lambda q: frame(1, b"rsv1", rsv=4)),
    "rsv2": ws_after(lambda q: frame(1, b"rsv2", rsv=2)),
    "rsv3": ws_after(lambda q: frame(2, b"rsv3", rsv=1)),
    "opcode_3": ws_after(lambda q: frame(3, b"x")),
    "opcode_b": ws_after(lambda q: frame(0xB, b"x")),
    "ping_126": ws_after(lambda q: frame(9, b"p" * 126)),
    "ping_fragmented": ws_after(lambda q: frame(9, b"p", fin=False) + frame(0, b"q")),
    "close_fragmented": ws_after(lambda q: frame(8, b"\x03\xe8", fin=False) + frame(0, b"")),
    "text_bad_utf8": ws_after(lambda q: frame(1, b"ok \xff\xfe bad")),
    "text_bad_utf8_fragmented": ws_after(lambda q: frame(1, b"ok \xf0\x9f", fin=False) + frame(0, b"\x41\x41")),
    "text_overlong_utf8": ws_after(lambda q: frame(1, b"\xc0\xaf")),
    "close_reason_bad_utf8": ws_after(lambda q: close_frame(1000, b"\xff\xff")),
    "close_code": ws_after(lambda q: close_frame(int(q.get("code", "999")))),
    "close_1byte": ws_after(lambda q: frame(8, b"\x03")),
    "continuation_first": ws_after(lambda q: frame(0, b"orphan")),
    "data_in_fragment": ws_after(lambda q: frame(1, b"a", fin=False) + frame(1, b"b")),
    "len64_msb": ws_after(lambda q: frame(2, b"", length=1 << 63) + b"x" * 100),
    "oversized": ws_after(lambda q: frame(2, b"z" * 100000)),
    "oversized_fragments": ws_after(lambda q: b"".join(
        frame(2 if i == 0 else 0, b"f" * 1000, fin=i == 99) for i in range(100))),
    "endless_fragments": w_endless_fragments,
    "ping_flood": w_ping_flood,
    "pong_flood": w_pong_flood,
    "ping_flood_reading": w_ping_flood_reading,
    "never_reads": w_never_reads,
    "bomb": w_bomb,
    "deflate_garbage": w_deflate_ext(lambda q: frame(2, b"\xff\xff\xff\xff\xff\xff", rsv=4)),
    "deflate_rsv1_control": w_deflate_ext(lambda q: frame(9, b"", rsv=4)),
    "deflate_rsv1_continuation": w_deflate_ext(
        lambda q: frame(2, deflated(b"ab"), fin=False, rsv=4) + frame(0, deflated(b"cd"), rsv=4)),
    "truncated_frame": ws_after(lambda q: frame(1, b"complete") + frame(2, b"x" * 1000)[:500], "fin"),
    "rst_mid_frame": ws_after(lambda q: frame(1, b"complete") + frame(2, b"x" * 1000)[:500], "rst"),
    "message_then_fin": ws_after(lambda q: frame(1, b"last words"), "fin"),
    "data_after_close": ws_after(lambda q: close_frame(1000) + frame(1, b"after close")),
    "drip_frame": lambda c, q, h: (c.send(ws_response(h)), drip(c, frame(1, b"drip drip"), 0.002), hold(c)),
}


# ----- attacks on a Godot WebSocket server (this process is the client) ---------------------

KEY = b"dGhlIHNhbXBsZSBub25jZQ=="
REQUEST = (b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
           b"Sec-WebSocket-Key: " + KEY + b"\r\nSec-WebSocket-Version: 13\r\n")


def handshake(c: Plain, extra: bytes = b"") -> bytes | None:
    """Sends a valid opening handshake and reads the 101 head (None if refused)."""
    c.send(REQUEST + extra + b"\r\n")
    head = c.read_head()
    if head is None or not head.startswith(b"HTTP/1.1 101"):
        return None
    return head


def after_hs(frames: bytes | None = None, fn=None, extra: bytes = b"", then: str = "hold"):
    def run(c, q):
        head = handshake(c, extra)
        if head is None:
            return
        if fn is not None:
            fn(c, q, head)
        else:
            c.send(frames)
        if then == "hold":
            hold(c)
        elif then == "fin":
            c.fin()
        elif then == "rst":
            c.rst()

    return run


def a_never_reads(c, q, head):
    time.sleep(float(q.get("secs", "8")))


def a_ping_flood(c, q, head):
    unit = frame(9, b"p" * 125, mask=True) * 512
    end = time.monotonic() + float(q.get("secs", "1.5"))
    try:
        while time.monotonic() < end:
            c.send(unit)
    except OSError:
        pass
    c.rst()


def a_pong_flood(c, q, head):
    unit = frame(10, b"q" * 125, mask=True) * 512
    sent = 0
    while sent < 32 << 20:
        c.send(unit)
        sent += len(unit)
    c.send(frame(1, b"done", mask=True))


def a_bomb(c, q, head):
    data = bomb(int(q.get("mib", "1024")))
    c.send(frame(2, data, rsv=4, mask=True))


def a_hs_slow(c, q):
    """Never finishes the handshake: one byte every 50 ms."""
    drip(c, REQUEST + b"X-Slow: " + b"a" * 2000, 0.05)


def a_mp_oversized(c, q, head):
    c.send(frame(2, b"m" * 200000, mask=True))


ATTACKS = {
    "unmasked": after_hs(frame(1, b"not masked")),
    "hs_endless_headers": lambda c, q: flood(c, REQUEST, b"X-Flood: " + b"a" * 40 + b"\r\n"),
    "hs_100mb_line": lambda c, q: flood(c, REQUEST + b"X-Big: ", b"a" * 65536, cap=100 << 20),
    "hs_missing_key": answer(REQUEST.replace(b"Sec-WebSocket-Key: " + KEY + b"\r\n", b"") + b"\r\n"),
    "hs_bad_version": answer(REQUEST.replace(b"Version: 13", b"Version: 8") + b"\r\n"),
    "hs_post": answer(REQUEST.replace(b"GET", b"POST") + b"\r\n"),
    "hs_garbage": answer(os.urandom(3000)),
    "hs_nul": answer(REQUEST + b"X-Nul: a\x00b\r\n\r\n"),
    "hs_slow": a_hs_slow,
    "rsv2": after_hs(frame(1, b"x", rsv=2, mask=True)),
    "bad_utf8": after_hs(frame(1, b"\xff\xfe", mask=True)),
    "bad_close_code": after_hs(close_frame(1005, mask=True)),
    "oversized": after_hs(frame(2, b"o" * 100000, mask=True)),
    "ping_126": after_hs(frame(9, b"p" * 126, mask=True)),
    "ping_flood": after_hs(fn=a_ping_flood, then="none"),
    "pong_flood": after_hs(fn=a_pong_flood),
    "bomb": after_hs(fn=a_bomb, extra=b"Sec-WebSocket-Extensions: permessage-deflate\r\n"),
    "never_reads": after_hs(fn=a_never_reads, then="rst"),
    "rst_mid_frame": after_hs(frame(1, b"complete", mask=True) + frame(2, b"x" * 1000, mask=True)[:500], then="rst"),
    "truncated_frame": after_hs(frame(1, b"complete", mask=True) + frame(2, b"x" * 1000, mask=True)[:500], then="fin"),
    "mp_oversized": after_hs(fn=a_mp_oversized),
    "mp_garbage_packet": after_hs(frame(2, b"\x07", mask=True)),
}


def attack(q: dict) -> None:
    name = q.get("case", "")
    port = int(q.get("port", "0"))
    fn = ATTACKS.get(name)
    if fn is None or port <= 0:
        return
    try:
        sock = socket.create_connection(("127.0.0.1", port), timeout=IO_TIMEOUT)
    except OSError:
        return
    c = Plain(sock)
    try:
        fn(c, q)
    except OSError:
        pass
    finally:
        try:
            c.sock.close()
        except OSError:
            pass


# ----- raw TLS ports (misbehaving inside the handshake) -------------------------------------


def t_garbage(sock, ctx):
    sock.recv(65536)  # the ClientHello
    sock.sendall(os.urandom(4096))


def t_http(sock, ctx):
    sock.recv(65536)
    sock.sendall(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")


def t_huge_record(sock, ctx):
    sock.recv(65536)
    sock.sendall(b"\x16\x03\x03\xff\xff" + b"\x00" * 70000)


def t_truncated(sock, ctx):
    """The real first flight (ServerHello...), only its first half, then FIN."""
    t = Tls(sock, ctx)
    t.inc.write(sock.recv(65536))
    try:
        t.obj.do_handshake()
    except ssl.SSLWantReadError:
        pass
    flight = t.out.read()
    sock.sendall(flight[: max(1, len(flight) // 2)])
    sock.shutdown(socket.SHUT_WR)


def t_endless_records(sock, ctx):
    """Endless empty-looking handshake records (valid record headers, garbage handshake)."""
    sock.recv(65536)
    unit = (b"\x16\x03\x03\x00\x04" + b"\x00\x00\x00\x00") * 4096
    for _ in range(2048):
        sock.sendall(unit)


RAW_TLS = {
    "garbage": t_garbage,
    "http": t_http,
    "huge_record": t_huge_record,
    "truncated": t_truncated,
    "endless_records": t_endless_records,
}


# ----- server plumbing ----------------------------------------------------------------------


def serve_conn(sock: socket.socket, ctx: ssl.SSLContext | None) -> None:
    try:
        if ctx is not None:
            c = Tls(sock, ctx)
            if not c.handshake():
                return
        else:
            c = Plain(sock)
        head = c.read_head()
        if head is None:
            return
        target = head.split(b"\r\n", 1)[0].split(b" ")
        if len(target) < 2:
            return
        url = urlsplit(target[1].decode("latin-1"))
        q = dict(parse_qsl(url.query))
        path = url.path.strip("/")
        if path == "attack":
            sock.close()
            attack(q)
        elif path.startswith("ws/") and path[3:] in WS:
            WS[path[3:]](c, q, head)
        elif path in HTTP:
            HTTP[path](c, q)
        else:
            c.send(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n")
    except OSError:
        pass
    except Exception:  # a scenario bug must not kill the server
        import traceback

        traceback.print_exc()
    finally:
        try:
            sock.close()
        except OSError:
            pass


def listen() -> socket.socket:
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", 0))
    s.listen(128)
    return s


def accept_loop(s: socket.socket, handler) -> None:
    while True:
        try:
            sock, _ = s.accept()
        except OSError:
            return
        threading.Thread(target=handler, args=(sock,), daemon=True).start()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--state-file", required=True)
    ap.add_argument("--cert", required=True)
    ap.add_argument("--key", required=True)
    args = ap.parse_args()
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(args.cert, args.key)
    plain, tls = listen(), listen()
    threading.Thread(target=accept_loop, args=(plain, lambda s: serve_conn(s, None)), daemon=True).start()
    threading.Thread(target=accept_loop, args=(tls, lambda s: serve_conn(s, ctx)), daemon=True).start()
    raw_ports = {}
    for name, fn in RAW_TLS.items():
        s = listen()
        raw_ports[name] = s.getsockname()[1]

        def handler(sock, fn=fn):
            sock.settimeout(IO_TIMEOUT)
            try:
                fn(sock, ctx)
                Plain(sock).drain()
            except OSError:
                pass
            finally:
                sock.close()

        threading.Thread(target=accept_loop, args=(s, handler), daemon=True).start()
    state = {"port": plain.getsockname()[1], "tls_port": tls.getsockname()[1], "raw_tls": raw_ports,
             "pid": os.getpid()}
    tmp = args.state_file + ".tmp"
    with open(tmp, "w") as f:
        f.write(json.dumps(state) + "\n")
    os.replace(tmp, args.state_file)
    bomb(1024)  # compress the big one now, not in a test's time budget
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    sys.exit(main())
