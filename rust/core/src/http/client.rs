//! [`HttpClient`]: the driver behind `RustHTTPClient`. It owns the socket and runs Godot's
//! `HTTPClient` status machine, poll by poll, using the sans-IO pieces of this module.
//!
//! ```text
//!                connect_to_host(hostname)          connect_to_host(IP literal)
//!  DISCONNECTED ───────────────────────▶ RESOLVING ──────────────┐
//!       ▲                                  │ resolved            ▼
//!       │ close()                          └──────────────▶ CONNECTING ──(all addresses fail)──▶ CANT_CONNECT
//!       │                     (look-up failed) ▶ CANT_RESOLVE     │ TCP up
//!       │                                                         ▼
//!       │            ┌──────────────────────────────────────▶ CONNECTED ◀────────────┐
//!       │            │ head with no body (204/304)                │ request()         │ body complete
//!       │            │                                            ▼                   │
//!       │            └─────────────────────────────────────── REQUESTING ──(head)──▶ BODY
//!       │                                                                             │
//!       └──────────────────────── body read until the server closed ─────────────────┘
//!
//!  any I/O error, EOF mid-response, or a protocol violation ──▶ CONNECTION_ERROR
//! ```
//!
//! Work per call is bounded: `poll()` does at most one transition (REQUESTING may send and read
//! the head in one call, as Godot does), reads at most `max_head_bytes` plus one read, and never
//! blocks unless `blocking` is set. `poll()` in BODY does no system call: the body is read by
//! [`HttpClient::read_response_body_chunk`], straight into the caller's buffer.
//!
//! Errors come back as [`HttpError`]; [`HttpError::message`] is `None` for the silent repeats
//! (polling an error state again), so the extension reports each failure exactly once.

use super::chunked::{decode_next, ChunkStep};
use super::error::{protocol, HttpError};
use super::request::{self, Method, RequestParts};
use super::response::{parse_head, Framing, HeadParse};
use crate::config::HttpLimits;
use crate::net::resolve::{Resolve, ResolveState};
use crate::net::tcp::{ConnectProgress, Connecting, Transport};
use std::collections::VecDeque;
use std::io;
use std::net::{IpAddr, SocketAddr};
use std::time::Instant;

/// Godot's `HTTPClient.Status`, same values.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    Disconnected = 0,
    Resolving = 1,
    CantResolve = 2,
    Connecting = 3,
    CantConnect = 4,
    Connected = 5,
    Requesting = 6,
    Body = 7,
    ConnectionError = 8,
    TlsHandshakeError = 9,
}

/// What `connect_to_host` was given for TLS (read from Godot's `TLSOptions` by the extension).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TlsClientOptions {
    /// `TLSOptions.server(...)`: not valid for a client.
    pub is_server: bool,
    /// `TLSOptions.client_unsafe(...)`.
    pub unsafe_client: bool,
    /// PEM of `trusted_chain`, if one was given.
    pub trusted_ca_pem: Option<String>,
    pub common_name_override: String,
}

/// Where a body ends.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum BodyState {
    Empty,
    Sized { left: u64 },
    Chunked,
    UntilClose,
}

enum State {
    Disconnected,
    Resolving {
        job: Resolve,
    },
    CantResolve,
    Connecting {
        attempt: Connecting,
        candidates: VecDeque<IpAddr>,
        deadline: Instant,
    },
    CantConnect,
    Connected,
    Requesting {
        out: Vec<u8>,
        sent: usize,
        interim_seen: usize,
    },
    Body(BodyState),
    ConnectionError,
}

/// A buffer the body is read into. `RustHTTPClient` implements it over `PackedByteArray`, so
/// socket reads land directly in Godot's memory.
pub trait BodyBuffer {
    fn resize(&mut self, len: usize);
    fn as_mut_slice(&mut self) -> &mut [u8];
}

impl BodyBuffer for Vec<u8> {
    fn resize(&mut self, len: usize) {
        Vec::resize(self, len, 0);
    }
    fn as_mut_slice(&mut self) -> &mut [u8] {
        self
    }
}

