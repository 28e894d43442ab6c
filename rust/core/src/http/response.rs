//! Parsing a response head and deciding how its body is framed.
//!
//! Push parser over the connection's receive buffer: [`parse_head`] returns
//! [`HeadParse::Partial`] for short input (never an error), [`HeadParse::Interim`] for a 1xx
//! response to skip, or [`HeadParse::Final`] with the head and how many bytes it used.
//!
//! Framing follows RFC 9112 §6.3, with Godot's observable quirks kept where scripts see them:
//!
//! | response | [`Framing`] | Godot status after the head |
//! |---|---|---|
//! | any answer to HEAD | `Empty` | BODY, one empty read, then CONNECTED |
//! | 204 / 304 / 101 without Content-Length | `None` | CONNECTED |
//! | 204 / 304 / 101 with Content-Length | `Empty` | BODY (length 0) |
//! | Transfer-Encoding ending in `chunked` (any case) | `Chunked` | BODY |
//! | other Transfer-Encoding | `UntilClose` | BODY |
//! | Content-Length: 0 | `Empty` | BODY |
//! | Content-Length: n | `Sized(n)` | BODY |
//! | no length at all | `UntilClose` | BODY (read until the server closes) |
//!
//! Differences from Godot, all deliberate: 1xx heads are skipped instead of taken as the final
//! response; `Chunked`/`gzip, chunked` are recognised; a response with no length is read until
//! close even on a keep-alive connection (Godot leaves the bytes to corrupt the next response);
//! HTTP/1.0 without `keep-alive` is not kept alive; a garbage status line, an invalid header
//! line, conflicting Content-Length values or Content-Length beside Transfer-Encoding are
//! protocol errors (Godot reports code 200 or misframes the body).

use super::decode::Coding;
use super::error::{protocol, HttpError};
use crate::config::HttpLimits;

/// How the body after a head is delimited.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Framing {
    /// No body; the client is CONNECTED right after the head.
    None,
    /// A body of length zero; Godot still enters BODY and returns one empty chunk.
    Empty,
    /// Exactly this many bytes (> 0).
    Sized(u64),
    /// Chunked transfer coding.
    Chunked,
    /// Everything until the server closes the connection.
    UntilClose,
}

/// A parsed final response head.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ResponseHead {
    /// The status code.
    pub code: u16,
    /// Header lines as Godot returns them: `"Name: value"`, the raw line trimmed, inner spacing
    /// kept, in order, duplicates kept.
    pub headers: Vec<String>,
    pub framing: Framing,
    /// What `is_response_chunked()` reports.
    pub chunked: bool,
    /// What `get_response_body_length()` reports: the length, or -1 when unknown.
    pub body_length: i64,
    /// Whether the connection may carry another request after this response.
    pub keep_alive: bool,
    /// A `Content-Encoding` RustNet can decode (one `gzip` or `deflate` coding), if any.
    pub content_coding: Option<Coding>,
}

/// Result of one attempt to parse a head from the start of a buffer.
#[derive(Debug, PartialEq, Eq)]
pub enum HeadParse {
    /// More bytes are needed.
    Partial,
    /// A 1xx interim response of this many bytes: drop it and parse again.
    Interim { consumed: usize },
    /// The final head, and how many bytes of the buffer it used.
    Final { head: ResponseHead, consumed: usize },
}

