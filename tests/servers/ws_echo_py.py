#!/usr/bin/env python3
"""WebSocket echo server on Python `websockets` (pinned by scripts/test.sh), for the interop suite.

    ws_echo_py.py [--host 127.0.0.1] [--port 0] [--state-file FILE]

Listens on loopback (an ephemeral port by default), prints the port on stdout and writes
{"port": N} to the state file once it accepts connections. Every path echoes each message with
its own type (text stays text, binary stays binary); some paths add a behaviour:

  /close?code=C&reason=R  echoes, except that the text message "close" makes the server close
                          with code C and reason R (so no echo races the close frame)
  /protocols              selects a subprotocol: the first one the client offers that is in
                          ?p=a,b (default chat,superchat); no match: no subprotocol
  /ping?n=N               sends N pings (payload "ping-<i>") one after another, waits for each
                          pong, then sends the text "pongs:N" (only once every pong came back)
  /report?id=X            sends one text message: JSON of what the connection that used ?id=X
                          saw when it ended ({"code": C, "reason": R} of the close frame it
                          received, or null), then echoes until the client closes
Any path takes ?id=X to have its end recorded for /report.
"""
import argparse
import asyncio
import json
import os
import sys
from urllib.parse import parse_qs, urlsplit

from websockets.asyncio.server import serve
from websockets.exceptions import ConnectionClosed

# id -> {"code": .., "reason": ..} (the close frame received) or None
ENDS = {}


def query(connection):
    parts = urlsplit(connection.request.path)
    return parts.path, {k: v[-1] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}


def select_subprotocol(connection, offered):
    path, q = query(connection)
    if path != "/protocols":
        return None
    supported = [p for p in q.get("p", "chat,superchat").split(",") if p]
    for p in offered:
        if p in supported:
            return p
    return None


async def handler(ws):
    path, q = query(ws)
    try:
        if path == "/ping":
            n = int(q.get("n", "3"))
            for i in range(n):
                pong = await ws.ping(f"ping-{i}".encode())
                await asyncio.wait_for(pong, 10)
            await ws.send(f"pongs:{n}")
        elif path == "/report":
            await ws.send(json.dumps(ENDS.get(q.get("id", ""))))
        async for msg in ws:
            if path == "/close" and msg == "close":
                await ws.close(int(q.get("code", "4001")), q.get("reason", ""))
                break
            await ws.send(msg)
    except ConnectionClosed:
        pass
    finally:
        if "id" in q:
            rcvd = ws.protocol.close_rcvd
            # websockets reads a close frame without a payload as 1005; report it as no code.
            code = None if rcvd is None or rcvd.code == 1005 else int(rcvd.code)
            ENDS[q["id"]] = {"code": code, "reason": rcvd.reason} if rcvd else None


async def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--state-file")
    a = ap.parse_args()
    async with serve(handler, a.host, a.port, select_subprotocol=select_subprotocol, ping_interval=None) as server:
        port = server.sockets[0].getsockname()[1]
        print(port, flush=True)
        if a.state_file:
            tmp = a.state_file + ".tmp"
            with open(tmp, "w") as f:
                json.dump({"port": port, "pid": os.getpid()}, f)
            os.replace(tmp, a.state_file)
        await server.serve_forever()


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        sys.exit(0)
