//! `RustWebSocketPeer`: Godot's `WebSocketPeer` API over `rustnet_core::ws::WsDriver`.
//!
//! It extends `PacketPeerExtension`, so `get_packet`, `put_packet`, `put_var`, `get_var` and
//! `get_available_packet_count` are Godot's own `PacketPeer` methods running on the raw-pointer
//! virtuals below. This file converts types and keeps Godot's names, defaults and `Error`
//! codes; the protocol lives in the core crate.

use crate::class_enum::class_enum;
use crate::panic_guard::{guard, PanicClose};
use crate::project_settings;
use crate::stream_peer_tcp::{in_buffer, RustStreamPeerTcp};
use crate::stream_peer_tls::RustStreamPeerTls;
use crate::stream_peer_transport::PolledStreamPeer;
use crate::tls_options::{NullableTls, TlsOptionsCache};
use godot::classes::{IPacketPeerExtension, PacketPeerExtension, StreamPeer};
use godot::global::{godot_error, Error};
use godot::meta::conv::RawPtr;
use godot::prelude::*;
use rustnet_core::config::WsLimits;
use rustnet_core::net::listener::godot_ip_string;
use rustnet_core::tls::TlsSettings;
use rustnet_core::ws::{ReadyState, SendError, WsConfig, WsDriver, WsError};
use std::time::{Duration, Instant};

const CLASS: &str = "RustWebSocketPeer";

class_enum! {
    /// `WebSocketPeer.WriteMode`.
    pub struct WriteMode for "RustWebSocketPeer.WriteMode" {
        /// [method PacketPeer.put_packet] sends text frames (the data must be UTF-8).
        WRITE_MODE_TEXT = 0,
        /// [method PacketPeer.put_packet] sends binary frames (any bytes).
        WRITE_MODE_BINARY = 1,
    }
}

class_enum! {
    /// `WebSocketPeer.State`.
    pub struct State for "RustWebSocketPeer.State" {
        /// The opening handshake is running.
        STATE_CONNECTING = 0,
        /// Connected: messages can be sent and received.
        STATE_OPEN = 1,
        /// A close frame was sent or received; waiting for the other side.
        STATE_CLOSING = 2,
        /// Closed: see [method get_close_code] and [method get_close_reason].
        STATE_CLOSED = 3,
    }
}

/// Registers `WriteMode` and `State` as enums of `RustWebSocketPeer`.
pub fn register_enums() {
    let class = <RustWebSocketPeer as GodotClass>::class_id();
    WriteMode::register(class);
    State::register(class);
}

