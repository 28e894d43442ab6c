//! `bench-server`: the loopback HTTP/1.1 server that `scripts/bench.sh http` and
//! `scripts/bench.sh https` measure Godot's `HTTPClient` and RustNet's `RustHTTPClient` against.
//! It is a load generator, not a product: its one job is never to be the bottleneck, so it does as
//! little as possible per request.
//!
//! ```text
//! bench-server   # binds 127.0.0.1:0 three times, prints one JSON line, serves until stdin closes
//! ```
//!
//! * Listens on `127.0.0.1` on three ephemeral ports and prints ONE JSON line to stdout,
//!   `{"port": N, "tls13_port": A, "tls12_port": B, "pid": P}`: `port` is plain HTTP,
//!   `tls13_port` HTTPS with TLS 1.3 only, `tls12_port` HTTPS with TLS 1.2 only (`pid` lets the
//!   benchmark read this process's CPU time from `/proc/P/task/*/schedstat`).
//! * HTTPS is rustls with the ring provider and its default cipher suites, serving the test
//!   certificate `rust/core/tests/data/localhost.crt` (for `localhost` and `127.0.0.1`, signed by
//!   `ca.crt` there; both are compiled in). The same routes as plain HTTP; the body goes through
//!   rustls in writes of up to 9 MiB. With `BENCH_SERVER_LOG_TLS` set in the environment, each
//!   TLS connection prints its protocol version and cipher suite to stderr.
//! * Exits (status 0) as soon as its stdin reaches EOF or fails, so the script that started it
//!   can't leak it: when that script ends, for whatever reason, the pipe closes.
//! * One thread per connection, `TCP_NODELAY`, HTTP/1.1 keep-alive (and pipelining).
//!
//! Routes:
//!
//! * `GET /sized?n=N`: `HTTP/1.1 200 OK\r\nContent-Length: N\r\n\r\n` then `N` body bytes, byte
//!   `i` being `b"abcdefghijklmnopqrstuvwxyz0123456789"[i % 36]` (the scenario server's
//!   `GEN(N)`). The body comes from one block allocated and filled at start-up; bodies of up to
//!   64 KiB leave in the same `write` as the head, bigger ones in writes of up to 9 MiB. `HEAD`
//!   sends the same head and no body. `&pad=P` adds a header `X-Pad: ` + `P` times `p` (P up to
//!   60000) after `Content-Length`, to try heads of a realistic size.
//! * Anything else: `404` with a short body, keep-alive.
//!
//! A request with `Connection: close` (or an HTTP/1.0 request without `Connection: keep-alive`)
//! gets `Connection: close` and the connection is closed after the response. A malformed request
//! or a head over 64 KiB gets `400`/`431` and a close; a chunked request body gets `501` and a
//! close (the benchmarks never send one); a `Content-Length` request body is read and ignored.

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::{ServerConfig, ServerConnection, StreamOwned, SupportedProtocolVersion};
use std::io::{self, Read, Write};
use std::net::{Ipv4Addr, TcpListener, TcpStream};
use std::sync::{Arc, OnceLock};
use std::thread;
use std::time::Duration;

/// The body pattern: byte `i` of every body is `PATTERN[i % 36]`.
const PATTERN: &[u8; 36] = b"abcdefghijklmnopqrstuvwxyz0123456789";
/// Size of the preallocated body block: 9 MiB, a whole number of pattern periods (36 << 18), so
/// writing it again and again continues the pattern.
const BLOCK_SIZE: usize = 36 << 18;
/// Bodies up to this size are copied behind the head and sent in a single write.
const SMALL_BODY: usize = 64 * 1024;
/// Largest request head we buffer.
const MAX_HEAD: usize = 64 * 1024;
/// Most request headers parsed.
const MAX_HEADERS: usize = 64;
/// How much a socket read asks for.
const READ_SIZE: usize = 16 * 1024;

/// The server certificate (for `localhost` and `127.0.0.1`) and its key: RustNet's test material.
const CERT_PEM: &str = include_str!("../../core/tests/data/localhost.crt");
const KEY_PEM: &str = include_str!("../../core/tests/data/localhost.key");
/// How much encrypted output rustls may queue before a write waits for the socket.
const TLS_BUFFER: usize = 1 << 20;

const USAGE: &str = "\
Usage: bench-server [--help]

