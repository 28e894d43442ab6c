//! `RustWebSocketClient`: Godot 3's signal-driven `WebSocketClient` API, for code being ported
//! from Godot 3, over a [`RustWebSocketPeer`] (which `get_peer(1)` returns).
//!
//! Like Godot 3's class (which inherited `WebSocketMultiplayerPeer`), it is a `MultiplayerPeer`:
//! with `gd_mp_api = true` it drives an inner [`RustWebSocketMultiplayerPeer`] client over its
//! peer and forwards every multiplayer virtual to it (Godot 4's wire format, so it joins Godot
//! 4 servers, built-in or ours); with `gd_mp_api = false` the multiplayer virtuals describe an
//! inactive peer (no packets, id 0) and messages are read on `get_peer(1)`.
//!
//! `poll()` (the `MultiplayerPeer` virtual, which GDScript's `client.poll()` reaches) polls the
//! peer and turns what changed into Godot 3's signals, in Godot 3's order:
//!
//! ```text
//!  gd_mp_api = false:
//!  connect_to_url ──▶ connecting ──(handshake done)──▶ connection_established(protocol)
//!                        │                                 │ each message: data_received()
//!                        │                                 │ server's close frame: server_close_request(code, reason)
//!                        ▼                                 ▼ closed: connection_closed(was_clean_close)
//!                 connection_error()        (was_clean_close: a close frame was exchanged)
//!
//!  gd_mp_api = true (as Godot 3: no connection_established / data_received):
//!  connect_to_url ──▶ connecting ──(id received)──▶ peer_connected(1), connection_succeeded()
//!                        │                              │ server's close frame: server_close_request(code, reason)
//!                        ▼                              ▼ closed: peer_disconnected(1), connection_failed()
//!                 connection_failed()
//! ```

use crate::tls_options::NullableTls;
use crate::websocket_multiplayer_peer::{Event, RustWebSocketMultiplayerPeer};
use crate::websocket_peer::{RustWebSocketPeer, State};
use godot::classes::multiplayer_peer::{ConnectionStatus, TransferMode};
use godot::classes::{
    IMultiplayerPeerExtension, MultiplayerPeerExtension, TlsOptions, X509Certificate,
};
use godot::global::{godot_error, Error};
use godot::meta::conv::RawPtr;
use godot::prelude::*;

const CLASS: &str = "RustWebSocketClient";

