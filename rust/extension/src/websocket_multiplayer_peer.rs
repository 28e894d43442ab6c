//! `RustWebSocketMultiplayerPeer`: Godot 4's `WebSocketMultiplayerPeer` (a
//! `MultiplayerPeer` for the high-level multiplayer API) over [`RustWebSocketPeer`]s.
//!
//! Wire format, the same as Godot's so either side may be the built-in: the server sends each
//! new peer its id as one 4-byte little-endian int32 binary message, then every packet is one
//! binary WebSocket message holding SceneMultiplayer's bytes unchanged.
//!
//! `poll()` gathers what happened while the peers are borrowed and emits `peer_connected` /
//! `peer_disconnected` only afterwards, with no peer borrowed: SceneMultiplayer's handlers
//! send packets from inside those signals.

use crate::panic_guard::{guard, PanicClose};
use crate::stream_peer_tcp::{in_buffer, RustStreamPeerTcp};
use crate::stream_peer_tls::RustStreamPeerTls;
use crate::tls_options::NullableTls;
use crate::websocket_peer::{RustWebSocketPeer, State};
use godot::classes::multiplayer_peer::{ConnectionStatus, TransferMode};
use godot::classes::{IMultiplayerPeerExtension, MultiplayerPeerExtension, StreamPeer, TlsOptions};
use godot::global::{godot_error, godot_warn, Error};
use godot::meta::conv::RawPtr;
use godot::prelude::*;
use rustnet_core::net::listener::Listener;
use std::collections::{BTreeMap, VecDeque};
use std::time::{Duration, Instant};

use crate::stream_peer_tcp::net_error;

const CLASS: &str = "RustWebSocketMultiplayerPeer";

/// Godot's `PROTO_SIZE`, subtracted from the outbound buffer size in `get_max_packet_size()`.
const PROTO_SIZE: i32 = 9;

/// A peer accepted by the server whose WebSocket handshake has not finished.
struct Pending {
    id: i32,
    ws: Gd<RustWebSocketPeer>,
    since: Instant,
}

/// A change `poll()` reports as a signal once no peer is borrowed.
pub(crate) enum Event {
    Connected(i32),
    Disconnected(i32),
}

