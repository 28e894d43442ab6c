//! # rustnet-core
//!
//! Everything RustNet knows about networking, with no dependency on Godot:
//!
//! * [`http`]: the HTTP/1.1 client — sans-IO pieces (request encoding, response-head parsing,
//!   body framing, chunked decoding) and the [`http::HttpClient`] driver that owns a socket and
//!   reproduces the status machine of Godot's `HTTPClient` poll by poll.
//! * [`net`]: sockets — asynchronous DNS resolution and non-blocking TCP connect.
//! * [`ws`]: the WebSocket protocol core (URL rules, both handshake sides, the message session
//!   with Godot's close and limit semantics), for the coming `RustWebSocketPeer`.
//! * [`tls`]: rustls client sessions as a byte pipe over any transport, Godot's `TLSOptions`
//!   semantics, and public-key pinning.
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