/// Godot 3's [code]WebSocketClient[/code], for scripts being ported from Godot 3: connect with
/// [method connect_to_url], call [method MultiplayerPeer.poll] every frame, and react to the
/// signals. Messages are read and sent on the [RustWebSocketPeer] that [method get_peer]
/// returns for id [code]1[/code].
/// [codeblock]
/// var client := RustWebSocketClient.new()
///
/// func _ready():
///     client.connection_established.connect(func(proto): client.get_peer(1).put_packet("hi".to_utf8_buffer()))
///     client.data_received.connect(func(): print(client.get_peer(1).get_packet().get_string_from_utf8()))
///     client.connection_closed.connect(func(clean): print("closed, clean: ", clean))
///     client.connect_to_url("ws://127.0.0.1:9080")
///
/// func _process(_delta):
///     client.poll()
/// [/codeblock]
/// As in Godot 3 it is a [MultiplayerPeer]: [code]connect_to_url(url, [], true)[/code]
/// ([code]gd_mp_api[/code]) makes it a client for the high-level multiplayer API
/// ([code]multiplayer.multiplayer_peer = client[/code]), speaking Godot 4's
/// [WebSocketMultiplayerPeer] wire format (so it joins a [WebSocketMultiplayerPeer] or
/// [RustWebSocketMultiplayerPeer] server). Then, as in Godot 3, [signal connection_established]
/// and [signal data_received] are not emitted; [signal connection_succeeded] (the id arrived),
/// [signal connection_failed] (the connection failed or closed) and
/// [signal server_close_request] are. With [code]gd_mp_api = false[/code] the
/// [MultiplayerPeer] side is inactive (no packets, unique id 0): do not assign it to
/// [member MultiplayerAPI.multiplayer_peer].
///
/// Differences from Godot 3: [method get_peer] returns a Godot 4 style [RustWebSocketPeer] (send
/// text with [method RustWebSocketPeer.send_text] instead of Godot 3's write mode); the
/// multiplayer wire format is Godot 4's, not Godot 3's.
#[derive(GodotClass)]
#[class(tool, base = MultiplayerPeerExtension, rename = RustWebSocketClient)]
pub struct RustWebSocketClient {
    peer: Gd<RustWebSocketPeer>,
    /// If [code]true[/code] (default), the server's certificate is verified when connecting to a
    /// [code]wss://[/code] URL.
    #[var(get = is_verify_ssl_enabled, set = set_verify_ssl_enabled, usage_flags = [DEFAULT])]
    verify_ssl_enabled: bool,
    /// If set, the only certificate (authority) accepted for [code]wss://[/code] connections.
    #[var(get = get_trusted_ssl_certificate, set = set_trusted_ssl_certificate, usage_flags = [DEFAULT])]
    trusted_ssl_certificate: Option<Gd<X509Certificate>>,
    /// [i]RustNet only.[/i] If [code]true[/code], the next [method connect_to_url] offers
    /// permessage-deflate compression, as [member RustWebSocketPeer.compression_enabled]
    /// (used only if the server agrees). Default [code]false[/code].
    #[var(get = is_compression_enabled, set = set_compression_enabled, usage_flags = [DEFAULT])]
    compression_enabled: bool,
    /// `gd_mp_api = true`: the multiplayer client running over `peer`.
    mp: Option<Gd<RustWebSocketMultiplayerPeer>>,
    /// What the last `poll()` saw, to emit each signal once.
    phase: Phase,
    /// `disconnect_from_host()` was called: the close frame that comes back is the echo, not a
    /// request from the server.
    closing_by_us: bool,
    close_request_emitted: bool,
    /// Inactive multiplayer side (`gd_mp_api = false`): what the setters were given.
    target_peer: i32,
    transfer_channel: i32,
    transfer_mode: TransferMode,
    refuse_new_connections: bool,
    base: Base<MultiplayerPeerExtension>,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Phase {
    Idle,
    Connecting,
    Established,
}

#[godot_api]
impl IMultiplayerPeerExtension for RustWebSocketClient {
    fn init(base: Base<MultiplayerPeerExtension>) -> Self {
        Self {
            peer: RustWebSocketPeer::new_gd(),
            verify_ssl_enabled: true,
            trusted_ssl_certificate: None,
            compression_enabled: false,
            mp: None,
            phase: Phase::Idle,
            closing_by_us: false,
            close_request_emitted: false,
            target_peer: 0,
            transfer_channel: 0,
            transfer_mode: TransferMode::RELIABLE,
            refuse_new_connections: false,
            base,
        }
    }

    /// Advances the connection and emits the signals for what happened. Call it every frame
    /// (the multiplayer API also calls it when this is its peer).
    fn poll(&mut self) {
        match self.mp.clone() {
            Some(mp) => self.poll_mp(mp),
            None => self.poll_plain(),
        }
    }

    unsafe fn get_packet_rawptr(
        &mut self,
        r_buffer: RawPtr<*mut RawPtr<*const u8>>,
        r_buffer_size: RawPtr<*mut i32>,
    ) -> Error {
        match self.mp.as_mut() {
            // SAFETY: the same out-pointers Godot gave us; the inner peer keeps the bytes alive
            // until its next get_packet, and lives as long as this object.
            Some(mp) => unsafe { mp.bind_mut().get_packet_rawptr(r_buffer, r_buffer_size) },
            None => {
                godot_error!("{CLASS}: get_packet(): not a multiplayer peer (gd_mp_api is false): read from get_peer(1)");
                Error::ERR_UNCONFIGURED
            }
        }
    }

    unsafe fn put_packet_rawptr(
        &mut self,
        p_buffer: RawPtr<*const u8>,
        p_buffer_size: i32,
    ) -> Error {
        match self.mp.as_mut() {
            // SAFETY: forwarded unchanged; Godot passes p_buffer_size readable bytes.
            Some(mp) => unsafe { mp.bind_mut().put_packet_rawptr(p_buffer, p_buffer_size) },
            None => {
                godot_error!("{CLASS}: put_packet(): not a multiplayer peer (gd_mp_api is false): send on get_peer(1)");
                Error::ERR_UNCONFIGURED
            }
        }
    }

    fn get_available_packet_count(&self) -> i32 {
        self.mp
            .as_ref()
            .map_or(0, |mp| mp.bind().get_available_packet_count())
    }

    fn get_max_packet_size(&self) -> i32 {
        self.mp
            .as_ref()
            .map_or(0, |mp| mp.bind().get_max_packet_size())
    }

    fn get_packet_channel(&self) -> i32 {
        0
    }

    fn get_packet_mode(&self) -> TransferMode {
        TransferMode::RELIABLE
    }

