#!/usr/bin/env python3
"""Loopback HTTP/1.1 "scenario" server for RustHTTPClient <-> HTTPClient parity tests.

Every GDScript parity test sends the same requests through Godot's built-in
``HTTPClient`` and through our ``RustHTTPClient`` against this server and
compares what both observe.  The server therefore has byte-exact control of
the wire: it is written on raw sockets (one daemon thread per connection,
``TCP_NODELAY`` on every accepted socket), never sends a ``Date`` header or
anything else that changes between runs, and every body it generates is
deterministic.

Usage
=====

    python3 http_scenarios.py [--host 127.0.0.1] [--port 0] [--state-file PATH]
                              [--exit-on-stdin-eof]
                              [--tls NAME:CERTFILE:KEYFILE[:MIN[:MAX]]]...
                              [--garbage-port] [--silent-port] [--blackhole-port]

``--host ::1`` (any host containing ``:``) listens on IPv6.  ``--port 0``
(default) picks an ephemeral port.  Once listening, the server prints ONE
JSON line to stdout (and, when ``--state-file`` is given, writes the same
line atomically to that file: temp file in the same directory + rename)::

    {"port": 40123, "closed_port": 40124, "pid": 4242}

``closed_port`` was bound and then closed again, so connecting to it is
refused.  The server then runs until SIGTERM / SIGINT (exit status 0,
immediately) or, with ``--exit-on-stdin-eof``, until its stdin reaches EOF.

Extra listeners (each on its own ephemeral port of the same host; their keys
appear in the JSON line only when asked for):

* ``--tls NAME:CERTFILE:KEYFILE[:MIN[:MAX]]`` (repeatable): an HTTPS port.
  Accepted sockets go through a server-side TLS handshake (``ssl`` module,
  certificate chain CERTFILE -- leaf first, then any chain certificates the
  server should send --, key KEYFILE; MIN / MAX in ``1.2``, ``1.3``, default
  both) and are then served exactly like the plain port: every route below,
  and the CONNECT proxy.  A failed or abandoned handshake (10 s) just closes
  the socket: no traceback.  Closing a TLS connection sends ``close_notify``
  before the FIN.  JSON: ``"tls_ports": {"NAME": port, ...}``.
* ``--garbage-port``: reads what the client sends first (up to 4 KiB, 2 s),
  answers 200 deterministic bytes that are not a TLS record (``G`` followed
  by ``random.Random(1234).randbytes(199)``), then closes.  JSON:
  ``"garbage_port"``.
* ``--silent-port``: accepts and never sends a byte; the socket stays open
  until the client closes it.  JSON: ``"silent_port"``.
* ``--blackhole-port``: a listening socket with a full accept queue that is
  never accepted from, so new connections get no SYN-ACK and hang in
  connect (for connect time-outs on loopback).  JSON: ``"blackhole_port"``.

Conventions
===========

* ``GEN(n)`` / generated body: byte ``i`` is
  ``b"abcdefghijklmnopqrstuvwxyz0123456789"[i % 36]``; e.g. ``GEN(5)`` is
  ``abcde``.  ``GEN(n)`` is streamed in ~4.7 MB blocks for big ``n``.
* ``S`` below stands for the header line ``Server: scenario\\r\\n``; it is the
  first header of every response except where a route lists exact bytes
  without it.
* ``SIZED(n)`` means ``HTTP/1.1 200 OK\\r\\n S Content-Length: <n>\\r\\n\\r\\n
  GEN(n)``.
* Requests: the head is read up to ``\\r\\n\\r\\n`` (max 1 MiB), then a body
  of ``Content-Length`` bytes (or a chunked body, kept raw).  A malformed
  request gets ``HTTP/1.1 400 Bad Request\\r\\n S Content-Length: 11\\r\\n
  Connection: close\\r\\n\\r\\nbad request`` and the connection is closed.
  Connections are kept alive unless the route closes, the request says
  ``Connection: close`` or it is an HTTP/1.0 request without
  ``Connection: keep-alive``.
* Routing uses the path of the target (origin-form ``/p?q`` or absolute-form
  ``http://host:port/p?q``) and its query (``urllib.parse``, decoded as
  latin-1 so ``%FF`` is byte 0xFF; the last value of a repeated key wins).
* ``HEAD``: every route sends exactly what ``GET`` would send up to and
  including the blank line that ends the (final) head -- so ``Content-Length``
  is that of the GET body -- and omits the body; what the route does with the
  connection afterwards (keep alive / close) is unchanged.  Exception:
  ``/garbage`` has no head and sends the same bytes for every method.
* "close" below means a graceful close: ``shutdown(SHUT_WR)`` (FIN), then
  the server drains whatever the client still sends (up to ~5 s, so no RST
  is provoked) and closes the socket.
* Integer parameters that are missing or unparsable use the default; negative
  values count as 0.

Routes (exact bytes sent)
=========================

1.  ``/sized?n=N[&ct=T]`` (N default 0)::

        HTTP/1.1 200 OK\\r\\n S [Content-Type: T\\r\\n] Content-Length: N\\r\\n\\r\\n GEN(N)

    keep-alive.

2.  ``/chunked?sizes=5,1,10[&te=V][&ext=1][&trailers=1][&upper=1][&cl=N]``
    (sizes default ``5,1,10``; a 0 entry is skipped; ``sizes=`` means no data
    chunk; te default ``chunked``)::

        HTTP/1.1 200 OK\\r\\n S [Content-Length: N\\r\\n] Transfer-Encoding: V\\r\\n\\r\\n
        then per size s: <hex s>[;foo=bar]\\r\\n <data> \\r\\n
        then 0[;foo=bar]\\r\\n [X-Trailer: yes\\r\\nX-Other: 2\\r\\n] \\r\\n

    ``<hex>`` is lower-case (``upper=1``: upper-case).  The chunk data are
    consecutive slices of ``GEN(sum(sizes))`` (so the decoded body is exactly
    ``GEN(sum)``; sizes 5,1,10 give ``abcde`` ``f`` ``ghijklmnop``).  ``ext=1``
    puts ``;foo=bar`` on every size line including the last one.  keep-alive.

3.  ``/close?n=N[&delay_fin_ms=D]`` (N default 10)::

        HTTP/1.1 200 OK\\r\\n S Connection: close\\r\\n\\r\\n GEN(N)

    then (after sleeping D ms) close.

4.  ``/status?code=C[&cl0=1][&location=URL]`` (C default 200; a C outside
    100..999 gets the 400 response above and the connection is closed)::

        HTTP/1.1 C <reason>\\r\\n S [Location: URL\\r\\n] [Content-Length: 0\\r\\n] \\r\\n

    ``<reason>`` is the standard phrase (``http.HTTPStatus``) or ``Unknown``.
    ``Content-Length: 0`` is sent when ``cl0=1`` or when C is not 1xx/204/304
    (those codes never carry a body; for any other code an absent length would
    mean a close-delimited body).  No body, keep-alive.  (A 1xx code sends an
    interim response only; the client will then wait for a final one.)

5.  ``/continue?n=N[&count=K][&early_hints=1]`` (N default 10, K default 1)::

        K times: HTTP/1.1 100 Continue\\r\\n\\r\\n            (then ~20 ms pause)
           or, with early_hints=1:
                 HTTP/1.1 103 Early Hints\\r\\nLink: </style.css>; rel=preload; as=style\\r\\n\\r\\n
        then SIZED(N)

    keep-alive.

6.  ``/drip?n=N[&chunked=1]`` (N default 5): ``SIZED(N)``, or with
    ``chunked=1`` ``HTTP/1.1 200 OK\\r\\n S Transfer-Encoding: chunked\\r\\n\\r\\n
    3\\r\\nabc\\r\\n4\\r\\ndefg\\r\\n0\\r\\n\\r\\n``, written ONE byte per ``send()``
    with a ~1 ms sleep between bytes.  keep-alive.

7.  ``/split[?at=crlf]``: the 10-byte sized response
    ``HTTP/1.1 200 OK\\r\\nServer: scenario\\r\\nContent-Length: 10\\r\\n\\r\\nabcdefghij``
    in two writes ~30 ms apart.  Default split: right after
    ``HTTP/1.1 200 OK\\r\\nServer: sce`` (middle of a header line).
    ``at=crlf``: the first write ends with the ``\\r`` of the final
    ``\\r\\n\\r\\n``, the second starts with its ``\\n``.  keep-alive.

8.  ``/dup``::

        HTTP/1.1 200 OK\\r\\n S Set-Cookie: a=1\\r\\nSet-Cookie: b=2\\r\\nset-cookie: c=3\\r\\n
        X-Spaces:   padded\\r\\nX-Empty:\\r\\nContent-Length: 2\\r\\n\\r\\nab

    keep-alive.

9.  ``/large-headers?n=K&size=Z`` (K default 50, Z default 200)::

        HTTP/1.1 200 OK\\r\\n S X-Large-1: <Z x 'x'>\\r\\n ... X-Large-K: <Z x 'x'>\\r\\n
        Content-Length: 2\\r\\n\\r\\nab

    keep-alive.

10. ``/connid``: ``SIZED``-style with body ``<client_port>:<request_number>``
    (ASCII decimal; request number is 1-based, counting every request on this
    connection, whatever its route)::

        HTTP/1.1 200 OK\\r\\n S Content-Length: <len>\\r\\n\\r\\n 54321:3

    keep-alive.

11. ``/cut?n=N&send=M`` (N default 10, M default N//2, clamped to N)::

        HTTP/1.1 200 OK\\r\\n S Content-Length: N\\r\\n\\r\\n GEN(M)

    then close.

12. ``/echo`` (any method): body = the exact raw request bytes (request line,
    headers, ``\\r\\n\\r\\n``, request body as received)::

        HTTP/1.1 200 OK\\r\\n S Content-Type: application/octet-stream\\r\\n
        Content-Length: <len>\\r\\n\\r\\n <raw request>

    keep-alive.

13. ``/garbage[?kind=random[&seed=K]]``: ``garbage line\\r\\nX: y\\r\\n\\r\\n``, or
    64 pseudo-random bytes (``random.Random(K).randbytes(64)``, K default 0,
    so reproducible), then close.  Same bytes for every method, HEAD included.

14. ``/extra?n=N`` (N default 5), in ONE ``send()``::

        HTTP/1.1 200 OK\\r\\n S Content-Length: N\\r\\n\\r\\n GEN(N)
        HTTP/1.1 200 OK\\r\\nContent-Length: 5\\r\\n\\r\\nevil!

    keep-alive (the next request on the connection is answered normally,
    after the injected bytes).

15. ``/http10?n=N`` (N default 10)::

        HTTP/1.0 200 OK\\r\\n S \\r\\n GEN(N)

    then close.

16. ``/nul``::

        HTTP/1.1 200 OK\\r\\n S X-Nul: a\\x00b\\r\\nContent-Length: 5\\r\\n\\r\\nabcde

    keep-alive.

17. ``/nolength?n=N`` (N default 10)::

        HTTP/1.1 200 OK\\r\\n S \\r\\n GEN(N)

    and the connection stays open (the server waits for the next request).

18. ``/close-after?n=N`` (N default 10): ``SIZED(N)`` (no ``Connection``
    header), then close.

19. ``/delay?ms=T&n=N`` (T default 100, N default 10): sleep T ms, then
    ``SIZED(N)``.  keep-alive.

20. ``/headers-only-close``: exactly
    ``HTTP/1.1 200 OK\\r\\nConnection: close\\r\\n\\r\\n`` (no Server header),
    then close.

21. ``/chunked-bad?kind=K``: head
    ``HTTP/1.1 200 OK\\r\\n S Transfer-Encoding: chunked\\r\\n\\r\\n`` then, and
    then close:

    * ``nohex``:          ``zz\\r\\nabcde\\r\\n0\\r\\n\\r\\n``
    * ``huge``:           ``ffffffffffffffff\\r\\nabcde``
    * ``nocrlf``:         ``5\\r\\nabcdeXX0\\r\\n\\r\\n``
    * ``longline``:       ``<100 x '0'>5\\r\\nabcde\\r\\n0\\r\\n\\r\\n``
    * ``endless-trailer``: ``5\\r\\nabcde\\r\\n0\\r\\n`` then 64-byte lines
      ``X-Endless: <51 x 'y'>\\r\\n`` for 10 MiB (163840 lines; stops early
      when the client goes away), never the final ``\\r\\n``.

    Unknown kind: the 404 response.

22. ``/header-line?size=S`` (S default 100000)::

        HTTP/1.1 200 OK\\r\\n S X-Long: <S x 'x'>\\r\\nContent-Length: 2\\r\\n\\r\\nab

    (the value is streamed in 1 MiB blocks; the thread stops when the client
    closes).  keep-alive.

23. ``/many-headers?count=C`` (C default 1000)::

        HTTP/1.1 200 OK\\r\\n S X-H1: v\\r\\n ... X-HC: v\\r\\nContent-Length: 2\\r\\n\\r\\nab

    (streamed in batches; stops when the client closes).  keep-alive.

24. ``/status-line?line=L`` (L is the URL-decoded raw status line, e.g.
    ``HTTP/1.1%20200`` or ``HTTP/1.1%20abc%20OK``; default ``HTTP/1.1 200 OK``)::

        L\\r\\nContent-Length: 2\\r\\n\\r\\nok

    (no Server header), keep-alive.

25. ``/gzip?n=N[&enc=E][&chunked=1][&chunk=K]`` (N default 1000, E ``gzip``
    (default) or ``deflate``, K default 1000): when the request's
    ``Accept-Encoding`` allows E (an entry E or ``*`` with a q-value above 0;
    an explicit E entry wins over ``*``), the body is ``GEN(N)`` compressed --
    ``gzip.compress(GEN(N), 9, mtime=0)`` or, for deflate, the zlib format
    ``zlib.compress(GEN(N), 9)`` (RFC 9110 "deflate") -- sent as::

        HTTP/1.1 200 OK\\r\\n S Content-Encoding: E\\r\\n
        Content-Length: <compressed length>\\r\\n\\r\\n <compressed bytes>

    otherwise ``SIZED(N)``.  With ``chunked=1`` the same body (compressed or
    not) goes out as ``Transfer-Encoding: chunked`` (no Content-Length) in
    chunks of K bytes (the last one shorter).  keep-alive.

26. ``/tls``: ``SIZED``-style with body ``<version> <cipher>`` of the TLS
    connection (e.g. ``TLSv1.3 TLS_AES_256_GCM_SHA384``), or ``plain`` on the
    plain port.  keep-alive.

27. ``/proxy-log[?clear=1]``: body = every CONNECT request head received so far
    (raw bytes, oldest first), joined by the line ``----\\r\\n``; empty when
    there were none.  ``clear=1`` empties the log after answering.  keep-alive.

28. ``CONNECT host:port`` (any target, any port of this server): a CONNECT
    proxy.  The raw request head is appended to the proxy log (route 27), then:

    * host ``needs-auth.invalid``::

          HTTP/1.1 407 Proxy Authentication Required\\r\\n S
          Proxy-Authenticate: Basic realm="t"\\r\\nContent-Length: 0\\r\\n\\r\\n

      keep-alive;
    * port = ``closed_port``, a host that is not loopback (``localhost``,
      ``127.x.x.x``, ``::1``: nothing else is ever dialled), or a failed
      connect::

          HTTP/1.1 502 Bad Gateway\\r\\n S Content-Length: 0\\r\\n\\r\\n

      keep-alive;
    * otherwise it connects to host:port, answers exactly
      ``HTTP/1.1 200 Connection established\\r\\n\\r\\n`` and pipes bytes
      both ways; when one side stops sending, the other gets a FIN
      (``shutdown(SHUT_WR)``); the sockets are closed when both are done.

29. anything else::

        HTTP/1.1 404 Not Found\\r\\n S Content-Length: 9\\r\\n\\r\\nnot found

    keep-alive.
"""