/// Parses the response head at the start of `buf`.
pub fn parse_head(
    buf: &[u8],
    head_request: bool,
    limits: &HttpLimits,
) -> Result<HeadParse, HttpError> {
    let mut slots = vec![httparse::EMPTY_HEADER; limits.max_header_count];
    let mut resp = httparse::Response::new(&mut slots);
    let consumed = match resp.parse(buf) {
        Ok(httparse::Status::Complete(n)) => n,
        Ok(httparse::Status::Partial) => {
            if buf.len() > limits.max_head_bytes {
                return Err(HttpError::LimitExceeded(format!(
                    "response head is larger than {} bytes",
                    limits.max_head_bytes
                )));
            }
            return Ok(HeadParse::Partial);
        }
        Err(httparse::Error::TooManyHeaders) => {
            return Err(HttpError::LimitExceeded(format!(
                "response has more than {} headers",
                limits.max_header_count
            )))
        }
        Err(e) => return Err(protocol(format!("malformed response head ({e})"))),
    };
    if consumed > limits.max_head_bytes {
        return Err(HttpError::LimitExceeded(format!(
            "response head is larger than {} bytes",
            limits.max_head_bytes
        )));
    }
    let code = resp.code.unwrap_or(0);
    if (100..200).contains(&code) && code != 101 {
        return Ok(HeadParse::Interim { consumed });
    }
    let version = resp.version.unwrap_or(1);

    let mut headers = Vec::with_capacity(resp.headers.len());
    let mut content_length: Option<u64> = None;
    let mut transfer_codings: Vec<String> = Vec::new();
    let (mut conn_close, mut conn_keep_alive) = (false, false);
    // `Some(None)`: a Content-Encoding we can't decode (or several) was seen.
    let mut content_coding: Option<Option<Coding>> = None;
    for h in resp.headers.iter() {
        headers.push(raw_line(buf, h));
        let value = std::str::from_utf8(h.value).unwrap_or("");
        if h.name.eq_ignore_ascii_case("content-length") {
            for part in value.split(',') {
                let n = parse_content_length(part.trim()).ok_or_else(|| {
                    protocol(format!("invalid Content-Length '{}'", value.trim()))
                })?;
                match content_length {
                    Some(prev) if prev != n => {
                        return Err(protocol("conflicting Content-Length values"));
                    }
                    _ => content_length = Some(n),
                }
            }
        } else if h.name.eq_ignore_ascii_case("transfer-encoding") {
            transfer_codings.extend(
                value
                    .split(',')
                    .map(|c| c.trim().to_ascii_lowercase())
                    .filter(|c| !c.is_empty()),
            );
        } else if h.name.eq_ignore_ascii_case("content-encoding") {
            let coding = Coding::from_header(value);
            content_coding = match content_coding {
                None => Some(coding),
                Some(_) => Some(None),
            };
        } else if h.name.eq_ignore_ascii_case("connection") {
            for token in value.split(',') {
                let token = token.trim();
                conn_close |= token.eq_ignore_ascii_case("close");
                conn_keep_alive |= token.eq_ignore_ascii_case("keep-alive");
            }
        }
    }
    let mut keep_alive = !conn_close && (version >= 1 || conn_keep_alive);

    let no_body_status = code == 101 || code == 204 || code == 304;
    let (framing, chunked, body_length) = if head_request {
        (Framing::Empty, false, 0)
    } else if no_body_status {
        match content_length {
            Some(_) => (Framing::Empty, false, 0),
            None => (Framing::None, false, -1),
        }
    } else if !transfer_codings.is_empty() {
        if content_length.is_some() {
            return Err(protocol(
                "response has both Transfer-Encoding and Content-Length (possible request smuggling)",
            ));
        }
        if transfer_codings.last().map(String::as_str) == Some("chunked") {
            (Framing::Chunked, true, -1)
        } else {
            keep_alive = false;
            (Framing::UntilClose, false, -1)
        }
    } else {
        match content_length {
            Some(0) => (Framing::Empty, false, 0),
            Some(n) => (
                Framing::Sized(n),
                false,
                i64::try_from(n).unwrap_or(i64::MAX),
            ),
            None => {
                keep_alive = false;
                (Framing::UntilClose, false, -1)
            }
        }
    };
    Ok(HeadParse::Final {
        head: ResponseHead {
            code,
            headers,
            framing,
            chunked,
            body_length,
            keep_alive,
            content_coding: content_coding.flatten(),
        },
        consumed,
    })
}

/// A Content-Length value: ASCII digits only (no sign, no spaces), fitting in 63 bits.
fn parse_content_length(s: &str) -> Option<u64> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse::<u64>().ok().filter(|n| *n <= i64::MAX as u64)
}