/// Bytes received and not consumed yet, with a read cursor so consuming is O(1).
#[derive(Default)]
struct RecvBuf {
    buf: Vec<u8>,
    start: usize,
}

impl RecvBuf {
    fn data(&self) -> &[u8] {
        &self.buf[self.start..]
    }
    fn len(&self) -> usize {
        self.buf.len() - self.start
    }
    fn consume(&mut self, n: usize) {
        self.start += n.min(self.len());
        if self.start == self.buf.len() {
            self.buf.clear();
            self.start = 0;
        }
    }
    fn clear(&mut self) {
        self.buf.clear();
        self.start = 0;
    }
    /// Moves up to `out.len()` buffered bytes into `out`.
    fn take_into(&mut self, out: &mut [u8]) -> usize {
        let n = out.len().min(self.len());
        out[..n].copy_from_slice(&self.buf[self.start..self.start + n]);
        self.consume(n);
        n
    }
    /// Reads once from `conn` into the buffer, up to `max` bytes.
    fn fill_from(
        &mut self,
        conn: &mut dyn Transport,
        max: usize,
        blocking: bool,
    ) -> io::Result<Option<usize>> {
        if self.start > 0 {
            self.buf.drain(..self.start);
            self.start = 0;
        }
        let old = self.buf.len();
        self.buf.resize(old + max, 0);
        let r = conn.read(&mut self.buf[old..], blocking);
        let got = match &r {
            Ok(Some(n)) => *n,
            _ => 0,
        };
        self.buf.truncate(old + got);
        r
    }
}

/// The HTTP/1.1 client connection behind `RustHTTPClient`.
pub struct HttpClient {
    limits: HttpLimits,
    state: State,
    conn: Option<Box<dyn Transport>>,
    recv: RecvBuf,
    // Target, as given to connect_to_host (after prefix stripping) and the default port applied.
    conn_host: String,
    conn_port: u16,
    tls: Option<TlsClientOptions>,
    // Where TCP actually goes (the target, or the HTTP proxy).
    server_port: u16,
    // Last response.
    response_code: i32,
    response_headers: Vec<String>,
    chunked: bool,
    body_length: i64,
    head_request: bool,
    // Settings.
    read_chunk_size: usize,
    blocking: bool,
    http_proxy: Option<(String, u16)>,
    https_proxy: Option<(String, u16)>,
    user_agent: String,
}

/// Godot refuses host strings shorter than this (`HOST_MIN_LEN`).
pub const HOST_MIN_LEN: usize = 4;
/// `read_chunk_size` bounds, as Godot's setter checks them.
pub const READ_CHUNK_SIZE_RANGE: std::ops::RangeInclusive<usize> = 256..=(1 << 24);

impl Default for HttpClient {
    fn default() -> Self {
        Self::new(HttpLimits::default())
    }
}

impl HttpClient {
    pub fn new(limits: HttpLimits) -> Self {
        HttpClient {
            limits,
            state: State::Disconnected,
            conn: None,
            recv: RecvBuf::default(),
            conn_host: String::new(),
            conn_port: 0,
            tls: None,
            server_port: 0,
            response_code: 0,
            response_headers: Vec::new(),
            chunked: false,
            body_length: -1,
            head_request: false,
            read_chunk_size: 65536,
            blocking: false,
            http_proxy: None,
            https_proxy: None,
            user_agent: "RustNet".into(),
        }
    }

    /// The status Godot scripts see: derived from the internal state in this one place.
    pub fn status(&self) -> Status {
        match &self.state {
            State::Disconnected => Status::Disconnected,
            State::Resolving { .. } => Status::Resolving,
            State::CantResolve => Status::CantResolve,
            State::Connecting { .. } => Status::Connecting,
            State::CantConnect => Status::CantConnect,
            State::Connected => Status::Connected,
            State::Requesting { .. } => Status::Requesting,
            State::Body(_) => Status::Body,
            State::ConnectionError => Status::ConnectionError,
        }
    }

