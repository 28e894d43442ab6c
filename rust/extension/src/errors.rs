//! The one place where core errors become Godot `Error` codes and `push_error` messages.

use godot::global::Error;
use rustnet_core::http::HttpError;

/// Godot `Error` for a core HTTP error.
pub fn http_error_code(e: &HttpError) -> Error {
    match e {
        HttpError::InvalidParameter(_) => Error::ERR_INVALID_PARAMETER,
        HttpError::Unconfigured => Error::ERR_UNCONFIGURED,
        HttpError::Unavailable(_) => Error::ERR_UNAVAILABLE,
        HttpError::CantResolve(_) => Error::ERR_CANT_RESOLVE,
        HttpError::CantConnect(_) => Error::ERR_CANT_CONNECT,
        HttpError::Connection(_) | HttpError::LimitExceeded(_) => Error::ERR_CONNECTION_ERROR,
        HttpError::Failed(_) => Error::FAILED,
        HttpError::Tls(_) => Error::ERR_CANT_CONNECT,
        HttpError::Timeout(_) => Error::ERR_TIMEOUT,
    }
}

/// Reports the error once (unless it is a silent repeat) and returns its Godot code.
pub fn report(class: &str, result: Result<(), HttpError>) -> Error {
    match result {
        Ok(()) => Error::OK,
        Err(e) => {
            if let Some(msg) = e.message() {
                godot::global::godot_error!("{class}: {msg}");
            }
            http_error_code(&e)
        }
    }
}
