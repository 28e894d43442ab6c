//! `RustStreamPeerTLS`: Godot's `StreamPeerTLS` API over `rustnet_core::tls::TlsStream`, as a
//! client (`connect_to_stream`) or a server (`accept_stream`) session.
//!
//! ```text
//!                  connect_to_stream OK          poll(): handshake done
//!  DISCONNECTED ─────────────────────▶ HANDSHAKING ──────────────────────▶ CONNECTED
//!     ▲   │ accept_stream OK (Godot reports CONNECTED at once; the    │ first step failed:
//!     │   └──────────────────── handshake ends in poll/read/write) ──┼─▶ ERROR_HOSTNAME_MISMATCH
//!     │                                                              │ later failure: ERROR
//!     └── disconnect_from_stream(), close_notify/EOF/error while CONNECTED
//! ```
//! Statuses and `Error` codes are Godot 4.6's (`godot-behavior.md` §3.4, measured in headless
//! Godot): reads and writes outside CONNECTED return `ERR_UNCONFIGURED`; close_notify gives
//! `ERR_FILE_EOF` and any other failure `ERR_CONNECTION_ERROR`, both leaving DISCONNECTED with
//! `get_stream()` null.
//!
//! The socket: a `RustStreamPeerTCP` hands its socket over (`take_conn`), so the TLS records go
//! straight to the kernel; any other `StreamPeer` is driven through its GDScript API
//! (`StreamPeerTransport`).

use crate::class_enum::class_enum;
use crate::panic_guard::{guard, PanicClose};
use crate::project_settings;
use crate::stream_peer_tcp::{in_buffer, out_buffer, set_out, RustStreamPeerTcp};
use crate::stream_peer_transport::StreamPeerTransport;
use crate::tls_options::{self, NullableTls};
use godot::classes::{IStreamPeerExtension, StreamPeer, StreamPeerExtension, TlsOptions};
use godot::global::{godot_error, Error};
use godot::meta::conv::RawPtr;
use godot::prelude::*;
use rustnet_core::net::tcp::Transport;
use rustnet_core::tls::{
    server_config, stream_client_config, ServerConfig, TlsClientOptions, TlsSettings, TlsStream,
};
use std::sync::{Arc, Mutex};

const CLASS: &str = "RustStreamPeerTLS";

class_enum! {
    /// `StreamPeerTLS.Status`.
    pub struct Status for "RustStreamPeerTLS.Status" {
        /// Not connected (also after [method disconnect_from_stream]).
        STATUS_DISCONNECTED = 0,
        /// The TLS handshake is running: call [method poll] until the status changes.
        STATUS_HANDSHAKING = 1,
        /// The handshake is done: data can be sent and received, encrypted.
        STATUS_CONNECTED = 2,
        /// The handshake or the connection failed.
        STATUS_ERROR = 3,
        /// The certificate does not name the host given to [method connect_to_stream].
        STATUS_ERROR_HOSTNAME_MISMATCH = 4,
    }
}

/// Registers `Status` as an enum of `RustStreamPeerTLS`.
pub fn register_enums() {
    Status::register(<RustStreamPeerTls as GodotClass>::class_id());
}

/// The last server config built, by `TLSOptions` instance and TLS 1.3 switch: a server accepts
/// many connections with one `TLSOptions`, and reading its PEM calls Godot (which also prints a
/// Unicode warning each time, gdext notes §5). `TLSOptions` are immutable, so the id is a key.
type ServerCache = Option<(InstanceId, bool, Arc<ServerConfig>)>;
static SERVER_CONFIG: Mutex<ServerCache> = Mutex::new(None);
/// Likewise the last client `TLSOptions` read.
static CLIENT_OPTIONS: Mutex<Option<(InstanceId, TlsClientOptions)>> = Mutex::new(None);

