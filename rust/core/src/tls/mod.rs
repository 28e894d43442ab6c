//! TLS with rustls (ring provider), client and server side, as a byte pipe between the socket
//! and the protocol: [`stream::TlsStream`] is a [`crate::net::tcp::Transport`] wrapping another
//! one.
//!
//! | module | owns |
//! |---|---|
//! | [`config`] | Godot's `TLSOptions` semantics → a rustls `ClientConfig` (roots, unsafe modes, name override, TLS 1.3 switch) or `ServerConfig` (key and certificate chain) |
//! | [`pinning`] | SHA-256 public-key pins (SPKI), parsed and checked on top of normal verification |
//! | [`stream`] | the non-blocking handshake, record I/O and close_notify over any transport, either side |

pub mod config;
pub mod pinning;
pub mod stream;

pub use config::{server_config, stream_client_config, TlsClientOptions, TlsSettings};
pub use rustls::ServerConfig;
pub use stream::TlsStream;