    // ----- settings -------------------------------------------------------------------------

    pub fn limits(&self) -> &HttpLimits {
        &self.limits
    }
    /// Changes the limits; they apply from the next connect or response.
    pub fn limits_mut(&mut self) -> &mut HttpLimits {
        &mut self.limits
    }
    pub fn set_user_agent(&mut self, ua: &str) {
        self.user_agent = ua.to_string();
    }
    pub fn read_chunk_size(&self) -> usize {
        self.read_chunk_size
    }
    /// Godot's rule: 256..=16 MiB, otherwise an error and the value is unchanged.
    pub fn set_read_chunk_size(&mut self, size: i64) -> Result<(), HttpError> {
        match usize::try_from(size) {
            Ok(s) if READ_CHUNK_SIZE_RANGE.contains(&s) => {
                self.read_chunk_size = s;
                Ok(())
            }
            _ => Err(HttpError::InvalidParameter(format!(
                "read_chunk_size must be between 256 and 16777216, got {size}"
            ))),
        }
    }
    pub fn blocking(&self) -> bool {
        self.blocking
    }
    pub fn set_blocking(&mut self, blocking: bool) {
        self.blocking = blocking;
    }
    /// Godot's rule: an empty host or port -1 clears the proxy. Takes effect at the next connect.
    pub fn set_http_proxy(&mut self, host: &str, port: i64) {
        self.http_proxy = proxy_setting(host, port);
    }
    pub fn set_https_proxy(&mut self, host: &str, port: i64) {
        self.https_proxy = proxy_setting(host, port);
    }

    // ----- response accessors -----------------------------------------------------------------

    pub fn response_code(&self) -> i32 {
        self.response_code
    }
    pub fn has_response(&self) -> bool {
        !self.response_headers.is_empty()
    }
    pub fn is_response_chunked(&self) -> bool {
        self.chunked
    }
    pub fn response_body_length(&self) -> i64 {
        self.body_length
    }
    /// Godot's `get_response_headers`: hands the header lines over and forgets them.
    pub fn take_response_headers(&mut self) -> Vec<String> {
        std::mem::take(&mut self.response_headers)
    }

    // ----- connection -------------------------------------------------------------------------

    /// Drops the connection and every piece of response state (Godot's `close()`). Keeps the
    /// settings and, as Godot does, the `is_response_chunked()` flag.
    pub fn close(&mut self) {
        self.state = State::Disconnected;
        self.conn = None;
        self.recv.clear();
        self.response_code = 0;
        self.response_headers.clear();
        self.body_length = -1;
        self.head_request = false;
    }

    /// Godot's `set_connection`: talk HTTP over a stream the caller already connected. The
    /// status becomes CONNECTED; `Host` keeps the last `connect_to_host` target.
    pub fn set_connection(&mut self, transport: Box<dyn Transport>) {
        self.close();
        self.conn = Some(transport);
        self.state = State::Connected;
    }

