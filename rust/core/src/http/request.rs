//! Validating `request()` arguments and encoding the request, byte for byte as Godot does.
//!
//! Wire format (Godot 4.6 `HTTPClientTCP::request`):
//! ```text
//! METHOD SP target SP "HTTP/1.1" CRLF
//! <user headers, exactly as given, each + CRLF>
//! Host: host[:port]          unless a user header starts with "Host:" (any case)
//! Content-Length: n          only for a non-empty body, unless the user gave one
//! User-Agent: <ua>           unless the user gave one
//! Accept: */*                unless the user gave one
//! CRLF
//! <body>
//! ```
//! Deliberate difference: CR, LF or NUL inside a header, the target or the host is rejected
//! (`InvalidParameter`) instead of being sent — it would let a caller's data smuggle requests.

use super::error::HttpError;

/// Godot's `HTTPClient.Method`, same order and values.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Method {
    Get = 0,
    Head = 1,
    Post = 2,
    Put = 3,
    Delete = 4,
    Options = 5,
    Trace = 6,
    Connect = 7,
    Patch = 8,
}

impl Method {
    /// `METHOD_MAX` in Godot.
    pub const COUNT: i64 = 9;

    /// The method for Godot's integer value, `None` when out of range.
    pub fn from_index(i: i64) -> Option<Method> {
        use Method::*;
        Some(match i {
            0 => Get,
            1 => Head,
            2 => Post,
            3 => Put,
            4 => Delete,
            5 => Options,
            6 => Trace,
            7 => Connect,
            8 => Patch,
            _ => return None,
        })
    }

    /// The token on the request line.
    pub fn as_str(self) -> &'static str {
        use Method::*;
        match self {
            Get => "GET",
            Head => "HEAD",
            Post => "POST",
            Put => "PUT",
            Delete => "DELETE",
            Options => "OPTIONS",
            Trace => "TRACE",
            Connect => "CONNECT",
            Patch => "PATCH",
        }
    }
}

/// Godot's URL rule: `CONNECT` takes `host:port`; `OPTIONS` also takes `*`; every method
/// takes an absolute path (`/…`) or an absolute `http://`/`https://` URL (case-sensitive).
pub fn check_target(method: Method, target: &str) -> Result<(), HttpError> {
    let ok = match method {
        Method::Connect => {
            matches!(target.find(':'), Some(pos) if pos > 0 && pos + 1 < target.len())
        }
        Method::Options if target == "*" => true,
        _ => {
            target.starts_with('/')
                || target.starts_with("http://")
                || target.starts_with("https://")
        }
    };
    // The URL is not echoed in these messages: it may carry tokens in its query.
    if !ok {
        return Err(HttpError::InvalidParameter(
            "the request URL must start with '/', 'http://' or 'https://'".into(),
        ));
    }
    // Any whitespace or control character would end or split the request line.
    if target
        .bytes()
        .any(|b| b.is_ascii_control() || b.is_ascii_whitespace())
    {
        return Err(HttpError::InvalidParameter(
            "the request URL contains a space, tab, CR, LF, NUL or other control character".into(),
        ));
    }
    Ok(())
}

fn has_control_break(s: &str) -> bool {
    s.bytes().any(|b| b == b'\r' || b == b'\n' || b == 0)
}

/// Godot's `verify_headers`: each header, trimmed, is non-empty and has a `:` after at least
/// one character. We also refuse CR, LF and NUL anywhere in it. Messages name the header by
/// index only (Godot echoes it, which can print a credential).
pub fn verify_headers<S: AsRef<str>>(headers: &[S]) -> Result<(), HttpError> {
    for (i, h) in headers.iter().enumerate() {
        let h = h.as_ref();
        let trimmed = h.trim();
        match trimmed.find(':') {
            Some(pos) if pos >= 1 => {}
            _ => {
                return Err(HttpError::InvalidParameter(format!(
                    "invalid HTTP header at index {i}: not 'Name: value'"
                )))
            }
        }
        if has_control_break(h) {
            return Err(HttpError::InvalidParameter(format!(
                "HTTP header at index {i} contains CR, LF or NUL"
            )));
        }
    }
    Ok(())
}

/// The value of the automatic `Host` header: the host alone on the scheme's default port,
/// `host:port` otherwise. An IPv6 literal gets brackets (Godot omits them: a bug).
pub fn host_header_value(host: &str, port: u16, tls: bool) -> String {
    let default_port = if tls { 443 } else { 80 };
    let host = bracket_ipv6(host);
    if port == default_port {
        host
    } else {
        format!("{host}:{port}")
    }
}

