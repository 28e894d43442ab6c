//! # rustnet-core
//!
//! Everything RustNet knows about networking, with no dependency on Godot:
//!
//! * [`http`]: the HTTP/1.1 client — sans-IO pieces (request encoding, response-head parsing,
//!   body framing, chunked decoding) and the [`http::HttpClient`] driver that owns a socket and
//!   reproduces the status machine of Godot's `HTTPClient` poll by poll.
//! * [`net`]: sockets — asynchronous DNS resolution, non-blocking TCP connect, the TCP listener
//!   and `StreamPeerTCP` semantics behind `RustTCPServer` / `RustStreamPeerTCP`.
//! * [`ws`]: WebSocket — URL rules, both handshake sides, the sans-IO message session with
//!   Godot's close and limit semantics, the [`ws::WsDriver`] that runs one connection from
//!   connect/accept to CLOSED for `RustWebSocketPeer`, and permessage-deflate (not wired yet).
//! * [`tls`]: rustls client and server sessions as a byte pipe over any transport, Godot's
//!   `TLSOptions` semantics, and public-key pinning.
//! * [`config`]: every limit, in one documented struct.
//!
//! The `rustnet` crate (the Godot extension) only converts types and keeps Godot's names; any
//! branch that is about protocol behaviour lives here, where `cargo test` can reach it.

pub mod config;
pub mod http;
pub mod net;
pub mod tls;
pub mod ws;

pub use config::HttpLimits;
