//! `RustWebSocketClient`: Godot 3's signal-driven `WebSocketClient` API, for code being ported
//! from Godot 3, over a [`RustWebSocketPeer`] (which `get_peer(1)` returns).
//!
//! `poll()` polls the peer and turns what changed into Godot 3's signals, in Godot 3's order:
//!
//! ```text
//!  connect_to_url ──▶ connecting ──(handshake done)──▶ connection_established(protocol)
//!                        │                                 │ each message: data_received()
//!                        │                                 │ server's close frame: server_close_request(code, reason)
//!                        ▼                                 ▼ closed: connection_closed(was_clean_close)
//!                 connection_error()        (was_clean_close: a close frame was exchanged)
//! ```

use crate::tls_options::NullableTls;
use crate::websocket_peer::{RustWebSocketPeer, State};
use godot::classes::{IRefCounted, RefCounted, TlsOptions, X509Certificate};
use godot::global::{godot_error, Error};
use godot::prelude::*;

const CLASS: &str = "RustWebSocketClient";

/// Godot 3's `NetworkedMultiplayerPeer.ConnectionStatus` values, as `get_connection_status()`
/// returns them.
const CONNECTION_DISCONNECTED: i32 = 0;
const CONNECTION_CONNECTING: i32 = 1;
const CONNECTION_CONNECTED: i32 = 2;

/// Godot 3's [code]WebSocketClient[/code], for scripts being ported from Godot 3: connect with
/// [method connect_to_url], call [method poll] every frame, and react to the signals. Messages
/// are read and sent on the [RustWebSocketPeer] that [method get_peer] returns for id
/// [code]1[/code].
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
/// Differences from Godot 3: [code]gd_mp_api = true[/code] (use as a multiplayer peer) is not
/// available yet and returns [constant ERR_UNAVAILABLE]; [method get_peer] returns a Godot 4
/// style [RustWebSocketPeer] (send text with [method RustWebSocketPeer.send_text] instead of
/// Godot 3's write mode).
#[derive(GodotClass)]
#[class(base = RefCounted, rename = RustWebSocketClient)]
pub struct RustWebSocketClient {
    peer: Gd<RustWebSocketPeer>,
    /// If [code]true[/code] (default), the server's certificate is verified when connecting to a
    /// [code]wss://[/code] URL.
    #[var(get = is_verify_ssl_enabled, set = set_verify_ssl_enabled, usage_flags = [DEFAULT])]
    verify_ssl_enabled: bool,
    /// If set, the only certificate (authority) accepted for [code]wss://[/code] connections.
    #[var(get = get_trusted_ssl_certificate, set = set_trusted_ssl_certificate, usage_flags = [DEFAULT])]
    trusted_ssl_certificate: Option<Gd<X509Certificate>>,
    /// What the last `poll()` saw, to emit each signal once.
    phase: Phase,
    /// `disconnect_from_host()` was called: the close frame that comes back is the echo, not a
    /// request from the server.
    closing_by_us: bool,
    close_request_emitted: bool,
    base: Base<RefCounted>,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Phase {
    Idle,
    Connecting,
    Established,
}

#[godot_api]
impl IRefCounted for RustWebSocketClient {
    fn init(base: Base<RefCounted>) -> Self {
        Self {
            peer: RustWebSocketPeer::new_gd(),
            verify_ssl_enabled: true,
            trusted_ssl_certificate: None,
            phase: Phase::Idle,
            closing_by_us: false,
            close_request_emitted: false,
            base,
        }
    }
}

#[godot_api]
impl RustWebSocketClient {
    /// Emitted when the connection is established; [param protocol] is the agreed subprotocol
    /// ([code]""[/code] if none).
    #[signal]
    fn connection_established(protocol: GString);

    /// Emitted when the connection fails before it is established.
    #[signal]
    fn connection_error();

    /// Emitted when an established connection is closed; [param was_clean_close] is
    /// [code]true[/code] when close frames were exchanged.
    #[signal]
    fn connection_closed(was_clean_close: bool);

    /// Emitted once per message received (read it from [code]get_peer(1)[/code]).
    #[signal]
    fn data_received();

    /// Emitted when the server sends a close frame; keep polling until
    /// [signal connection_closed].
    #[signal]
    fn server_close_request(code: i64, reason: GString);

    /// Connects to [param url] ([code]ws://[/code] or [code]wss://[/code]), offering
    /// [param protocols] as subprotocols and adding [param custom_headers] (whole
    /// [code]"Name: value"[/code] lines) to the handshake request.
    #[func]
    fn connect_to_url(
        &mut self,
        url: GString,
        #[opt(default = StringList::empty())] protocols: StringList,
        #[opt(default = false)] gd_mp_api: bool,
        #[opt(default = StringList::empty())] custom_headers: StringList,
    ) -> Error {
        if gd_mp_api {
            godot_error!(
                "{CLASS}: gd_mp_api = true (use as a multiplayer peer) is not available yet"
            );
            return Error::ERR_UNAVAILABLE;
        }
        let tls = self.tls_options();
        let err = {
            let mut peer = self.peer.bind_mut();
            peer.set_supported_protocols(protocols.0);
            peer.set_handshake_headers(custom_headers.0);
            peer.connect_to_url(url, NullableTls(tls))
        };
        if err == Error::OK {
            self.phase = Phase::Connecting;
            self.closing_by_us = false;
            self.close_request_emitted = false;
        }
        err
    }

    /// Closes the connection with [param code] and [param reason] (see
    /// [method RustWebSocketPeer.close]); [signal connection_closed] follows from [method poll].
    #[func]
    fn disconnect_from_host(
        &mut self,
        #[opt(default = 1000)] code: i32,
        #[opt(default = "")] reason: GString,
    ) {
        self.closing_by_us = true;
        self.peer.bind_mut().close(code, reason);
    }

    /// Advances the connection and emits the signals for what happened. Call it every frame.
    #[func]
    fn poll(&mut self) {
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
        if let Some((code, reason)) = close_request {
            if !self.closing_by_us && !self.close_request_emitted {
                self.close_request_emitted = true;
                self.signals()
                    .server_close_request()
                    .emit(i64::from(code), &GString::from(&reason));
            }
        }
        if state == State::STATE_CLOSED {
            self.phase = Phase::Idle;
            self.signals().connection_closed().emit(close_code != -1);
        }
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

    /// Godot 3's [code]NetworkedMultiplayerPeer.ConnectionStatus[/code]: 0 disconnected, 1
    /// connecting, 2 connected (also while closing).
    #[func]
    fn get_connection_status(&self) -> i32 {
        match self.peer.bind().get_ready_state() {
            State::STATE_CONNECTING => CONNECTION_CONNECTING,
            State::STATE_OPEN | State::STATE_CLOSING => CONNECTION_CONNECTED,
            _ => CONNECTION_DISCONNECTED,
        }
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
