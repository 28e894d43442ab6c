//! The WebSocket native limits: a tungstenite client and a tungstenite server in this process,
//! over 127.0.0.1, each in its own thread with a blocking socket and `TCP_NODELAY`. The
//! connection is made before the clock; every run reuses it. Round trips run both ends in one
//! thread, busy-polling non-blocking sockets (as the Godot benchmark does); the pipelines use a
//! server thread, so sender and receiver run in parallel.

use crate::util::{report, timed_runs, Args};
use std::net::{TcpListener, TcpStream};
use std::thread;
use std::time::Instant;
use tungstenite::protocol::WebSocketConfig;
use tungstenite::{Bytes, Message, WebSocket};

type Ws = WebSocket<TcpStream>;

/// What the server thread does with each message.
#[derive(Clone, Copy)]
enum Serve {
    /// Count `count` messages of `size` bytes (checking the size and the first byte), then
    /// answer one empty message; repeat.
    Sink { count: u64, size: usize },
}

fn config() -> WebSocketConfig {
    // Room for 1 MiB messages and a pipeline of them; tungstenite's defaults otherwise.
    WebSocketConfig::default()
        .max_message_size(Some(64 << 20))
        .max_frame_size(Some(64 << 20))
        .max_write_buffer_size(64 << 20)
}

/// A connected client and the server thread serving it.
fn pair(serve: Serve) -> Result<(Ws, thread::JoinHandle<Result<(), String>>), String> {
    let listener = TcpListener::bind("127.0.0.1:0").map_err(|e| e.to_string())?;
    let port = listener.local_addr().map_err(|e| e.to_string())?.port();
    let server = thread::spawn(move || -> Result<(), String> {
        let (stream, _) = listener.accept().map_err(|e| e.to_string())?;
        stream.set_nodelay(true).map_err(|e| e.to_string())?;
        let mut ws = tungstenite::accept_with_config(stream, Some(config()))
            .map_err(|e| format!("server handshake: {e}"))?;
        let mut counted = 0u64;
        loop {
            let msg = match ws.read() {
                Ok(m) => m,
                Err(tungstenite::Error::ConnectionClosed) => return Ok(()),
                Err(e) => return Err(format!("server read: {e}")),
            };
            match (msg, serve) {
                (Message::Binary(b), Serve::Sink { count, size }) => {
                    if b.len() != size || b.first() != Some(&first_byte(counted)) {
                        return Err(format!("message {counted}: wrong size or content"));
                    }
                    counted += 1;
                    if counted == count {
                        counted = 0;
                        ws.send(Message::Binary(Bytes::new()))
                            .map_err(|e| format!("server send: {e}"))?;
                    }
                }
                (Message::Close(_), _) => {}
                (_, _) => {}
            }
        }
    });
    let stream = TcpStream::connect(("127.0.0.1", port)).map_err(|e| e.to_string())?;
    stream.set_nodelay(true).map_err(|e| e.to_string())?;
    let url = format!("ws://127.0.0.1:{port}/");
    let (ws, _) = tungstenite::client::client_with_config(url.as_str(), stream, Some(config()))
        .map_err(|e| format!("client handshake: {e}"))?;
    Ok((ws, server))
}

fn first_byte(i: u64) -> u8 {
    (i % 251) as u8
}

fn finish(mut ws: Ws, server: thread::JoinHandle<Result<(), String>>) -> Result<(), String> {
    let _ = ws.close(None);
    while ws.read().is_ok() {}
    server
        .join()
        .map_err(|_| "server thread panicked".to_string())?
}

/// Both ends of one connection, made with blocking sockets, then both made non-blocking.
fn connected_pair() -> Result<(Ws, Ws), String> {
    let listener = TcpListener::bind("127.0.0.1:0").map_err(|e| e.to_string())?;
    let port = listener.local_addr().map_err(|e| e.to_string())?.port();
    let server = thread::spawn(move || -> Result<Ws, String> {
        let (stream, _) = listener.accept().map_err(|e| e.to_string())?;
        stream.set_nodelay(true).map_err(|e| e.to_string())?;
        tungstenite::accept_with_config(stream, Some(config()))
            .map_err(|e| format!("server handshake: {e}"))
    });
    let stream = TcpStream::connect(("127.0.0.1", port)).map_err(|e| e.to_string())?;
    stream.set_nodelay(true).map_err(|e| e.to_string())?;
    let url = format!("ws://127.0.0.1:{port}/");
    let (client, _) = tungstenite::client::client_with_config(url.as_str(), stream, Some(config()))
        .map_err(|e| format!("client handshake: {e}"))?;
    let server = server
        .join()
        .map_err(|_| "server thread panicked".to_string())??;
    for ws in [&client, &server] {
        ws.get_ref()
            .set_nonblocking(true)
            .map_err(|e| e.to_string())?;
    }
    Ok((client, server))
}

