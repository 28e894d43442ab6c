#!/usr/bin/env node
// WebSocket echo server on Node's `ws` (pinned by scripts/test.sh), for the interop suite.
//
//     NODE_PATH=.cache/node/node_modules node ws_echo_node.js [--host 127.0.0.1] [--port 0] [--state-file FILE]
//
// The same paths and behaviours as ws_echo_py.py (see its docstring): every path echoes each
// message with its own type; /close?code=C&reason=R closes on the text "close"; /protocols
// selects the first offered subprotocol in ?p= (default chat,superchat); /ping?n=N sends N
// pings, waits for each pong, then sends "pongs:N"; /report?id=X sends JSON of how the
// connection that used ?id=X ended. Prints the port and writes {"port": N} to the state file.
'use strict';

const fs = require('fs');
const { WebSocketServer } = require('ws');

function arg(name, def) {
  const i = process.argv.indexOf(name);
  return i >= 0 && i + 1 < process.argv.length ? process.argv[i + 1] : def;
}

const ends = new Map(); // id -> {code, reason} of the close frame received, or null

function parse(req) {
  const url = new URL(req.url, 'ws://localhost');
  return { path: url.pathname, q: url.searchParams };
}

const wss = new WebSocketServer({
  host: arg('--host', '127.0.0.1'),
  port: Number(arg('--port', '0')),
  // Accepts permessage-deflate when a client offers it (only RustNet's compression_enabled does).
  perMessageDeflate: true,
  handleProtocols(offered, req) {
    const { path, q } = parse(req);
    if (path !== '/protocols') return false;
    const supported = (q.get('p') || 'chat,superchat').split(',').filter(Boolean);
    for (const p of offered) if (supported.includes(p)) return p;
    return false;
  },
});

wss.on('connection', (ws, req) => {
  const { path, q } = parse(req);
  const id = q.get('id');
  let closeRcvd = null;
  ws.on('close', (code, reason) => {
    // ws reports 1005 for a close frame without a payload and 1006 for no close frame at all.
    if (code !== 1006) closeRcvd = { code: code === 1005 ? null : code, reason: reason.toString() };
    if (id !== null) ends.set(id, closeRcvd);
  });
  ws.on('message', (data, isBinary) => {
    if (path === '/close' && !isBinary && data.toString() === 'close') {
      ws.close(Number(q.get('code') || '4001'), q.get('reason') || '');
      return;
    }
    ws.send(data, { binary: isBinary });
  });
  if (path === '/ping') {
    const n = Number(q.get('n') || '3');
    let i = 0;
    const next = () => {
      if (i === n) {
        ws.send(`pongs:${n}`);
        return;
      }
      ws.ping(Buffer.from(`ping-${i}`));
    };
    ws.on('pong', (data) => {
      if (data.toString() === `ping-${i}`) {
        i += 1;
        next();
      }
    });
    next();
  } else if (path === '/report') {
    ws.send(JSON.stringify(ends.has(q.get('id')) ? ends.get(q.get('id')) : null));
  }
});

wss.on('listening', () => {
  const port = wss.address().port;
  console.log(port);
  const file = arg('--state-file', null);
  if (file) {
    fs.writeFileSync(file + '.tmp', JSON.stringify({ port, pid: process.pid }));
    fs.renameSync(file + '.tmp', file);
  }
});

process.on('SIGTERM', () => process.exit(0));