Loopback HTTP/1.1 server for scripts/bench.sh: binds 127.0.0.1 on three ephemeral ports (plain
HTTP, HTTPS with TLS 1.3 only, HTTPS with TLS 1.2 only), prints
{\"port\": N, \"tls13_port\": A, \"tls12_port\": B, \"pid\": P} on one line, serves
GET /sized?n=N (N pattern bytes, keep-alive) on all three and exits when its stdin is closed.
The HTTPS certificate is rust/core/tests/data/localhost.crt (signed by ca.crt there).
";

fn main() {
    if let Some(arg) = std::env::args().nth(1) {
        if arg == "-h" || arg == "--help" {
            print!("{USAGE}");
            return;
        }
        eprint!("bench-server: unknown argument '{arg}'\n{USAGE}");
        std::process::exit(2);
    }
    if let Err(e) = run() {
        eprintln!("bench-server: {e}");
        std::process::exit(1);
    }
}

fn run() -> io::Result<()> {
    // Fill the block before announcing the port, so no request pays for it.
    body_block();
    let tls13 = tls_config(&rustls::version::TLS13)?;
    let tls12 = tls_config(&rustls::version::TLS12)?;
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))?;
    let port = listener.local_addr()?.port();
    let listener13 = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))?;
    let tls13_port = listener13.local_addr()?.port();
    let listener12 = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))?;
    let tls12_port = listener12.local_addr()?.port();

    thread::Builder::new()
        .name("stdin-watch".into())
        .spawn(exit_on_stdin_eof)?;
    for (listener, config) in [(listener13, tls13), (listener12, tls12)] {
        thread::Builder::new()
            .name("tls-accept".into())
            .spawn(move || {
                accept_loop(listener, move |stream| {
                    let config = Arc::clone(&config);
                    move || serve_tls(stream, config)
                })
            })?;
    }

    let mut stdout = io::stdout().lock();
    writeln!(
        stdout,
        "{{\"port\": {port}, \"tls13_port\": {tls13_port}, \"tls12_port\": {tls12_port}, \"pid\": {}}}",
        std::process::id()
    )?;
    stdout.flush()?;
    drop(stdout);

    accept_loop(listener, |stream| move || serve(stream));
    Ok(())
}

/// Accepts connections forever, serving each on its own thread with what `serve` makes of it.
fn accept_loop<F, S>(listener: TcpListener, serve: S)
where
    S: Fn(TcpStream) -> F,
    F: FnOnce() + Send + 'static,
{
    for conn in listener.incoming() {
        match conn {
            Ok(stream) => {
                let spawned = thread::Builder::new()
                    .name("conn".into())
                    .spawn(serve(stream));
                if let Err(e) = spawned {
                    eprintln!("bench-server: can't start a connection thread: {e}");
                }
            }
            Err(e) => {
                // EMFILE and friends: don't spin, don't die.
                eprintln!("bench-server: accept failed: {e}");
                thread::sleep(Duration::from_millis(10));
            }
        }
    }
}

/// A rustls server configuration (ring provider) that speaks only `version`.
fn tls_config(version: &'static SupportedProtocolVersion) -> io::Result<Arc<ServerConfig>> {
    let invalid =
        |e: &dyn std::fmt::Display| io::Error::new(io::ErrorKind::InvalidData, e.to_string());
    let certs = CertificateDer::pem_slice_iter(CERT_PEM.as_bytes())
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| invalid(&e))?;
    let key = PrivateKeyDer::from_pem_slice(KEY_PEM.as_bytes()).map_err(|e| invalid(&e))?;
    let config =
        ServerConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
            .with_protocol_versions(&[version])
            .map_err(|e| invalid(&e))?
            .with_no_client_auth()
            .with_single_cert(certs, key)
            .map_err(|e| invalid(&e))?;
    Ok(Arc::new(config))
}

/// Blocks on stdin and ends the process when it closes.
fn exit_on_stdin_eof() {
    let mut stdin = io::stdin().lock();
    let mut sink = [0u8; 256];
    loop {
        match stdin.read(&mut sink) {
            Ok(0) => std::process::exit(0),
            Ok(_) => {}
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(_) => std::process::exit(0),
        }
    }
}

/// The preallocated body: `BLOCK_SIZE` bytes of the pattern.
fn body_block() -> &'static [u8] {
    static BLOCK: OnceLock<Vec<u8>> = OnceLock::new();
    BLOCK.get_or_init(|| PATTERN.iter().copied().cycle().take(BLOCK_SIZE).collect())
}

/// What one request asks for.
#[derive(Debug, PartialEq, Eq)]
struct Request {
    /// Bytes of the head, blank line included.
    head_len: usize,
    /// `Content-Length` of the request body (skipped).
    body_len: u64,
    head_only: bool,
    keep_alive: bool,
    route: Route,
}

#[derive(Debug, PartialEq, Eq)]
enum Route {
    /// Body size, `X-Pad` length.
    Sized(u64, usize),
    NotFound,
    BadRequest,
    ChunkedRequest,
}