/// The next data message on a non-blocking `ws`, busy-polling.
fn spin_read(ws: &mut Ws) -> Result<Bytes, String> {
    loop {
        match ws.read() {
            Ok(Message::Binary(b)) => return Ok(b),
            Ok(_) => {}
            Err(tungstenite::Error::Io(e)) if e.kind() == std::io::ErrorKind::WouldBlock => {}
            Err(e) => return Err(format!("read: {e}")),
        }
    }
}

/// Sends `msg` on a non-blocking `ws`, busy-polling until it is flushed.
fn spin_send(ws: &mut Ws, msg: Bytes) -> Result<(), String> {
    let mut r = ws.send(Message::Binary(msg));
    loop {
        match r {
            Ok(()) => return Ok(()),
            Err(tungstenite::Error::Io(e)) if e.kind() == std::io::ErrorKind::WouldBlock => {
                r = ws.flush();
            }
            Err(e) => return Err(format!("send: {e}")),
        }
    }
}

/// `ws-roundtrip`: `--count` round trips of a `--size`-byte binary message. Both ends in this
/// thread, non-blocking and busy-polled, as the Godot benchmark runs them (two threads with
/// blocking sockets were slower: every message woke the other thread). Key `rate`.
pub fn roundtrip(args: &Args) -> Result<(), String> {
    let count = args.num("count", Some(20_000))?;
    let size = args.num("size", Some(64))? as usize;
    let (mut client, mut server) = connected_pair()?;
    let payload = Bytes::from((0..size).map(|i| (i * 31 + 7) as u8).collect::<Vec<_>>());
    let runs = timed_runs(args.runs()?, || {
        let t0 = Instant::now();
        for i in 0..count {
            spin_send(&mut client, payload.clone())?;
            let m = spin_read(&mut server)?;
            spin_send(&mut server, m)?;
            if spin_read(&mut client)? != payload {
                return Err(format!("round trip {i}: the echo differs"));
            }
        }
        Ok(vec![("rate", count as f64 / t0.elapsed().as_secs_f64())])
    })?;
    report(args, "ws-roundtrip", &runs, &[])
}

/// `ws-pipeline`: `--count` binary messages of `--size` bytes, written as fast as the socket
/// takes them; the clock stops when the server has counted them all. Keys `rate`, `mbps`.
pub fn pipeline(args: &Args) -> Result<(), String> {
    let count = args.num("count", Some(100_000))?;
    let size = args.num("size", Some(1024))? as usize;
    let (mut ws, server) = pair(Serve::Sink { count, size })?;
    let messages: Vec<Bytes> = (0..251u64)
        .map(|k| {
            let mut v = vec![(k * 7) as u8; size];
            if let Some(b) = v.first_mut() {
                *b = first_byte(k);
            }
            Bytes::from(v)
        })
        .collect();
    let runs = timed_runs(args.runs()?, || {
        let t0 = Instant::now();
        for i in 0..count {
            // Bytes clones share the buffer: no copy per message on our side.
            ws.write(Message::Binary(messages[(i % 251) as usize].clone()))
                .map_err(|e| format!("write: {e}"))?;
        }
        ws.flush().map_err(|e| format!("flush: {e}"))?;
        match ws.read().map_err(|e| format!("read: {e}"))? {
            Message::Binary(b) if b.is_empty() => {}
            _ => return Err("no end-of-run answer from the server".into()),
        }
        let secs = t0.elapsed().as_secs_f64();
        Ok(vec![
            ("rate", count as f64 / secs),
            ("mbps", (count as f64 * size as f64) / secs / 1e6),
        ])
    })?;
    finish(ws, server)?;
    report(args, "ws-pipeline", &runs, &[])
}