from __future__ import annotations

import argparse
import functools
import gzip
import http
import ipaddress
import json
import os
import random
import signal
import socket
import ssl
import sys
import threading
import time
import traceback
import zlib
from urllib.parse import parse_qsl, urlsplit

# ---------------------------------------------------------------------------
# Deterministic body generation

PATTERN = b"abcdefghijklmnopqrstuvwxyz0123456789"
_PLEN = len(PATTERN)  # 36
_BLOCK_REPS = 1 << 17
_BLOCK = _PLEN * _BLOCK_REPS  # 4,718,592 bytes, a multiple of 36
_BIG = PATTERN * (_BLOCK_REPS + 1)  # room for any start offset 0..35
_BIGMV = memoryview(_BIG)
_SMALL = 1 << 16  # bodies up to this size are concatenated to the head

MAX_HEAD = 1 << 20
RECV_SIZE = 1 << 16
CLOSE_DRAIN_SECONDS = 5.0


def gen(n: int, offset: int = 0) -> bytes:
    """GEN(n) starting at logical offset `offset` (materialised; small n)."""
    s = offset % _PLEN
    if n <= _BLOCK:
        return _BIG[s:s + n]
    reps = n // _PLEN + 2
    return (PATTERN * reps)[s:s + n]


def send_gen(sock: socket.socket, n: int, offset: int = 0) -> None:
    """Stream GEN(n) (starting at logical offset) in big blocks."""
    s = offset % _PLEN
    mv = _BIGMV
    block = _BLOCK
    while n > 0:
        k = n if n < block else block
        sock.sendall(mv[s:s + k])
        n -= k