/// A drop-in twin of Godot's [WebSocketPeer], written in Rust: the same methods, properties,
/// constants, defaults, [code]Error[/code] codes, states and close codes, so a script written
/// for [code]WebSocketPeer[/code] runs unchanged after renaming the class. It is a [PacketPeer]:
/// [method PacketPeer.get_packet], [method PacketPeer.put_packet] and [method PacketPeer.put_var]
/// work on it.
///
/// Client:
/// [codeblock]
/// var ws := RustWebSocketPeer.new()
/// ws.connect_to_url("wss://example.com/socket")
/// # in _process():
/// ws.poll()
/// if ws.get_ready_state() == RustWebSocketPeer.STATE_OPEN:
///     ws.send_text("hello")
///     while ws.get_available_packet_count():
///         print(ws.get_packet().get_string_from_utf8())
/// [/codeblock]
/// Server: accept a connection from [RustTCPServer] (or Godot's [TCPServer]), optionally wrap
/// it in [RustStreamPeerTLS] or [StreamPeerTLS], and pass it to [method accept_stream].
///
/// Differences from the built-in (Godot bugs, fixed): messages that arrive together with a
/// close frame stay readable ([method PacketPeer.get_available_packet_count] counts them in any
/// state; Godot drops them); a wss close handshake reports the peer's close code (Godot's
/// initiator reports -1); close reasons over 123 bytes are cut at a character boundary and sent
/// (Godot sends nothing and stays [constant STATE_CLOSING]); close codes that may not be sent on
/// the wire (anything but 1000–1003, 1007–1011 and 3000–4999) are sent as a close frame without
/// a code; the whole connect and handshake is bounded by [member handshake_timeout] (a server
/// peer waits forever in Godot); a [member handshake_headers] entry containing a line break is
/// refused. [method accept_stream] takes any [StreamPeer], not only TCP and TLS streams.
#[derive(GodotClass)]
#[class(tool, base = PacketPeerExtension, rename = RustWebSocketPeer)]
pub struct RustWebSocketPeer {
    driver: WsDriver,
    /// The packet handed to Godot by the last `get_packet`: Godot copies from its memory after
    /// the virtual returns.
    current: Vec<u8>,
    was_string: bool,
    /// The WebSocket subprotocols offered (client) or accepted (server), most preferred first.
    /// Each entry is trimmed. Default empty: no [code]Sec-WebSocket-Protocol[/code] header.
    #[var(get = get_supported_protocols, set = set_supported_protocols, usage_flags = [DEFAULT])]
    supported_protocols: PackedStringArray,
    /// Extra header lines sent with the handshake request (client) or the 101 response
    /// (server), each a whole [code]"Name: value"[/code] line.
    #[var(get = get_handshake_headers, set = set_handshake_headers, usage_flags = [DEFAULT])]
    handshake_headers: PackedStringArray,
    /// The largest message accepted, in bytes (default 65535). A larger one closes the
    /// connection with code 1009. Read when the connection starts.
    #[var(get = get_inbound_buffer_size, set = set_inbound_buffer_size, usage_flags = [DEFAULT])]
    inbound_buffer_size: i32,
    /// The most bytes that may wait to be written, the new message included (default 65535):
    /// [method send] over it returns [constant ERR_OUT_OF_MEMORY]. [code]0[/code]: no limit.
    #[var(get = get_outbound_buffer_size, set = set_outbound_buffer_size, usage_flags = [DEFAULT])]
    outbound_buffer_size: i32,
    /// The most received messages waiting to be read, and sent messages waiting to be written
    /// (default 4096).
    #[var(get = get_max_queued_packets, set = set_max_queued_packets, usage_flags = [DEFAULT])]
    max_queued_packets: i32,
    /// Seconds between pings while open; a ping unanswered for a whole interval drops the
    /// connection (close code -1). [code]0[/code] (default): no pings.
    ///
    /// Registered as a [code]float[/code] property (Godot registers an [code]int[/code]
    /// property whose accessors take and return float seconds).
    #[var(get = get_heartbeat_interval, set = set_heartbeat_interval, usage_flags = [DEFAULT])]
    heartbeat_interval: f64,
    /// [i]RustNet only.[/i] Seconds the connect, TLS and WebSocket handshakes may take in all,
    /// on either side; past it the peer goes [constant STATE_CLOSED] with close code -1 and an
    /// error message. Default [code]10.0[/code]; [code]0[/code] waits forever, as Godot does.
    #[var(get = get_handshake_timeout, set = set_handshake_timeout, usage_flags = [DEFAULT])]
    handshake_timeout: f64,
    /// [i]RustNet only.[/i] Certificate pinning for [code]wss://[/code], as
    /// [member RustHTTPClient.tls_pinned_public_keys]: base64 SHA-256 hashes of public keys; when
    /// not empty the TLS handshake fails unless a certificate the server presents matches one.
    #[var(get = get_tls_pinned_public_keys, set = set_tls_pinned_public_keys, usage_flags = [DEFAULT])]
    tls_pinned_public_keys: PackedStringArray,
    /// [i]RustNet only.[/i] If [code]true[/code], offer (client) or accept (server)
    /// permessage-deflate compression (RFC 7692) on the next connection; messages are then
    /// compressed on the wire when the other end agrees. A compressed message can never inflate
    /// past [member inbound_buffer_size] (close 1009). Default [code]false[/code] (Godot's
    /// [WebSocketPeer] has no compression). [method is_compression_agreed] tells whether the
    /// connection uses it.
    #[var(get = is_compression_enabled, set = set_compression_enabled, usage_flags = [DEFAULT])]
    compression_enabled: bool,
    pins: Vec<rustnet_core::tls::pinning::Pin>,
    tls_cache: TlsOptionsCache,
    base: Base<PacketPeerExtension>,
}