/// A drop-in twin of Godot's [WebSocketMultiplayerPeer], written in Rust: a [MultiplayerPeer]
/// for the high-level multiplayer API ([SceneMultiplayer], [code]@rpc[/code]) over
/// [RustWebSocketPeer]s, with the same methods, properties, defaults and [code]Error[/code]
/// codes. It speaks Godot's wire format, so a [RustWebSocketMultiplayerPeer] server accepts
/// Godot's own [WebSocketMultiplayerPeer] clients and the other way round.
///
/// [codeblock]
/// # Server:
/// var peer := RustWebSocketMultiplayerPeer.new()
/// peer.create_server(9080)
/// multiplayer.multiplayer_peer = peer
/// # Client:
/// var peer := RustWebSocketMultiplayerPeer.new()
/// peer.create_client("ws://127.0.0.1:9080")
/// multiplayer.multiplayer_peer = peer
/// [/codeblock]
/// [code]wss://[/code]: pass [method TLSOptions.server] to [method create_server] and a
/// [code]wss://[/code] URL (with [method TLSOptions.client] if needed) to
/// [method create_client].
///
/// Difference from the built-in (a Godot bug, fixed): a client whose WebSocket opened but whose
/// server never sends the peer id gives up after [member handshake_timeout] (status
/// [constant MultiplayerPeer.CONNECTION_DISCONNECTED]); Godot's client waits until the
/// socket closes. Other differences: [method get_peer] returns a [RustWebSocketPeer]; the server
/// accepts every waiting connection in each [method MultiplayerPeer.poll] (Godot: one per
/// poll); while [member MultiplayerPeer.refuse_new_connections] is on, new connections are
/// closed as soon as they are accepted (Godot runs their WebSocket handshake first); a peer's [member RustWebSocketPeer.handshake_timeout] is set to
/// [member handshake_timeout].
#[derive(GodotClass)]
#[class(tool, base = MultiplayerPeerExtension, rename = RustWebSocketMultiplayerPeer)]
pub struct RustWebSocketMultiplayerPeer {
    /// The WebSocket subprotocols offered (client) or accepted (server), copied into each new
    /// [RustWebSocketPeer] (see [member RustWebSocketPeer.supported_protocols]).
    #[var(get = get_supported_protocols, set = set_supported_protocols, usage_flags = [DEFAULT])]
    supported_protocols: PackedStringArray,
    /// Extra handshake header lines, copied into each new [RustWebSocketPeer] (see
    /// [member RustWebSocketPeer.handshake_headers]).
    #[var(get = get_handshake_headers, set = set_handshake_headers, usage_flags = [DEFAULT])]
    handshake_headers: PackedStringArray,
    /// The largest message accepted, in bytes (default 65535), copied into each new peer.
    #[var(get = get_inbound_buffer_size, set = set_inbound_buffer_size, usage_flags = [DEFAULT])]
    inbound_buffer_size: i32,
    /// The most bytes waiting to be sent per peer (default 65535), copied into each new peer.
    #[var(get = get_outbound_buffer_size, set = set_outbound_buffer_size, usage_flags = [DEFAULT])]
    outbound_buffer_size: i32,
    /// The most messages queued each way per peer (default 4096), copied into each new peer.
    #[var(get = get_max_queued_packets, set = set_max_queued_packets, usage_flags = [DEFAULT])]
    max_queued_packets: i32,
    /// Seconds a connection may take to become usable (default [code]3.0[/code]). Server: a
    /// new connection must finish its (TLS and) WebSocket handshake in time or is dropped.
    /// Client: the connection, the handshake [i]and the wait for the peer id[/i] must finish in
    /// time, or the status becomes [constant MultiplayerPeer.CONNECTION_DISCONNECTED] (Godot
    /// does not time out the wait for the id). A value of 0 or less prints an error and is
    /// ignored.
    #[var(get = get_handshake_timeout, set = set_handshake_timeout, usage_flags = [DEFAULT])]
    handshake_timeout: f64,
    /// [i]RustNet only.[/i] If [code]true[/code], every peer this object makes (the server's
    /// peers and the client's connection) offers (client) or accepts (server)
    /// permessage-deflate compression, as [member RustWebSocketPeer.compression_enabled]; it is
    /// agreed per connection, so peers without compression (Godot's
    /// [WebSocketMultiplayerPeer]) still connect, uncompressed. Default [code]false[/code].
    /// Read when a connection starts.
    #[var(get = is_compression_enabled, set = set_compression_enabled, usage_flags = [DEFAULT])]
    compression_enabled: bool,

    status: ConnectionStatus,
    unique_id: i32,
    server: bool,
    listener: Option<Listener>,
    tls_server_options: Option<Gd<TlsOptions>>,
    pending: Vec<Pending>,
    /// Connected peers by id; a client has only the server, 1.
    peers: BTreeMap<i32, Gd<RustWebSocketPeer>>,
    /// Client: when `create_client` was called (for the handshake timeout).
    client_since: Instant,
    incoming: VecDeque<(i32, Vec<u8>)>,
    /// The packet handed to Godot by the last `get_packet`.
    current: Vec<u8>,
    target_peer: i32,
    transfer_channel: i32,
    transfer_mode: TransferMode,
    refuse_new_connections: bool,
    base: Base<MultiplayerPeerExtension>,
}

