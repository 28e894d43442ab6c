//! `connect_to_url` URL parsing, exactly as Godot's `String::parse_url` plus the checks in
//! `WSLPeer::connect_to_url` (godot-behavior.md §2.3).
//!
//! In order: a scheme (alphanumerics and `+ - .` before `://`) is lower-cased; the fragment
//! after `#` is dropped; the path starts at the first `/` and keeps the query; userinfo up to
//! the first `@` is dropped; `[v6]` literals are unbracketed; more than one `:` without brackets
//! is an error; an empty host is an error; the host is lower-cased; a port must be an integer in
//! 1..=65535. Then: no scheme means `ws://`, anything but `ws://`/`wss://` is an error, the port
//! defaults to 80/443 and the path to `/`. A query with no path (`ws://h:1?x=1`) therefore fails,
//! because the port text is `1?x=1`. Beyond Godot: whitespace or a control character in the host
//! or path is an error (it would end up verbatim in the request line or `Host` header).

use super::WsError;

/// A parsed `ws://` or `wss://` URL.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WsUrl {
    /// `wss://`.
    pub tls: bool,
    /// Lower-cased, IPv6 without brackets. Used for connecting, SNI and the `Host` header.
    pub host: String,
    pub port: u16,
    /// Path and query, starting with `/`.
    pub path: String,
}

impl WsUrl {
    /// The `Host` header value Godot sends: the host, plus `:port` unless it is the scheme's
    /// default. IPv6 hosts are not bracketed (Godot's behaviour, kept for parity).
    pub fn host_header(&self) -> String {
        let default = if self.tls { 443 } else { 80 };
        if self.port == default {
            self.host.clone()
        } else {
            format!("{}:{}", self.host, self.port)
        }
    }
}

fn invalid(msg: impl Into<String>) -> WsError {
    WsError::InvalidParameter(msg.into())
}

/// Godot's `String::is_valid_int`: an optional sign, then at least one ASCII digit.
fn parse_godot_int(s: &str) -> Option<i64> {
    let digits = s.strip_prefix(['+', '-']).unwrap_or(s);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    // Longer than any valid port either way; saturate instead of overflowing.
    let value = digits.parse::<i64>().unwrap_or(i64::MAX);
    Some(if s.starts_with('-') { -value } else { value })
}

/// `url` with any `user:password@` before the host replaced by `***@`, for messages.
pub fn redact_userinfo(url: &str) -> String {
    let start = url.find("://").map_or(0, |p| p + 3);
    let rest = &url[start..];
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    match rest[..authority_end].rfind('@') {
        Some(at) => format!("{}***{}", &url[..start], &rest[at..]),
        None => url.to_string(),
    }
}

/// Parses `url` as `WebSocketPeer.connect_to_url` does.
pub fn parse_ws_url(url: &str) -> Result<WsUrl, WsError> {
    let full = url;
    // Error messages show the URL without its userinfo (`user:password@`).
    let url = &redact_userinfo(full);
    if url.is_empty() {
        return Err(invalid("empty URL"));
    }
    let mut base = full;
    let mut scheme = String::new();
    if let Some(pos) = base.find("://") {
        let candidate = &base[..pos];
        if candidate
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
        {
            scheme = base[..pos + 3].to_ascii_lowercase();
            base = &base[pos + 3..];
        }
    }
    if let Some(pos) = base.find('#') {
        base = &base[..pos];
    }
    let mut path = "";
    if let Some(pos) = base.find('/') {
        path = &base[pos..];
        base = &base[..pos];
    }
    if let Some(pos) = base.find('@') {
        base = &base[pos + 1..];
    }
    let host;
    if let Some(rest) = base.strip_prefix('[') {
        let Some(end) = rest.rfind(']') else {
            return Err(invalid(format!("invalid URL \"{url}\": unclosed '['")));
        };
        host = &rest[..end];
        base = &rest[end + 1..];
    } else {
        if base.matches(':').count() > 1 {
            return Err(invalid(format!(
                "invalid URL \"{url}\": more than one ':' (bracket IPv6 addresses)"
            )));
        }
        match base.rfind(':') {
            Some(pos) => {
                host = &base[..pos];
                base = &base[pos..];
            }
            None => {
                host = base;
                base = "";
            }
        }
    }
    if host.is_empty() {
        return Err(invalid(format!("invalid URL \"{url}\": empty host")));
    }
    let host = host.to_lowercase();
    let mut port = 0u16;
    if let Some(text) = base.strip_prefix(':') {
        match parse_godot_int(text) {
            Some(p @ 1..=65535) => port = p as u16,
            _ => {
                return Err(invalid(format!(
                    "invalid URL \"{url}\": bad port \"{text}\""
                )))
            }
        }
    }
    if scheme.is_empty() {
        scheme = "ws://".into();
    }
    let tls = match scheme.as_str() {
        "ws://" => false,
        "wss://" => true,
        _ => {
            return Err(invalid(format!(
                "invalid protocol: \"{scheme}\" (must be either \"ws://\" or \"wss://\")"
            )))
        }
    };
    if port == 0 {
        port = if tls { 443 } else { 80 };
    }
    let path = if path.is_empty() { "/" } else { path };
    // Godot copies host and path into the request line and `Host` header as they are; a space,
    // CR, LF, NUL or other control character there would split or forge request lines.
    if host
        .chars()
        .chain(path.chars())
        .any(|c| c.is_control() || c.is_whitespace())
    {
        return Err(invalid(format!(
            "invalid URL {url:?}: a space or control character in the host or path"
        )));
    }
    Ok(WsUrl {
        tls,
        host,
        port,
        path: path.to_string(),
    })
}