    /// Godot's `connect_to_host`. `port < 0` picks 80 or 443. On `Ok` the status is RESOLVING or
    /// CONNECTING; see the module docs for the rest.
    pub fn connect_to_host(
        &mut self,
        host: &str,
        port: i64,
        tls: Option<TlsClientOptions>,
    ) -> Result<(), HttpError> {
        self.close();
        let mut tls = tls;
        let mut host = host;
        if starts_with_ignore_case(host, "http://") {
            host = &host[7..];
            tls = None;
        } else if starts_with_ignore_case(host, "https://") {
            host = &host[8..];
            tls = Some(tls.unwrap_or_default());
        }
        if tls.as_ref().is_some_and(|t| t.is_server) {
            return Err(HttpError::InvalidParameter(
                "TLSOptions for a server can't be used by a client".into(),
            ));
        }
        if tls.is_some() {
            return Err(HttpError::Unavailable(
                "HTTPS is not available yet in this RustNet release".into(),
            ));
        }
        if host.chars().count() < HOST_MIN_LEN {
            return Err(HttpError::InvalidParameter(format!(
                "host '{host}' is shorter than {HOST_MIN_LEN} characters"
            )));
        }
        let use_tls = tls.is_some();
        let port = if port < 0 {
            if use_tls {
                443
            } else {
                80
            }
        } else {
            port
        };
        self.conn_host = host.to_string();
        self.tls = tls;
        // Godot lets a bad port through to the socket, which refuses it: ERR_INVALID_PARAMETER.
        let port_ok = (1..=65535).contains(&port);
        self.conn_port = if port_ok { port as u16 } else { 0 };

        let (server_host, server_port) = match (&self.http_proxy, use_tls) {
            (Some((ph, pp)), false) => (ph.clone(), *pp),
            _ => (self.conn_host.clone(), self.conn_port),
        };
        self.server_port = server_port;
        let literal = server_host.trim_start_matches('[').trim_end_matches(']');
        if let Ok(ip) = literal.parse::<IpAddr>() {
            if !port_ok {
                self.state = State::CantConnect;
                return Err(HttpError::InvalidParameter(format!(
                    "port {port} is outside 1..65535"
                )));
            }
            return match self.start_connect(VecDeque::from([ip])) {
                Ok(()) => Ok(()),
                Err(e) => {
                    self.state = State::CantConnect;
                    Err(e)
                }
            };
        }
        match Resolve::start(&server_host, self.limits.max_concurrent_resolves) {
            Ok(job) => {
                self.state = State::Resolving { job };
                Ok(())
            }
            Err(e) => {
                self.state = State::CantResolve;
                Err(HttpError::CantResolve(format!("{server_host}: {e}")))
            }
        }
    }

    /// Starts connecting to the first candidate that accepts a connect call.
    fn start_connect(&mut self, mut candidates: VecDeque<IpAddr>) -> Result<(), HttpError> {
        let mut last = HttpError::CantConnect("no address to connect to".into());
        if self.server_port == 0 {
            return Err(HttpError::InvalidParameter(
                "port is outside 1..65535".into(),
            ));
        }
        while let Some(ip) = candidates.pop_front() {
            let addr = SocketAddr::new(ip, self.server_port);
            match Connecting::start(addr) {
                Ok(attempt) => {
                    let deadline = Instant::now() + self.limits.connect_timeout;
                    self.state = State::Connecting {
                        attempt,
                        candidates,
                        deadline,
                    };
                    return Ok(());
                }
                Err(e) => last = HttpError::Failed(format!("connect to {addr}: {e}")),
            }
        }
        Err(last)
    }

    /// Godot's `request` / `request_raw`: validates, encodes, and queues the request. Nothing
    /// is sent until the next `poll()`.
    pub fn request<S: AsRef<str>>(
        &mut self,
        method: i64,
        url: &str,
        headers: &[S],
        body: &[u8],
    ) -> Result<(), HttpError> {
        let method = Method::from_index(method).ok_or_else(|| {
            HttpError::InvalidParameter(format!("method {method} is not a Method value"))
        })?;
        request::check_target(method, url)?;
        if !matches!(self.state, State::Connected) {
            return Err(HttpError::InvalidParameter(format!(
                "request() needs STATUS_CONNECTED, the status is {:?}",
                self.status()
            )));
        }
        request::verify_headers(headers)?;
        let use_tls = self.tls.is_some();
        let host_header = request::host_header_value(&self.conn_host, self.conn_port, use_tls);
        let proxied_target;
        let target = if !use_tls && self.http_proxy.is_some() {
            // Absolute form, always with the port, as Godot sends it.
            let host = request::bracket_ipv6(&self.conn_host);
            proxied_target = format!("http://{host}:{}{url}", self.conn_port);
            proxied_target.as_str()
        } else {
            url
        };
        let out = request::encode(&RequestParts {
            method,
            target,
            headers,
            host_header: &host_header,
            user_agent: &self.user_agent,
            body,
        });
        self.head_request = method == Method::Head;
        self.state = State::Requesting {
            out,
            sent: 0,
            interim_seen: 0,
        };
        Ok(())
    }

