#!/usr/bin/env node
// WebSocket client on Node's `ws` (pinned by scripts/test.sh), for the interop suite.
//
//     NODE_PATH=.cache/node/node_modules node ws_client_node.js URL [--count N] [--big BYTES]
//         [--protocol P]... [--close-code C] [--close-reason R] [--result FILE] [--timeout S]
//
// Same behaviour and JSON result as ws_client_py.py: sends N text (UTF-8) and N binary messages,
// an empty text, an empty binary and one BYTES-byte binary message one at a time, checks each
// echo (content and type), pings and waits for the pong, closes with the code and reason, and
// prints/writes {"ok", "connected", "subprotocol", "sent", "echoed", "errors", "pong",
// "close_sent", "close_rcvd"}. Exit status 0 when all of that worked, else 1.
'use strict';

const fs = require('fs');
const WebSocket = require('ws');

const argv = process.argv.slice(2);
const opts = { url: null, count: 3, big: 60000, protocols: [], closeCode: 1000, closeReason: '', result: null, timeout: 30 };
for (let i = 0; i < argv.length; i++) {
  const a = argv[i];
  const v = () => argv[++i];
  if (a === '--count') opts.count = Number(v());
  else if (a === '--big') opts.big = Number(v());
  else if (a === '--protocol') opts.protocols.push(v());
  else if (a === '--close-code') opts.closeCode = Number(v());
  else if (a === '--close-reason') opts.closeReason = v();
  else if (a === '--result') opts.result = v();
  else if (a === '--timeout') opts.timeout = Number(v());
  else opts.url = a;
}

function messages(n, big) {
  const out = [];
  for (let i = 0; i < n; i++) {
    out.push({ binary: false, data: Buffer.from(`text ${i}: héllo wörld ✓ 日本語 🎉`) });
    out.push({ binary: true, data: Buffer.from(Array.from({ length: i * 100 + 1 }, (_, j) => (i * 7 + j) % 256)) });
  }
  out.push({ binary: false, data: Buffer.alloc(0) });
  out.push({ binary: true, data: Buffer.alloc(0) });
  out.push({ binary: true, data: Buffer.from(Array.from({ length: big }, (_, j) => j % 251)) });
  return out;
}

const res = { client: 'node-ws', ok: false, connected: false, subprotocol: null, sent: 0, echoed: 0, errors: [], pong: false, close_sent: null, close_rcvd: null };
let finished = false;

function finish() {
  if (finished) return;
  finished = true;
  res.ok = res.errors.length === 0 && res.sent === res.echoed && res.pong && res.close_rcvd !== null;
  const line = JSON.stringify(res);
  console.log(line);
  if (opts.result) fs.writeFileSync(opts.result, line + '\n');
  process.exit(res.ok ? 0 : 1);
}

const timer = setTimeout(() => { res.errors.push(`timed out after ${opts.timeout} s`); finish(); }, opts.timeout * 1000);
const show = (m) => `${m.binary ? 'binary' : 'text'}[${m.data.length}]`;

const ws = new WebSocket(opts.url, opts.protocols, { handshakeTimeout: 10000, maxPayload: 1 << 24 });
const queue = messages(opts.count, opts.big);
let current = null;

function sendNext() {
  current = queue.shift();
  if (current === undefined) {
    ws.ping(Buffer.from('client-ping'));
    return;
  }
  res.sent += 1;
  ws.send(current.data, { binary: current.binary });
}

ws.on('open', () => {
  res.connected = true;
  res.subprotocol = ws.protocol || null;
  sendNext();
});
ws.on('message', (data, isBinary) => {
  if (current && isBinary === current.binary && Buffer.compare(data, current.data) === 0) res.echoed += 1;
  else res.errors.push(`sent ${current ? show(current) : 'nothing'}, got back ${show({ binary: isBinary, data })}`);
  sendNext();
});
ws.on('pong', (data) => {
  if (data.toString() !== 'client-ping') return;
  res.pong = true;
  res.close_sent = { code: opts.closeCode, reason: opts.closeReason };
  ws.close(opts.closeCode, opts.closeReason);
});
ws.on('close', (code, reason) => {
  // 1005: a close frame without a payload; 1006: no close frame at all.
  if (code !== 1006) res.close_rcvd = { code: code === 1005 ? null : code, reason: reason.toString() };
  clearTimeout(timer);
  finish();
});
ws.on('error', (e) => res.errors.push(`${e.name}: ${e.message}`));
