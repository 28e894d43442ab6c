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
use super::decode::ContentDecoder;
use super::error::{protocol, HttpError};
use super::request::{self, Method, RequestParts};
use super::response::{parse_head, Framing, HeadParse};
use crate::config::HttpLimits;
use crate::net::resolve::{Resolve, ResolveState};
use crate::net::tcp::{ConnectProgress, Connecting, Transport};
use crate::tls::pinning::Pin;
use crate::tls::{config::client_config, TlsSettings, TlsStream};
use std::collections::VecDeque;
use std::io;
use std::net::{IpAddr, SocketAddr};
use std::time::{Duration, Instant};

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

pub use crate::tls::TlsClientOptions;

/// Where a body ends.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum BodyState {
    Empty,
    Sized {
        left: u64,
    },
    Chunked,
    UntilClose,
    /// The raw body has ended; decoded bytes are still being handed out (`accept_gzip`).
    Draining,
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
    /// TCP is up to the HTTPS proxy; the CONNECT request is being sent and answered.
    ProxyTunnel {
        out: Vec<u8>,
        sent: usize,
    },
    /// TLS handshake in progress (Godot shows STATUS_CONNECTING).
    TlsHandshake {
        stream: Box<TlsStream>,
        deadline: Option<Instant>,
    },
    CantConnect,
    Connected,
    Requesting {
        out: Vec<u8>,
        sent: usize,
        interim_seen: usize,
        /// Set once the request is sent, when `response_timeout` is on.
        head_deadline: Option<Instant>,
    },
    Body(BodyState),
    ConnectionError,
    TlsHandshakeError,
}