/// Parses the request head at the start of `buf`: `Ok(None)` while it is incomplete.
fn parse_request(buf: &[u8]) -> Result<Option<Request>, httparse::Error> {
    let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
    let mut req = httparse::Request::new(&mut headers);
    let head_len = match req.parse(buf)? {
        httparse::Status::Partial => return Ok(None),
        httparse::Status::Complete(n) => n,
    };
    let mut body_len = 0;
    let mut route = None;
    let mut connection_close = false;
    let mut connection_keep_alive = false;
    for h in req.headers.iter() {
        if h.name.eq_ignore_ascii_case("content-length") {
            match std::str::from_utf8(h.value)
                .ok()
                .and_then(|v| v.trim().parse().ok())
            {
                Some(n) => body_len = n,
                None => route = Some(Route::BadRequest),
            }
        } else if h.name.eq_ignore_ascii_case("transfer-encoding") {
            route = Some(Route::ChunkedRequest);
        } else if h.name.eq_ignore_ascii_case("connection") {
            for token in h.value.split(|&b| b == b',') {
                let token = token.trim_ascii();
                connection_close |= token.eq_ignore_ascii_case(b"close");
                connection_keep_alive |= token.eq_ignore_ascii_case(b"keep-alive");
            }
        }
    }
    let route = route.unwrap_or_else(|| route_for(req.path.unwrap_or("")));
    let keep_alive = match route {
        Route::BadRequest | Route::ChunkedRequest => false,
        _ if req.version == Some(0) => connection_keep_alive && !connection_close,
        _ => !connection_close,
    };
    Ok(Some(Request {
        head_len,
        body_len,
        head_only: req.method == Some("HEAD"),
        keep_alive,
        route,
    }))
}

/// Most `X-Pad` bytes (`&pad=P`).
const MAX_PAD: usize = 60_000;

/// `/sized?n=N[&pad=P]` (other query parameters ignored; the last `n` or `pad` wins).
fn route_for(target: &str) -> Route {
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    if path != "/sized" {
        return Route::NotFound;
    }
    let (mut n, mut pad) = (0, 0);
    for pair in query.split('&') {
        if let Some(v) = pair.strip_prefix("n=") {
            match v.parse() {
                Ok(v) => n = v,
                Err(_) => return Route::BadRequest,
            }
        } else if let Some(v) = pair.strip_prefix("pad=") {
            match v.parse() {
                Ok(v) if v <= MAX_PAD => pad = v,
                _ => return Route::BadRequest,
            }
        }
    }
    Route::Sized(n, pad)
}

/// Serves one connection until the client closes it, a response closes it, or an I/O error.
fn serve(mut stream: TcpStream) {
    let _ = stream.set_nodelay(true);
    let _ = serve_requests(&mut stream);
}

/// [`serve`] over TLS: the handshake happens on the first read.
fn serve_tls(stream: TcpStream, config: Arc<ServerConfig>) {
    let _ = stream.set_nodelay(true);
    let Ok(mut conn) = ServerConnection::new(config) else {
        return;
    };
    conn.set_buffer_limit(Some(TLS_BUFFER));
    let mut tls = StreamOwned::new(conn, stream);
    if std::env::var_os("BENCH_SERVER_LOG_TLS").is_some() {
        // Finish the handshake first, to name what was negotiated.
        while tls.conn.is_handshaking() {
            if tls.conn.complete_io(&mut tls.sock).is_err() {
                return;
            }
        }
        eprintln!(
            "bench-server: TLS {:?} {:?}",
            tls.conn.protocol_version(),
            tls.conn.negotiated_cipher_suite().map(|s| s.suite())
        );
    }
    if serve_requests(&mut tls).is_ok() {
        tls.conn.send_close_notify();
        let _ = tls.flush();
    }
}

fn serve_requests<S: Read + Write>(stream: &mut S) -> io::Result<()> {
    let mut buf: Vec<u8> = Vec::with_capacity(READ_SIZE);
    let mut start = 0;
    // Responses to the requests parsed from one read, written together.
    let mut out: Vec<u8> = Vec::with_capacity(SMALL_BODY + 1024);
    loop {
        let parsed = parse_request(&buf[start..]);
        let req = match parsed {
            Ok(Some(req)) => req,
            Ok(None) if buf.len() - start > MAX_HEAD => {
                respond_error(&mut out, "431 Request Header Fields Too Large");
                return stream.write_all(&out);
            }
            Ok(None) => {
                if !out.is_empty() {
                    stream.write_all(&out)?;
                    out.clear();
                }
                // Compact, then read more.
                buf.drain(..start);
                start = 0;
                let old = buf.len();
                buf.resize(old + READ_SIZE, 0);
                let n = read_retrying(stream, &mut buf[old..])?;
                buf.truncate(old + n);
                if n == 0 {
                    return Ok(());
                }
                continue;
            }
            Err(_) => {
                respond_error(&mut out, "400 Bad Request");
                return stream.write_all(&out);
            }
        };
        start += req.head_len;
        // Skip the request body: what is buffered, then straight from the socket.
        let buffered = (buf.len() - start) as u64;
        let from_buf = req.body_len.min(buffered);
        start += from_buf as usize;
        discard(stream, req.body_len - from_buf)?;

        match req.route {
            Route::Sized(n, pad) => {
                write_head(&mut out, "200 OK", n, req.keep_alive, pad);
                if !req.head_only {
                    if n <= SMALL_BODY as u64 {
                        out.extend_from_slice(&body_block()[..n as usize]);
                    } else {
                        stream.write_all(&out)?;
                        out.clear();
                        write_body(stream, n)?;
                    }
                }
            }
            Route::NotFound => {
                write_head(&mut out, "404 Not Found", 10, req.keep_alive, 0);
                if !req.head_only {
                    out.extend_from_slice(b"not found\n");
                }
            }
            Route::BadRequest => respond_error(&mut out, "400 Bad Request"),
            Route::ChunkedRequest => respond_error(&mut out, "501 Not Implemented"),
        }
        if !req.keep_alive {
            return stream.write_all(&out);
        }
    }
}