#[godot_api]
impl IMultiplayerPeerExtension for RustWebSocketMultiplayerPeer {
    fn init(base: Base<MultiplayerPeerExtension>) -> Self {
        Self {
            supported_protocols: PackedStringArray::new(),
            handshake_headers: PackedStringArray::new(),
            inbound_buffer_size: 65535,
            outbound_buffer_size: 65535,
            max_queued_packets: 4096,
            handshake_timeout: 3.0,
            compression_enabled: false,
            status: ConnectionStatus::DISCONNECTED,
            unique_id: 0,
            server: false,
            listener: None,
            tls_server_options: None,
            pending: Vec::new(),
            peers: BTreeMap::new(),
            client_since: Instant::now(),
            incoming: VecDeque::new(),
            current: Vec::new(),
            target_peer: 0,
            transfer_channel: 0,
            transfer_mode: TransferMode::RELIABLE,
            refuse_new_connections: false,
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
            "RustWebSocketMultiplayerPeer.get_packet",
            || Error::ERR_BUG,
            |this| {
                if this.status != ConnectionStatus::CONNECTED {
                    godot_error!("{CLASS}: get_packet(): not connected");
                    return Error::ERR_UNCONFIGURED;
                }
                let Some((_, data)) = this.incoming.pop_front() else {
                    godot_error!("{CLASS}: get_packet(): no packet available");
                    return Error::ERR_UNAVAILABLE;
                };
                this.current = data;
                let size = i32::try_from(this.current.len()).unwrap_or(i32::MAX);
                // SAFETY: Godot passes valid out-pointers; `this.current` lives until the next
                // get_packet, after Godot copied it.
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
            "RustWebSocketMultiplayerPeer.put_packet",
            || Error::ERR_BUG,
            |this| {
                // SAFETY: Godot passes p_buffer_size readable bytes.
                let data = unsafe { in_buffer(p_buffer, p_buffer_size) };
                this.put_bytes(data)
            },
        )
    }

    fn get_available_packet_count(&self) -> i32 {
        i32::try_from(self.incoming.len()).unwrap_or(i32::MAX)
    }

    fn get_max_packet_size(&self) -> i32 {
        self.outbound_buffer_size - PROTO_SIZE
    }

    fn get_packet_channel(&self) -> i32 {
        0
    }

    fn get_packet_mode(&self) -> TransferMode {
        TransferMode::RELIABLE
    }

    fn set_transfer_channel(&mut self, channel: i32) {
        self.transfer_channel = channel;
    }

    fn get_transfer_channel(&self) -> i32 {
        self.transfer_channel
    }

    fn set_transfer_mode(&mut self, mode: TransferMode) {
        self.transfer_mode = mode;
    }

    fn get_transfer_mode(&self) -> TransferMode {
        self.transfer_mode
    }

    fn set_target_peer(&mut self, peer: i32) {
        self.target_peer = peer;
    }

    fn get_packet_peer(&self) -> i32 {
        match self.incoming.front() {
            Some((source, _)) => *source,
            None => {
                godot_error!("{CLASS}: get_packet_peer(): no packet available");
                1
            }
        }
    }

    fn is_server(&self) -> bool {
        self.server
    }

    fn poll(&mut self) {
        guard(
            self,
            "RustWebSocketMultiplayerPeer.poll",
            || (),
            |this| {
                let events = this.poll_events();
                // No peer is borrowed here: handlers may send packets or close this object.
                for event in events {
                    let (signal, id) = match event {
                        Event::Connected(id) => ("peer_connected", id),
                        Event::Disconnected(id) => {
                            this.forget_peer(id);
                            ("peer_disconnected", id)
                        }
                    };
                    this.base_mut()
                        .emit_signal(signal, &[i64::from(id).to_variant()]);
                }
            },
        )
    }

    fn close(&mut self) {
        guard(
            self,
            "RustWebSocketMultiplayerPeer.close",
            || (),
            |this| {
                this.clear();
            },
        )
    }

    fn disconnect_peer(&mut self, peer: i32, force: bool) {
        guard(
            self,
            "RustWebSocketMultiplayerPeer.disconnect_peer",
            || (),
            |this| {
                let Some(mut ws) = this.peers.get(&peer).cloned() else {
                    godot_error!("{CLASS}: disconnect_peer(): no peer {peer}");
                    return;
                };
                ws.bind_mut().close(1000, GString::new());
                if force {
                    this.peers.remove(&peer);
                    if !this.server {
                        this.clear();
                    }
                }
            },
        )
    }

    fn get_unique_id(&self) -> i32 {
        self.unique_id
    }

    fn set_refuse_new_connections(&mut self, enable: bool) {
        self.refuse_new_connections = enable;
    }

    fn is_refusing_new_connections(&self) -> bool {
        self.refuse_new_connections
    }

    fn is_server_relay_supported(&self) -> bool {
        true
    }

    fn get_connection_status(&self) -> ConnectionStatus {
        self.status
    }
}

#[godot_api]
impl RustWebSocketMultiplayerPeer {
    /// Starts a server listening on [param port] at [param bind_address] ([code]"*"[/code]: all
    /// interfaces), for [code]wss://[/code] if [param tls_server_options] (from
    /// [method TLSOptions.server]) is given. The status is
    /// [constant MultiplayerPeer.CONNECTION_CONNECTED] and the unique id 1 at once. Returns
    /// [constant ERR_ALREADY_IN_USE] unless disconnected, [constant ERR_INVALID_PARAMETER] for
    /// client TLS options, or the listen error.
    #[func]
    fn create_server(
        &mut self,
        port: i32,
        #[opt(default = "*")] bind_address: GString,
        #[opt(default = NullableTls(None))] tls_server_options: NullableTls,
    ) -> Error {
        guard(
            self,
            "RustWebSocketMultiplayerPeer.create_server",
            || Error::ERR_BUG,
            |this| {
                if this.status != ConnectionStatus::DISCONNECTED {
                    godot_error!("{CLASS}: create_server(): already active");
                    return Error::ERR_ALREADY_IN_USE;
                }
                let tls = tls_server_options.0;
                if tls.as_ref().is_some_and(|t| !t.is_server()) {
                    godot_error!(
                        "{CLASS}: create_server(): the TLS options must be server options"
                    );
                    return Error::ERR_INVALID_PARAMETER;
                }
                this.clear();
                // Godot's parameter is a uint16_t: the value wraps.
                match Listener::bind(port as u16, &bind_address.to_string()) {
                    Ok(listener) => {
                        this.listener = Some(listener);
                        this.server = true;
                        this.unique_id = 1;
                        this.status = ConnectionStatus::CONNECTED;
                        this.tls_server_options = tls;
                        Error::OK
                    }
                    Err(e) => net_error(CLASS, e),
                }
            },
        )
    }

