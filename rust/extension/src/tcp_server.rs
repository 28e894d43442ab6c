//! `RustTCPServer`: Godot's `TCPServer` API over `rustnet_core::net::listener::Listener`.

use crate::panic_guard::{guard, PanicClose};
use crate::stream_peer_tcp::{net_error, RustStreamPeerTcp};
use godot::classes::{IRefCounted, RefCounted};
use godot::global::{godot_error, Error};
use godot::prelude::*;
use rustnet_core::net::listener::Listener;

/// A drop-in twin of Godot's [TCPServer], written in Rust: the same methods and
/// [code]Error[/code] codes. [method take_connection] returns a [RustStreamPeerTCP].
///
/// [codeblock]
/// var server := RustTCPServer.new()
/// server.listen(4242)
/// # each frame:
/// while server.is_connection_available():
///     var peer := server.take_connection()
///     peer.put_utf8_string("hello")
/// [/codeblock]
///
/// Differences from the built-in: the listen backlog is the usual OS maximum (4096) instead
/// of 8, so bursts of connections are not refused before the game accepts them.
#[derive(GodotClass)]
#[class(base = RefCounted, rename = RustTCPServer)]
pub struct RustTcpServer {
    listener: Option<Listener>,
    base: Base<RefCounted>,
}

#[godot_api]
impl IRefCounted for RustTcpServer {
    fn init(base: Base<RefCounted>) -> Self {
        Self {
            listener: None,
            base,
        }
    }
}

#[godot_api]
impl RustTcpServer {
    /// Listens on [param port] (0: an ephemeral port, see [method get_local_port]) at
    /// [param bind_address]: [code]"*"[/code] for every interface (IPv4 and IPv6),
    /// [code]"0.0.0.0"[/code] for IPv4 only, [code]"::"[/code] for IPv6 only, or one address.
    /// Like Godot, the port is taken modulo 65536.
    #[func]
    fn listen(&mut self, port: i64, #[opt(default = "*")] bind_address: GString) -> Error {
        guard(
            self,
            "RustTCPServer.listen",
            || Error::ERR_BUG,
            |this| {
                if this.listener.is_some() {
                    godot_error!("RustTCPServer: already listening");
                    return Error::ERR_ALREADY_IN_USE;
                }
                // Godot's parameter is a uint16_t: the value wraps (-1 listens on 65535).
                let port = port as u16;
                match Listener::bind(port, &bind_address.to_string()) {
                    Ok(l) => {
                        this.listener = Some(l);
                        Error::OK
                    }
                    Err(e) => net_error("RustTCPServer", e),
                }
            },
        )
    }

    /// [code]true[/code] when a connection is waiting for [method take_connection].
    #[func]
    fn is_connection_available(&mut self) -> bool {
        guard(
            self,
            "RustTCPServer.is_connection_available",
            || false,
            |this| {
                this.listener
                    .as_mut()
                    .is_some_and(|l| l.is_connection_available())
            },
        )
    }

    /// The next waiting connection, already connected, or [code]null[/code].
    #[func]
    fn take_connection(&mut self) -> Option<Gd<RustStreamPeerTcp>> {
        guard(
            self,
            "RustTCPServer.take_connection",
            || None,
            |this| {
                let peer = this.listener.as_mut()?.accept()?;
                Some(RustStreamPeerTcp::from_peer(peer))
            },
        )
    }

    /// [code]true[/code] while listening.
    #[func]
    fn is_listening(&self) -> bool {
        self.listener.is_some()
    }

    /// The port listened on, or 0.
    #[func]
    fn get_local_port(&self) -> i32 {
        self.listener
            .as_ref()
            .map(|l| i32::from(l.local_port()))
            .unwrap_or(0)
    }

    /// Stops listening (accepted connections stay open).
    #[func]
    fn stop(&mut self) {
        self.listener = None;
    }
}

impl PanicClose for RustTcpServer {
    fn close_after_panic(&mut self) {
        self.stop();
    }
}