# ---------------------------------------------------------------------------
# Helpers

SERVER = b"Server: scenario\r\n"
OK = b"HTTP/1.1 200 OK\r\n"


def _reason(code: int) -> str:
    try:
        return http.HTTPStatus(code).phrase
    except ValueError:
        return "Unknown"


_STATUS_LINES = {c: ("HTTP/1.1 %d %s\r\n" % (c, _reason(c))).encode("latin-1")
                 for c in range(100, 1000)}


def qint(q: dict, key: str, default: int) -> int:
    v = q.get(key)
    if v is None:
        return default
    try:
        n = int(v.strip())
    except ValueError:
        return default
    return n if n > 0 else 0


def qflag(q: dict, key: str) -> bool:
    v = q.get(key)
    return v is not None and v not in ("", "0", "false", "no")


def enc(s: str) -> bytes:
    return s.encode("latin-1", "replace")


@functools.lru_cache(maxsize=4096)
def parse_target(target: str):
    """-> (path, query dict).  Cached: keep-alive benchmarks repeat targets."""
    if target[:1] != "/":
        low = target[:8].lower()
        if low.startswith("http://") or low.startswith("https://"):
            parts = urlsplit(target)
            path = parts.path or "/"
            query = parts.query
        else:
            path, _, query = target.partition("?")
    else:
        path, _, query = target.partition("?")
        path, _, _frag = path.partition("#")
        query = query.partition("#")[0]
    if query:
        q = dict(parse_qsl(query, keep_blank_values=True, encoding="latin-1"))
    else:
        q = {}
    return path, q


class BadRequest(Exception):
    pass


class Request:
    __slots__ = ("method", "target", "version", "path", "q", "headers",
                 "raw", "head_only", "keep_alive")


