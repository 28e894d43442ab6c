"""Load generator and HTTP server for scripts/soak.sh.

  soak_load.py clients --url ws://127.0.0.1:PORT/ --clients 1000 --duration 600 [--rate 2]
                       [--churn SECONDS] --summary out.json
  soak_load.py http-server --port-file F

`clients`: N concurrent WebSocket clients (Python `websockets`), each sending sequence-numbered
text messages ("client:session:seq") at --rate per second and checking the echoes: every echo
must be the next expected one (a gap counts as lost, an old one as duplicated, a later one
after a gap as reordered). With --churn, each connection lives a random 0.5x..1.5x of that many
seconds, then stops sending, waits for its outstanding echoes, and closes (half cleanly, half by
aborting the TCP connection) and reconnects. At the end every client stops sending and waits up
to 15 s for its outstanding echoes; whatever is still missing is lost.

`http-server`: a keep-alive HTTP/1.1 server answering GET /seq/N with the body "seq N".
"""

import argparse
import asyncio
import json
import random
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import websockets


class Stats:
    def __init__(self):
        self.sent = 0
        self.received = 0
        self.lost = 0
        self.duplicated = 0
        self.reordered = 0
        self.connects = 0
        self.connect_errors = 0
        self.sessions_aborted = 0
        self.sessions_closed = 0
        self.unexpected_disconnects = 0
        self.abandoned_in_flight = 0


class Session:
    def __init__(self):
        self.next_seq = 0
        self.expected = 0

    def outstanding(self):
        return self.next_seq - self.expected


async def receive(ws, cid, sid, sess, stats):
    async for msg in ws:
        try:
            c, s, n = msg.split(":")
            c, s, n = int(c), int(s), int(n)
        except ValueError:
            stats.lost += 1
            continue
        if c != cid or s != sid:
            stats.duplicated += 1  # someone else's message: misrouted
            continue
        stats.received += 1
        if n == sess.expected:
            sess.expected += 1
        elif n < sess.expected:
            stats.duplicated += 1
        else:
            stats.lost += n - sess.expected
            stats.reordered += 1
            sess.expected = n + 1


async def client(cid, args, stats, stop_at):
    sid = 0
    rng = random.Random(cid)
    await asyncio.sleep(rng.random() * args.ramp)
    while time.monotonic() < stop_at:
        sid += 1
        sess = Session()
        try:
            ws = await websockets.connect(args.url, max_size=None, ping_interval=None,
                                          compression=None, open_timeout=30)
        except Exception:
            stats.connect_errors += 1
            await asyncio.sleep(0.5)
            continue
        stats.connects += 1
        rx = asyncio.create_task(receive(ws, cid, sid, sess, stats))
        end = stop_at
        if args.churn:
            end = min(stop_at, time.monotonic() + args.churn * (0.5 + rng.random()))
        period = 1.0 / args.rate
        next_send = time.monotonic() + rng.random() * period
        try:
            while time.monotonic() < end and not rx.done():
                await asyncio.sleep(max(0.0, next_send - time.monotonic()))
                await ws.send(f"{cid}:{sid}:{sess.next_seq}")
                sess.next_seq += 1
                stats.sent += 1
                next_send += period
            # Stop sending; wait for the outstanding echoes.
            deadline = time.monotonic() + (15 if end >= stop_at else 5)
            while sess.outstanding() > 0 and time.monotonic() < deadline and not rx.done():
                await asyncio.sleep(0.05)
        except websockets.ConnectionClosed:
            pass
        if rx.done() and sess.outstanding() > 0:
            stats.unexpected_disconnects += 1
        stats.lost += sess.outstanding()
        if args.churn and end < stop_at and rng.random() < 0.5:
            stats.sessions_aborted += 1
            ws.transport.abort()
        else:
            stats.sessions_closed += 1
            try:
                await asyncio.wait_for(ws.close(), 5)
            except Exception:
                pass
        rx.cancel()
        try:
            await rx
        except (asyncio.CancelledError, Exception):
            pass


async def run_clients(args):
    stats = Stats()
    start = time.monotonic()
    stop_at = start + args.duration
    report_every = 30
    async def reporter():
        while time.monotonic() < stop_at + 20:
            await asyncio.sleep(report_every)
            print(f"soak_load: t={time.monotonic() - start:.0f}s sent={stats.sent} "
                  f"received={stats.received} lost={stats.lost} connects={stats.connects}",
                  file=sys.stderr, flush=True)
    rep = asyncio.create_task(reporter())
    await asyncio.gather(*(client(i, args, stats, stop_at) for i in range(args.clients)))
    rep.cancel()
    out = dict(vars(stats))
    out.update(clients=args.clients, duration=args.duration, rate_per_client=args.rate,
               churn_seconds=args.churn, wall_seconds=round(time.monotonic() - start, 1))
    with open(args.summary, "w") as f:
        json.dump(out, f, indent=2)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self):
        body = ("seq " + self.path.rsplit("/", 1)[-1]).encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *a):
        pass


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="cmd", required=True)
    c = sub.add_parser("clients")
    c.add_argument("--url", required=True)
    c.add_argument("--clients", type=int, default=1000)
    c.add_argument("--duration", type=float, default=600)
    c.add_argument("--rate", type=float, default=2.0)
    c.add_argument("--churn", type=float, default=0.0)
    c.add_argument("--ramp", type=float, default=10.0)
    c.add_argument("--summary", required=True)
    h = sub.add_parser("http-server")
    h.add_argument("--port-file", required=True)
    args = p.parse_args()
    if args.cmd == "clients":
        asyncio.run(run_clients(args))
    else:
        srv = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        srv.daemon_threads = True
        with open(args.port_file, "w") as f:
            f.write(str(srv.server_address[1]))
        srv.serve_forever()


if __name__ == "__main__":
    main()
