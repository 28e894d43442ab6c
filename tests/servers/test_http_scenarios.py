"""Self-test for http_scenarios.py (stdlib only: unittest + raw sockets).

Run from the repository root:

    python3 -m unittest tests/servers/test_http_scenarios.py -v
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import json
import os
import random
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import time
import unittest
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
SERVER = os.path.join(HERE, "http_scenarios.py")
MAKE_CERTS = os.path.join(HERE, "make_certs.sh")
# The same cache scripts/test.sh uses (make_certs.sh is idempotent and fast when it is filled).
CERT_DIR = os.environ.get("RUSTNET_CERT_DIR") or os.path.join(HERE, "..", "..", ".cache", "certs")

PAT = b"abcdefghijklmnopqrstuvwxyz0123456789"
S = b"Server: scenario\r\n"
OK = b"HTTP/1.1 200 OK\r\n"


def gen(n: int, offset: int = 0) -> bytes:
    return bytes(PAT[(offset + i) % 36] for i in range(n))


def sized(n: int, extra: bytes = b"") -> bytes:
    return OK + S + extra + b"Content-Length: %d\r\n\r\n" % n + gen(n)


def start_server(*extra_args, stdin=subprocess.PIPE):
    errf = tempfile.TemporaryFile()
    proc = subprocess.Popen(
        [sys.executable, SERVER, *extra_args],
        stdin=stdin, stdout=subprocess.PIPE, stderr=errf)
    line = proc.stdout.readline()
    if not line:
        errf.seek(0)
        raise RuntimeError("server did not start: %r" % errf.read())
    return proc, json.loads(line), errf


def stop_server(proc, errf):
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(5)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    for f in (proc.stdout, proc.stdin):
        if f:
            f.close()
    errf.seek(0)
    err = errf.read()
    errf.close()
    return err


class Client:
    def __init__(self, port, host="127.0.0.1", family=socket.AF_INET, timeout=5.0):
        self.sock = socket.socket(family, socket.SOCK_STREAM)
        self.sock.settimeout(timeout)
        self.sock.connect((host, port))
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buf = b""

    def send(self, data: bytes):
        self.sock.sendall(data)

    def get(self, target: str, method: str = "GET", headers: str = ""):
        self.send(("%s %s HTTP/1.1\r\nHost: t\r\n%s\r\n" % (method, target, headers)).encode("latin-1"))

    def recv_exact(self, n: int) -> bytes:
        while len(self.buf) < n:
            d = self.sock.recv(1 << 20)
            if not d:
                raise EOFError("EOF after %d of %d bytes: %r" % (len(self.buf), n, self.buf[:200]))
            self.buf += d
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def recv_until_close(self, limit: int = 1 << 26) -> bytes:
        chunks = [self.buf]
        total = len(self.buf)
        self.buf = b""
        while True:
            d = self.sock.recv(1 << 20)
            if not d:
                break
            chunks.append(d)
            total += len(d)
            if total > limit:
                raise AssertionError("more than %d bytes" % limit)
        return b"".join(chunks)

    def close(self):
        self.sock.close()


class ScenarioServerTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmpdir = tempfile.TemporaryDirectory()
        cls.state_file = os.path.join(cls.tmpdir.name, "state.json")
        cls.proc, cls.info, cls.errf = start_server(
            "--state-file", cls.state_file, "--exit-on-stdin-eof")
        cls.port = cls.info["port"]

    @classmethod
    def tearDownClass(cls):
        err = stop_server(cls.proc, cls.errf)
        cls.tmpdir.cleanup()
        if b"Traceback" in err:
            raise AssertionError("server printed a traceback:\n" + err.decode("latin-1"))

    def setUp(self):
        self.clients = []

    def tearDown(self):
        for c in self.clients:
            c.close()
        self.assertIsNone(self.proc.poll(), "server died")

    def client(self) -> Client:
        c = Client(self.port)
        self.clients.append(c)
        return c

    def exchange(self, target, expected: bytes, method="GET", c=None):
        """Send one request on `c` (new connection if None), expect exact bytes."""
        c = c or self.client()
        c.get(target, method)
        self.assertEqual(c.recv_exact(len(expected)), expected)
        return c

    def assert_alive(self, c: Client):
        """The connection is still usable and carries no stray bytes."""
        self.exchange("/sized?n=3", sized(3), c=c)

    def exchange_close(self, target, expected: bytes, method="GET"):
        c = self.client()
        c.get(target, method)
        self.assertEqual(c.recv_until_close(), expected)
        return c

    # -- startup ---------------------------------------------------------
    def test_startup_line_and_state_file(self):
        self.assertEqual(set(self.info), {"port", "closed_port", "pid"})
        self.assertEqual(self.info["pid"], self.proc.pid)
        with open(self.state_file) as f:
            self.assertEqual(json.loads(f.read()), self.info)
        self.assertNotEqual(self.info["closed_port"], self.port)

    def test_closed_port_refused(self):
        with self.assertRaises(ConnectionRefusedError):
            socket.create_connection(("127.0.0.1", self.info["closed_port"]), timeout=2).close()

    # -- 1 /sized ---------------------------------------------------------
    def test_sized(self):
        c = self.exchange("/sized?n=5", OK + S + b"Content-Length: 5\r\n\r\nabcde")
        self.exchange("/sized?n=40", sized(40), c=c)
        self.exchange("/sized?n=0", OK + S + b"Content-Length: 0\r\n\r\n", c=c)
        self.exchange("/sized?n=3&ct=text/plain",
                      OK + S + b"Content-Type: text/plain\r\nContent-Length: 3\r\n\r\nabc", c=c)
        self.assert_alive(c)

    def test_sized_large(self):
        n = 5_000_000 + 7
        c = self.client()
        c.get("/sized?n=%d" % n)
        head = OK + S + b"Content-Length: %d\r\n\r\n" % n
        self.assertEqual(c.recv_exact(len(head)), head)
        body = c.recv_exact(n)
        self.assertEqual(body, (PAT * (n // 36 + 1))[:n])
        self.assert_alive(c)

    def test_sized_100mb_throughput(self):
        n = 100_000_000
        c = self.client()
        head = OK + S + b"Content-Length: %d\r\n\r\n" % n
        expected_block = PAT * (1 << 16)  # 2,359,296 bytes (multiple of 36)
        t0 = time.perf_counter()
        c.get("/sized?n=%d" % n)
        self.assertEqual(c.recv_exact(len(head)), head)
        expected_bytes = PAT * (len(expected_block) // 36 + 2)
        buf = bytearray(len(expected_block))
        mv = memoryview(buf)
        got = len(c.buf)
        first = c.buf
        c.buf = b""
        self.assertEqual(first, expected_block[:len(first)])
        # Verify content block-wise (memcmp speed); keep block alignment.
        pos = got
        while pos < n:
            want = min(len(buf), n - pos)
            filled = 0
            while filled < want:
                k = c.sock.recv_into(mv[filled:want])
                self.assertGreater(k, 0, "EOF")
                filled += k
            off = pos % 36
            if bytes(mv[:want]) != expected_bytes[off:off + want]:
                self.fail("body mismatch in block at offset %d" % pos)
            pos += want
        dt = time.perf_counter() - t0
        sys.stderr.write(" [100 MB in %.3f s = %.2f GB/s incl. verification] " % (dt, n / dt / 1e9))
        self.assert_alive(c)

    def test_keepalive_rate(self):
        c = self.client()
        req = b"GET /sized?n=100 HTTP/1.1\r\nHost: t\r\n\r\n"
        resp = sized(100)
        count = 5000
        t0 = time.perf_counter()
        for _ in range(count):
            c.send(req)
            if c.recv_exact(len(resp)) != resp:
                self.fail("bad response")
        dt = time.perf_counter() - t0
        sys.stderr.write(" [%d keep-alive req/s] " % (count / dt))

    def test_head_sized(self):
        c = self.exchange("/sized?n=1000", OK + S + b"Content-Length: 1000\r\n\r\n", method="HEAD")
        self.assert_alive(c)

    def test_absolute_form_target(self):
        c = self.exchange("http://127.0.0.1:%d/sized?n=4" % self.port, sized(4))
        self.exchange("HTTP://example.com/sized?n=2", sized(2), c=c)
        self.exchange("/sized?n=2#frag", sized(2), c=c)

    # -- 2 /chunked -------------------------------------------------------
    def test_chunked_basic(self):
        head = OK + S + b"Transfer-Encoding: chunked\r\n\r\n"
        c = self.exchange("/chunked?sizes=5,1,10",
                          head + b"5\r\nabcde\r\n1\r\nf\r\na\r\nghijklmnop\r\n0\r\n\r\n")
        self.exchange("/chunked", head + b"5\r\nabcde\r\n1\r\nf\r\na\r\nghijklmnop\r\n0\r\n\r\n", c=c)
        self.exchange("/chunked?sizes=", head + b"0\r\n\r\n", c=c)
        self.exchange("/chunked?sizes=0,3", head + b"3\r\nabc\r\n0\r\n\r\n", c=c)
        self.assert_alive(c)

    def test_chunked_options(self):
        c = self.exchange(
            "/chunked?sizes=26,2&te=Chunked&ext=1&trailers=1&upper=1&cl=99",
            OK + S + b"Content-Length: 99\r\nTransfer-Encoding: Chunked\r\n\r\n"
            b"1A;foo=bar\r\n" + gen(26) + b"\r\n2;foo=bar\r\n01\r\n"
            b"0;foo=bar\r\nX-Trailer: yes\r\nX-Other: 2\r\n\r\n")
        self.exchange("/chunked?sizes=26&te=gzip,%20chunked",
                      OK + S + b"Transfer-Encoding: gzip, chunked\r\n\r\n1a\r\n" + gen(26) +
                      b"\r\n0\r\n\r\n", c=c)
        self.exchange("/chunked?sizes=1&te=CHUNKED",
                      OK + S + b"Transfer-Encoding: CHUNKED\r\n\r\n1\r\na\r\n0\r\n\r\n", c=c)
        self.assert_alive(c)

    def test_chunked_big_chunk(self):
        n = 200_000
        c = self.exchange("/chunked?sizes=3,%d" % n,
                          OK + S + b"Transfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n" +
                          b"%x\r\n" % n + gen(n, 3) + b"\r\n0\r\n\r\n")
        self.assert_alive(c)

    def test_chunked_head(self):
        c = self.exchange("/chunked", OK + S + b"Transfer-Encoding: chunked\r\n\r\n", method="HEAD")
        self.assert_alive(c)

    # -- 3 /close ---------------------------------------------------------
    def test_close(self):
        self.exchange_close("/close?n=7", OK + S + b"Connection: close\r\n\r\nabcdefg")
        self.exchange_close("/close?n=0", OK + S + b"Connection: close\r\n\r\n")

    def test_close_delay_fin(self):
        c = self.client()
        t0 = time.perf_counter()
        c.get("/close?n=3&delay_fin_ms=300")
        expected = OK + S + b"Connection: close\r\n\r\nabc"
        self.assertEqual(c.recv_exact(len(expected)), expected)
        t1 = time.perf_counter()
        self.assertEqual(c.recv_until_close(), b"")
        t2 = time.perf_counter()
        self.assertLess(t1 - t0, 0.25)
        self.assertGreater(t2 - t0, 0.25)

    # -- 4 /status --------------------------------------------------------
    def test_status(self):
        c = self.exchange("/status?code=204", b"HTTP/1.1 204 No Content\r\n" + S + b"\r\n")
        self.exchange("/status?code=304", b"HTTP/1.1 304 Not Modified\r\n" + S + b"\r\n", c=c)
        self.exchange("/status?code=304&cl0=1",
                      b"HTTP/1.1 304 Not Modified\r\n" + S + b"Content-Length: 0\r\n\r\n", c=c)
        self.exchange("/status?code=500",
                      b"HTTP/1.1 500 Internal Server Error\r\n" + S + b"Content-Length: 0\r\n\r\n", c=c)
        self.exchange("/status?code=302&location=/sized%3Fn%3D1",
                      b"HTTP/1.1 302 Found\r\n" + S + b"Location: /sized?n=1\r\nContent-Length: 0\r\n\r\n", c=c)
        self.exchange("/status?code=599",
                      b"HTTP/1.1 599 Unknown\r\n" + S + b"Content-Length: 0\r\n\r\n", c=c)
        self.assert_alive(c)

    def test_status_bad_code(self):
        self.exchange_close("/status?code=abc",
                            b"HTTP/1.1 400 Bad Request\r\n" + S +
                            b"Content-Length: 11\r\nConnection: close\r\n\r\nbad request")

    # -- 5 /continue ------------------------------------------------------
    def test_continue(self):
        c = self.client()
        c.get("/continue?n=4")
        first = c.sock.recv(4096)
        self.assertEqual(first, b"HTTP/1.1 100 Continue\r\n\r\n")  # separate packet
        self.assertEqual(c.recv_exact(len(sized(4))), sized(4))
        self.exchange("/continue?n=2&count=2",
                      b"HTTP/1.1 100 Continue\r\n\r\n" * 2 + sized(2), c=c)
        self.exchange("/continue?n=2&early_hints=1",
                      b"HTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload; as=style\r\n\r\n"
                      + sized(2), c=c)
        self.assert_alive(c)

    # -- 6 /drip ----------------------------------------------------------
    def _drip(self, target, expected):
        c = self.client()
        c.get(target)
        got = b""
        reads = 0
        while len(got) < len(expected):
            d = c.sock.recv(4096)
            self.assertTrue(d)
            got += d
            reads += 1
        self.assertEqual(got, expected)
        self.assertGreater(reads, len(expected) // 4)
        return c

    def test_drip(self):
        c = self._drip("/drip?n=5", sized(5))
        self.assert_alive(c)

    def test_drip_chunked(self):
        self._drip("/drip?chunked=1",
                   OK + S + b"Transfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n4\r\ndefg\r\n0\r\n\r\n")

    # -- 7 /split ---------------------------------------------------------
    def test_split(self):
        full = OK + S + b"Content-Length: 10\r\n\r\nabcdefghij"
        for target, cut in (("/split", len(OK) + len(b"Server: sce")),
                            ("/split?at=crlf", len(full) - 10 - 1)):
            c = self.client()
            c.get(target)
            first = c.sock.recv(4096)
            self.assertEqual(first, full[:cut])
            self.assertEqual(c.recv_exact(len(full) - cut), full[cut:])
            self.assert_alive(c)

    # -- 8 /dup -----------------------------------------------------------
    def test_dup(self):
        c = self.exchange("/dup", OK + S + b"Set-Cookie: a=1\r\nSet-Cookie: b=2\r\nset-cookie: c=3\r\n"
                          b"X-Spaces:   padded\r\nX-Empty:\r\nContent-Length: 2\r\n\r\nab")
        self.assert_alive(c)

    # -- 9 /large-headers -------------------------------------------------
    def test_large_headers(self):
        c = self.exchange("/large-headers?n=2&size=3",
                          OK + S + b"X-Large-1: xxx\r\nX-Large-2: xxx\r\nContent-Length: 2\r\n\r\nab")
        x = b"x" * 200
        self.exchange("/large-headers",
                      OK + S + b"".join(b"X-Large-%d: %s\r\n" % (i, x) for i in range(1, 51)) +
                      b"Content-Length: 2\r\n\r\nab", c=c)
        self.assert_alive(c)

    # -- 10 /connid -------------------------------------------------------
    def test_connid_keepalive(self):
        c = self.client()
        port = c.sock.getsockname()[1]
        for i in range(1, 4):
            body = b"%d:%d" % (port, i)
            self.exchange("/connid", OK + S + b"Content-Length: %d\r\n\r\n" % len(body) + body, c=c)
        c.get("/sized?n=1")  # request 4 counts too
        c.recv_exact(len(sized(1)))
        body = b"%d:5" % port
        self.exchange("/connid", OK + S + b"Content-Length: %d\r\n\r\n" % len(body) + body, c=c)
        c2 = self.client()
        body = b"%d:1" % c2.sock.getsockname()[1]
        self.exchange("/connid", OK + S + b"Content-Length: %d\r\n\r\n" % len(body) + body, c=c2)

    def test_pipelined(self):
        c = self.client()
        c.send(b"GET /connid HTTP/1.1\r\nHost: t\r\n\r\nGET /sized?n=2 HTTP/1.1\r\nHost: t\r\n\r\n"
               b"\r\nGET /dup HTTP/1.1\r\nHost: t\r\n\r\n")
        body = b"%d:1" % c.sock.getsockname()[1]
        exp = OK + S + b"Content-Length: %d\r\n\r\n" % len(body) + body + sized(2)
        self.assertEqual(c.recv_exact(len(exp)), exp)
        self.assertTrue(c.recv_exact(19).startswith(OK + S[:2]))

    # -- 11 /cut ----------------------------------------------------------
    def test_cut(self):
        self.exchange_close("/cut?n=10&send=4", OK + S + b"Content-Length: 10\r\n\r\nabcd")
        self.exchange_close("/cut?n=10", OK + S + b"Content-Length: 10\r\n\r\nabcde")

    # -- 12 /echo ---------------------------------------------------------
    def test_echo(self):
        c = self.client()
        req = (b"POST /echo?x=1 HTTP/1.1\r\nHost: t\r\nX-A:  b \r\nContent-Length: 5\r\n\r\nhello")
        c.send(req)
        exp = OK + S + b"Content-Type: application/octet-stream\r\nContent-Length: %d\r\n\r\n" % len(req) + req
        self.assertEqual(c.recv_exact(len(exp)), exp)
        req2 = b"PUT /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n"
        c.send(req2)
        exp = OK + S + b"Content-Type: application/octet-stream\r\nContent-Length: %d\r\n\r\n" % len(req2) + req2
        self.assertEqual(c.recv_exact(len(exp)), exp)
        req3 = b"HEAD /echo HTTP/1.1\r\nHost: t\r\n\r\n"
        c.send(req3)
        exp = OK + S + b"Content-Type: application/octet-stream\r\nContent-Length: %d\r\n\r\n" % len(req3)
        self.assertEqual(c.recv_exact(len(exp)), exp)
        self.assert_alive(c)

    # -- 13 /garbage ------------------------------------------------------
    def test_garbage(self):
        self.exchange_close("/garbage", b"garbage line\r\nX: y\r\n\r\n")
        self.exchange_close("/garbage", b"garbage line\r\nX: y\r\n\r\n", method="HEAD")
        self.exchange_close("/garbage?kind=random", random.Random(0).randbytes(64))
        self.exchange_close("/garbage?kind=random&seed=7", random.Random(7).randbytes(64))

    # -- 14 /extra --------------------------------------------------------
    def test_extra(self):
        c = self.client()
        c.get("/extra?n=3")
        exp = sized(3) + b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nevil!"
        self.assertEqual(c.recv_exact(len(exp)), exp)
        self.assert_alive(c)

    # -- 15 /http10 -------------------------------------------------------
    def test_http10(self):
        self.exchange_close("/http10?n=6", b"HTTP/1.0 200 OK\r\n" + S + b"\r\nabcdef")
        self.exchange_close("/http10?n=6", b"HTTP/1.0 200 OK\r\n" + S + b"\r\n", method="HEAD")

    # -- 16 /nul ----------------------------------------------------------
    def test_nul(self):
        c = self.exchange("/nul", OK + S + b"X-Nul: a\x00b\r\nContent-Length: 5\r\n\r\nabcde")
        self.assert_alive(c)

    # -- 17 /nolength -----------------------------------------------------
    def test_nolength(self):
        c = self.exchange("/nolength?n=4", OK + S + b"\r\nabcd")
        c.sock.settimeout(0.2)
        with self.assertRaises(socket.timeout):  # stays open, nothing more
            c.sock.recv(10)
        c.sock.settimeout(5)
        self.exchange("/nolength?n=2", OK + S + b"\r\nab", c=c)

    # -- 18 /close-after --------------------------------------------------
    def test_close_after(self):
        self.exchange_close("/close-after?n=5", sized(5))

    # -- 19 /delay --------------------------------------------------------
    def test_delay(self):
        t0 = time.perf_counter()
        c = self.exchange("/delay?ms=150&n=3", sized(3))
        self.assertGreater(time.perf_counter() - t0, 0.14)
        self.assert_alive(c)

    # -- 20 /headers-only-close ------------------------------------------
    def test_headers_only_close(self):
        self.exchange_close("/headers-only-close", b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n")

    # -- 21 /chunked-bad --------------------------------------------------
    def test_chunked_bad(self):
        head = OK + S + b"Transfer-Encoding: chunked\r\n\r\n"
        cases = {
            "nohex": b"zz\r\nabcde\r\n0\r\n\r\n",
            "huge": b"ffffffffffffffff\r\nabcde",
            "nocrlf": b"5\r\nabcdeXX0\r\n\r\n",
            "longline": b"0" * 100 + b"5\r\nabcde\r\n0\r\n\r\n",
        }
        for kind, body in cases.items():
            with self.subTest(kind=kind):
                self.exchange_close("/chunked-bad?kind=%s" % kind, head + body)
        c = self.exchange("/chunked-bad?kind=nope",  # unknown kind: keep-alive 404
                          b"HTTP/1.1 404 Not Found\r\n" + S + b"Content-Length: 9\r\n\r\nnot found")
        self.assert_alive(c)

    def test_chunked_bad_endless_trailer_full(self):
        head = OK + S + b"Transfer-Encoding: chunked\r\n\r\n5\r\nabcde\r\n0\r\n"
        c = self.client()
        c.get("/chunked-bad?kind=endless-trailer")
        data = c.recv_until_close(limit=11 << 20)
        self.assertEqual(data[:len(head)], head)
        rest = data[len(head):]
        line = b"X-Endless: " + b"y" * 51 + b"\r\n"
        self.assertEqual(len(rest), 10 << 20)
        self.assertEqual(rest, line * ((10 << 20) // 64))

    def test_chunked_bad_endless_trailer_client_gives_up(self):
        c = self.client()
        c.get("/chunked-bad?kind=endless-trailer")
        c.recv_exact(100_000)
        c.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
        c.close()  # RST
        self.clients.remove(c)
        self.assert_alive(self.client())

    # -- 22 /header-line --------------------------------------------------
    def test_header_line(self):
        c = self.exchange("/header-line?size=10",
                          OK + S + b"X-Long: xxxxxxxxxx\r\nContent-Length: 2\r\n\r\nab")
        n = 10 << 20
        exp = OK + S + b"X-Long: " + b"x" * n + b"\r\nContent-Length: 2\r\n\r\nab"
        self.exchange("/header-line?size=%d" % n, exp, c=c)
        self.assert_alive(c)

    def test_header_line_client_gives_up(self):
        c = self.client()
        c.get("/header-line?size=%d" % (200 << 20))
        c.recv_exact(1 << 20)
        c.close()
        self.clients.remove(c)
        self.assert_alive(self.client())

    # -- 23 /many-headers -------------------------------------------------
    def test_many_headers(self):
        c = self.exchange("/many-headers?count=3",
                          OK + S + b"X-H1: v\r\nX-H2: v\r\nX-H3: v\r\nContent-Length: 2\r\n\r\nab")
        n = 20000
        exp = OK + S + b"".join(b"X-H%d: v\r\n" % i for i in range(1, n + 1)) + b"Content-Length: 2\r\n\r\nab"
        self.exchange("/many-headers?count=%d" % n, exp, c=c)
        self.assert_alive(c)

    # -- /status-line -----------------------------------------------------
    def test_status_line(self):
        c = self.exchange("/status-line?line=HTTP/1.1%20200", b"HTTP/1.1 200\r\nContent-Length: 2\r\n\r\nok")
        self.exchange("/status-line?line=HTTP/1.1+abc+OK", b"HTTP/1.1 abc OK\r\nContent-Length: 2\r\n\r\nok", c=c)
        self.exchange("/status-line?line=HTTP/1.1%20200%20%FF", b"HTTP/1.1 200 \xff\r\nContent-Length: 2\r\n\r\nok", c=c)
        self.exchange("/status-line", b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", c=c)
        self.assert_alive(c)

    # -- 24 unknown -------------------------------------------------------
    def test_not_found(self):
        nf = b"HTTP/1.1 404 Not Found\r\n" + S + b"Content-Length: 9\r\n\r\nnot found"
        c = self.exchange("/nope", nf)
        self.exchange("/", nf, c=c)
        self.exchange("/nope", nf[:-9], method="HEAD", c=c)
        self.assert_alive(c)

    # -- request handling / robustness -----------------------------------
    def test_connection_close_request(self):
        c = self.client()
        c.get("/sized?n=2", headers="Connection: close\r\n")
        self.assertEqual(c.recv_until_close(), sized(2))

    def test_bad_requests(self):
        bad = (b"HTTP/1.1 400 Bad Request\r\n" + S +
               b"Content-Length: 11\r\nConnection: close\r\n\r\nbad request")
        for raw in (b"NONSENSE\r\n\r\n", b"GET / HTTP/1.1\r\nno colon\r\n\r\n",
                    b"GET / HTTP/1.1\r\nContent-Length: x\r\n\r\n"):
            with self.subTest(raw=raw):
                c = self.client()
                c.send(raw)
                self.assertEqual(c.recv_until_close(), bad)
        c = self.client()  # head over 1 MiB
        c.send(b"GET / HTTP/1.1\r\nX: " + b"a" * (1 << 20) + b"\r\n\r\n")
        self.assertEqual(c.recv_until_close(), bad)

    def test_abusive_clients(self):
        for payload in (b"", b"GET /sized?n=5 HTT", bytes(range(256)) * 4,
                        b"POST /echo HTTP/1.1\r\nContent-Length: 100\r\n\r\nabc"):
            s = socket.create_connection(("127.0.0.1", self.port))
            if payload:
                s.sendall(payload)
            s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
            s.close()
        # client disappears while a big body streams
        s = socket.create_connection(("127.0.0.1", self.port))
        s.sendall(b"GET /sized?n=500000000 HTTP/1.1\r\n\r\n")
        s.recv(1000)
        s.close()
        self.assert_alive(self.client())


def read_text(path: str) -> str:
    with open(path) as f:
        return f.read()


def cert_dir() -> str:
    """The test PKI (tests/servers/make_certs.sh), made if needed."""
    if shutil.which("openssl") is None:
        raise unittest.SkipTest("openssl is not installed")
    d = os.path.abspath(CERT_DIR)
    subprocess.run(["bash", MAKE_CERTS, d], check=True)
    return d


class CertificatesTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = cert_dir()

    def openssl(self, *args) -> str:
        return subprocess.run(["openssl", *args], check=True, capture_output=True,
                              text=True).stdout

    def test_files_and_pins(self):
        for name in ("ca", "ca2", "server-rsa", "server-ecdsa", "expired", "notyet",
                     "wronghost", "selfsigned", "unknownca"):
            with self.subTest(name=name):
                pem = os.path.join(self.dir, name + ".pem")
                self.assertTrue(os.path.getsize(os.path.join(self.dir, name + ".key")) > 0)
                pin = read_text(os.path.join(self.dir, name + ".pin"))
                # Recompute the pin with the stdlib from the DER SubjectPublicKeyInfo.
                spki = subprocess.run(
                    "openssl x509 -in '%s' -pubkey -noout | openssl pkey -pubin -outform der" % pem,
                    shell=True, check=True, capture_output=True).stdout
                self.assertEqual(pin, base64.b64encode(hashlib.sha256(spki).digest()).decode())

    def test_properties(self):
        d = self.dir
        text = self.openssl("x509", "-in", os.path.join(d, "expired.pem"), "-noout", "-enddate")
        self.assertIn("2001", text)
        text = self.openssl("x509", "-in", os.path.join(d, "notyet.pem"), "-noout", "-startdate")
        self.assertIn("2090", text)
        text = self.openssl("x509", "-in", os.path.join(d, "wronghost.pem"), "-noout", "-ext",
                            "subjectAltName")
        self.assertIn("DNS:wrong.example", text)
        self.assertNotIn("localhost", text)
        text = self.openssl("x509", "-in", os.path.join(d, "server-ecdsa.pem"), "-noout", "-text")
        self.assertIn("prime256v1", text)
        self.assertIn("IP Address:127.0.0.1", text)
        subj = self.openssl("x509", "-in", os.path.join(d, "selfsigned.pem"), "-noout", "-subject",
                            "-issuer").splitlines()
        self.assertEqual(subj[0].split("=", 1)[1], subj[1].split("=", 1)[1])
        chain, leaf, ca = (read_text(os.path.join(d, f + ".pem"))
                           for f in ("server-rsa.chain", "server-rsa", "ca"))
        self.assertEqual(chain, leaf + ca)

    def test_second_run_is_a_no_op(self):
        before = os.path.getmtime(os.path.join(self.dir, "ca.pem"))
        t0 = time.perf_counter()
        subprocess.run(["bash", MAKE_CERTS, self.dir], check=True)
        self.assertLess(time.perf_counter() - t0, 2.0)
        self.assertEqual(os.path.getmtime(os.path.join(self.dir, "ca.pem")), before)


TLS_SPECS = {  # name -> (certificate, min, max)
    "r13": ("server-rsa", "1.3", "1.3"),
    "r12": ("server-rsa", "1.2", "1.2"),
    "ec": ("server-ecdsa", "", ""),
    "chain": ("server-rsa.chain", "", ""),
    "expired": ("expired", "", ""),
}


class ExtraPortsTest(unittest.TestCase):
    """--tls, --garbage-port, --silent-port, --blackhole-port, CONNECT, /gzip, /tls."""

    @classmethod
    def setUpClass(cls):
        cls.certs = cert_dir()
        args = []
        for name, (cert, lo, hi) in TLS_SPECS.items():
            key = cert.replace(".chain", "")
            args += ["--tls", "%s:%s:%s:%s:%s" % (name, os.path.join(cls.certs, cert + ".pem"),
                                                  os.path.join(cls.certs, key + ".key"), lo, hi)]
        cls.proc, cls.info, cls.errf = start_server(
            *args, "--garbage-port", "--silent-port", "--blackhole-port")
        cls.port = cls.info["port"]
        cls.ca = os.path.join(cls.certs, "ca.pem")

    @classmethod
    def tearDownClass(cls):
        err = stop_server(cls.proc, cls.errf)
        if b"Traceback" in err:
            raise AssertionError("server printed a traceback:\n" + err.decode("latin-1"))

    def setUp(self):
        self.socks = []

    def tearDown(self):
        for s in self.socks:
            s.close()
        self.assertIsNone(self.proc.poll(), "server died")

    def tls_port(self, name):
        return self.info["tls_ports"][name]

    def context(self, lo=None, hi=None, ca=None) -> ssl.SSLContext:
        ctx = ssl.create_default_context(cafile=ca or self.ca)
        if lo:
            ctx.minimum_version = lo
        if hi:
            ctx.maximum_version = hi
        return ctx

    def tls_client(self, port, host="localhost", ctx=None, sock=None):
        ctx = ctx or self.context()
        raw = sock or socket.create_connection(("127.0.0.1", port), timeout=5)
        s = ctx.wrap_socket(raw, server_hostname=host, suppress_ragged_eofs=False)
        self.socks.append(s)
        return s

    @staticmethod
    def request(s, target, headers=""):
        s.sendall(("GET %s HTTP/1.1\r\nHost: t\r\n%s\r\n" % (target, headers)).encode())

    @staticmethod
    def recv_exact(s, n):
        out = b""
        while len(out) < n:
            d = s.recv(n - len(out))
            if not d:
                raise EOFError(out)
            out += d
        return out

    def response(self, s):
        """Reads one Content-Length response -> (head, body)."""
        head = b""
        while not head.endswith(b"\r\n\r\n"):
            d = s.recv(1)
            if not d:
                raise EOFError(head)
            head += d
        n = 0
        for line in head.split(b"\r\n"):
            if line.lower().startswith(b"content-length:"):
                n = int(line.split(b":")[1])
        return head, self.recv_exact(s, n)

    def test_startup_keys(self):
        self.assertEqual(set(self.info), {"port", "closed_port", "tls_ports", "garbage_port",
                                          "silent_port", "blackhole_port", "pid"})
        ports = [self.port, self.info["closed_port"], self.info["garbage_port"],
                 self.info["silent_port"], self.info["blackhole_port"],
                 *self.info["tls_ports"].values()]
        self.assertEqual(len(set(ports)), len(ports))
        self.assertEqual(set(self.info["tls_ports"]), set(TLS_SPECS))

    def test_tls_versions_and_routes(self):
        for name, want in (("r13", "TLSv1.3"), ("r12", "TLSv1.2"), ("ec", "TLSv1.3"),
                           ("chain", "TLSv1.3")):
            for host in ("localhost", "127.0.0.1"):
                with self.subTest(name=name, host=host):
                    s = self.tls_client(self.tls_port(name), host)
                    self.request(s, "/tls")
                    head, body = self.response(s)
                    self.assertTrue(body.startswith(want.encode() + b" "), body)
                    self.request(s, "/sized?n=5")  # keep-alive, same connection
                    self.assertEqual(self.recv_exact(s, len(sized(5))), sized(5))
                    self.request(s, "/chunked?sizes=5,1")
                    want_chunked = (OK + S + b"Transfer-Encoding: chunked\r\n\r\n"
                                    b"5\r\nabcde\r\n1\r\nf\r\n0\r\n\r\n")
                    self.assertEqual(self.recv_exact(s, len(want_chunked)), want_chunked)
        c = Client(self.port)
        c.get("/tls")
        self.assertEqual(c.recv_exact(len(sized(5))), OK + S + b"Content-Length: 5\r\n\r\nplain")
        c.close()

    def test_large_body_over_tls(self):
        s = self.tls_client(self.tls_port("r13"))
        self.request(s, "/sized?n=3000000")
        head, body = self.response(s)
        self.assertEqual(body, gen(3000000))

    def test_chain_port_sends_the_ca(self):
        der = ssl.PEM_cert_to_DER_cert(read_text(self.ca))
        out = subprocess.run(
            ["openssl", "s_client", "-connect", "127.0.0.1:%d" % self.tls_port("chain"),
             "-showcerts", "-CAfile", self.ca, "-servername", "localhost"],
            input=b"", capture_output=True, timeout=10).stdout
        self.assertEqual(out.count(b"-----BEGIN CERTIFICATE-----"), 2)
        self.assertIn(ssl.DER_cert_to_PEM_cert(der).split("\n")[1].encode(), out)

    def test_version_limits_are_enforced(self):
        with self.assertRaises(ssl.SSLError):
            self.tls_client(self.tls_port("r13"), ctx=self.context(hi=ssl.TLSVersion.TLSv1_2))
        with self.assertRaises(ssl.SSLError):
            self.tls_client(self.tls_port("r12"), ctx=self.context(lo=ssl.TLSVersion.TLSv1_3))

    def test_bad_certificates_are_rejected_by_a_verifying_client(self):
        with self.assertRaises(ssl.SSLCertVerificationError):
            self.tls_client(self.tls_port("expired"))
        with self.assertRaises(ssl.SSLCertVerificationError):  # unknown CA
            self.tls_client(self.tls_port("r13"),
                            ctx=self.context(ca=os.path.join(self.certs, "ca2.pem")))
        self.assertIsNone(self.proc.poll())

    def test_close_delimited_body_ends_with_close_notify(self):
        s = self.tls_client(self.tls_port("r13"))
        self.request(s, "/close?n=100")
        data = b""
        while True:  # suppress_ragged_eofs=False: a FIN without close_notify raises
            d = s.recv(65536)
            if not d:
                break
            data += d
        self.assertEqual(data, OK + S + b"Connection: close\r\n\r\n" + gen(100))

    def test_failed_handshakes_are_quiet(self):
        port = self.tls_port("r13")
        for payload in (b"GET / HTTP/1.1\r\nHost: t\r\n\r\n", b"", bytes(range(256))):
            s = socket.create_connection(("127.0.0.1", port), timeout=5)
            if payload:
                s.sendall(payload)
            else:
                s.shutdown(socket.SHUT_WR)
            out = b""
            while True:  # the server closes (maybe after an alert)
                d = s.recv(4096)
                if not d:
                    break
                out += d
            s.close()
            self.assertFalse(out.startswith(b"HTTP/"), out)
        # A client that connects and leaves during the handshake.
        s = socket.create_connection(("127.0.0.1", port), timeout=5)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
        s.close()
        s = self.tls_client(port)
        self.request(s, "/sized?n=3")
        self.assertEqual(self.recv_exact(s, len(sized(3))), sized(3))

    def test_garbage_port(self):
        s = socket.create_connection(("127.0.0.1", self.info["garbage_port"]), timeout=5)
        self.socks.append(s)
        s.sendall(b"\x16\x03\x01\x00\x05hello")
        out = b""
        while True:
            d = s.recv(4096)
            if not d:
                break
            out += d
        self.assertEqual(len(out), 200)
        self.assertEqual(out, b"G" + random.Random(1234).randbytes(199))
        self.assertNotIn(out[0], range(20, 25))  # not a TLS content type
        with self.assertRaises(ssl.SSLError):
            self.tls_client(self.info["garbage_port"])

    def test_silent_port(self):
        s = socket.create_connection(("127.0.0.1", self.info["silent_port"]), timeout=0.5)
        self.socks.append(s)
        s.sendall(b"\x16\x03\x01\x00\x05hello")
        with self.assertRaises(socket.timeout):
            s.recv(1)
        with self.assertRaises(socket.timeout):
            s.recv(1)  # still open, still silent

    def test_blackhole_port(self):
        for _ in range(2):
            s = socket.socket()
            s.settimeout(0.5)
            self.socks.append(s)
            t0 = time.monotonic()
            with self.assertRaises(socket.timeout):
                s.connect(("127.0.0.1", self.info["blackhole_port"]))
            self.assertGreaterEqual(time.monotonic() - t0, 0.4)

    # -- CONNECT proxy ---------------------------------------------------
    def connect_head(self, target, extra=b""):
        return b"CONNECT %s HTTP/1.1\r\nHost: %s\r\n%s\r\n" % (target, target, extra)

    def test_connect_tunnel_to_tls(self):
        c = Client(self.port)
        self.socks.append(c.sock)
        self.request(c.sock, "/proxy-log?clear=1")
        self.response(c.sock)
        head = self.connect_head(b"localhost:%d" % self.tls_port("r13"), b"User-Agent: t\r\n")
        c.send(head)
        established = b"HTTP/1.1 200 Connection established\r\n\r\n"
        self.assertEqual(c.recv_exact(len(established)), established)
        s = self.tls_client(0, "localhost", sock=c.sock)
        self.request(s, "/tls")
        self.assertTrue(self.response(s)[1].startswith(b"TLSv1.3 "))
        self.request(s, "/close?n=3")
        data = b""
        while True:
            d = s.recv(100)
            if not d:
                break
            data += d
        self.assertEqual(data, OK + S + b"Connection: close\r\n\r\nabc")
        log = Client(self.port)
        log.get("/proxy-log")
        h, body = self.response(log.sock)
        self.assertEqual(body, head)
        log.close()

    def test_connect_pipelined_bytes_are_forwarded(self):
        c = Client(self.port)
        self.socks.append(c.sock)
        c.send(self.connect_head(b"127.0.0.1:%d" % self.port) +
               b"GET /sized?n=4 HTTP/1.1\r\nHost: t\r\n\r\n")
        want = b"HTTP/1.1 200 Connection established\r\n\r\n" + sized(4)
        self.assertEqual(c.recv_exact(len(want)), want)
        c.close()

    def test_connect_over_a_tls_port(self):
        # An HTTPS proxy: CONNECT inside TLS, then plain HTTP through the tunnel (one thread
        # reads the TLS stream while another writes it).
        s = self.tls_client(self.tls_port("r12"))
        s.sendall(self.connect_head(b"127.0.0.1:%d" % self.port))
        established = b"HTTP/1.1 200 Connection established\r\n\r\n"
        self.assertEqual(self.recv_exact(s, len(established)), established)
        for n in (5, 300000, 7):
            self.request(s, "/sized?n=%d" % n)
            self.assertEqual(self.recv_exact(s, len(sized(n))), sized(n))
        self.request(s, "/close?n=3")
        data = b""
        while True:
            d = s.recv(100)
            if not d:
                break
            data += d
        self.assertEqual(data, OK + S + b"Connection: close\r\n\r\nabc")

    def test_connect_refusals(self):
        nf = {
            b"localhost:%d" % self.info["closed_port"]:
                b"HTTP/1.1 502 Bad Gateway\r\n" + S + b"Content-Length: 0\r\n\r\n",
            b"example.com:443": b"HTTP/1.1 502 Bad Gateway\r\n" + S + b"Content-Length: 0\r\n\r\n",
            b"needs-auth.invalid:443": (b"HTTP/1.1 407 Proxy Authentication Required\r\n" + S +
                                        b'Proxy-Authenticate: Basic realm="t"\r\n'
                                        b"Content-Length: 0\r\n\r\n"),
        }
        c = Client(self.port)
        c.get("/proxy-log?clear=1")
        self.response(c.sock)
        heads = []
        for target, want in nf.items():
            with self.subTest(target=target):
                heads.append(self.connect_head(target))
                c.send(heads[-1])
                self.assertEqual(c.recv_exact(len(want)), want)
        c.get("/proxy-log?clear=1")  # same connection: the refusals keep it alive
        self.assertEqual(self.response(c.sock)[1], b"----\r\n".join(heads))
        c.get("/proxy-log")
        self.assertEqual(self.response(c.sock)[1], b"")
        c.close()

    # -- /gzip -----------------------------------------------------------
    def test_gzip(self):
        c = Client(self.port)
        for headers, enc, want_enc in (
                ("", "gzip", None),
                ("Accept-Encoding: gzip\r\n", "gzip", "gzip"),
                ("Accept-Encoding: gzip, deflate\r\n", "deflate", "deflate"),
                ("Accept-Encoding: deflate;q=0, *\r\n", "deflate", None),
                ("Accept-Encoding: *;q=0.5\r\n", "gzip", "gzip"),
                ("Accept-Encoding: identity\r\n", "gzip", None),
                ("Accept-Encoding: GZIP;q=0\r\n", "gzip", None)):
            with self.subTest(headers=headers, enc=enc):
                c.get("/gzip?n=5000&enc=" + enc, headers=headers)
                head, body = self.response(c.sock)
                if want_enc is None:
                    self.assertEqual(head, OK + S + b"Content-Length: 5000\r\n\r\n")
                    self.assertEqual(body, gen(5000))
                else:
                    self.assertEqual(head, OK + S + b"Content-Encoding: %s\r\nContent-Length: %d"
                                     b"\r\n\r\n" % (want_enc.encode(), len(body)))
                    self.assertLess(len(body), 1000)
                    if want_enc == "gzip":
                        self.assertEqual(body[:2], b"\x1f\x8b")
                        self.assertEqual(gzip.decompress(body), gen(5000))
                    else:
                        self.assertEqual(zlib.decompress(body), gen(5000))
        c.close()

    def test_gzip_chunked_and_head(self):
        c = Client(self.port)
        c.get("/gzip?n=100000&chunked=1&chunk=100", headers="Accept-Encoding: gzip\r\n")
        head = OK + S + b"Content-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n"
        self.assertEqual(c.recv_exact(len(head)), head)
        body = b""
        sizes = []
        while True:
            line = b""
            while not line.endswith(b"\r\n"):
                line += c.recv_exact(1)
            n = int(line, 16)
            if n == 0:
                self.assertEqual(c.recv_exact(2), b"\r\n")
                break
            sizes.append(n)
            body += c.recv_exact(n)
            self.assertEqual(c.recv_exact(2), b"\r\n")
        self.assertEqual(gzip.decompress(body), gen(100000))
        self.assertTrue(all(n == 100 for n in sizes[:-1]) and 0 < sizes[-1] <= 100)
        c.get("/gzip?n=10&chunked=1")
        want = OK + S + b"Transfer-Encoding: chunked\r\n\r\na\r\nabcdefghij\r\n0\r\n\r\n"
        self.assertEqual(c.recv_exact(len(want)), want)
        c.get("/gzip?n=10&enc=deflate", method="HEAD", headers="Accept-Encoding: deflate\r\n")
        n = len(zlib.compress(gen(10), 9))
        want = OK + S + b"Content-Encoding: deflate\r\nContent-Length: %d\r\n\r\n" % n
        self.assertEqual(c.recv_exact(len(want)), want)
        c.get("/sized?n=1")
        self.assertEqual(c.recv_exact(len(sized(1))), sized(1))
        c.close()


class LifecycleTest(unittest.TestCase):
    def test_sigterm_exits_fast(self):
        proc, info, errf = start_server()
        c = Client(info["port"])  # an open idle keep-alive connection
        c.get("/sized?n=1")
        c.recv_exact(len(sized(1)))
        t0 = time.perf_counter()
        proc.send_signal(signal.SIGTERM)
        proc.wait(3)
        self.assertLess(time.perf_counter() - t0, 1.0)
        self.assertEqual(proc.returncode, 0)
        c.close()
        self.assertEqual(stop_server(proc, errf), b"")

    def test_sigint_exits(self):
        proc, info, errf = start_server()
        proc.send_signal(signal.SIGINT)
        proc.wait(3)
        self.assertEqual(proc.returncode, 0)
        self.assertEqual(stop_server(proc, errf), b"")

    def test_stdin_eof_exits(self):
        proc, info, errf = start_server("--exit-on-stdin-eof")
        proc.stdin.close()
        proc.wait(3)
        self.assertEqual(proc.returncode, 0)
        stop_server(proc, errf)

    def test_fixed_port(self):
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
        s.close()
        proc, info, errf = start_server("--port", str(port))
        try:
            self.assertEqual(info["port"], port)
            c = Client(port)
            c.get("/sized?n=2")
            self.assertEqual(c.recv_exact(len(sized(2))), sized(2))
            c.close()
        finally:
            stop_server(proc, errf)

    def test_ipv6(self):
        if not socket.has_ipv6:
            self.skipTest("no IPv6 support")
        try:
            s = socket.socket(socket.AF_INET6)
            s.bind(("::1", 0))
            s.close()
        except OSError:
            self.skipTest("::1 not available")
        proc, info, errf = start_server("--host", "::1")
        try:
            c = Client(info["port"], host="::1", family=socket.AF_INET6)
            c.get("/sized?n=3")
            self.assertEqual(c.recv_exact(len(sized(3))), sized(3))
            port = c.sock.getsockname()[1]
            c.get("/connid")
            body = b"%d:2" % port
            self.assertEqual(c.recv_exact(len(OK + S) + 21 + len(body))[-len(body):], body)
            c.close()
            with self.assertRaises(ConnectionRefusedError):
                socket.create_connection(("::1", info["closed_port"]), timeout=2).close()
        finally:
            self.assertNotIn(b"Traceback", stop_server(proc, errf))

    def test_bad_tls_argument(self):
        proc = subprocess.run([sys.executable, SERVER, "--tls", "x:nofile"],
                              capture_output=True, timeout=10)
        self.assertEqual(proc.returncode, 2)
        self.assertIn(b"--tls", proc.stderr)


if __name__ == "__main__":
    unittest.main()