fn server_config_for(options: &Gd<TlsOptions>) -> Result<Arc<ServerConfig>, String> {
    let id = options.instance_id();
    let tls13 = project_settings::tls13_enabled();
    let mut cache = SERVER_CONFIG.lock().unwrap_or_else(|e| e.into_inner());
    if let Some((cached_id, cached_tls13, config)) = cache.as_ref() {
        if *cached_id == id && *cached_tls13 == tls13 {
            return Ok(config.clone());
        }
    }
    let (chain, key) = tls_options::server_pems(options)?;
    let config = server_config(&chain, &key, tls13)?;
    *cache = Some((id, tls13, config.clone()));
    Ok(config)
}

fn client_options_for(options: &Gd<TlsOptions>) -> TlsClientOptions {
    let id = options.instance_id();
    let mut cache = CLIENT_OPTIONS.lock().unwrap_or_else(|e| e.into_inner());
    if let Some((cached_id, cached)) = cache.as_ref() {
        if *cached_id == id {
            return cached.clone();
        }
    }
    let core = tls_options::to_core(options);
    *cache = Some((id, core.clone()));
    core
}

/// The transport under the TLS session: a `RustStreamPeerTCP`'s own socket (moved out of it),
/// or any other `StreamPeer` through its API. `None`: a `RustStreamPeerTCP` that is not
/// connected.
fn transport_for(stream: &Gd<StreamPeer>) -> Option<Box<dyn Transport>> {
    match stream.clone().try_cast::<RustStreamPeerTcp>() {
        Ok(mut tcp) => {
            let conn = tcp.bind_mut().take_conn()?;
            Some(Box::new(conn))
        }
        Err(peer) => Some(Box::new(StreamPeerTransport { peer })),
    }
}

/// A drop-in twin of Godot's [StreamPeerTLS], written in Rust (rustls): TLS over another
/// [StreamPeer], as a client ([method connect_to_stream]) or a server ([method accept_stream]),
/// with the same methods, status values and [code]Error[/code] codes. It is a [StreamPeer], so
/// [method StreamPeer.put_u32], [method StreamPeer.get_utf8_string], [method StreamPeer.get_var]
/// and the other helpers work on it.
/// [codeblock]
/// # Client
/// var tcp := RustStreamPeerTCP.new()
/// tcp.connect_to_host("example.com", 443)
/// # ... poll tcp until STATUS_CONNECTED, then:
/// var tls := RustStreamPeerTLS.new()
/// tls.connect_to_stream(tcp, "example.com", TLSOptions.client())
/// while tls.get_status() == RustStreamPeerTLS.STATUS_HANDSHAKING:
///     tls.poll()
///     await get_tree().process_frame
///
/// # Server, for each connection taken from a RustTCPServer (or a TCPServer)
/// var server_tls := RustStreamPeerTLS.new()
/// server_tls.accept_stream(server.take_connection(), TLSOptions.server(key, cert))
/// [/codeblock]
/// Call [method poll] every frame: the handshake advances there, without blocking.
///
/// [b]Socket ownership:[/b] given a [RustStreamPeerTCP], the TLS object takes over its socket
/// (fewer copies, no GDScript calls per read): from then on the [RustStreamPeerTCP] reads as
/// [constant RustStreamPeerTCP.STATUS_NONE] and must not be used; [method get_stream] still
/// returns it, and [method disconnect_from_stream] closes the socket. Any other [StreamPeer]
/// (such as Godot's [StreamPeerTCP]) is used through its own methods and stays yours.
///
/// Differences from the built-in: a read never drops bytes that arrived just before the
/// peer's close_notify (Godot's may); a server key that does not match its certificate is
/// refused by [method accept_stream] ([constant ERR_INVALID_PARAMETER]) instead of failing the
/// handshake later; [method get_available_bytes] may count more than one TLS record; a server
/// refuses at once a client hello whose server name (SNI) is empty or not a host name (Godot's
/// own client sends one when [method connect_to_stream] is given such a [param common_name]).
#[derive(GodotClass)]
#[class(tool, base = StreamPeerExtension, rename = RustStreamPeerTLS)]
pub struct RustStreamPeerTls {
    status: Status,
    session: Option<TlsStream>,
    /// The `StreamPeer` given to `accept_stream`/`connect_to_stream`, for `get_stream()`.
    stream: Option<Gd<StreamPeer>>,
    /// A failure met after a read or write had already moved some bytes: those bytes are
    /// returned with `OK`, and the next call reports the failure.
    deferred_error: Option<String>,
    base: Base<StreamPeerExtension>,
}