#[godot_api]
impl IPacketPeerExtension for RustWebSocketPeer {
    fn init(base: Base<PacketPeerExtension>) -> Self {
        let limits = WsLimits::default();
        Self {
            driver: WsDriver::new(),
            current: Vec::new(),
            was_string: false,
            supported_protocols: PackedStringArray::new(),
            handshake_headers: PackedStringArray::new(),
            inbound_buffer_size: to_i32(limits.inbound_buffer_size),
            outbound_buffer_size: to_i32(limits.outbound_buffer_size),
            max_queued_packets: to_i32(limits.max_queued_packets),
            heartbeat_interval: 0.0,
            handshake_timeout: 10.0,
            tls_pinned_public_keys: PackedStringArray::new(),
            compression_enabled: false,
            pins: Vec::new(),
            tls_cache: TlsOptionsCache::default(),
            base,
        }
    }

    unsafe fn get_packet_rawptr(
        &mut self,
        r_buffer: RawPtr<*mut RawPtr<*const u8>>,
        r_buffer_size: RawPtr<*mut i32>,
    ) -> Error {
        guard(
            self,
            "RustWebSocketPeer.get_packet",
            || Error::ERR_BUG,
            |this| {
                let Some((data, text)) = this.driver.next_message() else {
                    if this.driver.ready_state() != ReadyState::Open {
                        godot_error!("{CLASS}: get_packet(): the connection is not open");
                        return Error::FAILED;
                    }
                    return Error::ERR_UNAVAILABLE;
                };
                this.current = data;
                this.was_string = text;
                let size = i32::try_from(this.current.len()).unwrap_or(i32::MAX);
                // SAFETY: Godot passes valid out-pointers; `this.current` outlives the copy Godot makes
                // right after this returns (it is only replaced by the next get_packet).
                unsafe {
                    *r_buffer.ptr() = RawPtr::new(this.current.as_ptr());
                    *r_buffer_size.ptr() = size;
                }
                Error::OK
            },
        )
    }

    unsafe fn put_packet_rawptr(
        &mut self,
        p_buffer: RawPtr<*const u8>,
        p_buffer_size: i32,
    ) -> Error {
        guard(
            self,
            "RustWebSocketPeer.put_packet",
            || Error::ERR_BUG,
            |this| {
                // SAFETY: Godot passes p_buffer_size readable bytes.
                let data = unsafe { in_buffer(p_buffer, p_buffer_size) };
                this.send_bytes(data, false)
            },
        )
    }

    fn get_available_packet_count(&self) -> i32 {
        to_i32(self.driver.available_messages())
    }

    fn get_max_packet_size(&self) -> i32 {
        self.inbound_buffer_size.max(0)
    }
}

#[godot_api]
impl RustWebSocketPeer {
    /// Connects to [param url] ([code]ws://[/code] or [code]wss://[/code]; no scheme means
    /// [code]ws://[/code]). [param tls_client_options] is used for [code]wss://[/code] only;
    /// [code]null[/code] means [method TLSOptions.client]. Returns [constant OK] and moves to
    /// [constant STATE_CONNECTING]; call [method poll] until [constant STATE_OPEN] (or
    /// [constant STATE_CLOSED] if the connection or handshake failed).
    /// [codeblock]
    /// var ws := RustWebSocketPeer.new()
    /// ws.connect_to_url("wss://example.com/socket")
    /// # each frame:
    /// ws.poll()
    /// if ws.get_ready_state() == RustWebSocketPeer.STATE_OPEN:
    ///     ws.send_text("ping")
    /// [/codeblock]
    #[func]
    pub(crate) fn connect_to_url(
        &mut self,
        url: GString,
        #[opt(default = NullableTls(None))] tls_client_options: NullableTls,
    ) -> Error {
        guard(
            self,
            "RustWebSocketPeer.connect_to_url",
            || Error::ERR_BUG,
            |this| {
                let url = url.to_string();
                let mut tls = TlsSettings::default();
                if let Some(opts) = tls_client_options.0.as_ref() {
                    tls.options = this.tls_cache.read(opts);
                }
                if url.to_ascii_lowercase().starts_with("wss://") {
                    let (bundle, tls13) = project_settings::tls_defaults(CLASS);
                    tls.roots_override_pem = bundle;
                    tls.enable_tls13 = tls13;
                    tls.pins = this.pins.clone();
                }
                let config = this.config();
                let result = this.driver.connect(&url, tls, config, Instant::now());
                this.was_string = false;
                ws_result(result)
            },
        )
    }