class Conn:
    __slots__ = ("sock", "buf", "reqno", "peer_port", "tls")

    def __init__(self, sock: socket.socket, peer_port: int, tls=None):
        self.sock = sock
        self.buf = bytearray()
        self.reqno = 0
        self.peer_port = peer_port
        self.tls = tls  # the ssl.SSLObject of a TLS connection, else None

    def _fill(self) -> bool:
        data = self.sock.recv(RECV_SIZE)
        if not data:
            return False
        self.buf += data
        return True

    def read_exact(self, n: int) -> bytes | None:
        while len(self.buf) < n:
            if not self._fill():
                return None
        out = bytes(self.buf[:n])
        del self.buf[:n]
        return out

    def read_line(self, limit: int = 65536) -> bytes | None:
        start = 0
        while True:
            i = self.buf.find(b"\n", start)
            if i >= 0:
                out = bytes(self.buf[:i + 1])
                del self.buf[:i + 1]
                return out
            if len(self.buf) > limit:
                raise BadRequest("line too long")
            start = len(self.buf)
            if not self._fill():
                return None

    def read_request(self) -> Request | None:
        buf = self.buf
        # Ignore empty lines before a request line (RFC 9112 2.2).
        while buf[:2] == b"\r\n":
            del buf[:2]
        start = 0
        while True:
            i = buf.find(b"\r\n\r\n", start)
            if i >= 0:
                break
            if len(buf) > MAX_HEAD:
                raise BadRequest("head too large")
            start = max(0, len(buf) - 3)
            if not self._fill():
                if buf:
                    raise BadRequest("truncated head")
                return None
            while buf[:2] == b"\r\n":
                del buf[:2]
                start = 0
        if i + 4 > MAX_HEAD:
            raise BadRequest("head too large")
        head = bytes(buf[:i + 4])
        del buf[:i + 4]

        lines = head[:i].split(b"\r\n")
        parts = lines[0].split(b" ")
        if len(parts) != 3 or not parts[0] or not parts[1]:
            raise BadRequest("bad request line")
        version = parts[2]
        if version[:5] != b"HTTP/":
            raise BadRequest("bad version")
        headers = {}
        for line in lines[1:]:
            name, sep, value = line.partition(b":")
            if not sep or not name or name != name.strip():
                raise BadRequest("bad header line")
            key = name.decode("latin-1").lower()
            val = value.strip(b" \t").decode("latin-1")
            if key in headers:
                headers[key] = headers[key] + ", " + val
            else:
                headers[key] = val

        req = Request()
        req.method = parts[0].decode("latin-1")
        req.target = parts[1].decode("latin-1")
        req.version = version
        req.headers = headers
        req.head_only = req.method == "HEAD"
        conn_tokens = headers.get("connection", "").lower()
        if version == b"HTTP/1.0":
            req.keep_alive = "keep-alive" in conn_tokens
        else:
            req.keep_alive = "close" not in conn_tokens

        te = headers.get("transfer-encoding")
        if te is not None:
            if te.lower().replace(" ", "").split(",")[-1] != "chunked":
                raise BadRequest("unsupported transfer-encoding")
            body = self._read_chunked_raw()
            if body is None:
                raise BadRequest("truncated chunked body")
            req.raw = head + body
        else:
            cl = headers.get("content-length")
            if cl is not None:
                vals = {v.strip() for v in cl.split(",")}
                if len(vals) != 1:
                    raise BadRequest("conflicting content-length")
                v = vals.pop()
                if not v.isdigit():
                    raise BadRequest("bad content-length")
                n = int(v)
                if n:
                    body = self.read_exact(n)
                    if body is None:
                        raise BadRequest("truncated body")
                    req.raw = head + body
                else:
                    req.raw = head
            else:
                req.raw = head
        req.path, req.q = parse_target(req.target)
        return req

    def _read_chunked_raw(self) -> bytes | None:
        out = bytearray()
        while True:
            line = self.read_line()
            if line is None:
                return None
            out += line
            size_txt = line.split(b";", 1)[0].strip()
            try:
                size = int(size_txt, 16)
            except ValueError:
                raise BadRequest("bad chunk size")
            if size == 0:
                while True:  # trailers
                    t = self.read_line()
                    if t is None:
                        return None
                    out += t
                    if t in (b"\r\n", b"\n"):
                        return bytes(out)
            data = self.read_exact(size + 2)
            if data is None:
                return None
            out += data


def graceful_close(sock: socket.socket) -> None:
    """FIN first, then drain (so unread client bytes never provoke an RST)."""
    try:
        sock.shutdown(socket.SHUT_WR)
        deadline = time.monotonic() + CLOSE_DRAIN_SECONDS
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                break
            sock.settimeout(left)
            if not sock.recv(RECV_SIZE):
                break
    except OSError:
        pass
    finally:
        try:
            sock.close()
        except OSError:
            pass


class TLSStream:
    """Server side of a TLS connection over a blocking socket, with the socket
    interface the routes use (recv, sendall, shutdown, close, settimeout...).

    Driven through memory BIOs rather than ``ssl.SSLSocket`` so that
    ``shutdown(SHUT_WR)`` can send ``close_notify`` and then a FIN without
    waiting for the peer's ``close_notify`` (``SSLSocket.unwrap`` blocks on it,
    and ``SSLSocket.shutdown`` sends no ``close_notify`` at all).  One thread
    may read while another writes (the CONNECT tunnel does): the TLS state and
    the writes of its records are serialised by a lock; the blocking raw
    ``recv`` happens outside it."""

    _WRITE_SLICE = 1 << 18

    def __init__(self, sock: socket.socket, ctx: ssl.SSLContext):
        self.raw = sock
        self.incoming = ssl.MemoryBIO()
        self.outgoing = ssl.MemoryBIO()
        self.obj = ctx.wrap_bio(self.incoming, self.outgoing, server_side=True)
        self.lock = threading.Lock()
        self.eof = False
        self.write_closed = False

    def _flush(self) -> None:
        """Sends what the TLS state produced; call with the lock held."""
        data = self.outgoing.read()
        if data:
            self.raw.sendall(data)

    def _feed(self) -> None:
        data = self.raw.recv(RECV_SIZE)  # outside the lock: it blocks
        with self.lock:
            if data:
                self.incoming.write(data)
            else:
                self.eof = True
                self.incoming.write_eof()

    def handshake(self) -> None:
        while True:
            with self.lock:
                try:
                    self.obj.do_handshake()
                    self._flush()
                    return
                except ssl.SSLWantReadError:
                    self._flush()
                    if self.eof:
                        raise ConnectionError("EOF during the TLS handshake")
            self._feed()

    def flush_alert(self) -> None:
        """After a failed handshake: send the alert OpenSSL queued, if any."""
        with self.lock:
            self._flush()

    def recv(self, n: int) -> bytes:
        if self.write_closed:  # after our close_notify: drain the raw bytes
            return self.raw.recv(n)
        while True:
            with self.lock:
                try:
                    return self.obj.read(n)
                except ssl.SSLWantReadError:
                    self._flush()  # e.g. a reply to a KeyUpdate
                    if self.eof:
                        return b""
                except (ssl.SSLZeroReturnError, ssl.SSLEOFError):
                    return b""
            self._feed()

    def sendall(self, data) -> None:
        mv = memoryview(data).cast("B")
        step = self._WRITE_SLICE
        for i in range(0, len(mv), step):
            with self.lock:
                self.obj.write(mv[i:i + step])
                self._flush()

    def shutdown(self, how) -> None:
        if how in (socket.SHUT_WR, socket.SHUT_RDWR):
            with self.lock:
                if not self.write_closed:
                    self.write_closed = True
                    try:
                        self.obj.unwrap()
                    except ssl.SSLError:
                        pass  # SSLWantReadError: our close_notify is out, the peer's not read
                    try:
                        self._flush()
                    except OSError:
                        pass
        self.raw.shutdown(how)

    def close(self) -> None:
        self.raw.close()

    def __getattr__(self, name):  # settimeout, setsockopt, fileno, ...
        return getattr(self.raw, name)