#[godot_api]
impl IStreamPeerExtension for RustStreamPeerTls {
    fn init(base: Base<StreamPeerExtension>) -> Self {
        Self {
            status: Status::STATUS_DISCONNECTED,
            session: None,
            stream: None,
            deferred_error: None,
            base,
        }
    }

    unsafe fn get_data_rawptr(
        &mut self,
        r_buffer: RawPtr<*mut u8>,
        r_bytes: i32,
        r_received: RawPtr<*mut i32>,
    ) -> Error {
        guard(
            self,
            "RustStreamPeerTLS.get_data",
            || {
                unsafe { set_out(r_received, 0) };
                Error::ERR_BUG
            },
            |this| {
                // SAFETY: Godot passes a buffer of r_bytes bytes and a valid out-pointer.
                unsafe { this.read_raw(r_buffer, r_bytes, r_received, true) }
            },
        )
    }

    unsafe fn get_partial_data_rawptr(
        &mut self,
        r_buffer: RawPtr<*mut u8>,
        r_bytes: i32,
        r_received: RawPtr<*mut i32>,
    ) -> Error {
        guard(
            self,
            "RustStreamPeerTLS.get_partial_data",
            || {
                unsafe { set_out(r_received, 0) };
                Error::ERR_BUG
            },
            |this| {
                // SAFETY: as above.
                unsafe { this.read_raw(r_buffer, r_bytes, r_received, false) }
            },
        )
    }

    unsafe fn put_data_rawptr(
        &mut self,
        p_data: RawPtr<*const u8>,
        p_bytes: i32,
        r_sent: RawPtr<*mut i32>,
    ) -> Error {
        guard(
            self,
            "RustStreamPeerTLS.put_data",
            || {
                unsafe { set_out(r_sent, 0) };
                Error::ERR_BUG
            },
            |this| {
                // SAFETY: Godot passes p_bytes readable bytes and a valid out-pointer.
                unsafe { this.write_raw(p_data, p_bytes, r_sent, true) }
            },
        )
    }

    unsafe fn put_partial_data_rawptr(
        &mut self,
        p_data: RawPtr<*const u8>,
        p_bytes: i32,
        r_sent: RawPtr<*mut i32>,
    ) -> Error {
        guard(
            self,
            "RustStreamPeerTLS.put_partial_data",
            || {
                unsafe { set_out(r_sent, 0) };
                Error::ERR_BUG
            },
            |this| {
                // SAFETY: as above.
                unsafe { this.write_raw(p_data, p_bytes, r_sent, false) }
            },
        )
    }

    fn get_available_bytes(&self) -> i32 {
        match (&self.session, self.status) {
            (Some(session), Status::STATUS_CONNECTED) => {
                i32::try_from(session.available()).unwrap_or(i32::MAX)
            }
            _ => {
                godot_error!("{CLASS}: get_available_bytes(): not connected");
                0
            }
        }
    }
}