    /// Starts the server side of a connection accepted by [RustTCPServer] or [TCPServer]:
    /// [param stream] is the accepted [RustStreamPeerTCP] or [StreamPeerTCP], or a
    /// [RustStreamPeerTLS] or [StreamPeerTLS] wrapping one (for [code]wss://[/code]), or any
    /// other [StreamPeer]. A [RustStreamPeerTCP] or [RustStreamPeerTLS] is taken over (it reads
    /// as disconnected afterwards; the WebSocket owns the socket, with no per-call overhead). Call [method poll]
    /// until [constant STATE_OPEN].
    /// [codeblock]
    /// if server.is_connection_available():  # server: a RustTCPServer listening
    ///     var peer := RustWebSocketPeer.new()
    ///     peer.accept_stream(server.take_connection())
    ///     peers.append(peer)  # then poll() it every frame
    /// [/codeblock]
    #[func]
    pub(crate) fn accept_stream(&mut self, stream: Option<Gd<StreamPeer>>) -> Error {
        guard(
            self,
            "RustWebSocketPeer.accept_stream",
            || Error::ERR_BUG,
            |this| {
                let Some(stream) = stream else {
                    godot_error!("{CLASS}: accept_stream(): the stream is null");
                    return Error::ERR_INVALID_PARAMETER;
                };
                if matches!(
                    this.driver.ready_state(),
                    ReadyState::Connecting | ReadyState::Open
                ) {
                    return ws_result(Err(WsError::AlreadyInUse));
                }
                let config = this.config();
                let now = Instant::now();
                let result = match stream.try_cast::<RustStreamPeerTcp>() {
                    Ok(mut ours) => match ours.bind_mut().take_conn() {
                        Some(conn) => this.driver.accept(Box::new(conn), false, config, now),
                        None => Err(WsError::InvalidParameter(
                            "the RustStreamPeerTCP is not connected".into(),
                        )),
                    },
                    Err(stream) => match stream.try_cast::<RustStreamPeerTls>() {
                        Ok(mut ours) => match ours.bind_mut().take_stream() {
                            Some(session) => this.driver.accept_tls(Box::new(session), config, now),
                            None => Err(WsError::InvalidParameter(
                                "the RustStreamPeerTLS is not connected".into(),
                            )),
                        },
                        Err(stream) => {
                            let transport = PolledStreamPeer::new(stream);
                            let tls = transport.is_tls();
                            this.driver.accept(Box::new(transport), tls, config, now)
                        }
                    },
                };
                this.was_string = false;
                ws_result(result)
            },
        )
    }

    /// Sends [param message] as one frame: binary, or text with
    /// [constant WRITE_MODE_TEXT] (the bytes are not checked for UTF-8). Returns
    /// [constant FAILED] unless [constant STATE_OPEN], and [constant ERR_OUT_OF_MEMORY] when
    /// [member outbound_buffer_size] or [member max_queued_packets] would be exceeded.
    #[func]
    fn send(
        &mut self,
        message: PackedByteArray,
        #[opt(default = WriteMode::WRITE_MODE_BINARY)] write_mode: WriteMode,
    ) -> Error {
        guard(
            self,
            "RustWebSocketPeer.send",
            || Error::ERR_BUG,
            |this| this.send_bytes(message.as_slice(), write_mode == WriteMode::WRITE_MODE_TEXT),
        )
    }

