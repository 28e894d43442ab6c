//! TLS for the clients, with rustls (ring provider), as a byte pipe between the socket and the
//! protocol: [`stream::TlsStream`] is a [`crate::net::tcp::Transport`] wrapping another one.
//!
//! | module | owns |
//! |---|---|
//! | [`config`] | Godot's `TLSOptions` semantics → a rustls `ClientConfig` (roots, unsafe modes, name override, TLS 1.3 switch) |
//! | [`pinning`] | SHA-256 public-key pins (SPKI), parsed and checked on top of normal verification |
//! | [`stream`] | the non-blocking handshake and record I/O over any transport |

pub mod config;
pub mod pinning;
pub mod stream;

pub use config::{TlsClientOptions, TlsSettings};
pub use stream::TlsStream;