#[godot_api]
impl RustStreamPeerTls {
    /// Starts the server side of a TLS session over [param stream], a connected [StreamPeer]
    /// (typically from [method RustTCPServer.take_connection]), with [param server_options]
    /// from [method TLSOptions.server]. Like the built-in, the status is
    /// [constant STATUS_CONNECTED] right away and the handshake completes during [method poll]
    /// and reads; a client that rejects the certificate then shows as
    /// [constant STATUS_DISCONNECTED]. Returns [constant ERR_INVALID_PARAMETER] for a null
    /// stream, options that are not server options, or a key and certificate that don't go
    /// together; [constant ERR_ALREADY_IN_USE] while a session is active; [constant FAILED]
    /// (status [constant STATUS_ERROR]) when the stream is not connected.
    #[func]
    pub(crate) fn accept_stream(
        &mut self,
        stream: Option<Gd<StreamPeer>>,
        server_options: Option<Gd<TlsOptions>>,
    ) -> Error {
        guard(
            self,
            "RustStreamPeerTLS.accept_stream",
            || Error::ERR_BUG,
            |this| {
                let Some(stream) = stream else {
                    godot_error!("{CLASS}: accept_stream(): the stream is null");
                    return Error::ERR_INVALID_PARAMETER;
                };
                let Some(options) = server_options.filter(|o| o.is_server()) else {
                    godot_error!(
                    "{CLASS}: accept_stream(): server_options must come from TLSOptions.server(key, certificate)"
                );
                    return Error::ERR_INVALID_PARAMETER;
                };
                if options.get_private_key().is_none() || options.get_own_certificate().is_none() {
                    godot_error!(
                        "{CLASS}: accept_stream(): the server options need a key and a certificate"
                    );
                    return Error::ERR_INVALID_PARAMETER;
                }
                if this.is_active() {
                    godot_error!("{CLASS}: accept_stream(): this TLS session is already active");
                    return Error::ERR_ALREADY_IN_USE;
                }
                let config = match server_config_for(&options) {
                    Ok(config) => config,
                    Err(msg) => {
                        godot_error!("{CLASS}: accept_stream(): {msg}");
                        return Error::ERR_INVALID_PARAMETER;
                    }
                };
                let session = transport_for(&stream)
                    .ok_or_else(|| "the stream is not connected".to_string())
                    .and_then(|t| TlsStream::new_server(t, config).map_err(|e| e.0));
                this.start(stream, session, true)
            },
        )
    }

    /// Starts the client side of a TLS session over [param stream], a connected [StreamPeer]
    /// (typically a [RustStreamPeerTCP] or [StreamPeerTCP] in
    /// [constant RustStreamPeerTCP.STATUS_CONNECTED]). The server's certificate must be valid
    /// for [param common_name] (unless [param client_options] overrides or skips that check);
    /// [param client_options] defaults to [method TLSOptions.client], which trusts the default
    /// certificate bundle. The status becomes [constant STATUS_HANDSHAKING]; call [method poll]
    /// until [constant STATUS_CONNECTED], or [constant STATUS_ERROR] when the server's
    /// certificate is refused. Returns [constant ERR_INVALID_PARAMETER] for a null stream or
    /// server options, [constant ERR_ALREADY_IN_USE] while a session is active, and
    /// [constant FAILED] (status [constant STATUS_ERROR_HOSTNAME_MISMATCH]) when the first
    /// handshake step fails, e.g. because the stream is not connected.
    /// [codeblock]
    /// tls.connect_to_stream(tcp, "localhost", TLSOptions.client(load("res://my_ca.crt")))
    /// [/codeblock]
    #[func]
    fn connect_to_stream(
        &mut self,
        stream: Option<Gd<StreamPeer>>,
        common_name: GString,
        #[opt(default = NullableTls(None))] client_options: NullableTls,
    ) -> Error {
        guard(
            self,
            "RustStreamPeerTLS.connect_to_stream",
            || Error::ERR_BUG,
            |this| {
                let Some(stream) = stream else {
                    godot_error!("{CLASS}: connect_to_stream(): the stream is null");
                    return Error::ERR_INVALID_PARAMETER;
                };
                if client_options.0.as_ref().is_some_and(|o| o.is_server()) {
                    godot_error!(
                    "{CLASS}: connect_to_stream(): client_options must be TLSOptions.client() or client_unsafe(), not server options"
                );
                    return Error::ERR_INVALID_PARAMETER;
                }
                if this.is_active() {
                    godot_error!(
                        "{CLASS}: connect_to_stream(): this TLS session is already active"
                    );
                    return Error::ERR_ALREADY_IN_USE;
                }
                let options = client_options
                    .0
                    .as_ref()
                    .map(client_options_for)
                    .unwrap_or_default();
                let needs_bundle = options.trusted_ca_pem.is_none() && !options.unsafe_client;
                let (bundle, tls13) = if needs_bundle {
                    project_settings::tls_defaults(CLASS)
                } else {
                    (None, project_settings::tls13_enabled())
                };
                let settings = TlsSettings {
                    options,
                    roots_override_pem: bundle,
                    enable_tls13: tls13,
                    pins: Vec::new(),
                };
                let (config, name) = match stream_client_config(&settings, &common_name.to_string())
                {
                    Ok(c) => c,
                    Err(msg) => {
                        godot_error!("{CLASS}: connect_to_stream(): {msg}");
                        return Error::ERR_INVALID_PARAMETER;
                    }
                };
                let session = transport_for(&stream)
                    .ok_or_else(|| "the stream is not connected".to_string())
                    .and_then(|t| TlsStream::new(t, config, name).map_err(|e| e.0));
                this.start(stream, session, false)
            },
        )
    }