    fn set_transfer_channel(&mut self, channel: i32) {
        self.transfer_channel = channel;
        if let Some(mp) = self.mp.as_mut() {
            mp.bind_mut().set_transfer_channel(channel);
        }
    }

    fn get_transfer_channel(&self) -> i32 {
        self.transfer_channel
    }

    fn set_transfer_mode(&mut self, mode: TransferMode) {
        self.transfer_mode = mode;
        if let Some(mp) = self.mp.as_mut() {
            mp.bind_mut().set_transfer_mode(mode);
        }
    }

    fn get_transfer_mode(&self) -> TransferMode {
        self.transfer_mode
    }

    fn set_target_peer(&mut self, peer: i32) {
        self.target_peer = peer;
        if let Some(mp) = self.mp.as_mut() {
            mp.bind_mut().set_target_peer(peer);
        }
    }

    fn get_packet_peer(&self) -> i32 {
        match self.mp.as_ref() {
            Some(mp) => mp.bind().get_packet_peer(),
            None => 1,
        }
    }

    fn is_server(&self) -> bool {
        false
    }

    fn close(&mut self) {
        match self.mp.as_mut() {
            Some(mp) => mp.bind_mut().close(),
            None => self.peer.bind_mut().close(1000, GString::new()),
        }
        self.phase = Phase::Idle;
    }

    fn disconnect_peer(&mut self, peer: i32, force: bool) {
        match self.mp.as_mut() {
            Some(mp) => mp.bind_mut().disconnect_peer(peer, force),
            None if peer == 1 => self.peer.bind_mut().close(1000, GString::new()),
            None => godot_error!("{CLASS}: disconnect_peer(): no peer {peer}"),
        }
    }

    fn get_unique_id(&self) -> i32 {
        self.mp.as_ref().map_or(0, |mp| mp.bind().get_unique_id())
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

    /// Godot 3's statuses (the same values as Godot 4's): with [code]gd_mp_api[/code],
    /// CONNECTED once the server sent this peer's id; without, the WebSocket's state
    /// (CONNECTED while open or closing).
    fn get_connection_status(&self) -> ConnectionStatus {
        if let Some(mp) = self.mp.as_ref() {
            return mp.bind().get_connection_status();
        }
        match self.peer.bind().get_ready_state() {
            State::STATE_CONNECTING => ConnectionStatus::CONNECTING,
            State::STATE_OPEN | State::STATE_CLOSING => ConnectionStatus::CONNECTED,
            _ => ConnectionStatus::DISCONNECTED,
        }
    }
}

#[godot_api]
impl RustWebSocketClient {
    /// Emitted when the connection is established; [param protocol] is the agreed subprotocol
    /// ([code]""[/code] if none). Not emitted with [code]gd_mp_api[/code] (as in Godot 3).
    #[signal]
    fn connection_established(protocol: GString);

    /// Emitted when the connection fails before it is established. With
    /// [code]gd_mp_api[/code], [signal connection_failed] is emitted instead (as in Godot 3).
    #[signal]
    fn connection_error();

    /// Emitted when an established connection is closed; [param was_clean_close] is
    /// [code]true[/code] when close frames were exchanged. With [code]gd_mp_api[/code],
    /// [signal connection_failed] is emitted instead (as in Godot 3).
    #[signal]
    fn connection_closed(was_clean_close: bool);

    /// Emitted once per message received (read it from [code]get_peer(1)[/code]). Not emitted
    /// with [code]gd_mp_api[/code] (the multiplayer API reads the messages).
    #[signal]
    fn data_received();

    /// Emitted when the server sends a close frame; keep polling until
    /// [signal connection_closed].
    #[signal]
    fn server_close_request(code: i64, reason: GString);

    /// [code]gd_mp_api[/code] only (Godot 3's [code]NetworkedMultiplayerPeer[/code] signal):
    /// the server sent this peer's id; the multiplayer session is up.
    #[signal]
    fn connection_succeeded();

    /// [code]gd_mp_api[/code] only (Godot 3's [code]NetworkedMultiplayerPeer[/code] signal):
    /// the connection failed, or (as in Godot 3) an established one closed.
    #[signal]
    fn connection_failed();

