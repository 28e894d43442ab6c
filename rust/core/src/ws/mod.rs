//! WebSocket (RFC 6455) protocol core behind `RustWebSocketPeer`, the twin of Godot 4.6's
//! `WebSocketPeer`. Sans-IO: nothing here touches a socket or reads the clock.
//!
//! * [`url`]: Godot's `parse_url` rules for `connect_to_url`.
//! * [`handshake`]: the client request and strict 101 check; the server's request check,
//!   subprotocol negotiation, 101 response and `requested_url`.
//! * [`deflate`]: permessage-deflate (RFC 7692) negotiation and per-message codec (not wired
//!   into the session yet).
//! * [`session`]: the message session after the handshake (frames, fragmentation, ping/pong,
//!   close handshake, limits, heartbeat).
//!
//! The lifecycle the extension drives (CONNECTING belongs to the glue, which owns the socket
//! and runs the handshake; a [`session::Session`] starts OPEN):
//!
//! ```text
//!            connect_to_url / accept_stream
//!  CLOSED ───────────────────────────────▶ CONNECTING ──(handshake fails, close())──▶ CLOSED (-1)
//!                                               │ 101 sent / checked
//!                                               ▼
//!                                             OPEN ──(close(code≥0), close frame received,
//!                                               │      protocol error)──▶ CLOSING ──▶ CLOSED
//!                                               └──(close(-1), EOF, heartbeat timeout)──▶ CLOSED (-1)
//! ```
//!
//! Errors say who failed ([`WsError`]); the extension turns them into Godot `Error` values in
//! one place.

pub mod deflate;
pub mod driver;
pub mod handshake;
pub mod session;
pub mod url;

use std::fmt;

pub use driver::{WsConfig, WsDriver, WsNotice};
pub use session::{ReadyState, Role, SendError, Session};
pub use url::{parse_ws_url, WsUrl};

/// Why a URL or a handshake was refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum WsError {
    /// A caller argument is invalid (Godot's `ERR_INVALID_PARAMETER`). The text says which.
    InvalidParameter(String),
    /// The peer's handshake broke a rule Godot checks. Godot closes with code -1 and prints
    /// the text.
    Handshake(String),
    /// The peer's handshake head is longer than `WsLimits::max_handshake_bytes`.
    LimitExceeded(String),
    /// Server side: the client offered no subprotocol we support (or none while we require
    /// one). Godot closes the TCP connection silently, without an HTTP error response.
    NoCommonProtocol,
    /// `connect_to_url` / `accept_stream` while CONNECTING or OPEN (Godot's
    /// `ERR_ALREADY_IN_USE`).
    AlreadyInUse,
    /// No connection could even be started (Godot's `FAILED`). The text says why.
    Failed(String),
}

impl fmt::Display for WsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WsError::InvalidParameter(m) => write!(f, "invalid parameter: {m}"),
            WsError::Handshake(m) => write!(f, "WebSocket handshake failed: {m}"),
            WsError::LimitExceeded(m) => write!(f, "limit exceeded: {m}"),
            WsError::NoCommonProtocol => write!(f, "no common WebSocket subprotocol"),
            WsError::AlreadyInUse => write!(f, "the peer is already connecting or open"),
            WsError::Failed(m) => write!(f, "{m}"),
        }
    }
}

impl std::error::Error for WsError {}