    /// Advances the session: the handshake while [constant STATUS_HANDSHAKING] (it becomes
    /// [constant STATUS_CONNECTED] or [constant STATUS_ERROR]), then incoming records, so
    /// [method get_available_bytes] grows and a peer's close_notify or a closed connection
    /// turns the status to [constant STATUS_DISCONNECTED] once the data before it has been
    /// read. Never blocks. Prints an error when there is no session.
    #[func]
    fn poll(&mut self) {
        guard(
            self,
            "RustStreamPeerTLS.poll",
            || (),
            |this| {
                if let Some(msg) = this.deferred_error.take() {
                    godot_error!("{CLASS}: {msg}");
                    this.close(false);
                    return;
                }
                let status = this.status;
                let active = this.is_active_status();
                let Some(session) = this.session.as_mut().filter(|_| active) else {
                    godot_error!("{CLASS}: poll(): not connected (status {})", status.0);
                    return;
                };
                if status == Status::STATUS_HANDSHAKING {
                    match session.handshake() {
                        Ok(true) => this.status = Status::STATUS_CONNECTED,
                        Ok(false) => {}
                        Err(e) => {
                            godot_error!("{CLASS}: TLS handshake error: {}", e.0);
                            this.close(false);
                            this.status = Status::STATUS_ERROR;
                        }
                    }
                    return;
                }
                match session.pump() {
                    Err(e) => {
                        godot_error!("{CLASS}: {}", e.0);
                        this.close(false);
                    }
                    Ok(()) => {
                        let ended = session.close_notify_received() || session.transport_ended();
                        if ended && session.available() == 0 {
                            this.close(true);
                        }
                    }
                }
            },
        )
    }

    /// The session status.
    #[func]
    fn get_status(&self) -> Status {
        self.status
    }

    /// The [StreamPeer] this session runs over, or null when there is no session (before
    /// connecting, and after a disconnect or an error).
    #[func]
    fn get_stream(&self) -> Option<Gd<StreamPeer>> {
        self.stream.clone()
    }

    /// Ends the session: sends close_notify (without blocking) and goes to
    /// [constant STATUS_DISCONNECTED]. When the stream was a [RustStreamPeerTCP], its socket
    /// is closed too. Does nothing without an active session.
    #[func]
    fn disconnect_from_stream(&mut self) {
        if self.is_active() {
            self.close(true);
        }
    }
}