    /// Sends [param message] as one UTF-8 text frame. See [method send].
    #[func]
    fn send_text(&mut self, message: GString) -> Error {
        guard(
            self,
            "RustWebSocketPeer.send_text",
            || Error::ERR_BUG,
            |this| this.send_bytes(message.to_string().as_bytes(), true),
        )
    }

    /// [code]true[/code] if the last packet taken with [method PacketPeer.get_packet] was a
    /// text message.
    #[func]
    fn was_string_packet(&self) -> bool {
        self.was_string
    }

    /// Advances the connection: connects, runs the handshakes, writes queued frames, reads what
    /// arrived (answering pings and close frames), and sends heartbeat pings. Call it every
    /// frame. Never blocks.
    #[func]
    pub(crate) fn poll(&mut self) {
        guard(
            self,
            "RustWebSocketPeer.poll",
            || (),
            |this| {
                if let Some(notice) = this.driver.poll_with_clock(Instant::now) {
                    godot_error!("{CLASS}: {}", notice.0);
                }
            },
        )
    }

    /// Closes the connection. While open, sends a close frame with [param code] and
    /// [param reason] (at most 123 bytes) and moves to [constant STATE_CLOSING]; the state
    /// becomes [constant STATE_CLOSED] when the peer answers. A negative [param code] drops the
    /// connection at once without a close frame. Before the connection is open, closes at once.
    /// [codeblock]
    /// ws.close(4000, "game over")
    /// # keep polling until STATE_CLOSED, then:
    /// print(ws.get_close_code(), " ", ws.get_close_reason())
    /// [/codeblock]
    #[func]
    pub(crate) fn close(
        &mut self,
        #[opt(default = 1000)] code: i32,
        #[opt(default = "")] reason: GString,
    ) {
        guard(
            self,
            "RustWebSocketPeer.close",
            || (),
            |this| {
                this.driver.close(code, &reason.to_string());
            },
        )
    }

    /// The IP address of the remote end, or [code]""[/code] (with an error) when there is no
    /// connection.
    #[func]
    pub(crate) fn get_connected_host(&self) -> GString {
        match self.driver.peer_addr() {
            Some(addr) => GString::from(&godot_ip_string(addr.ip())),
            None => {
                godot_error!("{CLASS}: get_connected_host(): not connected");
                GString::new()
            }
        }
    }

    /// The port of the remote end, or [code]0[/code] (with an error) when there is no
    /// connection.
    #[func]
    pub(crate) fn get_connected_port(&self) -> i32 {
        match self.driver.peer_addr() {
            Some(addr) => i32::from(addr.port()),
            None => {
                godot_error!("{CLASS}: get_connected_port(): not connected");
                0
            }
        }
    }

    /// The subprotocol agreed in the handshake, or [code]""[/code].
    #[func]
    pub(crate) fn get_selected_protocol(&self) -> GString {
        self.driver.selected_protocol().into()
    }

    /// Client: the URL given to [method connect_to_url]. Server: [code]ws://[/code] or
    /// [code]wss://[/code], the request's [code]Host[/code] header and its target.
    #[func]
    fn get_requested_url(&self) -> GString {
        self.driver.requested_url().into()
    }

    /// Turns Nagle's algorithm off ([code]true[/code], the default once connected) or on.
    #[func]
    fn set_no_delay(&mut self, enabled: bool) {
        if !self.driver.set_nodelay(enabled) {
            godot_error!("{CLASS}: set_no_delay(): not connected");
        }
    }

    /// Bytes of sent messages not yet handed to the operating system; 0 unless open.
    #[func]
    fn get_current_outbound_buffered_amount(&self) -> i32 {
        to_i32(self.driver.buffered_amount())
    }

    /// The connection's state: [constant STATE_CONNECTING], [constant STATE_OPEN],
    /// [constant STATE_CLOSING] or [constant STATE_CLOSED].
    #[func]
    pub(crate) fn get_ready_state(&self) -> State {
        State(self.driver.ready_state() as i64)
    }