/// The header's raw line from the buffer (name through the end of the value), so that inner
/// spacing like `X-Spaces:   padded` survives exactly as Godot shows it.
fn raw_line(buf: &[u8], h: &httparse::Header<'_>) -> String {
    let base = buf.as_ptr() as usize;
    let start = h.name.as_ptr() as usize - base;
    let end = if h.value.is_empty() {
        // Empty value: the slice may point anywhere on the line; keep "Name:".
        start + h.name.len() + 1
    } else {
        h.value.as_ptr() as usize - base + h.value.len()
    };
    let end = end.min(buf.len()).max(start);
    String::from_utf8_lossy(&buf[start..end]).trim().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &str, head_req: bool) -> Result<HeadParse, HttpError> {
        parse_head(s.as_bytes(), head_req, &HttpLimits::default())
    }

    fn fin(s: &str) -> ResponseHead {
        match parse(s, false) {
            Ok(HeadParse::Final { head, consumed }) => {
                assert_eq!(consumed, s.find("\r\n\r\n").unwrap() + 4);
                head
            }
            other => panic!("{s:?} gave {other:?}"),
        }
    }

    #[test]
    fn short_input_is_partial_never_an_error() {
        let full = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nX-A: b\r\n\r\n";
        for i in 0..full.len() {
            assert_eq!(
                parse(&full[..i], false),
                Ok(HeadParse::Partial),
                "prefix {i}"
            );
        }
    }

    #[test]
    fn framing_table() {
        use Framing::*;
        let table: &[(&str, bool, Framing, bool, i64, bool)] = &[
            // head, HEAD request, framing, chunked, body_length, keep_alive
            (
                "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n",
                false,
                Sized(5),
                false,
                5,
                true,
            ),
            (
                "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n",
                false,
                Empty,
                false,
                0,
                true,
            ),
            (
                "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n",
                true,
                Empty,
                false,
                0,
                true,
            ),
            ("HTTP/1.1 200 OK\r\n\r\n", true, Empty, false, 0, true),
            (
                "HTTP/1.1 204 No Content\r\n\r\n",
                false,
                None,
                false,
                -1,
                true,
            ),
            (
                "HTTP/1.1 304 Not Modified\r\n\r\n",
                false,
                None,
                false,
                -1,
                true,
            ),
            (
                "HTTP/1.1 204 No Content\r\nContent-Length: 0\r\n\r\n",
                false,
                Empty,
                false,
                0,
                true,
            ),
            (
                "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n",
                false,
                Chunked,
                true,
                -1,
                true,
            ),
            (
                "HTTP/1.1 200 OK\r\nTransfer-Encoding: Chunked\r\n\r\n",
                false,
                Chunked,
                true,
                -1,
                true,
            ),
            (
                "HTTP/1.1 200 OK\r\ntransfer-encoding: gzip, CHUNKED\r\n\r\n",
                false,
                Chunked,
                true,
                -1,
                true,
            ),
            (
                "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n",
                false,
                UntilClose,
                false,
                -1,
                false,
            ),
            (
                "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n",
                false,
                UntilClose,
                false,
                -1,
                false,
            ),
            (
                "HTTP/1.1 200 OK\r\n\r\n",
                false,
                UntilClose,
                false,
                -1,
                false,
            ),
            (
                "HTTP/1.0 200 OK\r\nContent-Length: 3\r\n\r\n",
                false,
                Sized(3),
                false,
                3,
                false,
            ),
            (
                "HTTP/1.0 200 OK\r\nContent-Length: 3\r\nConnection: Keep-Alive\r\n\r\n",
                false,
                Sized(3),
                false,
                3,
                true,
            ),
            (
                "HTTP/1.1 200 OK\r\nContent-Length: 3\r\nConnection:close\r\n\r\n",
                false,
                Sized(3),
                false,
                3,
                false,
            ),
            (
                "HTTP/1.1 200 OK\r\nContent-Length: 7, 7\r\n\r\n",
                false,
                Sized(7),
                false,
                7,
                true,
            ),
            (
                "HTTP/1.1 200 OK\r\nContent-Length: 7\r\nContent-Length: 7\r\n\r\n",
                false,
                Sized(7),
                false,
                7,
                true,
            ),
            (
                "HTTP/1.1 101 Switching Protocols\r\nUpgrade: x\r\n\r\n",
                false,
                None,
                false,
                -1,
                true,
            ),
        ];
        for (head, head_req, framing, chunked, len, ka) in table {
            let got = match parse(head, *head_req) {
                Ok(HeadParse::Final { head, .. }) => head,
                other => panic!("{head:?}: {other:?}"),
            };
            assert_eq!(
                (got.framing, got.chunked, got.body_length, got.keep_alive),
                (*framing, *chunked, *len, *ka),
                "{head:?}"
            );
        }
    }

    #[test]
    fn headers_keep_raw_spacing_order_and_duplicates() {
        let h = fin("HTTP/1.1 200 OK\r\nSet-Cookie: a=1\r\nSet-Cookie: b=2\r\nset-cookie: c=3\r\nX-Spaces:   padded  \r\nX-Empty:\r\nContent-Length: 2\r\n\r\n");
        assert_eq!(
            h.headers,
            vec![
                "Set-Cookie: a=1",
                "Set-Cookie: b=2",
                "set-cookie: c=3",
                "X-Spaces:   padded",
                "X-Empty:",
                "Content-Length: 2"
            ]
        );
        assert_eq!(h.code, 200);
    }

    #[test]
    fn interim_responses_are_skipped_but_101_is_final() {
        assert_eq!(
            parse("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\n", false),
            Ok(HeadParse::Interim { consumed: 25 })
        );
        assert!(matches!(
            parse("HTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n", false),
            Ok(HeadParse::Interim { .. })
        ));
        assert!(matches!(
            parse("HTTP/1.1 101 Switching\r\n\r\n", false),
            Ok(HeadParse::Final { .. })
        ));
    }

    #[test]
    fn hostile_heads_are_errors() {
        let bad = [
            "garbage line\r\nX: y\r\n\r\n",
            "HTTP/1.1 abc OK\r\n\r\n",
            "HTTP/1.1 200 OK\r\nNoColonLine\r\n\r\n",
            "HTTP/1.1 200 OK\r\nX-Nul: a\0b\r\n\r\n",
            "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n",
            "HTTP/1.1 200 OK\r\nContent-Length: 1x\r\n\r\n",
            "HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999\r\n\r\n",
            "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
            "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n",
        ];
        for b in bad {
            assert!(parse(b, false).is_err(), "{b:?} should be an error");
        }
    }

    #[test]
    fn limits_are_enforced() {
        let limits = HttpLimits {
            max_head_bytes: 64,
            max_header_count: 2,
            ..HttpLimits::default()
        };
        let long = format!("HTTP/1.1 200 OK\r\nX: {}", "a".repeat(100));
        assert!(matches!(
            parse_head(long.as_bytes(), false, &limits),
            Err(HttpError::LimitExceeded(_))
        ));
        let many = "HTTP/1.1 200 OK\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n";
        assert!(matches!(
            parse_head(many.as_bytes(), false, &limits),
            Err(HttpError::LimitExceeded(_))
        ));
    }
}