# ---------------------------------------------------------------------------
# Route handlers.  Each returns True to keep the connection alive, False to
# close it gracefully.

KEEP = True
CLOSE = False


def _sized(c: Conn, req: Request, n: int, extra: bytes = b"",
           status: bytes = OK) -> None:
    head = b"%s%s%sContent-Length: %d\r\n\r\n" % (status, SERVER, extra, n)
    sock = c.sock
    if req.head_only or n == 0:
        sock.sendall(head)
    elif n <= _SMALL:
        sock.sendall(head + _BIG[:n])
    else:
        sock.sendall(head)
        send_gen(sock, n)


def _bytes_response(c: Conn, req: Request, body: bytes, extra: bytes = b"",
                    status: bytes = OK) -> None:
    head = b"%s%s%sContent-Length: %d\r\n\r\n" % (status, SERVER, extra, len(body))
    c.sock.sendall(head if req.head_only else head + body)


def r_sized(c, req):
    q = req.q
    ct = q.get("ct")
    extra = b"Content-Type: %s\r\n" % enc(ct) if ct is not None else b""
    _sized(c, req, qint(q, "n", 0), extra)
    return KEEP


def r_chunked(c, req):
    q = req.q
    sizes_txt = q.get("sizes", "5,1,10")
    sizes = []
    for part in sizes_txt.split(","):
        part = part.strip()
        if not part:
            continue
        try:
            v = int(part)
        except ValueError:
            v = 0
        if v > 0:
            sizes.append(v)
    te = enc(q.get("te", "chunked"))
    ext = b";foo=bar" if qflag(q, "ext") else b""
    fmt = "%X" if qflag(q, "upper") else "%x"
    head = bytearray(OK + SERVER)
    if "cl" in q:
        head += b"Content-Length: %s\r\n" % enc(q["cl"])
    head += b"Transfer-Encoding: %s\r\n\r\n" % te
    sock = c.sock
    if req.head_only:
        sock.sendall(head)
        return KEEP
    out = head
    offset = 0
    for s in sizes:
        out += (fmt % s).encode() + ext + b"\r\n"
        if s <= _SMALL:
            out += gen(s, offset)
        else:
            sock.sendall(out)
            out = bytearray()
            send_gen(sock, s, offset)
        out += b"\r\n"
        offset += s
    out += b"0" + ext + b"\r\n"
    if qflag(q, "trailers"):
        out += b"X-Trailer: yes\r\nX-Other: 2\r\n"
    out += b"\r\n"
    sock.sendall(out)
    return KEEP


def _close_delimited(c, req, status_line: bytes, extra: bytes, n: int) -> None:
    head = status_line + SERVER + extra + b"\r\n"
    if req.head_only or n == 0:
        c.sock.sendall(head)
    elif n <= _SMALL:
        c.sock.sendall(head + _BIG[:n])
    else:
        c.sock.sendall(head)
        send_gen(c.sock, n)


def r_close(c, req):
    q = req.q
    _close_delimited(c, req, OK, b"Connection: close\r\n", qint(q, "n", 10))
    d = qint(q, "delay_fin_ms", 0)
    if d:
        time.sleep(d / 1000.0)
    return CLOSE


_NO_BODY_CODES = frozenset([204, 304])


def r_status(c, req):
    q = req.q
    try:
        code = int(q.get("code", "200"))
    except ValueError:
        code = -1
    if not 100 <= code <= 999:
        return bad_request(c)
    head = bytearray(_STATUS_LINES[code] + SERVER)
    loc = q.get("location")
    if loc is not None:
        head += b"Location: %s\r\n" % enc(loc)
    if qflag(q, "cl0") or not (code < 200 or code in _NO_BODY_CODES):
        head += b"Content-Length: 0\r\n"
    head += b"\r\n"
    c.sock.sendall(head)
    return KEEP


_CONTINUE = b"HTTP/1.1 100 Continue\r\n\r\n"
_EARLY_HINTS = (b"HTTP/1.1 103 Early Hints\r\n"
                b"Link: </style.css>; rel=preload; as=style\r\n\r\n")


def r_continue(c, req):
    q = req.q
    interim = _EARLY_HINTS if qflag(q, "early_hints") else _CONTINUE
    for _ in range(qint(q, "count", 1)):
        c.sock.sendall(interim)
        time.sleep(0.02)
    _sized(c, req, qint(q, "n", 10))
    return KEEP


def _drip(sock, data: bytes) -> None:
    for i in range(len(data)):
        sock.sendall(data[i:i + 1])
        time.sleep(0.001)


def r_drip(c, req):
    q = req.q
    if qflag(q, "chunked"):
        head = OK + SERVER + b"Transfer-Encoding: chunked\r\n\r\n"
        body = b"3\r\nabc\r\n4\r\ndefg\r\n0\r\n\r\n"
    else:
        n = qint(q, "n", 5)
        head = OK + SERVER + b"Content-Length: %d\r\n\r\n" % n
        body = gen(n)
    _drip(c.sock, head if req.head_only else head + body)
    return KEEP


_SPLIT_HEAD = OK + SERVER + b"Content-Length: 10\r\n\r\n"


def r_split(c, req):
    head = _SPLIT_HEAD
    if req.q.get("at") == "crlf":
        cut = len(head) - 1
    else:
        cut = len(OK) + len(b"Server: sce")
    body = b"" if req.head_only else gen(10)
    c.sock.sendall(head[:cut])
    time.sleep(0.03)
    c.sock.sendall(head[cut:] + body)
    return KEEP


_DUP_EXTRA = (b"Set-Cookie: a=1\r\nSet-Cookie: b=2\r\nset-cookie: c=3\r\n"
              b"X-Spaces:   padded\r\nX-Empty:\r\n")


def r_dup(c, req):
    _bytes_response(c, req, b"ab", _DUP_EXTRA)
    return KEEP