    /// The close code received (or, after a protocol error, sent); [code]-1[/code] if the
    /// connection was not closed cleanly, [code]0[/code] for a close frame without a code.
    #[func]
    pub(crate) fn get_close_code(&self) -> i32 {
        self.driver.close_code()
    }

    /// The close reason that came with [method get_close_code].
    #[func]
    fn get_close_reason(&self) -> GString {
        self.driver.close_reason().into()
    }

    #[func]
    pub(crate) fn set_supported_protocols(&mut self, protocols: PackedStringArray) {
        self.supported_protocols = protocols
            .as_slice()
            .iter()
            .map(|p| GString::from(p.to_string().trim()))
            .collect();
    }

    #[func]
    fn get_supported_protocols(&self) -> PackedStringArray {
        self.supported_protocols.clone()
    }

    #[func]
    pub(crate) fn set_handshake_headers(&mut self, headers: PackedStringArray) {
        self.handshake_headers = headers;
    }

    #[func]
    fn get_handshake_headers(&self) -> PackedStringArray {
        self.handshake_headers.clone()
    }

    #[func]
    pub(crate) fn set_inbound_buffer_size(&mut self, size: i32) {
        self.inbound_buffer_size = size;
    }

    #[func]
    fn get_inbound_buffer_size(&self) -> i32 {
        self.inbound_buffer_size
    }

    #[func]
    pub(crate) fn set_outbound_buffer_size(&mut self, size: i32) {
        self.outbound_buffer_size = size;
        self.apply_outbound_limits();
    }

    #[func]
    fn get_outbound_buffer_size(&self) -> i32 {
        self.outbound_buffer_size
    }

    #[func]
    pub(crate) fn set_max_queued_packets(&mut self, count: i32) {
        self.max_queued_packets = count;
        self.apply_outbound_limits();
    }

    #[func]
    fn get_max_queued_packets(&self) -> i32 {
        self.max_queued_packets
    }

    #[func]
    fn set_heartbeat_interval(&mut self, interval: f64) {
        if !interval.is_finite() || interval < 0.0 {
            godot_error!("{CLASS}: heartbeat_interval must be 0 or more seconds");
            return;
        }
        self.heartbeat_interval = interval;
        self.driver
            .set_heartbeat_interval(Duration::from_secs_f64(interval.min(86_400.0)));
    }

    #[func]
    fn get_heartbeat_interval(&self) -> f64 {
        self.heartbeat_interval
    }

    #[func]
    pub(crate) fn set_handshake_timeout(&mut self, seconds: f64) {
        self.handshake_timeout = if seconds.is_finite() {
            seconds.max(0.0)
        } else {
            0.0
        };
    }

    #[func]
    fn get_handshake_timeout(&self) -> f64 {
        self.handshake_timeout
    }

    /// See [member tls_pinned_public_keys]. An entry that is not a base64 SHA-256 hash is
    /// reported and the pins are left unchanged.
    #[func]
    fn set_tls_pinned_public_keys(&mut self, pins: PackedStringArray) {
        guard(
            self,
            "RustWebSocketPeer.set_tls_pinned_public_keys",
            || (),
            |this| match crate::tls_options::parse_pins(&pins) {
                Ok(list) => {
                    this.pins = list;
                    this.tls_pinned_public_keys = pins;
                }
                Err(e) => godot_error!("{CLASS}: tls_pinned_public_keys: {e}"),
            },
        )
    }

    #[func]
    fn get_tls_pinned_public_keys(&self) -> PackedStringArray {
        self.tls_pinned_public_keys.clone()
    }

    #[func]
    pub(crate) fn set_compression_enabled(&mut self, enabled: bool) {
        self.compression_enabled = enabled;
    }

    #[func]
    fn is_compression_enabled(&self) -> bool {
        self.compression_enabled
    }