    /// Connects to [param url] ([code]ws://[/code] or [code]wss://[/code]), offering
    /// [param protocols] as subprotocols and adding [param custom_headers] (whole
    /// [code]"Name: value"[/code] lines) to the handshake request. With [param gd_mp_api]
    /// [code]true[/code] this object becomes a multiplayer client (see the class description).
    #[func]
    fn connect_to_url(
        &mut self,
        url: GString,
        #[opt(default = StringList::empty())] protocols: StringList,
        #[opt(default = false)] gd_mp_api: bool,
        #[opt(default = StringList::empty())] custom_headers: StringList,
    ) -> Error {
        if let Some(mp) = self.mp.as_ref() {
            if mp.bind().get_connection_status() != ConnectionStatus::DISCONNECTED {
                godot_error!("{CLASS}: connect_to_url(): already connected");
                return Error::ERR_ALREADY_IN_USE;
            }
        }
        let tls = self.tls_options();
        let mut mp = gd_mp_api.then(|| self.new_mp(&protocols, &custom_headers));
        let err = {
            let mut peer = self.peer.bind_mut();
            peer.set_supported_protocols(protocols.0);
            peer.set_handshake_headers(custom_headers.0);
            peer.set_compression_enabled(self.compression_enabled);
            if let Some(mp) = mp.as_ref() {
                let mp = mp.bind();
                peer.set_handshake_timeout(mp.get_handshake_timeout());
            } else {
                peer.set_handshake_timeout(10.0);
            }
            peer.connect_to_url(url, NullableTls(tls))
        };
        if err != Error::OK {
            return err;
        }
        if let Some(mp) = mp.as_mut() {
            let err = mp.bind_mut().start_client_over(self.peer.clone());
            if err != Error::OK {
                return err;
            }
        }
        self.mp = mp;
        self.phase = Phase::Connecting;
        self.closing_by_us = false;
        self.close_request_emitted = false;
        Error::OK
    }

    /// Closes the connection with [param code] and [param reason] (see
    /// [method RustWebSocketPeer.close]); [signal connection_closed] follows from
    /// [method MultiplayerPeer.poll].
    #[func]
    fn disconnect_from_host(
        &mut self,
        #[opt(default = 1000)] code: i32,
        #[opt(default = "")] reason: GString,
    ) {
        self.closing_by_us = true;
        self.peer.bind_mut().close(code, reason);
    }

    /// The [RustWebSocketPeer] for [param peer_id] [code]1[/code] (the server); [code]null[/code]
    /// (with an error) for any other id.
    #[func]
    fn get_peer(&self, peer_id: i32) -> Option<Gd<RustWebSocketPeer>> {
        if peer_id != 1 {
            godot_error!("{CLASS}: get_peer({peer_id}): a client's only peer is 1");
            return None;
        }
        Some(self.peer.clone())
    }

    /// The server's IP address.
    #[func]
    fn get_connected_host(&self) -> GString {
        self.peer.bind().get_connected_host()
    }

    /// The server's port.
    #[func]
    fn get_connected_port(&self) -> i32 {
        self.peer.bind().get_connected_port()
    }

    #[func]
    fn is_verify_ssl_enabled(&self) -> bool {
        self.verify_ssl_enabled
    }

    #[func]
    fn set_verify_ssl_enabled(&mut self, enabled: bool) {
        self.verify_ssl_enabled = enabled;
    }

    #[func]
    fn get_trusted_ssl_certificate(&self) -> Option<Gd<X509Certificate>> {
        self.trusted_ssl_certificate.clone()
    }

    #[func]
    fn set_trusted_ssl_certificate(&mut self, certificate: Option<Gd<X509Certificate>>) {
        self.trusted_ssl_certificate = certificate;
    }

    #[func]
    fn is_compression_enabled(&self) -> bool {
        self.compression_enabled
    }

    #[func]
    fn set_compression_enabled(&mut self, enabled: bool) {
        self.compression_enabled = enabled;
    }
}

/// A `PackedStringArray` argument with an empty default (`protocols = PoolStringArray()`):
/// gdext's `#[opt]` needs a by-value type, which `PackedStringArray` itself is not.
#[derive(Clone, Debug)]
pub struct StringList(pub PackedStringArray);

impl StringList {
    fn empty() -> Self {
        Self(PackedStringArray::new())
    }
}

impl godot::meta::GodotConvert for StringList {
    type Via = PackedStringArray;
    fn godot_shape() -> godot::meta::shape::GodotShape {
        <PackedStringArray as godot::meta::GodotConvert>::godot_shape()
    }
}

impl godot::meta::ToGodot for StringList {
    type Pass = godot::meta::conv::ByValue;
    fn to_godot(&self) -> PackedStringArray {
        self.0.clone()
    }
}

impl godot::meta::FromGodot for StringList {
    fn try_from_godot(v: PackedStringArray) -> Result<Self, godot::meta::error::ConvertError> {
        Ok(Self(v))
    }
}

// SAFETY: used only as `#[opt(default = StringList::empty())]`; a new empty array is not
// shared with anything.
unsafe impl godot::meta::GodotImmutable for StringList {}

impl RustWebSocketClient {
    /// The inner multiplayer client for `gd_mp_api`, with this object's settings.
    fn new_mp(
        &self,
        protocols: &StringList,
        headers: &StringList,
    ) -> Gd<RustWebSocketMultiplayerPeer> {
        let mut mp = RustWebSocketMultiplayerPeer::new_gd();
        {
            let mut m = mp.bind_mut();
            m.set_supported_protocols(protocols.0.clone());
            m.set_handshake_headers(headers.0.clone());
            m.set_compression_enabled(self.compression_enabled);
            m.set_target_peer(self.target_peer);
            m.set_transfer_channel(self.transfer_channel);
            m.set_transfer_mode(self.transfer_mode);
        }
        mp
    }