/// `host`, with brackets if it is an IPv6 literal (`::1` → `[::1]`), for `host:port` forms.
pub fn bracket_ipv6(host: &str) -> String {
    if host.contains(':') && !host.starts_with('[') {
        format!("[{host}]")
    } else {
        host.to_string()
    }
}

fn starts_with_ignore_case(s: &str, prefix: &str) -> bool {
    s.len() >= prefix.len() && s.as_bytes()[..prefix.len()].eq_ignore_ascii_case(prefix.as_bytes())
}

/// Everything that goes into one encoded request.
pub struct RequestParts<'a, S: AsRef<str>> {
    pub method: Method,
    /// The request target as it goes on the wire (already absolute-form behind a proxy).
    pub target: &'a str,
    pub headers: &'a [S],
    pub host_header: &'a str,
    pub user_agent: &'a str,
    pub body: &'a [u8],
}

/// Encodes the request head and body into one buffer, in Godot's header order.
pub fn encode<S: AsRef<str>>(parts: &RequestParts<'_, S>) -> Vec<u8> {
    let mut out = Vec::with_capacity(256 + parts.body.len());
    out.extend_from_slice(parts.method.as_str().as_bytes());
    out.push(b' ');
    out.extend_from_slice(parts.target.as_bytes());
    out.extend_from_slice(b" HTTP/1.1\r\n");
    let (mut add_host, mut add_len, mut add_ua, mut add_accept) =
        (true, !parts.body.is_empty(), true, true);
    for h in parts.headers {
        let h = h.as_ref();
        out.extend_from_slice(h.as_bytes());
        out.extend_from_slice(b"\r\n");
        add_host &= !starts_with_ignore_case(h, "Host:");
        add_len &= !starts_with_ignore_case(h, "Content-Length:");
        add_ua &= !starts_with_ignore_case(h, "User-Agent:");
        add_accept &= !starts_with_ignore_case(h, "Accept:");
    }
    let mut line = |name: &str, value: &str| {
        out.extend_from_slice(name.as_bytes());
        out.extend_from_slice(value.as_bytes());
        out.extend_from_slice(b"\r\n");
    };
    if add_host {
        line("Host: ", parts.host_header);
    }
    if add_len {
        line("Content-Length: ", &parts.body.len().to_string());
    }
    if add_ua {
        line("User-Agent: ", parts.user_agent);
    }
    if add_accept {
        line("Accept: ", "*/*");
    }
    out.extend_from_slice(b"\r\n");
    out.extend_from_slice(parts.body);
    out
}

/// Godot's `String.uri_encode`: keeps `A-Z a-z 0-9 _ . - ~`, percent-encodes every other
/// UTF-8 byte with upper-case hex (a space is `%20`).
pub fn uri_encode(s: &str) -> String {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let mut out = String::with_capacity(s.len());
    for &b in s.as_bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-' | b'~') {
            out.push(b as char);
        } else {
            out.push('%');
            out.push(HEX[(b >> 4) as usize] as char);
            out.push(HEX[(b & 15) as usize] as char);
        }
    }
    out
}

/// One value of the dictionary given to `query_string_from_dict`, already converted to text
/// the way Godot stringifies it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum QueryValue {
    /// `null`: the key alone (`"b"`).
    Nil,
    /// Any other value: `key=value`.
    One(String),
    /// An array: one `key=item` per item (`"c=2&c=3"`); an empty array adds nothing.
    List(Vec<String>),
}