    /// [i]RustNet only.[/i] [code]true[/code] when the current (or last) connection agreed
    /// permessage-deflate in its handshake.
    #[func]
    pub(crate) fn is_compression_agreed(&self) -> bool {
        self.driver.compression_agreed()
    }
}

impl RustWebSocketPeer {
    /// The connection reached OPEN, possibly closed since (for `RustWebSocketClient`).
    pub(crate) fn was_opened(&self) -> bool {
        self.driver.was_opened()
    }

    /// Received messages not yet taken (for `RustWebSocketClient`'s `data_received`).
    pub(crate) fn available_messages(&self) -> usize {
        self.driver.available_messages()
    }

    /// The peer's close frame (code, reason) once it arrived (for `RustWebSocketClient`).
    pub(crate) fn close_received(&self) -> Option<(i32, String)> {
        self.driver
            .close_received()
            .map(|(code, reason)| (code, reason.to_string()))
    }

    /// The next received message's bytes, text or binary (for `RustWebSocketMultiplayerPeer`).
    pub(crate) fn take_message(&mut self) -> Option<Vec<u8>> {
        self.driver.next_message().map(|(data, _text)| data)
    }

    /// Sends `data` as one binary message (for `RustWebSocketMultiplayerPeer`).
    pub(crate) fn send_binary(&mut self, data: &[u8]) -> Error {
        self.send_bytes(data, false)
    }

    /// Godot reads the outbound limits at each send: a change applies to a live connection.
    fn apply_outbound_limits(&mut self) {
        self.driver.set_outbound_limits(
            usize::try_from(self.outbound_buffer_size).unwrap_or(0),
            usize::try_from(self.max_queued_packets).unwrap_or(0),
        );
    }

    /// What a new connection starts with, from the properties.
    fn config(&self) -> WsConfig {
        let strings = |a: &PackedStringArray| -> Vec<String> {
            a.as_slice().iter().map(|s| s.to_string()).collect()
        };
        let timeout = self.handshake_timeout;
        WsConfig {
            limits: WsLimits {
                inbound_buffer_size: usize::try_from(self.inbound_buffer_size).unwrap_or(0),
                outbound_buffer_size: usize::try_from(self.outbound_buffer_size).unwrap_or(0),
                max_queued_packets: usize::try_from(self.max_queued_packets).unwrap_or(0),
                heartbeat_interval: Duration::from_secs_f64(self.heartbeat_interval.min(86_400.0)),
                ..WsLimits::default()
            },
            protocols: strings(&self.supported_protocols),
            extra_headers: strings(&self.handshake_headers),
            handshake_timeout: (timeout > 0.0)
                .then(|| Duration::from_secs_f64(timeout.min(86_400.0))),
            connect_timeout: project_settings::connect_timeout(),
            deflate: rustnet_core::ws::deflate::DeflateConfig {
                enabled: self.compression_enabled,
                ..Default::default()
            },
            ..WsConfig::default()
        }
    }

    fn send_bytes(&mut self, data: &[u8], text: bool) -> Error {
        match self.driver.send(data, text) {
            Ok(()) => Error::OK,
            Err(SendError::NotOpen) => {
                godot_error!("{CLASS}: send(): the connection is not open");
                Error::FAILED
            }
            Err(SendError::OutOfMemory(why)) => {
                godot_error!("{CLASS}: send(): {why}");
                Error::ERR_OUT_OF_MEMORY
            }
        }
    }
}

/// Godot `Error` for a core WebSocket error, with one error print.
fn ws_result(result: Result<(), WsError>) -> Error {
    let Err(e) = result else {
        return Error::OK;
    };
    let code = match &e {
        WsError::AlreadyInUse => Error::ERR_ALREADY_IN_USE,
        WsError::Failed(_) => Error::FAILED,
        _ => Error::ERR_INVALID_PARAMETER,
    };
    godot_error!("{CLASS}: {e}");
    code
}

fn to_i32(n: usize) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}

impl PanicClose for RustWebSocketPeer {
    fn close_after_panic(&mut self) {
        self.driver = WsDriver::new();
        self.current = Vec::new();
        self.was_string = false;
    }
}