/// Decoding state of a `Content-Encoding` body (`accept_gzip`).
struct BodyDecoding {
    decoder: ContentDecoder,
    /// Compressed bytes received and not decoded yet (at most one raw read).
    pending: Vec<u8>,
    /// Where the raw body left the client once it ended, entered when all is handed out.
    final_state: Option<State>,
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

/// Bytes received and not consumed yet: `buf[start..end]`, with a read cursor so consuming is
/// O(1). `buf` stays allocated and initialised between reads (its length only grows), so a read
/// never zero-fills its destination first: zeroing 64 KiB per head read was ~16% of the client's
/// CPU time in the keep-alive benchmark (`scripts/bench.sh http`).
#[derive(Default)]
struct RecvBuf {
    buf: Vec<u8>,
    start: usize,
    end: usize,
}

impl RecvBuf {
    fn data(&self) -> &[u8] {
        &self.buf[self.start..self.end]
    }
    fn len(&self) -> usize {
        self.end - self.start
    }
    fn consume(&mut self, n: usize) {
        self.start += n.min(self.len());
        if self.start == self.end {
            self.start = 0;
            self.end = 0;
        }
    }
    fn clear(&mut self) {
        self.start = 0;
        self.end = 0;
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
            self.buf.copy_within(self.start..self.end, 0);
            self.end -= self.start;
            self.start = 0;
        }
        let limit = self.end + max;
        if self.buf.len() < limit {
            self.buf.resize(limit, 0);
        }
        let r = conn.read(&mut self.buf[self.end..limit], blocking);
        if let Ok(Some(n)) = &r {
            self.end += (*n).min(max);
        }
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
    // TLS and the features beyond Godot's client (all off by default).
    tls_settings: TlsSettings,
    via_https_proxy: bool,
    connect_timeout: Option<Duration>,
    tls_handshake_timeout: Option<Duration>,
    response_timeout: Option<Duration>,
    accept_gzip: bool,
    decoding: Option<BodyDecoding>,
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
            tls_settings: TlsSettings::default(),
            via_https_proxy: false,
            connect_timeout: None,
            tls_handshake_timeout: None,
            response_timeout: None,
            accept_gzip: false,
            decoding: None,
        }
    }

    /// The status Godot scripts see: derived from the internal state in this one place.
    pub fn status(&self) -> Status {
        match &self.state {
            State::Disconnected => Status::Disconnected,
            State::Resolving { .. } => Status::Resolving,
            State::CantResolve => Status::CantResolve,
            State::Connecting { .. } | State::ProxyTunnel { .. } | State::TlsHandshake { .. } => {
                Status::Connecting
            }
            State::CantConnect => Status::CantConnect,
            State::Connected => Status::Connected,
            State::Requesting { .. } => Status::Requesting,
            State::Body(_) => Status::Body,
            State::ConnectionError => Status::ConnectionError,
            State::TlsHandshakeError => Status::TlsHandshakeError,
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
    /// Trust roots replacing Mozilla's for `client()` without a CA (Godot's
    /// `network/tls/certificate_bundle_override`), and the TLS 1.3 switch.
    pub fn set_tls_defaults(&mut self, roots_override_pem: Option<String>, enable_tls13: bool) {
        self.tls_settings.roots_override_pem = roots_override_pem;
        self.tls_settings.enable_tls13 = enable_tls13;
    }
    /// Public-key pins (see [`crate::tls::pinning`]); empty turns pinning off.
    pub fn set_pinned_public_keys(&mut self, pins: Vec<Pin>) {
        self.tls_settings.pins = pins;
    }
    /// Overrides `limits.connect_timeout` (Godot's project setting) per connection attempt;
    /// when it fires, `poll()` reports [`HttpError::Timeout`] rather than a plain failure.
    pub fn set_connect_timeout(&mut self, timeout: Option<Duration>) {
        self.connect_timeout = timeout;
    }
    /// `None` (the default): no limit, as in Godot.
    pub fn set_tls_handshake_timeout(&mut self, timeout: Option<Duration>) {
        self.tls_handshake_timeout = timeout;
    }
    /// Time allowed from the request being sent to the complete response head; `None`: no limit.
    pub fn set_response_timeout(&mut self, timeout: Option<Duration>) {
        self.response_timeout = timeout;
    }
    /// Ask for, and decode, `gzip`/`deflate` bodies.
    pub fn set_accept_gzip(&mut self, on: bool) {
        self.accept_gzip = on;
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
        self.decoding = None;
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
        // The host goes into the `Host` header, the proxy's request line and SNI: whitespace or
        // a control character there would forge header lines (Godot sends it unchecked).
        if host.chars().any(|c| c.is_control() || c.is_whitespace()) {
            return Err(HttpError::InvalidParameter(
                "the host contains a space, CR, LF, NUL or other control character".into(),
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

        self.via_https_proxy = use_tls && self.https_proxy.is_some();
        let (server_host, server_port) = match (&self.http_proxy, &self.https_proxy, use_tls) {
            (Some((ph, pp)), _, false) => (ph.clone(), *pp),
            (_, Some((ph, pp)), true) => (ph.clone(), *pp),
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
                    let deadline = Instant::now()
                        + self.connect_timeout.unwrap_or(self.limits.connect_timeout);
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
        let mut all_headers: Vec<&str> = headers.iter().map(|h| h.as_ref()).collect();
        if self.accept_gzip
            && !all_headers
                .iter()
                .any(|h| starts_with_ignore_case(h.trim_start(), "accept-encoding:"))
        {
            all_headers.push("Accept-Encoding: gzip, deflate");
        }
        let headers = all_headers.as_slice();
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
            head_deadline: None,
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
            State::ConnectionError | State::TlsHandshakeError => {
                Err(HttpError::Connection(String::new()))
            }
            State::Body(_) => Ok(()),
            State::ProxyTunnel { .. } => self.poll_proxy_tunnel(),
            State::TlsHandshake { .. } => self.poll_tls_handshake(),
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
                        if self.via_https_proxy {
                            self.start_proxy_tunnel();
                            self.poll_proxy_tunnel()
                        } else if self.tls.is_some() {
                            self.start_tls()
                        } else {
                            self.state = State::Connected;
                            Ok(())
                        }
                    }
                    ConnectProgress::Failed(e) => {
                        let rest = std::mem::take(candidates);
                        let port = self.server_port;
                        if !rest.is_empty() && self.start_connect(rest).is_ok() {
                            Ok(())
                        } else {
                            let host = self.conn_host.clone();
                            let what = format!("{host}:{port}: {e}");
                            // Godot's own timeout (the project setting) is a plain failure to
                            // connect; the connect_timeout property's is reported as ERR_TIMEOUT.
                            let err = if e.kind() == io::ErrorKind::TimedOut
                                && self.connect_timeout.is_some()
                            {
                                HttpError::Timeout(format!("{what} (connect_timeout)"))
                            } else {
                                HttpError::CantConnect(what)
                            };
                            self.fail_connect(err)
                        }
                    }
                }
            }
            State::Connected => self.check_idle_connection(),
            State::Requesting { .. } => self.poll_requesting(),
        };
        result
    }

    /// TCP is up and TLS is wanted: wraps the connection in a TLS session and takes the first
    /// handshake step. A setup failure (bad CA PEM, invalid name) is a handshake error, as in
    /// Godot where `connect_to_stream` fails at once.
    fn start_tls(&mut self) -> Result<(), HttpError> {
        let Some(conn) = self.conn.take() else {
            return self.fail_tls(HttpError::Tls("connection lost".into()));
        };
        let mut settings = self.tls_settings.clone();
        settings.options = self.tls.clone().unwrap_or_default();
        let stream = client_config(&settings, &self.conn_host)
            .map_err(HttpError::Tls)
            .and_then(|(config, name)| {
                TlsStream::new(conn, config, name).map_err(|e| HttpError::Tls(e.0))
            });
        match stream {
            Ok(stream) => {
                let deadline = self.tls_handshake_timeout.map(|t| Instant::now() + t);
                self.state = State::TlsHandshake {
                    stream: Box::new(stream),
                    deadline,
                };
                self.poll_tls_handshake()
            }
            Err(e) => self.fail_tls(e),
        }
    }

    /// CONNECTING over TLS: one non-blocking handshake step.
    fn poll_tls_handshake(&mut self) -> Result<(), HttpError> {
        let State::TlsHandshake { stream, deadline } = &mut self.state else {
            return Ok(());
        };
        match stream.handshake() {
            Ok(true) => {
                if let State::TlsHandshake { stream, .. } =
                    std::mem::replace(&mut self.state, State::Connected)
                {
                    self.conn = Some(stream);
                }
                Ok(())
            }
            Ok(false) if deadline.is_some_and(|d| Instant::now() >= d) => {
                let secs = self.tls_handshake_timeout.unwrap_or_default().as_secs_f64();
                self.fail_tls(HttpError::Timeout(format!(
                    "the TLS handshake with {} took longer than {secs} s (tls_handshake_timeout)",
                    self.conn_host
                )))
            }
            Ok(false) => Ok(()),
            Err(e) => {
                let host = self.conn_host.clone();
                self.fail_tls(HttpError::Tls(format!("{host}: {}", e.0)))
            }
        }
    }

    fn fail_tls(&mut self, err: HttpError) -> Result<(), HttpError> {
        self.close();
        self.state = State::TlsHandshakeError;
        Err(err)
    }

    fn fail_connect(&mut self, err: HttpError) -> Result<(), HttpError> {
        self.close();
        self.state = State::CantConnect;
        Err(err)
    }

    /// Queues `CONNECT host:port` for the HTTPS proxy. Unlike Godot (which sends `Host: :-1`),
    /// the Host header names the target.
    fn start_proxy_tunnel(&mut self) {
        let authority = format!(
            "{}:{}",
            request::bracket_ipv6(&self.conn_host),
            self.conn_port
        );
        let out = request::encode(&RequestParts {
            method: Method::Connect,
            target: &authority,
            headers: &[] as &[&str],
            host_header: &authority,
            user_agent: &self.user_agent,
            body: b"",
        });
        self.state = State::ProxyTunnel { out, sent: 0 };
    }

    /// CONNECTING through an HTTPS proxy: send CONNECT, wait for `200`, then start TLS.
    fn poll_proxy_tunnel(&mut self) -> Result<(), HttpError> {
        let State::ProxyTunnel { out, sent } = &mut self.state else {
            return Ok(());
        };
        let Some(conn) = self.conn.as_mut() else {
            return self.fail_connect(HttpError::CantConnect("proxy connection lost".into()));
        };
        while *sent < out.len() {
            match conn.write(&out[*sent..], false) {
                Ok(0) => return Ok(()),
                Ok(n) => *sent += n,
                Err(e) => {
                    return self.fail_connect(HttpError::CantConnect(format!(
                        "sending CONNECT to the HTTPS proxy failed: {e}"
                    )))
                }
            }
        }
        loop {
            match parse_head(self.recv.data(), false, &self.limits) {
                Err(e) => {
                    return self.fail_connect(HttpError::CantConnect(format!(
                        "the HTTPS proxy's answer is not HTTP: {e}"
                    )))
                }
                Ok(HeadParse::Interim { consumed }) => self.recv.consume(consumed),
                Ok(HeadParse::Final { head, consumed }) => {
                    self.recv.consume(consumed);
                    if head.code != 200 {
                        let code = head.code;
                        return self.fail_connect(HttpError::CantConnect(format!(
                            "the HTTPS proxy refused the tunnel to {}:{} with status {code}",
                            self.conn_host, self.conn_port
                        )));
                    }
                    if self.recv.len() > 0 {
                        return self.fail_connect(HttpError::CantConnect(
                            "the HTTPS proxy sent data before the TLS handshake".into(),
                        ));
                    }
                    return self.start_tls();
                }
                Ok(HeadParse::Partial) => {
                    let Some(conn) = self.conn.as_mut() else {
                        return Ok(());
                    };
                    match self
                        .recv
                        .fill_from(conn.as_mut(), self.limits.head_read_size, false)
                    {
                        Ok(None) => return Ok(()),
                        Ok(Some(0)) => {
                            return self.fail_connect(HttpError::CantConnect(
                                "the HTTPS proxy closed the connection".into(),
                            ))
                        }
                        Ok(Some(_)) => {}
                        Err(e) => {
                            return self.fail_connect(HttpError::CantConnect(format!(
                                "reading the HTTPS proxy's answer failed: {e}"
                            )))
                        }
                    }
                }
            }
        }
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
        let response_timeout = self.response_timeout;
        let State::Requesting {
            out,
            sent,
            head_deadline,
            ..
        } = &mut self.state
        else {
            return Ok(());
        };
        let Some(conn) = self.conn.as_mut() else {
            return self.fail_hard(HttpError::Connection("connection lost".into()));
        };
        if *sent == 0 && !out.is_empty() {
            // Bytes that arrived before this request was sent answer no request of ours (e.g. a
            // body longer than its Content-Length). Read as this request's response, they would
            // be an injected response: the framing is in doubt, so the connection is closed.
            let stray = if self.recv.len() > 0 {
                true
            } else {
                let mut probe = [0u8; 1];
                matches!(conn.read(&mut probe, false), Ok(Some(n)) if n > 0)
            };
            if stray {
                return self.fail_hard(protocol(
                    "the server sent bytes that belong to no request; closing the connection",
                ));
            }
        }
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
            *head_deadline = response_timeout.map(|t| Instant::now() + t);
            if !blocking {
                // As in Godot, the poll that sends the request ends in REQUESTING: a script
                // always sees that status once, even when the answer is already there.
                return Ok(());
            }
        }
        let head_deadline = *head_deadline;
        // Read the head: parse what we have, read more only when it is incomplete. Bounded by
        // the head size limit (each read adds up to head_read_size bytes).
        loop {
            // Nothing buffered yet (every poll until the response arrives): read before parsing.
            let parsed = if self.recv.len() == 0 {
                Ok(HeadParse::Partial)
            } else {
                parse_head(self.recv.data(), self.head_request, &self.limits)
            };
            match parsed {
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
                    self.decoding = None;
                    if let Some(coding) = head.content_coding.filter(|_| self.accept_gzip) {
                        if matches!(
                            head.framing,
                            Framing::Sized(_) | Framing::Chunked | Framing::UntilClose
                        ) {
                            self.body_length = -1; // the decoded length isn't known in advance
                            self.decoding = Some(BodyDecoding {
                                decoder: ContentDecoder::new(coding),
                                pending: Vec::new(),
                                final_state: None,
                            });
                        }
                    }
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
                        Ok(None) => {
                            if head_deadline.is_some_and(|d| Instant::now() >= d) {
                                let secs = self.response_timeout.unwrap_or_default().as_secs_f64();
                                return self.fail_hard(HttpError::Timeout(format!(
                                    "no complete response head {secs} s after the request was sent (response_timeout)"
                                )));
                            }
                            return Ok(());
                        }
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
        match self.decoding.take() {
            None => self.read_raw_body(out),
            Some(decoding) => self.read_decoded_body(out, decoding),
        }
    }

    /// `accept_gzip` bodies: raw reads feed the decoder, which fills `out` up to
    /// `read_chunk_size`. The raw body's end (CONNECTED / DISCONNECTED) is held back until every
    /// decoded byte has been handed out, so a script's `while STATUS_BODY` loop gets them all.
    fn read_decoded_body(
        &mut self,
        out: &mut impl BodyBuffer,
        mut dec: BodyDecoding,
    ) -> Result<(), HttpError> {
        if !matches!(self.state, State::Body(_)) {
            out.resize(0);
            return Err(HttpError::Unconfigured);
        }
        let cap = self.read_chunk_size;
        out.resize(cap);
        let mut made = 0;
        let mut raw: Vec<u8> = Vec::new();
        // Bounded: a few raw reads per call at most.
        for _ in 0..8 {
            let step = dec
                .decoder
                .decode(&dec.pending, &mut out.as_mut_slice()[made..]);
            let (used, produced) = match step {
                Ok(v) => v,
                Err(e) => {
                    out.resize(made);
                    return self.fail_hard(e);
                }
            };
            dec.pending.drain(..used);
            made += produced;
            if made == cap {
                break;
            }
            if used > 0 || produced > 0 {
                continue;
            }
            // The decoder needs more input.
            if let Some(final_state) = dec.final_state.take() {
                out.resize(made);
                if dec.decoder.is_done() {
                    self.state = final_state;
                    return Ok(());
                }
                return self.fail_hard(protocol("the compressed body ends in the middle"));
            }
            raw.clear();
            if let Err(e) = self.read_raw_body(&mut raw) {
                out.resize(made);
                return Err(e); // the raw layer already moved to CONNECTION_ERROR
            }
            dec.pending.extend_from_slice(&raw);
            if !matches!(self.state, State::Body(_)) {
                // The raw body is complete: hold its end state until everything is decoded.
                let end = std::mem::replace(&mut self.state, State::Body(BodyState::Draining));
                dec.final_state = Some(end);
            } else if raw.is_empty() {
                break; // nothing more has arrived yet
            }
        }
        out.resize(made);
        self.decoding = Some(dec);
        Ok(())
    }

    /// The body as it is on the wire (no content decoding).
    fn read_raw_body(&mut self, out: &mut impl BodyBuffer) -> Result<(), HttpError> {
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
                        // Over TLS, a close without close_notify could be an attacker cutting
                        // the body short, and nothing else marks where it ends: an error.
                        if self
                            .conn
                            .as_ref()
                            .is_some_and(|c| !c.end_is_authenticated())
                        {
                            return self.fail_hard(protocol(
                                "the TLS connection ended without close_notify, so this body \
                                 (delimited only by the close) may be truncated",
                            ));
                        }
                        // The server's close ends this body: that is success (Godot: DISCONNECTED).
                        self.close();
                        Ok(())
                    }
                    Ok(false) => Ok(()),
                }
            }
            BodyState::Chunked => self.read_chunk(out),
            BodyState::Draining => {
                out.resize(0);
                Ok(())
            }
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
        // Size a large buffer from what can be read now: the caller's buffer may zero-fill on
        // resize (Godot's PackedByteArray does), so a 1 MiB read_chunk_size with 200 KB in the
        // socket would clear 1 MiB to hand out 200 KB. Small reads skip the extra syscall;
        // blocking reads wait for `want` anyway.
        let ask = want > 64 * 1024 && !self.blocking;
        let want = match self
            .conn
            .as_ref()
            .filter(|_| ask)
            .and_then(|c| c.readable_now())
        {
            Some(avail) => {
                // Nothing buffered or announced: a small read still finds EOF or late bytes.
                want.min((self.recv.len() + avail).max(4096))
            }
            _ => want,
        };
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