    /// `gd_mp_api = false`: Godot 3's WebSocket signals from the peer's state.
    fn poll_plain(&mut self) {
        let (before, after, state, opened, protocol, close_code, close_request) = {
            let mut peer = self.peer.bind_mut();
            let before = peer.available_messages();
            peer.poll();
            (
                before,
                peer.available_messages(),
                peer.get_ready_state(),
                peer.was_opened(),
                peer.get_selected_protocol(),
                peer.get_close_code(),
                peer.close_received(),
            )
        };
        // Emit with no borrow of the peer held: handlers read packets from it.
        if self.phase == Phase::Connecting {
            if state == State::STATE_CONNECTING {
                return;
            }
            if !opened {
                self.phase = Phase::Idle;
                self.signals().connection_error().emit();
                return;
            }
            self.phase = Phase::Established;
            self.signals().connection_established().emit(&protocol);
        }
        if self.phase != Phase::Established {
            return;
        }
        for _ in 0..after.saturating_sub(before) {
            self.signals().data_received().emit();
        }
        self.emit_close_request(close_request);
        if state == State::STATE_CLOSED {
            self.phase = Phase::Idle;
            self.signals().connection_closed().emit(close_code != -1);
        }
    }

    /// `gd_mp_api = true`: the inner multiplayer client polls the peer; its events become
    /// `peer_connected`/`peer_disconnected` on this object plus Godot 3's multiplayer signals.
    fn poll_mp(&mut self, mut mp: Gd<RustWebSocketMultiplayerPeer>) {
        let events = mp.bind_mut().poll_events();
        let status = mp.bind().get_connection_status();
        if status == ConnectionStatus::DISCONNECTED {
            // Finishes a close the multiplayer side started and no longer polls.
            self.peer.bind_mut().poll();
        }
        let close_request = self.peer.bind().close_received();
        // No peer is borrowed here: handlers may send packets or close this object.
        for event in events {
            match event {
                Event::Connected(id) => {
                    self.phase = Phase::Established;
                    self.base_mut()
                        .emit_signal("peer_connected", &[i64::from(id).to_variant()]);
                    self.signals().connection_succeeded().emit();
                }
                Event::Disconnected(id) => {
                    mp.bind_mut().forget_peer(id);
                    self.emit_close_request(close_request.clone());
                    self.base_mut()
                        .emit_signal("peer_disconnected", &[i64::from(id).to_variant()]);
                }
            }
        }
        if self.phase != Phase::Idle {
            self.emit_close_request(close_request);
        }
        if self.phase != Phase::Idle && status == ConnectionStatus::DISCONNECTED {
            self.phase = Phase::Idle;
            self.signals().connection_failed().emit();
        }
    }

    /// `server_close_request`, once per connection, unless the close frame echoes ours.
    fn emit_close_request(&mut self, close_request: Option<(i32, String)>) {
        if let Some((code, reason)) = close_request {
            if !self.closing_by_us && !self.close_request_emitted {
                self.close_request_emitted = true;
                self.signals()
                    .server_close_request()
                    .emit(i64::from(code), &GString::from(&reason));
            }
        }
    }

    /// Godot 3's two TLS properties as a Godot 4 `TLSOptions`.
    fn tls_options(&self) -> Option<Gd<TlsOptions>> {
        let cert = self.trusted_ssl_certificate.clone();
        if self.verify_ssl_enabled {
            TlsOptions::client_ex().trusted_chain(cert.as_ref()).done()
        } else {
            TlsOptions::client_unsafe_ex()
                .trusted_chain(cert.as_ref())
                .done()
        }
    }
}
