//! HTTP/1.1 client, split by request phase.
//!
//! | module | owns |
//! |---|---|
//! | [`request`] | validating `request()` arguments and encoding the request bytes (Godot's header order) |
//! | [`response`] | parsing a response head (httparse), 1xx skipping, deciding the body framing |
//! | [`chunked`] | the chunked transfer-coding decoder (one whole chunk at a time, as Godot returns them) |
//! | [`client`] | [`HttpClient`]: the driver that owns the socket and runs Godot's status machine |
//! | [`error`] | [`HttpError`]: who failed and why, mapped to Godot `Error` codes only by the extension |
//!
//! The parsers are push-style and never touch a socket: short input is "need more", never an
//! error. Only [`client`] does I/O, through the [`crate::net`] module.

pub mod chunked;
pub mod client;
pub mod decode;
pub mod error;
pub mod request;
pub mod response;

pub use client::{HttpClient, Status};
pub use error::HttpError;
pub use request::Method;