    /// Connects to the server at [param url] ([code]ws://[/code] or [code]wss://[/code];
    /// [param tls_client_options] as in [method RustWebSocketPeer.connect_to_url]). The status
    /// is [constant MultiplayerPeer.CONNECTION_CONNECTING] until the server sent this peer's
    /// id: then [constant MultiplayerPeer.CONNECTION_CONNECTED] and [signal
    /// MultiplayerPeer.peer_connected] with 1 (the server). Returns
    /// [constant ERR_ALREADY_IN_USE] unless disconnected, [constant ERR_INVALID_PARAMETER] for
    /// server TLS options or a bad URL.
    #[func]
    fn create_client(
        &mut self,
        url: GString,
        #[opt(default = NullableTls(None))] tls_client_options: NullableTls,
    ) -> Error {
        guard(
            self,
            "RustWebSocketMultiplayerPeer.create_client",
            || Error::ERR_BUG,
            |this| {
                if this.status != ConnectionStatus::DISCONNECTED {
                    godot_error!("{CLASS}: create_client(): already active");
                    return Error::ERR_ALREADY_IN_USE;
                }
                if tls_client_options.0.as_ref().is_some_and(|t| t.is_server()) {
                    godot_error!(
                        "{CLASS}: create_client(): the TLS options must be client options"
                    );
                    return Error::ERR_INVALID_PARAMETER;
                }
                this.clear();
                let mut ws = this.new_peer();
                let err = ws.bind_mut().connect_to_url(url, tls_client_options);
                if err != Error::OK {
                    return err;
                }
                this.peers.insert(1, ws);
                this.client_since = Instant::now();
                this.status = ConnectionStatus::CONNECTING;
                err
            },
        )
    }

    /// The [RustWebSocketPeer] of the connected peer [param peer_id] (a client's only peer is
    /// 1, the server), or [code]null[/code] with an error.
    #[func]
    fn get_peer(&self, peer_id: i32) -> Option<Gd<RustWebSocketPeer>> {
        let peer = self.peers.get(&peer_id).cloned();
        if peer.is_none() {
            godot_error!("{CLASS}: get_peer(): no peer {peer_id}");
        }
        peer
    }