fn write_head(out: &mut Vec<u8>, status: &str, content_length: u64, keep_alive: bool, pad: usize) {
    // Writing into a Vec can't fail.
    let _ = write!(
        out,
        "HTTP/1.1 {status}\r\nContent-Length: {content_length}\r\n"
    );
    if pad > 0 {
        out.extend_from_slice(b"X-Pad: ");
        out.resize(out.len() + pad, b'p');
        out.extend_from_slice(b"\r\n");
    }
    if !keep_alive {
        out.extend_from_slice(b"Connection: close\r\n");
    }
    out.extend_from_slice(b"\r\n");
}

/// A short text response that closes the connection.
fn respond_error(out: &mut Vec<u8>, status: &str) {
    write_head(out, status, status.len() as u64 + 1, false, 0);
    out.extend_from_slice(status.as_bytes());
    out.push(b'\n');
}

/// `n` pattern bytes, in writes of up to one whole block.
fn write_body<S: Write>(stream: &mut S, n: u64) -> io::Result<()> {
    let block = body_block();
    let mut left = n;
    while left > 0 {
        let len = left.min(block.len() as u64) as usize;
        stream.write_all(&block[..len])?;
        left -= len as u64;
    }
    Ok(())
}

/// Reads and drops `n` bytes (an early EOF ends it quietly; the next read sees it again).
fn discard<S: Read>(stream: &mut S, mut n: u64) -> io::Result<()> {
    let mut scratch = [0u8; 8192];
    while n > 0 {
        let want = n.min(scratch.len() as u64) as usize;
        let got = read_retrying(stream, &mut scratch[..want])?;
        if got == 0 {
            break;
        }
        n -= got as u64;
    }
    Ok(())
}

fn read_retrying<S: Read>(stream: &mut S, buf: &mut [u8]) -> io::Result<usize> {
    loop {
        match stream.read(buf) {
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            r => return r,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn block_repeats_the_pattern_seamlessly() {
        let block = body_block();
        assert_eq!(block.len() % PATTERN.len(), 0);
        assert_eq!(&block[..5], b"abcde");
        assert_eq!(block[block.len() - 1], b'9');
    }

    #[test]
    fn routes() {
        assert_eq!(route_for("/sized?n=100"), Route::Sized(100, 0));
        assert_eq!(route_for("/sized?x=1&n=7&pad=300"), Route::Sized(7, 300));
        assert_eq!(route_for("/sized"), Route::Sized(0, 0));
        assert_eq!(route_for("/sized?pad=60001"), Route::BadRequest);
        assert_eq!(route_for("/sized?n=abc"), Route::BadRequest);
        assert_eq!(route_for("/other?n=1"), Route::NotFound);
    }

    #[test]
    fn parses_keep_alive_and_bodies() {
        let r = parse_request(b"GET /sized?n=3 HTTP/1.1\r\nHost: x\r\n\r\nrest")
            .unwrap()
            .unwrap();
        assert_eq!(r.head_len, 36);
        assert!(r.keep_alive && !r.head_only);
        assert_eq!(r.route, Route::Sized(3, 0));

        let r = parse_request(b"HEAD /sized HTTP/1.0\r\n\r\n")
            .unwrap()
            .unwrap();
        assert!(!r.keep_alive && r.head_only);

        let r =
            parse_request(b"POST /x HTTP/1.1\r\nContent-Length: 5\r\nConnection: Close\r\n\r\n")
                .unwrap()
                .unwrap();
        assert_eq!(r.body_len, 5);
        assert!(!r.keep_alive);
        assert_eq!(r.route, Route::NotFound);

        assert_eq!(parse_request(b"GET /sized HTTP/1.1\r\nHo").unwrap(), None);
        assert!(parse_request(b"\x01\x02 nonsense\r\n\r\n").is_err());
    }
}
