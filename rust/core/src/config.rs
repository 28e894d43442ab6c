//! Limits and tunables, each with its default and the reason for it.
//!
//! A peer can send anything; every buffer that grows with what it sends is capped by a field
//! here. Exceeding a limit is a clear error (`HttpError::LimitExceeded`), never unbounded memory.

use std::time::Duration;

/// Limits for one HTTP/1.1 client connection.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HttpLimits {
    /// Largest response head (status line + headers + blank line) we buffer: 256 KiB.
    /// Browsers accept roughly this much; Godot has no limit at all and grows forever.
    pub max_head_bytes: usize,
    /// Most header lines in one response head: 256. (httparse needs a fixed slot array.)
    pub max_header_count: usize,
    /// Most interim (1xx) responses skipped before the final one: 16. Stops a 1xx flood.
    pub max_interim_responses: usize,
    /// Largest single chunk of a chunked body: 16 MiB, Godot's own limit (`1 << 24`).
    /// A chunk is returned whole by `read_response_body_chunk`, so it is buffered whole.
    pub max_chunk_size: usize,
    /// Longest chunk-size line, extensions included, CRLF excluded: 4 KiB.
    /// Godot allows 32 bytes and no extensions at all.
    pub max_chunk_line_bytes: usize,
    /// Total bytes of trailer fields after the last chunk: 64 KiB (they are discarded).
    pub max_trailer_bytes: usize,
    /// How long a TCP connect may take before the next address is tried: 30 s, the default of
    /// Godot's `network/limits/tcp/connect_timeout_seconds`.
    pub connect_timeout: Duration,
    /// Largest socket read per call while waiting for a response head: 64 KiB.
    pub head_read_size: usize,
    /// Most DNS look-ups in flight in the whole process: 64. Godot's resolver queue is 256;
    /// each of ours is a thread, so we keep fewer.
    pub max_concurrent_resolves: usize,
}

impl Default for HttpLimits {
    fn default() -> Self {
        Self {
            max_head_bytes: 256 * 1024,
            max_header_count: 256,
            max_interim_responses: 16,
            max_chunk_size: 1 << 24,
            max_chunk_line_bytes: 4096,
            max_trailer_bytes: 64 * 1024,
            connect_timeout: Duration::from_secs(30),
            head_read_size: 64 * 1024,
            max_concurrent_resolves: 64,
        }
    }
}

/// Limits for one WebSocket connection, with Godot's `WebSocketPeer` defaults. Like Godot,
/// a session captures them when it is created (at the end of the handshake); changing the
/// peer's properties later does not affect a live connection.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WsLimits {
    /// Largest inbound message (all fragments together): 65535, Godot's `inbound_buffer_size`.
    /// A larger one is answered with close 1009 "Message too big". Received messages waiting
    /// to be read are also capped at the next power of two of this many bytes (Godot's
    /// payload ring buffer); when full, input is refused (backpressure, nothing is lost).
    pub inbound_buffer_size: usize,
    /// Most bytes queued for the socket, the new message included: 65535, Godot's
    /// `outbound_buffer_size`. A send over it fails (`ERR_OUT_OF_MEMORY`); 0 means no limit.
    pub outbound_buffer_size: usize,
    /// Most received messages waiting to be read, and most sent messages waiting for the
    /// socket: 4096, Godot's `max_queued_packets`. Inbound: input is refused when full
    /// (backpressure). Outbound: a send fails (`ERR_OUT_OF_MEMORY`).
    pub max_queued_packets: usize,
    /// Largest handshake head (request or response, blank line included): 4096 bytes, Godot's
    /// `WSL_MAX_HEADER_SIZE`. Over it the handshake fails.
    pub max_handshake_bytes: usize,
    /// Most header lines in a handshake head: 128 (httparse needs a fixed slot array).
    pub max_handshake_headers: usize,
    /// Godot's `heartbeat_interval`: an empty ping this often while OPEN; a second interval
    /// without any pong drops the connection (code -1). Zero (the default) disables it.
    pub heartbeat_interval: Duration,
}

impl Default for WsLimits {
    fn default() -> Self {
        Self {
            inbound_buffer_size: 65535,
            outbound_buffer_size: 65535,
            max_queued_packets: 4096,
            max_handshake_bytes: 4096,
            max_handshake_headers: 128,
            heartbeat_interval: Duration::ZERO,
        }
    }
}