/// Godot's `HTTPClient.query_string_from_dict`, byte for byte: the fields in order, joined
/// with `&`, keys and values [`uri_encode`]d.
pub fn query_string<K: AsRef<str>>(fields: &[(K, QueryValue)]) -> String {
    let mut parts: Vec<String> = Vec::new();
    for (key, value) in fields {
        let key = uri_encode(key.as_ref());
        match value {
            QueryValue::Nil => parts.push(key),
            QueryValue::One(v) => parts.push(format!("{key}={}", uri_encode(v))),
            QueryValue::List(items) => {
                for item in items {
                    parts.push(format!("{key}={}", uri_encode(item)));
                }
            }
        }
    }
    parts.join("&")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn enc(method: Method, headers: &[&str], body: &[u8]) -> String {
        String::from_utf8(encode(&RequestParts {
            method,
            target: "/p",
            headers,
            host_header: "h:1",
            user_agent: "UA",
            body,
        }))
        .unwrap()
    }

    #[test]
    fn automatic_headers_follow_user_headers_in_godot_order() {
        assert_eq!(
            enc(Method::Get, &["X-A: 1"], b""),
            "GET /p HTTP/1.1\r\nX-A: 1\r\nHost: h:1\r\nUser-Agent: UA\r\nAccept: */*\r\n\r\n"
        );
        assert_eq!(
            enc(Method::Post, &[], b"abc"),
            "POST /p HTTP/1.1\r\nHost: h:1\r\nContent-Length: 3\r\nUser-Agent: UA\r\nAccept: */*\r\n\r\nabc"
        );
    }

    #[test]
    fn user_headers_suppress_automatic_ones_case_insensitively() {
        assert_eq!(
            enc(Method::Put, &["host: x", "content-length: 9", "USER-AGENT: me", "accept: a"], b"abc"),
            "PUT /p HTTP/1.1\r\nhost: x\r\ncontent-length: 9\r\nUSER-AGENT: me\r\naccept: a\r\n\r\nabc"
        );
    }

    #[test]
    fn empty_body_never_gets_content_length() {
        assert!(!enc(Method::Post, &[], b"").contains("Content-Length"));
    }

    #[test]
    fn target_rules_match_godot() {
        let table: &[(Method, &str, bool)] = &[
            (Method::Get, "/", true),
            (Method::Get, "http://x/y", true),
            (Method::Get, "https://x/y", true),
            (Method::Get, "HTTP://x/y", false),
            (Method::Get, "x", false),
            (Method::Get, "", false),
            (Method::Get, "*", false),
            (Method::Options, "*", true),
            (Method::Options, "/o", true),
            (Method::Connect, "h:1", true),
            (Method::Connect, ":1", false),
            (Method::Connect, "h:", false),
            (Method::Connect, "h", false),
            (Method::Get, "/a\r\nX: y", false),
            (Method::Get, "/a b", false),
            (Method::Get, "/a\tb", false),
            (Method::Get, "/a\x0bb", false),
            (Method::Get, "/a\x7f", false),
            (Method::Get, "/a\0", false),
            (Method::Get, "/a\rb", false),
            (Method::Get, "http://h/\nX: 1", false),
            (Method::Connect, "h:1\r\n", false),
            (Method::Options, "/x\n", false),
        ];
        for (m, t, ok) in table {
            assert_eq!(check_target(*m, t).is_ok(), *ok, "{m:?} {t:?}");
        }
    }

    #[test]
    fn header_rules_match_godot_plus_injection_guard() {
        let table: &[(&str, bool)] = &[
            ("A: b", true),
            ("A:b", true),
            ("  A: b  ", true),
            ("A:", true),
            (": b", false),
            ("", false),
            ("   ", false),
            ("NoColon", false),
            ("A: b\r\nEvil: 1", false),
            ("A: b\n", false),
            ("A: b\0", false),
        ];
        for (h, ok) in table {
            assert_eq!(verify_headers(&[*h]).is_ok(), *ok, "{h:?}");
        }
    }

    #[test]
    fn host_header_omits_default_ports_and_brackets_ipv6() {
        assert_eq!(host_header_value("example.com", 80, false), "example.com");
        assert_eq!(
            host_header_value("example.com", 443, false),
            "example.com:443"
        );
        assert_eq!(host_header_value("example.com", 443, true), "example.com");
        assert_eq!(
            host_header_value("127.0.0.1", 29180, false),
            "127.0.0.1:29180"
        );
        assert_eq!(host_header_value("::1", 8080, false), "[::1]:8080");
        assert_eq!(host_header_value("[::1]", 80, false), "[::1]");
    }

    #[test]
    fn uri_encode_matches_godot() {
        assert_eq!(uri_encode("a b&c=é"), "a%20b%26c%3D%C3%A9");
        assert_eq!(uri_encode("~._-!*'()/"), "~._-%21%2A%27%28%29%2F");
    }

    #[test]
    fn query_string_matches_godot() {
        let fields = [
            ("a", QueryValue::One("1".into())),
            ("b", QueryValue::Nil),
            ("c", QueryValue::List(vec!["2".into(), "3".into()])),
            ("d", QueryValue::List(vec![])),
            ("e f", QueryValue::One("&=".into())),
        ];
        assert_eq!(query_string(&fields), "a=1&b&c=2&c=3&e%20f=%26%3D");
        assert_eq!(query_string::<&str>(&[]), "");
    }
}
