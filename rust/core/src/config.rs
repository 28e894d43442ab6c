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
