#!/usr/bin/env python3
"""WebSocket client on Python `websockets` (pinned by scripts/test.sh), for the interop suite.

    ws_client_py.py URL [--count N] [--big BYTES] [--protocol P]... [--close-code C]
                    [--close-reason R] [--result FILE]

Connects to URL (offering permessage-deflate, as websockets does by default, and the given
subprotocols), sends N text messages (UTF-8, not only ASCII), N binary messages, an empty text,
an empty binary and one binary message of BYTES bytes, one at a time, and checks that each comes
back unchanged with the same type. Then sends a ping and waits for its pong, and closes with the
given code and reason. Prints one JSON line of what it observed (also written to FILE):
  {"ok", "connected", "subprotocol", "sent", "echoed", "errors", "pong", "close_sent",
   "close_rcvd": {"code", "reason"} of the server's close frame, or null}
Exit status 0 when every echo matched, the pong came and the server answered the close; else 1.
"""
import argparse
import asyncio
import json
import sys

from websockets.asyncio.client import connect


def messages(n, big):
    out = []
    for i in range(n):
        out.append(f"text {i}: héllo wörld ✓ 日本語 🎉")
        out.append(bytes((i * 7 + j) % 256 for j in range(i * 100 + 1)))
    out += ["", b"", bytes(j % 251 for j in range(big))]
    return out


def show(m):
    kind = "text" if isinstance(m, str) else "binary"
    return f"{kind}[{len(m)}]"


async def run(a, res):
    async with connect(a.url, subprotocols=a.protocol or None, open_timeout=10, ping_interval=None,
                       max_size=2**24) as ws:
        res["connected"] = True
        res["subprotocol"] = ws.subprotocol
        for m in messages(a.count, a.big):
            await ws.send(m)
            res["sent"] += 1
            got = await ws.recv()
            if type(got) is type(m) and got == m:
                res["echoed"] += 1
            else:
                res["errors"].append(f"sent {show(m)}, got back {show(got)}")
        pong = await ws.ping(b"client-ping")
        await asyncio.wait_for(pong, 10)
        res["pong"] = True
        res["close_sent"] = {"code": a.close_code, "reason": a.close_reason}
        await ws.close(a.close_code, a.close_reason)
        rcvd = ws.protocol.close_rcvd
        if rcvd is not None:
            res["close_rcvd"] = {"code": None if rcvd.code == 1005 else int(rcvd.code), "reason": rcvd.reason}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("url")
    ap.add_argument("--count", type=int, default=3)
    ap.add_argument("--big", type=int, default=60000)
    ap.add_argument("--protocol", action="append", default=[])
    ap.add_argument("--close-code", type=int, default=1000)
    ap.add_argument("--close-reason", default="")
    ap.add_argument("--result")
    ap.add_argument("--timeout", type=float, default=30)
    a = ap.parse_args()
    res = {"client": "python-websockets", "ok": False, "connected": False, "subprotocol": None,
           "sent": 0, "echoed": 0, "errors": [], "pong": False, "close_sent": None, "close_rcvd": None}
    try:
        asyncio.run(asyncio.wait_for(run(a, res), a.timeout))
    except Exception as e:  # report every failure in the JSON, never as a traceback only
        res["errors"].append(f"{type(e).__name__}: {e}")
    res["ok"] = (not res["errors"] and res["sent"] == res["echoed"] and res["pong"]
                 and res["close_rcvd"] is not None)
    line = json.dumps(res, ensure_ascii=False)
    print(line, flush=True)
    if a.result:
        with open(a.result, "w", encoding="utf-8") as f:
            f.write(line + "\n")
    return 0 if res["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
