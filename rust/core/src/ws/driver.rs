//! [`WsDriver`]: one WebSocket connection, client or server, from `connect_to_url` /
//! `accept_stream` to CLOSED. It owns the byte pipe ([`Transport`]: a TCP socket, a TLS session,
//! or any Godot `StreamPeer` the extension wraps), runs the connect, TLS and HTTP upgrade
//! phases, then hands frames to a sans-IO [`Session`]. The extension's `RustWebSocketPeer` is a
//! thin layer over this type.
//!
//! ```text
//!   connect(url) ──▶ Resolving ──▶ Connecting ──▶ [TlsHandshake] ──▶ ClientUpgrade ──┐
//!   accept(stream) ─────────────────────────────────────────────────▶ ServerUpgrade ─┤
//!                                                                                    ▼
//!   Closed ◀── close(), failure, handshake_timeout ── any phase above         Open(Session)
//!                                                                  (OPEN/CLOSING/CLOSED)
//! ```
//!
//! Every phase before `Open` reports Godot's `STATE_CONNECTING`; a failure there is CLOSED with
//! close code -1, as in Godot. **Bounded work:** one `poll()` reads at most
//! [`READ_BUDGET`] bytes and writes only what the session has queued; nothing blocks (a
//! host-name look-up runs on a resolver thread). **Deliberate differences from Godot:** the
//! whole connect-and-upgrade is bounded by `handshake_timeout` (Godot has none on the server
//! side: a client that never speaks keeps a peer CONNECTING forever), and a wss close handshake
//! reports the peer's close code (Godot's TLS read drops the echoed close frame and reports -1).

use super::deflate::{client_negotiate, client_offer, DeflateConfig, DeflateParams};
use super::handshake::{
    check_extra_headers, requested_url_of, server_accept_with_deflate, ClientHandshake,
};
use super::session::{ReadyState, Role, SendError, Session};
use super::url::{parse_ws_url, WsUrl};
use super::WsError;
use crate::config::WsLimits;
use crate::net::resolve::{Resolve, ResolveState};
use crate::net::tcp::{ConnectProgress, Connecting, Transport};
use crate::tls::config::{client_config, TlsSettings};
use crate::tls::stream::TlsStream;
use std::collections::VecDeque;
use std::io;
use std::net::{IpAddr, SocketAddr};
use std::time::{Duration, Instant};

/// Most bytes one `poll()` reads from the transport: 4 MiB. Keeps a frame's work bounded even
/// when a peer floods us; the rest waits in the kernel for the next poll.
pub const READ_BUDGET: usize = 4 << 20;

/// Size of each socket read: 256 KiB, so a large message needs few syscalls. The buffer is
/// shared by all peers of a thread.
const READ_CHUNK: usize = 256 * 1024;