    /// The IP address of peer [param id], or [code]""[/code] with an error.
    #[func]
    fn get_peer_address(&self, id: i32) -> GString {
        match self.peers.get(&id) {
            Some(ws) => ws.bind().get_connected_host(),
            None => {
                godot_error!("{CLASS}: get_peer_address(): no peer {id}");
                GString::new()
            }
        }
    }

    /// The remote port of peer [param id], or 0 with an error.
    #[func]
    fn get_peer_port(&self, id: i32) -> i32 {
        match self.peers.get(&id) {
            Some(ws) => ws.bind().get_connected_port(),
            None => {
                godot_error!("{CLASS}: get_peer_port(): no peer {id}");
                0
            }
        }
    }

    #[func]
    pub(crate) fn set_supported_protocols(&mut self, protocols: PackedStringArray) {
        self.supported_protocols = protocols;
    }

    #[func]
    fn get_supported_protocols(&self) -> PackedStringArray {
        self.supported_protocols.clone()
    }

    #[func]
    pub(crate) fn set_handshake_headers(&mut self, protocols: PackedStringArray) {
        self.handshake_headers = protocols;
    }

    #[func]
    fn get_handshake_headers(&self) -> PackedStringArray {
        self.handshake_headers.clone()
    }

    #[func]
    fn set_inbound_buffer_size(&mut self, buffer_size: i32) {
        self.inbound_buffer_size = buffer_size;
    }

    #[func]
    fn get_inbound_buffer_size(&self) -> i32 {
        self.inbound_buffer_size
    }

    #[func]
    fn set_outbound_buffer_size(&mut self, buffer_size: i32) {
        self.outbound_buffer_size = buffer_size;
    }

    #[func]
    fn get_outbound_buffer_size(&self) -> i32 {
        self.outbound_buffer_size
    }

    #[func]
    fn set_max_queued_packets(&mut self, max_queued_packets: i32) {
        self.max_queued_packets = max_queued_packets;
    }

    #[func]
    fn get_max_queued_packets(&self) -> i32 {
        self.max_queued_packets
    }

    #[func]
    fn set_handshake_timeout(&mut self, timeout: f64) {
        if timeout.is_nan() || timeout <= 0.0 {
            godot_error!("{CLASS}: handshake_timeout must be more than 0 seconds");
            return;
        }
        self.handshake_timeout = timeout;
    }

    #[func]
    pub(crate) fn get_handshake_timeout(&self) -> f64 {
        self.handshake_timeout
    }

    #[func]
    pub(crate) fn set_compression_enabled(&mut self, enabled: bool) {
        self.compression_enabled = enabled;
    }

    #[func]
    fn is_compression_enabled(&self) -> bool {
        self.compression_enabled
    }
}

impl RustWebSocketMultiplayerPeer {
    /// Advances the peer and returns what happened, without emitting (the caller emits once no
    /// peer is borrowed; `RustWebSocketClient` emits on itself). A server peer that left stays
    /// in the map until the caller calls [`Self::forget_peer`] right before emitting its
    /// `peer_disconnected`: as in Godot, each is erased and signalled in turn, so a handler
    /// reacting to the first (SceneMultiplayer telling the others) still finds the second.
    pub(crate) fn poll_events(&mut self) -> Vec<Event> {
        match self.status {
            ConnectionStatus::DISCONNECTED => Vec::new(),
            _ if self.server => self.poll_server(),
            _ => self.poll_client(),
        }
    }

    /// Starts the client side over `ws`, a peer whose `connect_to_url` already returned OK
    /// (for `RustWebSocketClient` with `gd_mp_api`, whose `get_peer(1)` is that peer).
    pub(crate) fn start_client_over(&mut self, ws: Gd<RustWebSocketPeer>) -> Error {
        if self.status != ConnectionStatus::DISCONNECTED {
            godot_error!("{CLASS}: already active");
            return Error::ERR_ALREADY_IN_USE;
        }
        self.clear();
        self.peers.insert(1, ws);
        self.client_since = Instant::now();
        self.status = ConnectionStatus::CONNECTING;
        Error::OK
    }