    // ----- poll -------------------------------------------------------------------------------

    /// Godot's `poll()`: advances the state machine by at most one step.
    pub fn poll(&mut self) -> Result<(), HttpError> {
        let result = match &mut self.state {
            State::Disconnected => Err(HttpError::Unconfigured),
            State::CantResolve => Err(HttpError::CantResolve(String::new())),
            State::CantConnect => Err(HttpError::CantConnect(String::new())),
            State::ConnectionError => Err(HttpError::Connection(String::new())),
            State::Body(_) => Ok(()),
            State::Resolving { job } => match job.poll() {
                ResolveState::Pending => Ok(()),
                ResolveState::Done(ips) => {
                    let r = self.start_connect(ips.into());
                    if r.is_err() {
                        self.close();
                        self.state = State::CantConnect;
                    }
                    r
                }
                ResolveState::Failed(why) => {
                    let host = self.conn_host.clone();
                    self.close();
                    self.state = State::CantResolve;
                    Err(HttpError::CantResolve(format!("{host}: {why}")))
                }
            },
            State::Connecting {
                attempt,
                candidates,
                deadline,
            } => {
                let progress = match attempt.poll() {
                    ConnectProgress::Pending if Instant::now() >= *deadline => {
                        ConnectProgress::Failed(io::ErrorKind::TimedOut.into())
                    }
                    p => p,
                };
                match progress {
                    ConnectProgress::Pending => Ok(()),
                    ConnectProgress::Connected(conn) => {
                        self.conn = Some(Box::new(conn));
                        self.state = State::Connected;
                        Ok(())
                    }
                    ConnectProgress::Failed(e) => {
                        let rest = std::mem::take(candidates);
                        let port = self.server_port;
                        if !rest.is_empty() && self.start_connect(rest).is_ok() {
                            Ok(())
                        } else {
                            let host = self.conn_host.clone();
                            self.close();
                            self.state = State::CantConnect;
                            Err(HttpError::CantConnect(format!("{host}:{port}: {e}")))
                        }
                    }
                }
            }
            State::Connected => self.check_idle_connection(),
            State::Requesting { .. } => self.poll_requesting(),
        };
        result
    }

    /// CONNECTED: is the idle keep-alive connection still up? One non-blocking read.
    fn check_idle_connection(&mut self) -> Result<(), HttpError> {
        let Some(conn) = self.conn.as_mut() else {
            return self.fail_soft("connection lost");
        };
        if self.recv.len() > 0 {
            return self.fail_hard(protocol(format!(
                "the server sent {} bytes that belong to no request; closing the connection",
                self.recv.len()
            )));
        }
        let mut probe = [0u8; 1];
        match conn.read(&mut probe, false) {
            Ok(None) => Ok(()),
            Ok(Some(0)) => self.fail_soft("the server closed the connection"),
            Ok(Some(_)) => self.fail_hard(protocol(
                "the server sent bytes that belong to no request; closing the connection",
            )),
            Err(e) => self.fail_soft(&format!("connection lost: {e}")),
        }
    }

    /// Godot keeps the socket after an idle-connection failure; we do too (until `close()`).
    fn fail_soft(&mut self, why: &str) -> Result<(), HttpError> {
        self.state = State::ConnectionError;
        Err(HttpError::Connection(why.to_string()))
    }

    /// Closes the connection (framing can't be trusted any more) and reports CONNECTION_ERROR.
    fn fail_hard(&mut self, err: HttpError) -> Result<(), HttpError> {
        self.close();
        self.state = State::ConnectionError;
        Err(err)
    }

