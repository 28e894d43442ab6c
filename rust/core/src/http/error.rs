//! Errors of the HTTP client, by who failed. The extension maps each to a Godot `Error`
//! in exactly one place; the message is what the user reads in `push_error`.

use std::fmt;

/// Why an HTTP operation failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HttpError {
    /// A caller argument is invalid (Godot's `ERR_INVALID_PARAMETER`). The text says which.
    InvalidParameter(String),
    /// The call is not valid in the current state (Godot's `ERR_UNCONFIGURED`).
    Unconfigured,
    /// A feature that is not built yet or not available (Godot's `ERR_UNAVAILABLE`).
    Unavailable(String),
    /// Host name resolution failed (Godot's `ERR_CANT_RESOLVE`).
    CantResolve(String),
    /// No TCP connection could be made (Godot's `ERR_CANT_CONNECT`).
    CantConnect(String),
    /// The connection broke or the peer broke the protocol (Godot's `ERR_CONNECTION_ERROR`).
    Connection(String),
    /// The peer sent more than a configured limit allows (Godot's `ERR_CONNECTION_ERROR`).
    LimitExceeded(String),
    /// A system call failed for another reason (Godot's `FAILED`).
    Failed(String),
    /// The TLS handshake failed (Godot's `ERR_CANT_CONNECT`, status TLS_HANDSHAKE_ERROR).
    Tls(String),
    /// A RustNet timeout expired (Godot's `ERR_TIMEOUT`). The text names the phase.
    Timeout(String),
}

impl HttpError {
    /// The text for the user's one `push_error`, or `None` for a silent repeat (an error state
    /// polled again, `poll()` while disconnected), which Godot does not print either.
    pub fn message(&self) -> Option<String> {
        match self {
            HttpError::Unconfigured => None,
            HttpError::InvalidParameter(m)
            | HttpError::Unavailable(m)
            | HttpError::CantResolve(m)
            | HttpError::CantConnect(m)
            | HttpError::Connection(m)
            | HttpError::LimitExceeded(m)
            | HttpError::Failed(m)
            | HttpError::Tls(m)
            | HttpError::Timeout(m)
                if m.is_empty() =>
            {
                None
            }
            other => Some(other.to_string()),
        }
    }
}

impl fmt::Display for HttpError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HttpError::InvalidParameter(m) => write!(f, "invalid parameter: {m}"),
            HttpError::Unconfigured => write!(f, "not connected"),
            HttpError::Unavailable(m) => write!(f, "unavailable: {m}"),
            HttpError::CantResolve(m) => write!(f, "can't resolve host: {m}"),
            HttpError::CantConnect(m) => write!(f, "can't connect: {m}"),
            HttpError::Connection(m) => write!(f, "connection error: {m}"),
            HttpError::LimitExceeded(m) => write!(f, "limit exceeded: {m}"),
            HttpError::Failed(m) => write!(f, "{m}"),
            HttpError::Tls(m) => write!(f, "TLS handshake failed: {m}"),
            HttpError::Timeout(m) => write!(f, "timed out: {m}"),
        }
    }
}

impl std::error::Error for HttpError {}

/// Shorthand for a peer protocol violation.
pub(crate) fn protocol(msg: impl Into<String>) -> HttpError {
    HttpError::Connection(msg.into())
}