def r_large_headers(c, req):
    q = req.q
    k = qint(q, "n", 50)
    size = qint(q, "size", 200)
    val = b"x" * size
    extra = b"".join(b"X-Large-%d: %s\r\n" % (i, val) for i in range(1, k + 1))
    _bytes_response(c, req, b"ab", extra)
    return KEEP


def r_connid(c, req):
    _bytes_response(c, req, b"%d:%d" % (c.peer_port, c.reqno))
    return KEEP


def r_cut(c, req):
    q = req.q
    n = qint(q, "n", 10)
    m = min(qint(q, "send", n // 2), n)
    head = OK + SERVER + b"Content-Length: %d\r\n\r\n" % n
    if req.head_only or m == 0:
        c.sock.sendall(head)
    else:
        c.sock.sendall(head)
        send_gen(c.sock, m)
    return CLOSE


def r_echo(c, req):
    _bytes_response(c, req, req.raw,
                    b"Content-Type: application/octet-stream\r\n")
    return KEEP


def r_garbage(c, req):
    q = req.q
    if q.get("kind") == "random":
        data = random.Random(qint(q, "seed", 0)).randbytes(64)
    else:
        data = b"garbage line\r\nX: y\r\n\r\n"
    c.sock.sendall(data)
    return CLOSE


def r_extra(c, req):
    n = qint(req.q, "n", 5)
    head = OK + SERVER + b"Content-Length: %d\r\n\r\n" % n
    if req.head_only:
        c.sock.sendall(head)
    else:
        c.sock.sendall(head + gen(n) +
                       b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nevil!")
    return KEEP


def r_http10(c, req):
    _close_delimited(c, req, b"HTTP/1.0 200 OK\r\n", b"", qint(req.q, "n", 10))
    return CLOSE


def r_nul(c, req):
    _bytes_response(c, req, b"abcde", b"X-Nul: a\x00b\r\n")
    return KEEP


def r_nolength(c, req):
    _close_delimited(c, req, OK, b"", qint(req.q, "n", 10))
    return KEEP


def r_close_after(c, req):
    _sized(c, req, qint(req.q, "n", 10))
    return CLOSE


def r_delay(c, req):
    q = req.q
    time.sleep(qint(q, "ms", 100) / 1000.0)
    _sized(c, req, qint(q, "n", 10))
    return KEEP


def r_headers_only_close(c, req):
    c.sock.sendall(b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n")
    return CLOSE


_CHUNKED_HEAD = OK + SERVER + b"Transfer-Encoding: chunked\r\n\r\n"
_CHUNKED_BAD = {
    "nohex": b"zz\r\nabcde\r\n0\r\n\r\n",
    "huge": b"ffffffffffffffff\r\nabcde",
    "nocrlf": b"5\r\nabcdeXX0\r\n\r\n",
    "longline": b"0" * 100 + b"5\r\nabcde\r\n0\r\n\r\n",
}
_ENDLESS_LINE = b"X-Endless: " + b"y" * 51 + b"\r\n"  # 64 bytes
_ENDLESS_BLOCK = _ENDLESS_LINE * 1024  # 64 KiB
_ENDLESS_TOTAL = 10 * 1024 * 1024


def r_chunked_bad(c, req):
    kind = req.q.get("kind", "")
    if kind == "endless-trailer":
        if req.head_only:
            c.sock.sendall(_CHUNKED_HEAD)
            return CLOSE
        c.sock.sendall(_CHUNKED_HEAD + b"5\r\nabcde\r\n0\r\n")
        for _ in range(_ENDLESS_TOTAL // len(_ENDLESS_BLOCK)):
            c.sock.sendall(_ENDLESS_BLOCK)
        return CLOSE
    data = _CHUNKED_BAD.get(kind)
    if data is None:
        return r_not_found(c, req)
    c.sock.sendall(_CHUNKED_HEAD if req.head_only else _CHUNKED_HEAD + data)
    return CLOSE


_X_MIB = b"x" * (1 << 20)


def r_header_line(c, req):
    size = qint(req.q, "size", 100000)
    sock = c.sock
    if size <= _SMALL:
        out = OK + SERVER + b"X-Long: " + _X_MIB[:size]
    else:
        sock.sendall(OK + SERVER + b"X-Long: ")
        left = size
        while left > 0:
            k = min(left, len(_X_MIB))
            sock.sendall(_X_MIB[:k] if k < len(_X_MIB) else _X_MIB)
            left -= k
        out = b""
    tail = b"\r\nContent-Length: 2\r\n\r\n"
    sock.sendall(out + tail if req.head_only else out + tail + b"ab")
    return KEEP


def r_many_headers(c, req):
    count = qint(req.q, "count", 1000)
    sock = c.sock
    out = bytearray(OK + SERVER)
    i = 1
    batch = 8192
    while i <= count:
        j = min(count, i + batch - 1)
        out += b"".join([b"X-H%d: v\r\n" % k for k in range(i, j + 1)])
        sock.sendall(out)
        out = bytearray()
        i = j + 1
    tail = b"Content-Length: 2\r\n\r\n"
    sock.sendall(out + tail if req.head_only else out + tail + b"ab")
    return KEEP


def r_status_line(c, req):
    line = enc(req.q.get("line", "HTTP/1.1 200 OK"))
    head = line + b"\r\nContent-Length: 2\r\n\r\n"
    c.sock.sendall(head if req.head_only else head + b"ok")
    return KEEP


def _accepts_coding(header, coding: str) -> bool:
    """Does an Accept-Encoding value allow `coding`?  (An explicit entry wins
    over ``*``; q=0 refuses.)"""
    if header is None:
        return False
    found = {}
    for item in header.split(","):
        name, _, params = item.partition(";")
        name = name.strip().lower()
        if not name:
            continue
        q = 1.0
        for param in params.split(";"):
            k, _, v = param.partition("=")
            if k.strip().lower() == "q":
                try:
                    q = float(v.strip())
                except ValueError:
                    q = 0.0
        found[name] = q
    q = found.get(coding, found.get("*", 0.0))
    return q > 0


@functools.lru_cache(maxsize=64)
def _compressed(n: int, coding: str) -> bytes:
    if coding == "gzip":
        return gzip.compress(gen(n), compresslevel=9, mtime=0)
    return zlib.compress(gen(n), 9)


def r_gzip(c, req):
    q = req.q
    n = qint(q, "n", 1000)
    coding = q.get("enc", "gzip")
    if coding not in ("gzip", "deflate"):
        return bad_request(c)
    if _accepts_coding(req.headers.get("accept-encoding"), coding):
        body = _compressed(n, coding)
        extra = b"Content-Encoding: %s\r\n" % coding.encode()
    else:
        body = gen(n)
        extra = b""
    if not qflag(q, "chunked"):
        _bytes_response(c, req, body, extra)
        return KEEP
    head = OK + SERVER + extra + b"Transfer-Encoding: chunked\r\n\r\n"
    if req.head_only:
        c.sock.sendall(head)
        return KEEP
    size = qint(q, "chunk", 1000) or 1000
    out = bytearray(head)
    for i in range(0, len(body), size):
        piece = body[i:i + size]
        out += b"%x\r\n" % len(piece) + piece + b"\r\n"
    out += b"0\r\n\r\n"
    c.sock.sendall(out)
    return KEEP


def r_tls(c, req):
    if c.tls is None:
        body = b"plain"
    else:
        body = ("%s %s" % (c.tls.version(), c.tls.cipher()[0])).encode()
    _bytes_response(c, req, body)
    return KEEP


# CONNECT proxy: the log of request heads, and the state it needs.
PROXY_LOG: list = []
_PROXY_LOCK = threading.Lock()
_CLOSED_PORT = [0]  # set by main()


def r_proxy_log(c, req):
    with _PROXY_LOCK:
        body = b"----\r\n".join(PROXY_LOG)
        if qflag(req.q, "clear"):
            PROXY_LOG.clear()
    _bytes_response(c, req, body)
    return KEEP


def _split_authority(target: str):
    """'host:port' / '[v6]:port' -> (host, port) or None."""
    if target.startswith("["):
        host, sep, rest = target[1:].partition("]")
        if not sep or not rest.startswith(":"):
            return None
        port_txt = rest[1:]
    else:
        host, sep, port_txt = target.rpartition(":")
        if not sep:
            return None
    if not host or not port_txt.isdigit() or not 0 < int(port_txt) < 65536:
        return None
    return host, int(port_txt)


def _is_loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


_PROXY_407 = (b"HTTP/1.1 407 Proxy Authentication Required\r\n" + SERVER +
              b'Proxy-Authenticate: Basic realm="t"\r\nContent-Length: 0\r\n\r\n')
_PROXY_502 = b"HTTP/1.1 502 Bad Gateway\r\n" + SERVER + b"Content-Length: 0\r\n\r\n"
_PROXY_200 = b"HTTP/1.1 200 Connection established\r\n\r\n"


def _pipe(src, dst) -> None:
    try:
        while True:
            data = src.recv(RECV_SIZE)
            if not data:
                break
            dst.sendall(data)
    except OSError:
        pass
    try:
        dst.shutdown(socket.SHUT_WR)
    except OSError:
        pass


def r_connect(c, req):
    with _PROXY_LOCK:
        PROXY_LOG.append(req.raw)
    hp = _split_authority(req.target)
    if hp is None:
        return bad_request(c)
    host, port = hp
    if host.lower() == "needs-auth.invalid":
        c.sock.sendall(_PROXY_407)
        return KEEP
    if port == _CLOSED_PORT[0] or not _is_loopback(host):
        c.sock.sendall(_PROXY_502)
        return KEEP
    try:
        up = socket.create_connection((host, port), timeout=5)
    except OSError:
        c.sock.sendall(_PROXY_502)
        return KEEP
    try:
        up.settimeout(None)
        up.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        c.sock.sendall(_PROXY_200)
        if c.buf:  # bytes the client sent right after its CONNECT head
            up.sendall(bytes(c.buf))
            c.buf.clear()
        t = threading.Thread(target=_pipe, args=(c.sock, up), daemon=True)
        t.start()
        _pipe(up, c.sock)
        t.join()
    finally:
        up.close()
    return None  # the tunnel is over: close without the graceful drain


_NOT_FOUND = b"HTTP/1.1 404 Not Found\r\n"


def r_not_found(c, req):
    _bytes_response(c, req, b"not found", status=_NOT_FOUND)
    return KEEP


_BAD_REQUEST = (b"HTTP/1.1 400 Bad Request\r\n" + SERVER +
                b"Content-Length: 11\r\nConnection: close\r\n\r\nbad request")


def bad_request(c):
    c.sock.sendall(_BAD_REQUEST)
    return CLOSE


ROUTES = {
    "/sized": r_sized,
    "/chunked": r_chunked,
    "/close": r_close,
    "/status": r_status,
    "/continue": r_continue,
    "/drip": r_drip,
    "/split": r_split,
    "/dup": r_dup,
    "/large-headers": r_large_headers,
    "/connid": r_connid,
    "/cut": r_cut,
    "/echo": r_echo,
    "/garbage": r_garbage,
    "/extra": r_extra,
    "/http10": r_http10,
    "/nul": r_nul,
    "/nolength": r_nolength,
    "/close-after": r_close_after,
    "/delay": r_delay,
    "/headers-only-close": r_headers_only_close,
    "/chunked-bad": r_chunked_bad,
    "/header-line": r_header_line,
    "/many-headers": r_many_headers,
    "/status-line": r_status_line,
    "/gzip": r_gzip,
    "/tls": r_tls,
    "/proxy-log": r_proxy_log,
}


# ---------------------------------------------------------------------------
# Connection loop / server

def handle_connection(sock: socket.socket, addr, tls=None) -> None:
    keep = False
    try:
        try:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        except OSError:
            pass
        c = Conn(sock, addr[1] if isinstance(addr, tuple) and len(addr) > 1 else 0, tls)
        routes = ROUTES
        while True:
            try:
                req = c.read_request()
            except BadRequest:
                keep = bad_request(c)
                break
            if req is None:
                keep = None  # peer closed: just close our side
                break
            c.reqno += 1
            if req.method == "CONNECT":
                keep = r_connect(c, req)
            else:
                keep = routes.get(req.path, r_not_found)(c, req)
            if not keep:
                break
            if not req.keep_alive:
                keep = False
                break
    except OSError:
        keep = None
    except Exception:  # a bug in a route: report it, never kill the server
        keep = None
        try:
            traceback.print_exc(file=sys.stderr)
            sys.stderr.flush()
        except Exception:
            pass
    finally:
        if keep is None:
            try:
                sock.close()
            except OSError:
                pass
        else:
            graceful_close(sock)


def _make_listener(host: str, port: int):
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    ls = socket.socket(family, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if family == socket.AF_INET6:
        try:
            ls.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
        except (OSError, AttributeError):
            pass
    ls.bind((host, port))
    ls.listen(512)
    return ls, family


def _closed_port(host: str, family, avoid: int) -> int:
    for _ in range(20):
        s = socket.socket(family, socket.SOCK_STREAM)
        try:
            s.bind((host, 0))
            p = s.getsockname()[1]
        finally:
            s.close()
        if p != avoid:
            return p
    return p


def _write_state(path: str, line: str) -> None:
    d = os.path.dirname(os.path.abspath(path))
    tmp = os.path.join(d, ".%s.%d.tmp" % (os.path.basename(path), os.getpid()))
    with open(tmp, "w") as f:
        f.write(line + "\n")
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def _exit_now(*_args) -> None:
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except Exception:
        pass
    os._exit(0)


def _watch_stdin() -> None:
    try:
        fd = sys.stdin.fileno()
        while os.read(fd, 65536):
            pass
    except Exception:
        pass
    _exit_now()


def _accept_loop(ls, handler, *extra) -> None:
    """Accept forever; one daemon thread per connection: handler(sock, addr, *extra)."""
    while True:
        try:
            sock, addr = ls.accept()
        except OSError:
            time.sleep(0.01)  # e.g. EMFILE; keep serving
            continue
        try:
            threading.Thread(target=handler, args=(sock, addr, *extra),
                             daemon=True).start()
        except RuntimeError:  # can't start new thread
            try:
                sock.close()
            except OSError:
                pass


HANDSHAKE_TIMEOUT = 10.0
_TLS_VERSIONS = {"1.2": ssl.TLSVersion.TLSv1_2, "1.3": ssl.TLSVersion.TLSv1_3}


def tls_context(spec: str):
    """'NAME:CERTFILE:KEYFILE[:MIN[:MAX]]' -> (NAME, server SSLContext)."""
    parts = spec.split(":")
    if not 3 <= len(parts) <= 5 or not all(parts[:3]):
        raise ValueError("--tls wants NAME:CERTFILE:KEYFILE[:MIN[:MAX]], got %r" % spec)
    name, cert, key = parts[:3]
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    for i, attr in ((3, "minimum_version"), (4, "maximum_version")):
        if len(parts) > i and parts[i]:
            if parts[i] not in _TLS_VERSIONS:
                raise ValueError("TLS version must be 1.2 or 1.3, got %r" % parts[i])
            setattr(ctx, attr, _TLS_VERSIONS[parts[i]])
    return name, ctx


def handle_tls_connection(sock: socket.socket, addr, ctx: ssl.SSLContext) -> None:
    stream = None
    try:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.settimeout(HANDSHAKE_TIMEOUT)
        stream = TLSStream(sock, ctx)
        stream.handshake()
        sock.settimeout(None)
    except (OSError, ValueError):  # ssl.SSLError is an OSError: no traceback
        if stream is not None:
            try:
                stream.flush_alert()
            except OSError:
                pass
        graceful_close(sock)
        return
    handle_connection(stream, addr, stream.obj)


GARBAGE = b"G" + random.Random(1234).randbytes(199)


def handle_garbage(sock: socket.socket, addr) -> None:
    try:
        sock.settimeout(2.0)
        try:
            sock.recv(4096)
        except OSError:
            pass
        sock.settimeout(None)
        sock.sendall(GARBAGE)
    except OSError:
        pass
    graceful_close(sock)


def handle_silent(sock: socket.socket, addr) -> None:
    try:
        while sock.recv(RECV_SIZE):
            pass
    except OSError:
        pass
    finally:
        sock.close()


_BLACKHOLE = []  # keeps the blackhole listener and its queue fillers alive


def _blackhole(host: str, family) -> int:
    ls = socket.socket(family, socket.SOCK_STREAM)
    ls.bind((host, 0))
    ls.listen(0)  # accept queue of one; full after one connection
    port = ls.getsockname()[1]
    _BLACKHOLE.append(ls)
    for _ in range(2):
        s = socket.socket(family, socket.SOCK_STREAM)
        s.setblocking(False)
        s.connect_ex((host, port))
        _BLACKHOLE.append(s)
    # Wait until the queue is full: a probe connect must now hang.
    deadline = time.monotonic() + 2.0
    while time.monotonic() < deadline:
        probe = socket.socket(family, socket.SOCK_STREAM)
        probe.settimeout(0.05)
        try:
            probe.connect((host, port))
            _BLACKHOLE.append(probe)  # got in: one more filler
        except OSError:
            probe.close()
            break
    return port


def _listen_extra(host: str, handler, *extra) -> int:
    ls, _family = _make_listener(host, 0)
    threading.Thread(target=_accept_loop, args=(ls, handler, *extra),
                     daemon=True).start()
    return ls.getsockname()[1]


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description="HTTP/1.1 scenario server")
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--state-file", default=None)
    ap.add_argument("--exit-on-stdin-eof", action="store_true")
    ap.add_argument("--tls", action="append", default=[],
                    metavar="NAME:CERTFILE:KEYFILE[:MIN[:MAX]]",
                    help="an extra HTTPS port (repeatable); MIN/MAX: 1.2 or 1.3")
    ap.add_argument("--garbage-port", action="store_true",
                    help="a port answering 200 bytes that are not TLS")
    ap.add_argument("--silent-port", action="store_true",
                    help="a port that accepts and never sends")
    ap.add_argument("--blackhole-port", action="store_true",
                    help="a port whose connects hang (full accept queue)")
    args = ap.parse_args(argv)

    signal.signal(signal.SIGTERM, _exit_now)
    signal.signal(signal.SIGINT, _exit_now)
    if hasattr(signal, "SIGPIPE"):
        signal.signal(signal.SIGPIPE, signal.SIG_IGN)

    contexts = []
    for spec in args.tls:
        try:
            contexts.append(tls_context(spec))
        except (ValueError, OSError) as e:
            ap.error("--tls %s: %s" % (spec, e))

    ls, family = _make_listener(args.host, args.port)
    port = ls.getsockname()[1]
    info = {"port": port}
    extra = {}
    if contexts:
        extra["tls_ports"] = {name: _listen_extra(args.host, handle_tls_connection, ctx)
                              for name, ctx in contexts}
    if args.garbage_port:
        extra["garbage_port"] = _listen_extra(args.host, handle_garbage)
    if args.silent_port:
        extra["silent_port"] = _listen_extra(args.host, handle_silent)
    if args.blackhole_port:
        extra["blackhole_port"] = _blackhole(args.host, family)
    # Last, so that no listener above can be given the port that must stay closed.
    closed = _closed_port(args.host, family, port)
    _CLOSED_PORT[0] = closed
    info["closed_port"] = closed
    info.update(extra)
    info["pid"] = os.getpid()
    line = json.dumps(info)
    if args.state_file:
        _write_state(args.state_file, line)
    sys.stdout.write(line + "\n")
    sys.stdout.flush()

    if args.exit_on_stdin_eof:
        threading.Thread(target=_watch_stdin, name="stdin-watch", daemon=True).start()

    _accept_loop(ls, handle_connection)
    return 0


if __name__ == "__main__":
    sys.exit(main())