    /// REQUESTING: send what is left of the request, then read and parse the response head.
    fn poll_requesting(&mut self) -> Result<(), HttpError> {
        let blocking = self.blocking;
        let State::Requesting { out, sent, .. } = &mut self.state else {
            return Ok(());
        };
        let Some(conn) = self.conn.as_mut() else {
            return self.fail_hard(HttpError::Connection("connection lost".into()));
        };
        while *sent < out.len() {
            match conn.write(&out[*sent..], blocking) {
                Ok(0) => return Ok(()), // socket buffer full; continue next poll
                Ok(n) => *sent += n,
                Err(e) => {
                    return self.fail_hard(HttpError::Connection(format!(
                        "sending the request failed: {e}"
                    )))
                }
            }
        }
        if !out.is_empty() {
            *out = Vec::new(); // free the request buffer once it is on the wire
        }
        // Read the head: parse what we have, read more only when it is incomplete. Bounded by
        // the head size limit (each read adds up to head_read_size bytes).
        loop {
            match parse_head(self.recv.data(), self.head_request, &self.limits) {
                Err(e) => return self.fail_hard(e),
                Ok(HeadParse::Interim { consumed }) => {
                    self.recv.consume(consumed);
                    let State::Requesting { interim_seen, .. } = &mut self.state else {
                        return Ok(());
                    };
                    *interim_seen += 1;
                    if *interim_seen > self.limits.max_interim_responses {
                        let n = self.limits.max_interim_responses;
                        return self.fail_hard(HttpError::LimitExceeded(format!(
                            "more than {n} interim (1xx) responses"
                        )));
                    }
                }
                Ok(HeadParse::Final { head, consumed }) => {
                    self.recv.consume(consumed);
                    self.response_code = i32::from(head.code);
                    self.response_headers = head.headers;
                    self.chunked = head.chunked;
                    self.body_length = head.body_length;
                    self.state = match head.framing {
                        Framing::None => State::Connected,
                        Framing::Empty => State::Body(BodyState::Empty),
                        Framing::Sized(n) => State::Body(BodyState::Sized { left: n }),
                        Framing::Chunked => State::Body(BodyState::Chunked),
                        Framing::UntilClose => State::Body(BodyState::UntilClose),
                    };
                    return Ok(());
                }
                Ok(HeadParse::Partial) => {
                    let Some(conn) = self.conn.as_mut() else {
                        return Ok(());
                    };
                    let want = self.limits.head_read_size;
                    match self.recv.fill_from(conn.as_mut(), want, blocking) {
                        Ok(None) => return Ok(()),
                        Ok(Some(0)) => {
                            return self.fail_hard(HttpError::Connection(
                                "the server closed the connection before a complete response head"
                                    .into(),
                            ))
                        }
                        Ok(Some(_)) => continue,
                        Err(e) => {
                            return self.fail_hard(HttpError::Connection(format!(
                                "reading the response failed: {e}"
                            )))
                        }
                    }
                }
            }
        }
    }

    // ----- body -------------------------------------------------------------------------------

    /// Godot's `read_response_body_chunk`: fills `out` with the next piece of the body (maybe
    /// empty) and moves to CONNECTED or DISCONNECTED when the body ends. Sized and close-delimited
    /// bodies give up to `read_chunk_size` bytes; chunked bodies give one whole chunk per call.
    ///
    /// An error still leaves the bytes already read in `out`.
    pub fn read_response_body_chunk(&mut self, out: &mut impl BodyBuffer) -> Result<(), HttpError> {
        let State::Body(body) = self.state else {
            out.resize(0);
            return Err(HttpError::Unconfigured);
        };
        match body {
            BodyState::Empty => {
                out.resize(0);
                self.state = State::Connected;
                Ok(())
            }
            BodyState::Sized { left } => {
                let want = (self.read_chunk_size as u64).min(left) as usize;
                let (got, eof) = self.read_raw(out, want);
                let left = left - got as u64;
                match eof {
                    Err(e) => self.fail_hard(e),
                    Ok(true) if left > 0 => {
                        let len = self.body_length;
                        self.fail_hard(protocol(format!(
                            "the server closed the connection {left} bytes before the end of a {len}-byte body"
                        )))
                    }
                    _ => {
                        self.state = if left == 0 {
                            State::Connected
                        } else {
                            State::Body(BodyState::Sized { left })
                        };
                        Ok(())
                    }
                }
            }
            BodyState::UntilClose => {
                let want = self.read_chunk_size;
                let (_, eof) = self.read_raw(out, want);
                match eof {
                    Err(e) => self.fail_hard(e),
                    Ok(true) => {
                        // The server's close ends this body: that is success (Godot: DISCONNECTED).
                        self.close();
                        Ok(())
                    }
                    Ok(false) => Ok(()),
                }
            }
            BodyState::Chunked => self.read_chunk(out),
        }
    }