impl RustStreamPeerTls {
    /// Moves the TLS session out, for a protocol layered on top that owns it from now on
    /// (`RustWebSocketPeer.accept_stream`). Only while HANDSHAKING or CONNECTED; this object
    /// is left DISCONNECTED. A server session may still be handshaking (Godot reports it
    /// CONNECTED early): its reads finish the handshake. `peer_addr()` on the session gives the
    /// remote address when the socket underneath is ours.
    pub(crate) fn take_stream(&mut self) -> Option<TlsStream> {
        if !self.is_active() {
            return None;
        }
        self.stream = None;
        self.deferred_error = None;
        self.status = Status::STATUS_DISCONNECTED;
        self.session.take()
    }

    fn is_active(&self) -> bool {
        self.is_active_status() && self.session.is_some()
    }

    fn is_active_status(&self) -> bool {
        matches!(
            self.status,
            Status::STATUS_HANDSHAKING | Status::STATUS_CONNECTED
        )
    }

    /// Takes the first handshake step of a new session, with Godot's statuses and codes.
    fn start(
        &mut self,
        stream: Gd<StreamPeer>,
        session: Result<TlsStream, String>,
        server: bool,
    ) -> Error {
        let failed = if server {
            Status::STATUS_ERROR
        } else {
            Status::STATUS_ERROR_HOSTNAME_MISMATCH
        };
        self.deferred_error = None;
        let mut session = match session {
            Ok(s) => s,
            Err(msg) => {
                godot_error!("{CLASS}: TLS handshake error: {msg}");
                self.close(false);
                self.status = failed;
                return Error::FAILED;
            }
        };
        match session.handshake() {
            Ok(done) => {
                self.session = Some(session);
                self.stream = Some(stream);
                // Godot reports a server CONNECTED at once; the handshake ends in poll/read.
                self.status = if done || server {
                    Status::STATUS_CONNECTED
                } else {
                    Status::STATUS_HANDSHAKING
                };
                Error::OK
            }
            Err(e) => {
                godot_error!("{CLASS}: TLS handshake error: {}", e.0);
                self.close(false);
                self.status = failed;
                Error::FAILED
            }
        }
    }

    /// Drops the session (sending close_notify first when `polite`) and the stream:
    /// DISCONNECTED.
    fn close(&mut self, polite: bool) {
        if let Some(mut session) = self.session.take() {
            if polite {
                session.shutdown();
            }
        }
        self.stream = None;
        self.deferred_error = None;
        self.status = Status::STATUS_DISCONNECTED;
    }

    /// The StreamPeer read virtuals: `get_data` (blocking until the buffer is full) and
    /// `get_partial_data` (what is there now).
    ///
    /// # Safety
    /// `r_buffer` must hold `r_bytes` writable bytes and `r_received` must be a valid out-pointer.
    unsafe fn read_raw(
        &mut self,
        r_buffer: RawPtr<*mut u8>,
        r_bytes: i32,
        r_received: RawPtr<*mut i32>,
        blocking: bool,
    ) -> Error {
        let buf = unsafe { out_buffer(r_buffer, r_bytes) };
        unsafe { set_out(r_received, 0) };
        let (code, got) = self.read_into(buf, blocking);
        if blocking {
            // Godot hands back the whole buffer; make the unfilled tail zeros, not garbage.
            buf[got..].fill(0);
        }
        unsafe { set_out(r_received, got) };
        code
    }

    fn read_into(&mut self, buf: &mut [u8], blocking: bool) -> (Error, usize) {
        if let Err(code) = self.check_connected("read") {
            return (code, 0);
        }
        let Some(session) = self.session.as_mut() else {
            return (Error::ERR_UNCONFIGURED, 0);
        };
        let mut got = 0;
        let mut end = End::More;
        while got < buf.len() {
            match session.read(&mut buf[got..], blocking) {
                Ok(Some(0)) => {
                    end = End::Closed {
                        clean: session.close_notify_received(),
                    };
                    break;
                }
                Ok(Some(n)) => got += n,
                Ok(None) => break,
                Err(e) => {
                    end = End::Failed(e.to_string());
                    break;
                }
            }
        }
        (self.finish_io(end, got, blocking), got)
    }