thread_local! {
    static READ_BUF: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// Everything a new connection is configured with (Godot's properties, captured at
/// `connect_to_url` / `accept_stream`).
#[derive(Clone, Debug)]
pub struct WsConfig {
    pub limits: WsLimits,
    /// `supported_protocols`.
    pub protocols: Vec<String>,
    /// `handshake_headers`, whole `Name: value` lines.
    pub extra_headers: Vec<String>,
    /// The whole connect + TLS + upgrade must finish within this (RustNet's
    /// `handshake_timeout`); `None` waits forever, as Godot does.
    pub handshake_timeout: Option<Duration>,
    /// TCP connect timeout per address (Godot's `network/limits/tcp/connect_timeout_seconds`).
    pub connect_timeout: Duration,
    /// Most host-name look-ups in flight in the process.
    pub max_concurrent_resolves: usize,
    /// permessage-deflate (RustNet's `compression_enabled`; off by default, as Godot has none).
    pub deflate: DeflateConfig,
}

impl Default for WsConfig {
    fn default() -> Self {
        Self {
            limits: WsLimits::default(),
            protocols: Vec::new(),
            extra_headers: Vec::new(),
            handshake_timeout: Some(Duration::from_secs(10)),
            connect_timeout: Duration::from_secs(30),
            max_concurrent_resolves: 64,
            deflate: DeflateConfig::default(),
        }
    }
}

/// Something the caller should tell the user about (Godot prints these with `push_error`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WsNotice(pub String);

enum Phase {
    Closed,
    Resolving {
        job: Resolve,
    },
    Connecting {
        attempt: Connecting,
        candidates: VecDeque<IpAddr>,
        deadline: Instant,
    },
    TlsHandshake {
        stream: Box<TlsStream>,
    },
    /// Client: request being written (`sent` bytes so far), then the 101 awaited.
    ClientUpgrade {
        handshake: ClientHandshake,
        sent: usize,
    },
    /// Server: waiting for the request (`response` is `None`), then writing the 101.
    ServerUpgrade {
        response: Option<Vec<u8>>,
        sent: usize,
        tls: bool,
    },
    Open(Box<Session>),
}

/// Where a client connects: the parsed URL plus what TLS needs.
struct Target {
    url: WsUrl,
    tls: Option<TlsSettings>,
}

/// One WebSocket connection. See the module docs.
pub struct WsDriver {
    phase: Phase,
    config: WsConfig,
    transport: Option<Box<dyn Transport>>,
    target: Option<Target>,
    /// Bytes read but not yet consumed: the handshake head, then frames the session refused
    /// for now (backpressure).
    pending: Vec<u8>,
    deadline: Option<Instant>,
    peer_addr: Option<SocketAddr>,
    selected_protocol: String,
    requested_url: String,
    /// Close code and reason once CLOSED without a session, or kept from the last session.
    close_code: i32,
    close_reason: String,
    /// Messages left by a finished session, still readable (Godot #107442 loses them).
    session_done: Option<Box<Session>>,
    protocol_error_reported: bool,
    /// permessage-deflate parameters agreed in the handshake.
    agreed_deflate: Option<DeflateParams>,
    /// The clock's last reading by [`WsDriver::poll_with_clock`], passed on when no deadline or
    /// heartbeat needs a fresh one.
    last_now: Instant,
}

impl Default for WsDriver {
    fn default() -> Self {
        Self::new()
    }
}

impl WsDriver {
    /// A fresh peer: CLOSED, close code -1.
    pub fn new() -> WsDriver {
        WsDriver {
            phase: Phase::Closed,
            config: WsConfig::default(),
            transport: None,
            target: None,
            pending: Vec::new(),
            deadline: None,
            peer_addr: None,
            selected_protocol: String::new(),
            requested_url: String::new(),
            close_code: -1,
            close_reason: String::new(),
            session_done: None,
            protocol_error_reported: false,
            agreed_deflate: None,
            last_now: Instant::now(),
        }
    }

    /// Godot's `get_ready_state()`.
    pub fn ready_state(&self) -> ReadyState {
        match &self.phase {
            Phase::Closed => ReadyState::Closed,
            Phase::Open(s) => s.ready_state(),
            _ => ReadyState::Connecting,
        }
    }

    fn session(&self) -> Option<&Session> {
        match &self.phase {
            Phase::Open(s) => Some(s),
            _ => self.session_done.as_deref(),
        }
    }

    fn session_mut(&mut self) -> Option<&mut Session> {
        match &mut self.phase {
            Phase::Open(s) => Some(s),
            _ => self.session_done.as_deref_mut(),
        }
    }

    /// `get_close_code()`: -1 unless a close handshake (or protocol error) finished.
    pub fn close_code(&self) -> i32 {
        match &self.phase {
            Phase::Open(s) => s.close_code(),
            _ => self.close_code,
        }
    }

    /// `get_close_reason()`.
    pub fn close_reason(&self) -> &str {
        match &self.phase {
            Phase::Open(s) => s.close_reason(),
            _ => &self.close_reason,
        }
    }

    /// Whether permessage-deflate was agreed for the current (or last) connection.
    pub fn compression_agreed(&self) -> bool {
        self.agreed_deflate.is_some()
    }

    /// The connection reached OPEN (it may have closed since). False while connecting and after
    /// a failed connect.
    pub fn was_opened(&self) -> bool {
        self.session().is_some()
    }

    /// The peer's close frame (code, reason) once it arrived, in CLOSING or CLOSED.
    pub fn close_received(&self) -> Option<(i32, &str)> {
        self.session()?.close_received()
    }

    /// `get_selected_protocol()`.
    pub fn selected_protocol(&self) -> &str {
        &self.selected_protocol
    }

    /// `get_requested_url()`.
    pub fn requested_url(&self) -> &str {
        &self.requested_url
    }

    /// The remote address while a connection exists (`get_connected_host/port`).
    pub fn peer_addr(&self) -> Option<SocketAddr> {
        if matches!(self.phase, Phase::Closed) {
            return None;
        }
        self.peer_addr
            .or_else(|| self.transport.as_ref().and_then(|t| t.peer_addr()))
    }

    /// `set_no_delay()`: `false` when there is no socket.
    pub fn set_nodelay(&mut self, enabled: bool) -> bool {
        match &mut self.phase {
            Phase::TlsHandshake { stream } => stream.set_nodelay(enabled),
            _ => self
                .transport
                .as_mut()
                .is_some_and(|t| t.set_nodelay(enabled)),
        }
    }

    /// `get_current_outbound_buffered_amount()`: payload bytes sent but not yet written, 0
    /// unless OPEN.
    pub fn buffered_amount(&self) -> usize {
        match &self.phase {
            Phase::Open(s) if s.ready_state() == ReadyState::Open => s.buffered_amount(),
            _ => 0,
        }
    }

    /// Received messages not yet taken, in any state (messages that arrived just before a
    /// close stay readable).
    pub fn available_messages(&self) -> usize {
        self.session().map_or(0, |s| s.available_messages())
    }

    /// The next received message and whether it was text.
    pub fn next_message(&mut self) -> Option<(Vec<u8>, bool)> {
        self.session_mut()?.next_message()
    }

    /// Resets everything a new connection starts without (Godot resets the close code, the
    /// reason, the protocol and the buffers).
    fn reset(&mut self, config: WsConfig) {
        self.drop_transport();
        self.config = config;
        self.target = None;
        self.pending = Vec::new();
        self.deadline = None;
        self.peer_addr = None;
        self.selected_protocol.clear();
        self.requested_url.clear();
        self.close_code = -1;
        self.close_reason.clear();
        self.session_done = None;
        self.protocol_error_reported = false;
        self.agreed_deflate = None;
        self.phase = Phase::Closed;
    }

    fn can_start(&self) -> Result<(), WsError> {
        match self.ready_state() {
            ReadyState::Closed | ReadyState::Closing => Ok(()),
            _ => Err(WsError::AlreadyInUse),
        }
    }

    /// `connect_to_url(url, tls)`. `tls` is used only for `wss://`. Errors: Godot's
    /// `ERR_INVALID_PARAMETER` (bad URL), `ERR_ALREADY_IN_USE`, `FAILED` (no address could even
    /// start connecting); the refused or unreachable cases surface later as CLOSED.
    pub fn connect(
        &mut self,
        url: &str,
        tls: TlsSettings,
        config: WsConfig,
        now: Instant,
    ) -> Result<(), WsError> {
        // Godot's order: empty URL and server options first, then the state, then the URL.
        if url.is_empty() {
            return Err(WsError::InvalidParameter("the URL is empty".into()));
        }
        if tls.options.is_server {
            return Err(WsError::InvalidParameter(
                "server TLS options can't be used to connect".into(),
            ));
        }
        self.can_start()?;
        let parsed = parse_ws_url(url)?;
        // Validate the handshake headers before any socket exists.
        ClientHandshake::new(&parsed, &config.protocols, &config.extra_headers, [0; 16])?;
        self.reset(config);
        self.requested_url = url.to_string();
        self.deadline = self.config.handshake_timeout.map(|t| now + t);
        let host = parsed.host.clone();
        self.target = Some(Target {
            tls: parsed.tls.then_some(tls),
            url: parsed,
        });
        let literal = host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse::<IpAddr>();
        match literal {
            Ok(ip) => self.start_connect(VecDeque::from([ip]), now),
            Err(_) => match Resolve::start(&host, self.config.max_concurrent_resolves) {
                Ok(job) => {
                    self.phase = Phase::Resolving { job };
                    Ok(())
                }
                Err(e) => Err(WsError::Failed(format!("can't resolve '{host}': {e}"))),
            },
        }
    }

    fn start_connect(
        &mut self,
        mut candidates: VecDeque<IpAddr>,
        now: Instant,
    ) -> Result<(), WsError> {
        let port = self.target.as_ref().map_or(0, |t| t.url.port);
        let mut last = String::from("no address to connect to");
        while let Some(ip) = candidates.pop_front() {
            let addr = SocketAddr::new(ip, port);
            match Connecting::start(addr) {
                Ok(attempt) => {
                    self.peer_addr = Some(addr);
                    self.phase = Phase::Connecting {
                        attempt,
                        candidates,
                        deadline: now + self.config.connect_timeout,
                    };
                    return Ok(());
                }
                Err(e) => last = format!("connect to {addr}: {e}"),
            }
        }
        self.phase = Phase::Closed;
        Err(WsError::Failed(last))
    }

    /// `accept_stream(stream)`: the server side over an accepted connection. `tls` says whether
    /// the stream is a TLS session (for `get_requested_url`); a TLS session we own goes through
    /// [`WsDriver::accept_tls`] instead, so its handshake can finish first.
    pub fn accept(
        &mut self,
        transport: Box<dyn Transport>,
        tls: bool,
        config: WsConfig,
        now: Instant,
    ) -> Result<(), WsError> {
        self.can_start()?;
        // Refuse bad `handshake_headers` now, not when the request arrives.
        check_extra_headers(&config.extra_headers)?;
        self.reset(config);
        self.deadline = self.config.handshake_timeout.map(|t| now + t);
        let mut transport = transport;
        transport.set_nodelay(true);
        self.peer_addr = transport.peer_addr();
        self.transport = Some(transport);
        self.phase = Phase::ServerUpgrade {
            response: None,
            sent: 0,
            tls,
        };
        Ok(())
    }

    /// `accept_stream` on a TLS session that may still be handshaking (a server-side
    /// `RustStreamPeerTLS`): the TLS handshake finishes first, inside `poll()`.
    pub fn accept_tls(
        &mut self,
        mut stream: Box<TlsStream>,
        config: WsConfig,
        now: Instant,
    ) -> Result<(), WsError> {
        self.can_start()?;
        // Refuse bad `handshake_headers` now, not when the request arrives.
        check_extra_headers(&config.extra_headers)?;
        self.reset(config);
        self.deadline = self.config.handshake_timeout.map(|t| now + t);
        stream.set_nodelay(true);
        self.peer_addr = stream.peer_addr();
        // A finished handshake returns at once from the first `handshake()` step.
        self.phase = Phase::TlsHandshake { stream };
        Ok(())
    }

    /// `send(bytes, mode)`: queues one frame and writes what the socket takes at once (Godot
    /// sends inside the call too).
    pub fn send(&mut self, msg: &[u8], text: bool) -> Result<(), SendError> {
        let Phase::Open(session) = &mut self.phase else {
            return Err(SendError::NotOpen);
        };
        session.send(msg, text)?;
        if let Err(notice) = self.flush() {
            self.fail_transport(notice);
        }
        Ok(())
    }

    /// `close(code, reason)`: see [`Session::close`]; before OPEN, CLOSED at once.
    pub fn close(&mut self, code: i32, reason: &str) {
        match &mut self.phase {
            Phase::Open(session) => {
                session.close(code, reason);
                if session.ready_state() == ReadyState::Closed {
                    self.finish_session();
                } else if let Err(notice) = self.flush() {
                    self.fail_transport(notice);
                }
            }
            Phase::Closed => {}
            _ => self.fail_handshake(),
        }
    }

    /// Closes the transport and forgets it. `shutdown` first: a TLS session sends
    /// close_notify, and a Godot stream the script may still hold is disconnected (as Godot's
    /// `close(-1)` does), so its other end sees the close at once.
    fn drop_transport(&mut self) {
        if let Some(mut t) = self.transport.take() {
            t.shutdown();
        }
    }

    /// CLOSED with code -1 before OPEN (Godot's `close(-1)` on a failed handshake).
    fn fail_handshake(&mut self) {
        self.drop_transport();
        self.phase = Phase::Closed;
        self.pending = Vec::new();
        self.close_code = -1;
        self.close_reason.clear();
    }

    /// The session reached CLOSED: keep its close code and unread messages, drop the socket.
    fn finish_session(&mut self) {
        if let Phase::Open(session) = std::mem::replace(&mut self.phase, Phase::Closed) {
            self.close_code = session.close_code();
            self.close_reason = session.close_reason().to_string();
            self.session_done = Some(session);
        }
        self.drop_transport();
        self.pending = Vec::new();
    }

    /// The transport failed while OPEN/CLOSING: Godot's `close(-1)`.
    fn fail_transport(&mut self, _why: String) {
        if let Phase::Open(session) = &mut self.phase {
            session.handle_eof();
        }
        self.finish_session();
    }

    /// Writes what the session has queued until the socket refuses more.
    fn flush(&mut self) -> Result<(), String> {
        let (Phase::Open(session), Some(transport)) = (&mut self.phase, self.transport.as_mut())
        else {
            return Ok(());
        };
        loop {
            let out = session.poll_output();
            if out.is_empty() {
                return Ok(());
            }
            match transport.write(out, false) {
                Ok(0) => return Ok(()),
                Ok(n) => session.consume_output(n),
                Err(e) => return Err(format!("write failed: {e}")),
            }
        }
    }

    /// [`WsDriver::poll`], reading the clock only when something in the current phase depends
    /// on time (a handshake deadline, a connect timeout, a running heartbeat). An idle open
    /// connection without a heartbeat, the usual case, then costs no `clock_gettime` (5 % of an
    /// idle poll pass over 1,000 peers in the profile behind docs/benchmarks.md).
    pub fn poll_with_clock(&mut self, clock: impl FnOnce() -> Instant) -> Option<WsNotice> {
        let needs_clock = match &self.phase {
            Phase::Open(session) => session.poll_timeout().is_some() || session.heartbeat_pending(),
            Phase::Closed => false,
            _ => true,
        };
        if needs_clock {
            self.last_now = clock();
        }
        self.poll(self.last_now)
    }

    /// `poll()`: advances whatever phase the connection is in. Returns a message for the user
    /// when a handshake failed (refused connections and EOF are silent, as in Godot).
    pub fn poll(&mut self, now: Instant) -> Option<WsNotice> {
        if !matches!(self.phase, Phase::Open(_) | Phase::Closed)
            && self.deadline.is_some_and(|d| now >= d)
        {
            let secs = self
                .config
                .handshake_timeout
                .unwrap_or_default()
                .as_secs_f64();
            self.fail_handshake();
            return Some(WsNotice(format!(
                "the WebSocket handshake took longer than {secs} s (handshake_timeout); closed"
            )));
        }
        match self.advance(now) {
            Ok(()) => self.protocol_error_notice(),
            Err(Some(msg)) => {
                self.fail_handshake();
                Some(WsNotice(msg))
            }
            Err(None) => {
                self.fail_handshake();
                None
            }
        }
    }

    /// One message when the session first closes because the peer broke the protocol.
    fn protocol_error_notice(&mut self) -> Option<WsNotice> {
        if self.protocol_error_reported {
            return None;
        }
        let code = self.session()?.protocol_error_code()?;
        self.protocol_error_reported = true;
        let what = match code {
            1007 => "a text message that is not valid UTF-8",
            1009 => "a message larger than inbound_buffer_size",
            _ => "a frame that breaks the WebSocket protocol",
        };
        Some(WsNotice(format!(
            "the peer sent {what}; closing with code {code}"
        )))
    }

    /// One step of the current phase. `Err(Some(msg))`: fail with a message; `Err(None)`:
    /// fail silently (refused, EOF, no common subprotocol).
    fn advance(&mut self, now: Instant) -> Result<(), Option<String>> {
        match &mut self.phase {
            Phase::Closed => Ok(()),
            Phase::Resolving { job } => match job.poll() {
                ResolveState::Pending => Ok(()),
                ResolveState::Done(ips) => self
                    .start_connect(ips.into(), now)
                    .map_err(|e| Some(e.to_string())),
                ResolveState::Failed(why) => {
                    let host = self.target.as_ref().map_or("", |t| t.url.host.as_str());
                    Err(Some(format!("can't resolve '{host}': {why}")))
                }
            },
            Phase::Connecting {
                attempt,
                candidates,
                deadline,
            } => {
                let progress = match attempt.poll() {
                    ConnectProgress::Pending if now >= *deadline => {
                        ConnectProgress::Failed(io::ErrorKind::TimedOut.into())
                    }
                    p => p,
                };
                match progress {
                    ConnectProgress::Pending => Ok(()),
                    ConnectProgress::Connected(conn) => self.connected(Box::new(conn), now),
                    ConnectProgress::Failed(_) => {
                        let rest = std::mem::take(candidates);
                        if !rest.is_empty() && self.start_connect(rest, now).is_ok() {
                            Ok(())
                        } else {
                            Err(None)
                        }
                    }
                }
            }
            Phase::TlsHandshake { stream } => match stream.handshake() {
                Ok(false) => Ok(()),
                Ok(true) => {
                    let Phase::TlsHandshake { stream } =
                        std::mem::replace(&mut self.phase, Phase::Closed)
                    else {
                        return Err(None);
                    };
                    self.transport = Some(stream);
                    if self.target.is_some() {
                        self.start_client_upgrade()
                    } else {
                        self.phase = Phase::ServerUpgrade {
                            response: None,
                            sent: 0,
                            tls: true,
                        };
                        self.advance(now)
                    }
                }
                Err(e) => Err(Some(format!("TLS handshake failed: {}", e.0))),
            },
            Phase::ClientUpgrade { .. } => self.poll_client_upgrade(),
            Phase::ServerUpgrade { .. } => self.poll_server_upgrade(),
            Phase::Open(_) => {
                self.poll_open(now);
                Ok(())
            }
        }
    }

    /// TCP is up: TLS next for wss, else the upgrade request.
    fn connected(&mut self, conn: Box<dyn Transport>, _now: Instant) -> Result<(), Option<String>> {
        let Some(target) = &self.target else {
            return Err(None);
        };
        match &target.tls {
            Some(settings) => {
                let host = target.url.host.clone();
                let stream = client_config(settings, &host)
                    .map_err(|e| Some(format!("TLS setup failed: {e}")))
                    .and_then(|(config, name)| {
                        TlsStream::new(conn, config, name)
                            .map_err(|e| Some(format!("TLS setup failed: {}", e.0)))
                    })?;
                self.phase = Phase::TlsHandshake {
                    stream: Box::new(stream),
                };
                self.advance(Instant::now())
            }
            None => {
                self.transport = Some(conn);
                self.start_client_upgrade()
            }
        }
    }

    fn start_client_upgrade(&mut self) -> Result<(), Option<String>> {
        let Some(target) = &self.target else {
            return Err(None);
        };
        let mut headers = self.config.extra_headers.clone();
        if let Some(offer) = client_offer(&self.config.deflate) {
            headers.push(format!("Sec-WebSocket-Extensions: {offer}"));
        }
        let handshake =
            ClientHandshake::new(&target.url, &self.config.protocols, &headers, nonce())
                .map_err(|e| Some(e.to_string()))?;
        self.phase = Phase::ClientUpgrade { handshake, sent: 0 };
        self.poll_client_upgrade()
    }

    /// Reads into `pending`, at most `max` bytes in all. `Ok(true)`: end of stream.
    fn read_pending(&mut self, max: usize) -> Result<bool, String> {
        let Some(transport) = self.transport.as_mut() else {
            return Ok(true);
        };
        let mut buf = [0u8; 4096];
        while self.pending.len() < max {
            let want = buf.len().min(max - self.pending.len());
            match transport.read(&mut buf[..want], false) {
                Ok(None) => return Ok(false),
                Ok(Some(0)) => return Ok(true),
                Ok(Some(n)) => self.pending.extend_from_slice(&buf[..n]),
                Err(e) => return Err(e.to_string()),
            }
        }
        Ok(false)
    }

    fn poll_client_upgrade(&mut self) -> Result<(), Option<String>> {
        let Phase::ClientUpgrade { handshake, sent } = &mut self.phase else {
            return Ok(());
        };
        let Some(transport) = self.transport.as_mut() else {
            return Err(None);
        };
        while *sent < handshake.request().len() {
            match transport.write(&handshake.request()[*sent..], false) {
                Ok(0) => return Ok(()),
                Ok(n) => *sent += n,
                Err(_) => return Err(None),
            }
        }
        let max = self.config.limits.max_handshake_bytes + 1;
        let eof = self.read_pending(max).map_err(|_| None)?;
        let Phase::ClientUpgrade { handshake, .. } = &self.phase else {
            return Ok(());
        };
        match handshake.parse_response(&self.pending, &self.config.limits) {
            Ok(None) if eof => Err(None),
            Ok(None) => Ok(()),
            Ok(Some(accepted)) => {
                // Without our offer, an extension in the answer is ignored, as Godot does.
                if self.config.deflate.enabled {
                    self.agreed_deflate =
                        client_negotiate(&accepted.extensions, &self.config.deflate)
                            .map_err(|e| Some(format!("Sec-WebSocket-Extensions: {e}")))?;
                }
                self.selected_protocol = accepted.protocol;
                self.pending.drain(..accepted.consumed);
                self.open(Role::Client);
                Ok(())
            }
            Err(e) => Err(Some(e.to_string())),
        }
    }

    fn poll_server_upgrade(&mut self) -> Result<(), Option<String>> {
        let Phase::ServerUpgrade { response, tls, .. } = &self.phase else {
            return Ok(());
        };
        if response.is_none() {
            let tls = *tls;
            let max = self.config.limits.max_handshake_bytes + 1;
            let eof = self.read_pending(max).map_err(|_| None)?;
            match server_accept_with_deflate(
                &self.pending,
                &self.config.protocols,
                &self.config.extra_headers,
                tls,
                &self.config.limits,
                &self.config.deflate,
            ) {
                Ok(None) if eof => return Err(None),
                Ok(None) => return Ok(()),
                Ok(Some((accept, agreed))) => {
                    self.agreed_deflate = agreed;
                    self.selected_protocol = accept.protocol;
                    self.requested_url = accept.requested_url;
                    self.pending.drain(..accept.consumed);
                    if let Phase::ServerUpgrade { response, .. } = &mut self.phase {
                        *response = Some(accept.response);
                    }
                }
                Err(e) => {
                    if let Some(url) = requested_url_of(&self.pending, tls, &self.config.limits) {
                        self.requested_url = url;
                    }
                    // Godot closes silently when no subprotocol matches.
                    return Err(match e {
                        WsError::NoCommonProtocol => None,
                        e => Some(e.to_string()),
                    });
                }
            }
        }
        let Phase::ServerUpgrade {
            response: Some(response),
            sent,
            ..
        } = &mut self.phase
        else {
            return Ok(());
        };
        let Some(transport) = self.transport.as_mut() else {
            return Err(None);
        };
        while *sent < response.len() {
            match transport.write(&response[*sent..], false) {
                Ok(0) => return Ok(()),
                Ok(n) => *sent += n,
                Err(_) => return Err(None),
            }
        }
        self.open(Role::Server);
        Ok(())
    }

    /// The upgrade is done: frames from now on. Bytes that followed the head are fed at once.
    fn open(&mut self, role: Role) {
        let mut session = Session::new(role, &self.config.limits);
        if let Some(params) = &self.agreed_deflate {
            session.set_deflate(params);
        }
        self.phase = Phase::Open(Box::new(session));
        self.deadline = None;
        if let Some(t) = self.transport.as_mut() {
            t.set_nodelay(true);
        }
        self.feed_pending();
    }

    /// Hands buffered input to the session; keeps what it refuses (backpressure). Called even
    /// with nothing pending: frames the session buffered while its queue was full are parsed
    /// once the script has read some messages.
    fn feed_pending(&mut self) {
        let Phase::Open(session) = &mut self.phase else {
            return;
        };
        let taken = session.handle_input(&self.pending);
        self.pending.drain(..taken);
    }

    /// OPEN or CLOSING: write, read, answer, heartbeat.
    fn poll_open(&mut self, now: Instant) {
        if let Err(why) = self.flush() {
            return self.fail_transport(why);
        }
        self.feed_pending();
        // One read buffer per thread, shared by every peer: an idle peer holds no buffer.
        let read = READ_BUF.with(|cell| match cell.try_borrow_mut() {
            Ok(mut buf) => {
                if buf.len() < READ_CHUNK {
                    buf.resize(READ_CHUNK, 0);
                }
                self.read_input(&mut buf)
            }
            // Re-entered from inside a read (a Godot stream calling back): use a small one.
            Err(_) => self.read_input(&mut vec![0; 16 * 1024]),
        });
        let eof = match read {
            Ok(eof) => eof,
            Err(why) => return self.fail_transport(why),
        };
        if let Phase::Open(session) = &mut self.phase {
            session.handle_timeout(now);
            if eof {
                session.handle_eof();
            }
        }
        if let Err(why) = self.flush() {
            return self.fail_transport(why);
        }
        if self.ready_state() == ReadyState::Closed {
            self.finish_session();
        }
    }

    /// Reads what the socket has (up to [`READ_BUDGET`]) through `buf` into the session,
    /// keeping what the session refuses in `pending`. `Ok(true)`: end of stream.
    fn read_input(&mut self, buf: &mut [u8]) -> Result<bool, String> {
        let mut budget = READ_BUDGET;
        // An idle connection skips its recv(): the thread's readiness list says nothing came
        // (see net::readiness; only plain sockets answer false).
        if self.pending.is_empty() && self.input_wanted() {
            if let Some(t) = self.transport.as_mut() {
                if !t.may_have_input() {
                    return Ok(false);
                }
            }
        }
        while budget > 0 && self.pending.is_empty() && self.input_wanted() {
            let Some(transport) = self.transport.as_mut() else {
                return Ok(true);
            };
            let want = buf.len().min(budget);
            match transport.read(&mut buf[..want], false) {
                Ok(None) => break,
                Ok(Some(0)) => return Ok(true),
                Ok(Some(n)) => {
                    budget = budget.saturating_sub(n);
                    let Phase::Open(session) = &mut self.phase else {
                        break;
                    };
                    let taken = session.handle_input(&buf[..n]);
                    if taken < n {
                        self.pending.extend_from_slice(&buf[taken..n]);
                    }
                }
                Err(e) => return Err(format!("read failed: {e}")),
            }
        }
        Ok(false)
    }

    /// The session still reads (not stopped by a close, error, or CLOSED).
    fn input_wanted(&self) -> bool {
        match &self.phase {
            Phase::Open(s) => s.ready_state() != ReadyState::Closed && s.input_capacity() > 0,
            _ => false,
        }
    }

    /// Changes the outbound limits: from the next send on a live session (Godot reads them at
    /// each send), and for the next connection.
    pub fn set_outbound_limits(&mut self, outbound_buffer_size: usize, max_queued_packets: usize) {
        if let Phase::Open(s) = &mut self.phase {
            s.set_outbound_limits(outbound_buffer_size, max_queued_packets);
        }
    }

    /// Changes the heartbeat of a live session (Godot reads `heartbeat_interval` at each poll).
    pub fn set_heartbeat_interval(&mut self, interval: Duration) {
        self.config.limits.heartbeat_interval = interval;
        if let Phase::Open(s) = &mut self.phase {
            s.set_heartbeat_interval(interval);
        }
    }
}

/// 16 random bytes for `Sec-WebSocket-Key`.
fn nonce() -> [u8; 16] {
    use ring::rand::{SecureRandom, SystemRandom};
    let mut n = [0u8; 16];
    let _ = SystemRandom::new().fill(&mut n);
    n
}