    /// Drops a peer that left (see [`Self::poll_events`]).
    pub(crate) fn forget_peer(&mut self, id: i32) {
        self.peers.remove(&id);
    }

    fn timeout(&self) -> Duration {
        Duration::from_secs_f64(self.handshake_timeout.min(86_400.0))
    }

    /// A new peer with this object's settings.
    fn new_peer(&self) -> Gd<RustWebSocketPeer> {
        let mut ws = RustWebSocketPeer::new_gd();
        {
            let mut p = ws.bind_mut();
            p.set_supported_protocols(self.supported_protocols.clone());
            p.set_handshake_headers(self.handshake_headers.clone());
            p.set_inbound_buffer_size(self.inbound_buffer_size);
            p.set_outbound_buffer_size(self.outbound_buffer_size);
            p.set_max_queued_packets(self.max_queued_packets);
            p.set_handshake_timeout(self.handshake_timeout);
            p.set_compression_enabled(self.compression_enabled);
        }
        ws
    }

    /// Back to DISCONNECTED: closes every peer and stops listening (no signals, as Godot).
    fn clear(&mut self) {
        for (_, mut ws) in std::mem::take(&mut self.peers) {
            ws.bind_mut().close(1000, GString::new());
        }
        for mut p in std::mem::take(&mut self.pending) {
            p.ws.bind_mut().close(-1, GString::new());
        }
        self.listener = None;
        self.tls_server_options = None;
        self.server = false;
        self.status = ConnectionStatus::DISCONNECTED;
        self.unique_id = 0;
        self.incoming.clear();
        self.current = Vec::new();
    }

    fn put_bytes(&mut self, data: &[u8]) -> Error {
        if self.status != ConnectionStatus::CONNECTED {
            godot_error!("{CLASS}: put_packet(): not connected");
            return Error::ERR_UNCONFIGURED;
        }
        if !self.server {
            return match self.peers.get_mut(&1) {
                Some(ws) => ws.bind_mut().send_binary(data),
                None => Error::ERR_UNCONFIGURED,
            };
        }
        let target = self.target_peer;
        if target > 0 {
            let Some(ws) = self.peers.get_mut(&target) else {
                godot_error!("{CLASS}: put_packet(): peer not found: {target}");
                return Error::ERR_INVALID_PARAMETER;
            };
            // Like Godot, the server reports OK whatever the peer's send returned. A peer that
            // closed in this poll (its peer_disconnected not emitted yet) is skipped quietly.
            let mut p = ws.bind_mut();
            if p.get_ready_state() == State::STATE_OPEN {
                p.send_binary(data);
            }
            return Error::OK;
        }
        for (id, ws) in self.peers.iter_mut() {
            if target != 0 && -target == *id {
                continue;
            }
            let mut p = ws.bind_mut();
            if p.get_ready_state() == State::STATE_OPEN {
                p.send_binary(data);
            }
        }
        Error::OK
    }

    fn poll_client(&mut self) -> Vec<Event> {
        let mut events = Vec::new();
        let Some(mut ws) = self.peers.get(&1).cloned() else {
            self.clear();
            return events;
        };
        let mut p = ws.bind_mut();
        p.poll();
        let state = p.get_ready_state();
        if state == State::STATE_OPEN {
            if self.status == ConnectionStatus::CONNECTING {
                if let Some(msg) = p.take_message() {
                    let id = <[u8; 4]>::try_from(msg.as_slice()).map(i32::from_le_bytes);
                    match id {
                        Ok(id) if id >= 2 => {
                            self.unique_id = id;
                            self.status = ConnectionStatus::CONNECTED;
                            events.push(Event::Connected(1));
                        }
                        _ => {
                            godot_error!("{CLASS}: Invalid ID received from server");
                            drop(p);
                            self.clear();
                            return events;
                        }
                    }
                }
            }
            if self.status == ConnectionStatus::CONNECTED {
                while let Some(msg) = p.take_message() {
                    if !msg.is_empty() {
                        self.incoming.push_back((1, msg));
                    }
                }
            }
        } else if state == State::STATE_CLOSED {
            if self.status == ConnectionStatus::CONNECTED {
                events.push(Event::Disconnected(1));
            }
            drop(p);
            self.clear();
            return events;
        }
        drop(p);
        // Unlike Godot, this also bounds the wait for the id once the WebSocket is open.
        if self.status == ConnectionStatus::CONNECTING
            && self.client_since.elapsed() > self.timeout()
        {
            godot_warn!(
                "{CLASS}: the connection timed out after {:.3} seconds (handshake_timeout)",
                self.handshake_timeout
            );
            self.clear();
        }
        events
    }