    /// The StreamPeer write virtuals: `put_data` (blocking until everything is sent) and
    /// `put_partial_data` (what the socket and the TLS buffer take now).
    ///
    /// # Safety
    /// `p_data` must hold `p_bytes` readable bytes and `r_sent` must be a valid out-pointer.
    unsafe fn write_raw(
        &mut self,
        p_data: RawPtr<*const u8>,
        p_bytes: i32,
        r_sent: RawPtr<*mut i32>,
        blocking: bool,
    ) -> Error {
        let data = unsafe { in_buffer(p_data, p_bytes) };
        unsafe { set_out(r_sent, 0) };
        let (code, sent) = self.write_from(data, blocking);
        unsafe { set_out(r_sent, sent) };
        code
    }

    fn write_from(&mut self, data: &[u8], blocking: bool) -> (Error, usize) {
        if let Err(code) = self.check_connected("write") {
            return (code, 0);
        }
        let Some(session) = self.session.as_mut() else {
            return (Error::ERR_UNCONFIGURED, 0);
        };
        let mut sent = 0;
        let mut end = End::More;
        while sent < data.len() {
            match session.write(&data[sent..], blocking) {
                Ok(0) if !blocking => break,
                // Blocking and rustls's buffer full: move records along before retrying.
                Ok(0) => {
                    if let Err(e) = session.pump() {
                        end = End::Failed(e.0);
                        break;
                    }
                }
                Ok(n) => sent += n,
                Err(e) => {
                    end = End::Failed(e.to_string());
                    break;
                }
            }
        }
        (self.finish_io(end, sent, blocking), sent)
    }

    /// Checks that reads and writes are allowed (CONNECTED), and reports a failure deferred
    /// from the previous call.
    fn check_connected(&mut self, what: &str) -> Result<(), Error> {
        if self.status != Status::STATUS_CONNECTED || self.session.is_none() {
            godot_error!("{CLASS}: {what}: not connected (status {})", self.status.0);
            return Err(Error::ERR_UNCONFIGURED);
        }
        if let Some(msg) = self.deferred_error.take() {
            godot_error!("{CLASS}: {msg}");
            self.close(false);
            return Err(Error::ERR_CONNECTION_ERROR);
        }
        Ok(())
    }

    /// The `Error` of a read or write that moved `moved` bytes and stopped at `end`. Bytes
    /// moved before an end or a failure are returned with `OK` by the partial calls; the
    /// next call reports the rest (Godot's drops them).
    fn finish_io(&mut self, end: End, moved: usize, blocking: bool) -> Error {
        match end {
            End::More => Error::OK,
            // The next read meets the end again: rustls keeps answering end of stream.
            End::Closed { .. } if moved > 0 && !blocking => Error::OK,
            End::Closed { clean: true } => {
                self.close(true);
                Error::ERR_FILE_EOF
            }
            End::Closed { clean: false } => {
                godot_error!("{CLASS}: the connection closed without a TLS close_notify");
                self.close(false);
                Error::ERR_CONNECTION_ERROR
            }
            End::Failed(msg) if moved > 0 && !blocking => {
                self.deferred_error = Some(msg);
                Error::OK
            }
            End::Failed(msg) => {
                godot_error!("{CLASS}: {msg}");
                self.close(false);
                Error::ERR_CONNECTION_ERROR
            }
        }
    }
}

/// How a read or write loop stopped.
enum End {
    /// Done, or nothing more for now.
    More,
    /// End of stream: `clean` when the peer sent close_notify.
    Closed {
        clean: bool,
    },
    Failed(String),
}

impl Drop for RustStreamPeerTls {
    /// Like the built-in's destructor: a session still active says close_notify.
    fn drop(&mut self) {
        if let Some(session) = self.session.as_mut() {
            session.shutdown();
        }
    }
}

impl PanicClose for RustStreamPeerTls {
    fn close_after_panic(&mut self) {
        self.close(false);
    }
}