    /// Reads up to `want` bytes into `out` (buffered bytes first, then the socket directly).
    /// Non-blocking: stops when the socket has nothing more. Blocking: stops at `want` or EOF.
    /// Returns the count (and `out` is resized to it) and whether EOF was seen.
    fn read_raw(
        &mut self,
        out: &mut impl BodyBuffer,
        want: usize,
    ) -> (usize, Result<bool, HttpError>) {
        out.resize(want);
        let slice = out.as_mut_slice();
        let mut got = self.recv.take_into(slice);
        let mut result = Ok(false);
        if let Some(conn) = self.conn.as_mut() {
            while got < want {
                match conn.read(&mut slice[got..], self.blocking) {
                    Ok(None) => break,
                    Ok(Some(0)) => {
                        result = Ok(true);
                        break;
                    }
                    Ok(Some(n)) => got += n,
                    Err(e) => {
                        result = Err(HttpError::Connection(format!(
                            "reading the body failed: {e}"
                        )));
                        break;
                    }
                }
            }
        } else if got < want {
            result = Ok(true);
        }
        out.resize(got);
        (got, result)
    }

    /// One whole chunk (or the end of the body) per call, as Godot returns them.
    fn read_chunk(&mut self, out: &mut impl BodyBuffer) -> Result<(), HttpError> {
        out.resize(0);
        // Bounded: each pass either returns or reads once; the buffer is capped by the decoder's
        // limits (it errors before a chunk line, chunk or trailer grows past them).
        loop {
            match decode_next(self.recv.data(), &self.limits) {
                Err(e) => return self.fail_hard(e),
                Ok(ChunkStep::Chunk { data, consumed }) => {
                    out.resize(data.len());
                    out.as_mut_slice().copy_from_slice(&self.recv.data()[data]);
                    self.recv.consume(consumed);
                    return Ok(());
                }
                Ok(ChunkStep::End { consumed }) => {
                    self.recv.consume(consumed);
                    self.state = State::Connected;
                    return Ok(());
                }
                Ok(ChunkStep::NeedMore { buffered_needed }) => {
                    let Some(conn) = self.conn.as_mut() else {
                        return self.fail_hard(protocol("connection lost in a chunked body"));
                    };
                    let have = self.recv.len();
                    let want = match buffered_needed {
                        Some(total) => total
                            .saturating_sub(have)
                            .max(1)
                            .min(self.limits.max_chunk_size + 2),
                        None => self.limits.head_read_size,
                    };
                    match self.recv.fill_from(conn.as_mut(), want, self.blocking) {
                        Ok(None) => return Ok(()),
                        Ok(Some(0)) => {
                            return self.fail_hard(protocol(
                                "the server closed the connection in the middle of a chunked body",
                            ))
                        }
                        Ok(Some(_)) => {}
                        Err(e) => {
                            return self.fail_hard(HttpError::Connection(format!(
                                "reading the body failed: {e}"
                            )))
                        }
                    }
                }
            }
        }
    }
}

fn proxy_setting(host: &str, port: i64) -> Option<(String, u16)> {
    if host.is_empty() || port == -1 {
        return None;
    }
    Some((host.to_string(), u16::try_from(port).unwrap_or(0)))
}

fn starts_with_ignore_case(s: &str, prefix: &str) -> bool {
    s.len() >= prefix.len() && s.as_bytes()[..prefix.len()].eq_ignore_ascii_case(prefix.as_bytes())
}
