//! The single-threaded WebSocket echo server (the native limit of the server rows) and the two
//! load generators that drive the servers under test: Godot's `TCPServer` + `WebSocketPeer`,
//! RustNet's `RustTCPServer` + `RustWebSocketPeer`, and this echo server.
//!
//! All three run one thread over epoll (Linux). The load generators build and parse frames by
//! hand (masked client frames, unmasked server frames, no allocation per message) so that they
//! stay well under one core while the server under test is saturated; `cpu_s` in their results
//! shows it. The echo server uses tungstenite over non-blocking sockets, edge-triggered: on
//! every event it reads until `WouldBlock`, queues each message back and flushes.

use crate::util::{median, raise_nofile, report, timed_runs, Args, Run};
use socket2::{Domain, Socket, Type};
use std::collections::HashMap;
use std::io::{ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::os::fd::{AsRawFd, RawFd};
use std::time::{Duration, Instant};
use tungstenite::handshake::client::generate_key;
use tungstenite::handshake::derive_accept_key;
use tungstenite::handshake::server::{NoCallback, ServerHandshake};
use tungstenite::handshake::{HandshakeError, MidHandshake};
use tungstenite::{Message, WebSocket};

/// A minimal epoll instance: tokens are `u64`s chosen by the caller.
struct Epoll {
    fd: RawFd,
    events: Vec<libc::epoll_event>,
}

impl Epoll {
    fn new() -> Result<Self, String> {
        // SAFETY: plain syscall.
        let fd = unsafe { libc::epoll_create1(libc::EPOLL_CLOEXEC) };
        if fd < 0 {
            return Err(format!(
                "epoll_create1: {}",
                std::io::Error::last_os_error()
            ));
        }
        Ok(Self {
            fd,
            events: vec![libc::epoll_event { events: 0, u64: 0 }; 1024],
        })
    }

    fn ctl(&self, op: i32, fd: RawFd, interest: u32, token: u64) -> Result<(), String> {
        let mut ev = libc::epoll_event {
            events: interest,
            u64: token,
        };
        // SAFETY: `ev` lives across the call; the kernel copies it.
        if unsafe { libc::epoll_ctl(self.fd, op, fd, &mut ev) } < 0 {
            return Err(format!("epoll_ctl: {}", std::io::Error::last_os_error()));
        }
        Ok(())
    }

    fn add(&self, fd: RawFd, interest: u32, token: u64) -> Result<(), String> {
        self.ctl(libc::EPOLL_CTL_ADD, fd, interest, token)
    }

    fn modify(&self, fd: RawFd, interest: u32, token: u64) -> Result<(), String> {
        self.ctl(libc::EPOLL_CTL_MOD, fd, interest, token)
    }

    fn remove(&self, fd: RawFd) {
        let _ = self.ctl(libc::EPOLL_CTL_DEL, fd, 0, 0);
    }

    /// Waits up to `timeout_ms` and returns the ready (token, events) pairs.
    fn wait(&mut self, timeout_ms: i32) -> Vec<(u64, u32)> {
        // SAFETY: the buffer has `len` entries.
        let n = unsafe {
            libc::epoll_wait(
                self.fd,
                self.events.as_mut_ptr(),
                self.events.len() as i32,
                timeout_ms,
            )
        };
        if n <= 0 {
            return Vec::new();
        }
        self.events[..n as usize]
            .iter()
            .map(|e| (e.u64, e.events))
            .collect()
    }
}

impl Drop for Epoll {
    fn drop(&mut self) {
        // SAFETY: we own the fd.
        unsafe { libc::close(self.fd) };
    }
}

const IN: u32 = libc::EPOLLIN as u32;
const OUT: u32 = libc::EPOLLOUT as u32;
const ET: u32 = libc::EPOLLET as u32;
const ERR: u32 = (libc::EPOLLERR | libc::EPOLLHUP) as u32;

// ---- the echo server ---------------------------------------------------------------------

enum ServerConn {
    Handshaking(MidHandshake<ServerHandshake<TcpStream, NoCallback>>),
    Open(WebSocket<TcpStream>),
}

/// `ws-echo-server`: prints `{"port":P,"pid":PID}`, then echoes every data message on every
/// connection until stdin reaches EOF.
pub fn echo_server(args: &Args) -> Result<(), String> {
    raise_nofile();
    let port = args.num("port", Some(0))? as u16;
    let socket = Socket::new(Domain::IPV4, Type::STREAM, None).map_err(|e| e.to_string())?;
    socket.set_reuse_address(true).map_err(|e| e.to_string())?;
    let addr: SocketAddr = ([127, 0, 0, 1], port).into();
    socket
        .bind(&addr.into())
        .map_err(|e| format!("bind: {e}"))?;
    // The OS maximum, as RustTCPServer (rust/core/src/net/listener.rs).
    socket.listen(4096).map_err(|e| format!("listen: {e}"))?;
    socket.set_nonblocking(true).map_err(|e| e.to_string())?;
    let listener: std::net::TcpListener = socket.into();
    let port = listener.local_addr().map_err(|e| e.to_string())?.port();
    println!("{{\"port\":{port},\"pid\":{}}}", std::process::id());
    let _ = std::io::stdout().flush();
    std::thread::spawn(|| {
        let mut sink = Vec::new();
        let _ = std::io::stdin().read_to_end(&mut sink);
        std::process::exit(0);
    });

    let mut ep = Epoll::new()?;
    const LISTENER: u64 = u64::MAX;
    ep.add(listener.as_raw_fd(), IN, LISTENER)?;
    let mut conns: HashMap<u64, ServerConn> = HashMap::new();
    loop {
        for (token, _events) in ep.wait(1000) {
            if token == LISTENER {
                while let Ok((stream, _)) = listener.accept() {
                    let _ = stream.set_nodelay(true);
                    if stream.set_nonblocking(true).is_err() {
                        continue;
                    }
                    let fd = stream.as_raw_fd() as u64;
                    ep.add(fd as RawFd, IN | OUT | ET, fd)?;
                    match tungstenite::accept(stream) {
                        Ok(ws) => {
                            conns.insert(fd, ServerConn::Open(ws));
                        }
                        Err(HandshakeError::Interrupted(mid)) => {
                            conns.insert(fd, ServerConn::Handshaking(mid));
                        }
                        Err(HandshakeError::Failure(_)) => ep.remove(fd as RawFd),
                    }
                }
                continue;
            }
            let Some(conn) = conns.remove(&token) else {
                continue;
            };
            let conn = match conn {
                ServerConn::Handshaking(mid) => match mid.handshake() {
                    Ok(ws) => ServerConn::Open(ws),
                    Err(HandshakeError::Interrupted(mid)) => {
                        conns.insert(token, ServerConn::Handshaking(mid));
                        continue;
                    }
                    Err(HandshakeError::Failure(_)) => {
                        ep.remove(token as RawFd);
                        continue;
                    }
                },
                open => open,
            };
            let ServerConn::Open(mut ws) = conn else {
                continue;
            };
            if echo_ready(&mut ws) {
                conns.insert(token, ServerConn::Open(ws));
            } else {
                ep.remove(token as RawFd);
            }
        }
    }
}

/// Reads until `WouldBlock`, queueing every data message back, then flushes. `false`: the
/// connection is over.
fn echo_ready(ws: &mut WebSocket<TcpStream>) -> bool {
    loop {
        match ws.read() {
            Ok(msg @ (Message::Binary(_) | Message::Text(_))) => match ws.write(msg) {
                Ok(()) => {}
                Err(tungstenite::Error::Io(e)) if e.kind() == ErrorKind::WouldBlock => {}
                Err(_) => return false,
            },
            Ok(_) => {}
            Err(tungstenite::Error::Io(e)) if e.kind() == ErrorKind::WouldBlock => break,
            Err(_) => return false,
        }
    }
    match ws.flush() {
        Ok(()) => true,
        Err(tungstenite::Error::Io(e)) if e.kind() == ErrorKind::WouldBlock => true,
        Err(_) => false,
    }
}

// ---- hand-made client frames ---------------------------------------------------------------

/// The upgrade request for ws://127.0.0.1:port/ with `key`.
fn upgrade_request(port: u16, key: &str) -> String {
    format!(
        "GET / HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
         Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n"
    )
}

/// Whether `head` (a whole response head) accepts the upgrade with `key`.
fn upgrade_accepted(head: &[u8], key: &str) -> Result<(), String> {
    let mut headers = [httparse::EMPTY_HEADER; 32];
    let mut resp = httparse::Response::new(&mut headers);
    resp.parse(head).map_err(|e| format!("bad 101 head: {e}"))?;
    if resp.code != Some(101) {
        return Err(format!("status {:?} instead of 101", resp.code));
    }
    let want = derive_accept_key(key.as_bytes());
    let ok = resp
        .headers
        .iter()
        .any(|h| h.name.eq_ignore_ascii_case("sec-websocket-accept") && h.value == want.as_bytes());
    if ok {
        Ok(())
    } else {
        Err("wrong Sec-WebSocket-Accept".into())
    }
}

const MASK: [u8; 4] = [0x37, 0xfa, 0x21, 0x3d];

/// Appends a masked binary frame of `size` bytes (`size` ≥ 8) carrying `seq` in its first 8.
fn push_frame(out: &mut Vec<u8>, seq: u64, size: usize) {
    out.push(0x82);
    if size < 126 {
        out.push(0x80 | size as u8);
    } else if size < 65536 {
        out.push(0x80 | 126);
        out.extend_from_slice(&(size as u16).to_be_bytes());
    } else {
        out.push(0x80 | 127);
        out.extend_from_slice(&(size as u64).to_be_bytes());
    }
    out.extend_from_slice(&MASK);
    let start = out.len();
    out.extend_from_slice(&seq.to_le_bytes());
    out.extend((8..size).map(|i| i as u8));
    for (i, b) in out[start..].iter_mut().enumerate() {
        *b ^= MASK[i & 3];
    }
}

/// One server frame at the start of `buf`: (opcode, payload range, frame length), or `None`
/// when incomplete.
fn parse_frame(buf: &[u8]) -> Result<Option<(u8, std::ops::Range<usize>, usize)>, String> {
    if buf.len() < 2 {
        return Ok(None);
    }
    if buf[1] & 0x80 != 0 {
        return Err("masked frame from the server".into());
    }
    let (len, head) = match buf[1] & 0x7f {
        126 if buf.len() >= 4 => (u16::from_be_bytes([buf[2], buf[3]]) as usize, 4),
        127 if buf.len() >= 10 => {
            let mut b = [0u8; 8];
            b.copy_from_slice(&buf[2..10]);
            (u64::from_be_bytes(b) as usize, 10)
        }
        126 | 127 => return Ok(None),
        n => (n as usize, 2),
    };
    if buf.len() < head + len {
        return Ok(None);
    }
    Ok(Some((buf[0] & 0x0f, head..head + len, head + len)))
}

/// Writes all of `out` to a non-blocking stream (the pieces are small; a full socket buffer
/// is waited out).
fn write_all_nb(s: &mut TcpStream, out: &[u8]) -> Result<(), String> {
    let mut done = 0;
    let deadline = Instant::now() + Duration::from_secs(30);
    while done < out.len() {
        match s.write(&out[done..]) {
            Ok(0) => return Err("write returned 0".into()),
            Ok(n) => done += n,
            Err(e) if e.kind() == ErrorKind::WouldBlock => {
                if Instant::now() > deadline {
                    return Err("the server stopped reading".into());
                }
                std::thread::yield_now();
            }
            Err(e) => return Err(format!("write: {e}")),
        }
    }
    Ok(())
}

// ---- ws-echo-load --------------------------------------------------------------------------

struct Client {
    stream: TcpStream,
    buf: Vec<u8>,
    next_send: u64,
    next_recv: u64,
}

/// Connects and upgrades one client (blocking), then makes it non-blocking.
fn open_client(port: u16) -> Result<Client, String> {
    let mut stream =
        TcpStream::connect(("127.0.0.1", port)).map_err(|e| format!("connect: {e}"))?;
    stream.set_nodelay(true).map_err(|e| e.to_string())?;
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .map_err(|e| e.to_string())?;
    let key = generate_key();
    stream
        .write_all(upgrade_request(port, &key).as_bytes())
        .map_err(|e| format!("write: {e}"))?;
    let mut buf = vec![0u8; 4096];
    let mut have = 0;
    let head = loop {
        let n = stream
            .read(&mut buf[have..])
            .map_err(|e| format!("reading the 101: {e}"))?;
        if n == 0 {
            return Err("closed during the upgrade".into());
        }
        have += n;
        if let Some(p) = buf[..have].windows(4).position(|w| w == b"\r\n\r\n") {
            break p + 4;
        }
        if have == buf.len() {
            return Err("101 head too large".into());
        }
    };
    upgrade_accepted(&buf[..head], &key)?;
    buf.copy_within(head..have, 0);
    buf.truncate(have - head);
    stream.set_nonblocking(true).map_err(|e| e.to_string())?;
    Ok(Client {
        stream,
        buf,
        next_send: 0,
        next_recv: 0,
    })
}

/// `ws-echo-load`: `--clients` connections, each keeping `--window` messages of `--size`
/// bytes in flight for `--seconds`. Key `rate` (echoes per second), `echoes`.
pub fn echo_load(args: &Args) -> Result<(), String> {
    raise_nofile();
    let port = args.num("port", None)? as u16;
    let n = args.num("clients", Some(100))? as usize;
    let size = (args.num("size", Some(64))? as usize).max(8);
    let window = args.num("window", Some(16))?.max(1);
    let seconds = args.num("seconds", Some(3))?.max(1);
    let mut clients = Vec::with_capacity(n);
    let t_open = Instant::now();
    for i in 0..n {
        clients.push(open_client(port).map_err(|e| format!("client {i}: {e}"))?);
        if t_open.elapsed() > Duration::from_secs(60) {
            return Err(format!("only {i} of {n} clients open in 60 s"));
        }
    }
    eprintln!("ws-echo-load: {n} clients open");
    let mut ep = Epoll::new()?;
    for (i, c) in clients.iter().enumerate() {
        ep.add(c.stream.as_raw_fd(), IN, i as u64)?;
    }
    let mut out = Vec::with_capacity(64 * 1024);
    let mut chunk = vec![0u8; 256 * 1024];
    let runs = timed_runs(args.runs()?, || {
        let t0 = Instant::now();
        let end = t0 + Duration::from_secs(seconds);
        let mut in_flight = 0u64;
        for c in clients.iter_mut() {
            out.clear();
            for _ in 0..window {
                push_frame(&mut out, c.next_send, size);
                c.next_send += 1;
            }
            in_flight += window;
            write_all_nb(&mut c.stream, &out)?;
        }
        let mut echoes = 0u64;
        let mut sending = true;
        while in_flight > 0 {
            let now = Instant::now();
            if sending && now >= end {
                sending = false;
            }
            if now > end + Duration::from_secs(30) {
                return Err(format!("{in_flight} echoes missing 30 s after the end"));
            }
            let ready = ep.wait(100);
            // Few connections ready: let echoes pile up a little (the server has
            // clients × window messages to work through meanwhile), so that one read and one
            // write carry several messages. Keeps this process well under a core.
            let batch_small = ready.len() < clients.len() / 4;
            for (token, events) in ready {
                let c = &mut clients[token as usize];
                if events & ERR != 0 && events & IN == 0 {
                    return Err(format!("client {token}: connection error"));
                }
                // One read per event: epoll is level-triggered, so whatever a short read left
                // is reported again (a second read would mostly answer EAGAIN: a syscall wasted
                // in the process that must not be the bottleneck).
                match c.stream.read(&mut chunk) {
                    Ok(0) => return Err(format!("client {token}: the server closed")),
                    Ok(k) => c.buf.extend_from_slice(&chunk[..k]),
                    Err(e) if e.kind() == ErrorKind::WouldBlock => {}
                    Err(e) => return Err(format!("client {token}: read: {e}")),
                }
                let mut used = 0;
                out.clear();
                while let Some((op, payload, len)) = parse_frame(&c.buf[used..])? {
                    let p = &c.buf[used + payload.start..used + payload.end];
                    match op {
                        2 => {
                            let mut seq = [0u8; 8];
                            seq.copy_from_slice(p.get(..8).ok_or("short echo")?);
                            if p.len() != size || u64::from_le_bytes(seq) != c.next_recv {
                                return Err(format!(
                                    "client {token}: echo {} is wrong ({} bytes)",
                                    c.next_recv,
                                    p.len()
                                ));
                            }
                            if p[8..].iter().enumerate().any(|(i, b)| *b != (i + 8) as u8) {
                                return Err(format!(
                                    "client {token}: echo {} corrupted",
                                    c.next_recv
                                ));
                            }
                            c.next_recv += 1;
                            if sending {
                                echoes += 1;
                                push_frame(&mut out, c.next_send, size);
                                c.next_send += 1;
                            } else {
                                in_flight -= 1;
                            }
                        }
                        8 => {
                            return Err(format!("client {token}: the server closed the WebSocket"))
                        }
                        _ => {}
                    }
                    used += len;
                }
                c.buf.drain(..used);
                if !out.is_empty() {
                    write_all_nb(&mut c.stream, &out)?;
                }
            }
            if batch_small {
                std::thread::sleep(Duration::from_micros(200));
            }
        }
        Ok(vec![
            ("rate", echoes as f64 / seconds as f64),
            ("echoes", echoes as f64),
        ])
    })?;
    // A clean close: close frame, then our half of the TCP connection.
    for c in clients.iter_mut() {
        let close = [
            0x88u8,
            0x82,
            MASK[0],
            MASK[1],
            MASK[2],
            MASK[3],
            0x03 ^ MASK[0],
            0xe8 ^ MASK[1],
        ];
        let _ = write_all_nb(&mut c.stream, &close);
        let _ = c.stream.shutdown(std::net::Shutdown::Write);
    }
    report(args, "ws-echo-load", &runs, &[("clients", n as f64)])
}

// ---- ws-connect-burst ----------------------------------------------------------------------

enum Burst {
    Connecting,
    Upgrading(Vec<u8>),
    Open,
    Failed,
}

/// `ws-connect-burst`: `--clients` non-blocking connects started at once, each upgraded as soon
/// as it is connected. One run: keys `open`, `ms` (first connect to last 101, or the timeout),
/// `refused`, `first_ms`, `median_ms`.
pub fn connect_burst(args: &Args) -> Result<(), String> {
    raise_nofile();
    let port = args.num("port", None)? as u16;
    let n = args.num("clients", Some(1000))? as usize;
    let timeout = Duration::from_secs(args.num("timeout", Some(20))?);
    let addr: SocketAddr = ([127, 0, 0, 1], port).into();
    let mut ep = Epoll::new()?;
    let mut socks = Vec::with_capacity(n);
    let mut state = Vec::with_capacity(n);
    let keys: Vec<String> = (0..n).map(|_| generate_key()).collect();
    let cpu0 = crate::util::cpu_seconds();
    let t0 = Instant::now();
    let mut refused = 0usize;
    for i in 0..n {
        let s =
            Socket::new(Domain::IPV4, Type::STREAM, None).map_err(|e| format!("socket: {e}"))?;
        s.set_nonblocking(true).map_err(|e| e.to_string())?;
        let _ = s.set_nodelay(true);
        match s.connect(&addr.into()) {
            Ok(()) => {}
            Err(e) if e.raw_os_error() == Some(libc::EINPROGRESS) => {}
            Err(_) => {
                refused += 1;
                socks.push(s);
                state.push(Burst::Failed);
                continue;
            }
        }
        ep.add(s.as_raw_fd(), OUT | IN, i as u64)?;
        socks.push(s);
        state.push(Burst::Connecting);
    }
    let mut open_at: Vec<f64> = Vec::with_capacity(n);
    let mut chunk = [0u8; 4096];
    let mut pending = n - refused;
    while pending > 0 && t0.elapsed() < timeout {
        for (token, events) in ep.wait(50) {
            let i = token as usize;
            let s = &socks[i];
            match &mut state[i] {
                Burst::Connecting => {
                    let failed = events & ERR != 0 || !matches!(s.take_error(), Ok(None));
                    if failed {
                        refused += 1;
                        state[i] = Burst::Failed;
                        ep.remove(s.as_raw_fd());
                        pending -= 1;
                        continue;
                    }
                    if events & OUT != 0 {
                        let req = upgrade_request(port, &keys[i]);
                        match (&*s).write(req.as_bytes()) {
                            Ok(k) if k == req.len() => {
                                ep.modify(s.as_raw_fd(), IN, token)?;
                                state[i] = Burst::Upgrading(Vec::new());
                            }
                            _ => {
                                refused += 1;
                                state[i] = Burst::Failed;
                                ep.remove(s.as_raw_fd());
                                pending -= 1;
                            }
                        }
                    }
                }
                Burst::Upgrading(buf) => {
                    let mut done = None;
                    loop {
                        match (&*s).read(&mut chunk) {
                            Ok(0) => {
                                done = Some(Err("closed".to_string()));
                                break;
                            }
                            Ok(k) => buf.extend_from_slice(&chunk[..k]),
                            Err(e) if e.kind() == ErrorKind::WouldBlock => break,
                            Err(e) => {
                                done = Some(Err(e.to_string()));
                                break;
                            }
                        }
                        if let Some(p) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                            done = Some(upgrade_accepted(&buf[..p + 4], &keys[i]));
                            break;
                        }
                    }
                    match done {
                        None => {}
                        Some(Ok(())) => {
                            open_at.push(t0.elapsed().as_secs_f64() * 1000.0);
                            state[i] = Burst::Open;
                            ep.remove(s.as_raw_fd());
                            pending -= 1;
                        }
                        Some(Err(why)) => {
                            eprintln!("ws-connect-burst: client {i}: {why}");
                            refused += 1;
                            state[i] = Burst::Failed;
                            ep.remove(s.as_raw_fd());
                            pending -= 1;
                        }
                    }
                }
                Burst::Open | Burst::Failed => {}
            }
        }
    }
    let open = open_at.len();
    let wall = t0.elapsed().as_secs_f64();
    let ms = if open == n {
        open_at.iter().cloned().fold(0.0, f64::max)
    } else {
        timeout.as_secs_f64() * 1000.0
    };
    let first = open_at.iter().cloned().fold(f64::INFINITY, f64::min);
    let run: Run = vec![
        ("open", open as f64),
        ("ms", ms),
        ("refused", refused as f64),
        ("first_ms", if open > 0 { first } else { f64::NAN }),
        ("median_ms", median(&mut open_at)),
        ("wall_s", wall),
        ("cpu_s", crate::util::cpu_seconds() - cpu0),
    ];
    eprintln!(
        "ws-connect-burst: {open} of {n} open, last after {ms:.1} ms, {refused} refused, {} still pending",
        n - open - refused
    );
    report(args, "ws-connect-burst", &[run], &[("clients", n as f64)])?;
    if args.has("hold") {
        let mut sink = Vec::new();
        let _ = std::io::stdin().read_to_end(&mut sink);
    }
    drop(socks);
    Ok(())
}