    fn poll_server(&mut self) -> Vec<Event> {
        let mut events = Vec::new();
        let now = Instant::now();
        // Accept every waiting connection (Godot takes one per poll).
        while let Some(tcp) = self.listener.as_mut().and_then(|l| l.accept()) {
            if self.refuse_new_connections {
                // Closed at once: the client fails now, instead of waiting in the listen
                // backlog and, if it gave up meanwhile, being admitted later as a dead peer.
                drop(tcp);
                continue;
            }
            let tcp = RustStreamPeerTcp::from_peer(tcp);
            let stream: Gd<StreamPeer> = match &self.tls_server_options {
                None => tcp.upcast(),
                Some(options) => {
                    let mut tls = RustStreamPeerTls::new_gd();
                    let err = tls
                        .bind_mut()
                        .accept_stream(Some(tcp.upcast()), Some(options.clone()));
                    if err != Error::OK {
                        continue;
                    }
                    tls.upcast()
                }
            };
            let mut ws = self.new_peer();
            if ws.bind_mut().accept_stream(Some(stream)) != Error::OK {
                continue;
            }
            let id = self.generate_unique_id();
            self.pending.push(Pending { id, ws, since: now });
        }

        // Pending peers: handshake done, still going, failed or timed out.
        let timeout = self.timeout();
        let mut still_pending = Vec::new();
        for mut pending in std::mem::take(&mut self.pending) {
            if now.duration_since(pending.since) > timeout {
                pending.ws.bind_mut().close(-1, GString::new());
                continue;
            }
            let mut p = pending.ws.bind_mut();
            p.poll();
            match p.get_ready_state() {
                State::STATE_CONNECTING => {
                    drop(p);
                    still_pending.push(pending);
                }
                State::STATE_OPEN => {
                    if self.refuse_new_connections {
                        p.close(1000, GString::new());
                        continue;
                    }
                    if p.send_binary(&pending.id.to_le_bytes()) == Error::OK {
                        drop(p);
                        self.peers.insert(pending.id, pending.ws);
                        events.push(Event::Connected(pending.id));
                    } else {
                        godot_error!("{CLASS}: failed to send the id to a new peer");
                    }
                }
                _ => {}
            }
        }
        self.pending = still_pending;

        // Connected peers: read packets, drop the ones no longer open.
        let mut gone = Vec::new();
        for (id, ws) in self.peers.iter_mut() {
            let mut p = ws.bind_mut();
            p.poll();
            if p.get_ready_state() != State::STATE_OPEN {
                gone.push(*id);
                continue;
            }
            while let Some(msg) = p.take_message() {
                if msg.is_empty() {
                    break;
                }
                self.incoming.push_back((*id, msg));
            }
        }
        // Removed from `peers` by forget_peer, one by one as their signals go out.
        events.extend(gone.into_iter().map(Event::Disconnected));
        events
    }

    /// A random 31-bit id, never 0 or 1, not in use.
    fn generate_unique_id(&self) -> i32 {
        loop {
            let id = (godot::global::randi() & 0x7FFF_FFFF) as i32;
            if id >= 2 && !self.peers.contains_key(&id) && !self.pending.iter().any(|p| p.id == id)
            {
                return id;
            }
        }
    }
}

impl PanicClose for RustWebSocketMultiplayerPeer {
    fn close_after_panic(&mut self) {
        self.clear();
    }
}
