//! The opening handshake, both sides, as byte-in/byte-out functions (godot-behavior.md §2.4,
//! §2.5). Parsing uses httparse; short input is "need more" (`Ok(None)`), never an error, and a
//! head longer than [`WsLimits::max_handshake_bytes`] (Godot: 4096) is an error.
//!
//! Client: [`ClientHandshake::new`] builds Godot's exact request (header order and spelling,
//! `Sec-WebSocket-Protocol` joined by `,` with no space, `handshake_headers` verbatim) from a
//! caller-supplied 16-byte nonce; [`ClientHandshake::parse_response`] applies Godot's strict
//! checks (`HTTP/1.1 101`; `Connection` exactly `upgrade` and `Upgrade` exactly `websocket`,
//! case-insensitive; `Sec-WebSocket-Accept` exact; the selected protocol must be one offered,
//! and absent when none was offered).
//!
//! Server: [`parse_client_request`] applies Godot's checks (`GET … HTTP/1.1`, `Upgrade:
//! websocket`, `Sec-WebSocket-Version: 13`, `Sec-WebSocket-Key` and `Connection` present; the
//! `Connection` value, Host and Origin are not checked), [`negotiate`] picks the subprotocol,
//! [`server_response`] writes the 101, and [`requested_url`] is Godot's `get_requested_url()`.
//!
//! Header names are compared case-insensitively, values trimmed, duplicates joined with `,`,
//! as Godot does. Deliberate differences: the head must be well-formed HTTP for httparse (Godot
//! splits on CRLF by hand), and a `handshake_headers` entry containing CR or LF is refused
//! instead of being sent verbatim (header injection).

use super::deflate::{server_negotiate, DeflateConfig, DeflateParams};
use super::url::WsUrl;
use super::WsError;
use crate::config::WsLimits;

/// Encodes bytes as standard base64 with padding (only ever 16 bytes here).
fn base64(data: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(data.len().div_ceil(3) * 4);
    for chunk in data.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// `Sec-WebSocket-Accept` for a `Sec-WebSocket-Key` (RFC 6455 §4.2.2).
pub fn accept_key(key: &str) -> String {
    tungstenite::handshake::derive_accept_key(key.as_bytes())
}

/// Godot's `supported_protocols` setter trims every entry.
fn trimmed(list: &[String]) -> Vec<String> {
    list.iter().map(|p| p.trim().to_string()).collect()
}

fn has_line_break_or_nul(s: &str) -> bool {
    s.bytes().any(|b| b == b'\r' || b == b'\n' || b == 0)
}

/// `handshake_headers` lines: each a whole `Name: value` line with no CR, LF or NUL anywhere,
/// so none can end the head early or add a line of its own (Godot sends them unchecked).
/// Messages name the header by index only: its value may be a credential.
pub fn check_extra_headers(headers: &[String]) -> Result<(), WsError> {
    for (i, h) in headers.iter().enumerate() {
        if has_line_break_or_nul(h) {
            return Err(WsError::InvalidParameter(format!(
                "handshake header at index {i} contains CR, LF or NUL"
            )));
        }
        if !matches!(h.trim().find(':'), Some(pos) if pos >= 1) {
            return Err(WsError::InvalidParameter(format!(
                "handshake header at index {i} is not 'Name: value'"
            )));
        }
    }
    Ok(())
}

/// `supported_protocols`: they go into the `Sec-WebSocket-Protocol` line, so no CR, LF or NUL.
fn check_protocols(protocols: &[String]) -> Result<(), WsError> {
    match protocols.iter().position(|p| has_line_break_or_nul(p)) {
        Some(i) => Err(WsError::InvalidParameter(format!(
            "subprotocol at index {i} contains CR, LF or NUL"
        ))),
        None => Ok(()),
    }
}

/// Header fields of a head as Godot sees them: lower-cased names, trimmed values, duplicates
/// joined with `,` (in first-seen order).
struct Fields(Vec<(String, String)>);

impl Fields {
    fn collect(headers: &[httparse::Header<'_>]) -> Result<Fields, WsError> {
        let mut fields: Vec<(String, String)> = Vec::new();
        for h in headers {
            let value = std::str::from_utf8(h.value)
                .map_err(|_| WsError::Handshake(format!("header '{}' is not UTF-8", h.name)))?
                .trim();
            let name = h.name.to_ascii_lowercase();
            match fields.iter_mut().find(|(n, _)| *n == name) {
                Some((_, v)) => {
                    v.push(',');
                    v.push_str(value);
                }
                None => fields.push((name, value.to_string())),
            }
        }
        Ok(Fields(fields))
    }

    fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// Godot's `WSL_CHECK`: present and equal to `expected` ignoring ASCII case.
    fn expect_ci(&self, name: &str, expected: &str) -> Result<(), WsError> {
        match self.get(name) {
            Some(v) if v.eq_ignore_ascii_case(expected) => Ok(()),
            _ => Err(WsError::Handshake(format!(
                "missing or invalid header '{name}', expected value '{expected}'"
            ))),
        }
    }

    fn require(&self, name: &str) -> Result<&str, WsError> {
        self.get(name)
            .ok_or_else(|| WsError::Handshake(format!("missing header '{name}'")))
    }
}

/// The part of `buf` httparse may look at, and whether the limit is already reached.
fn window<'a>(buf: &'a [u8], limits: &WsLimits) -> (&'a [u8], bool) {
    let max = limits.max_handshake_bytes;
    if buf.len() >= max {
        (&buf[..max], true)
    } else {
        (buf, false)
    }
}

fn too_big(limits: &WsLimits) -> WsError {
    WsError::LimitExceeded(format!(
        "handshake head longer than {} bytes",
        limits.max_handshake_bytes
    ))
}

/// A client handshake in progress: the request to send and what the answer must contain.
#[derive(Clone, Debug)]
pub struct ClientHandshake {
    request: Vec<u8>,
    key: String,
    protocols: Vec<String>,
}

/// A server's 101 that passed every check.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServerAccepted {
    /// `get_selected_protocol()`: `""` when none was offered.
    pub protocol: String,
    /// Bytes of the head; whatever follows in the buffer is already frames.
    pub consumed: usize,
    /// The `Sec-WebSocket-Extensions` value (`""` when absent), checked by the caller against
    /// what it offered (permessage-deflate).
    pub extensions: String,
}

impl ClientHandshake {
    /// Builds the request for `url`. `nonce` must be 16 bytes from a CSPRNG in production;
    /// tests pass a fixed one. `protocols` is `supported_protocols`, `extra_headers` is
    /// `handshake_headers` (each a whole `Name: value` line).
    pub fn new(
        url: &WsUrl,
        protocols: &[String],
        extra_headers: &[String],
        nonce: [u8; 16],
    ) -> Result<ClientHandshake, WsError> {
        check_extra_headers(extra_headers)?;
        check_protocols(protocols)?;
        let protocols = trimmed(protocols);
        let key = base64(&nonce);
        let mut req = format!(
            "GET {} HTTP/1.1\r\nHost: {}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
             Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n",
            url.path,
            url.host_header()
        );
        if !protocols.is_empty() {
            req.push_str("Sec-WebSocket-Protocol: ");
            req.push_str(&protocols.join(","));
            req.push_str("\r\n");
        }
        for h in extra_headers {
            req.push_str(h);
            req.push_str("\r\n");
        }
        req.push_str("\r\n");
        Ok(ClientHandshake {
            request: req.into_bytes(),
            key,
            protocols,
        })
    }

    /// The request bytes to write.
    pub fn request(&self) -> &[u8] {
        &self.request
    }

    /// The `Sec-WebSocket-Key` sent.
    pub fn key(&self) -> &str {
        &self.key
    }

    /// Checks the server's answer at the start of `buf`. `Ok(None)`: the head is not complete
    /// yet. Any error means Godot's `close(-1)`: CLOSED with code -1.
    pub fn parse_response(
        &self,
        buf: &[u8],
        limits: &WsLimits,
    ) -> Result<Option<ServerAccepted>, WsError> {
        let (data, full) = window(buf, limits);
        let mut slots = vec![httparse::EMPTY_HEADER; limits.max_handshake_headers];
        let mut resp = httparse::Response::new(&mut slots);
        let consumed = match resp.parse(data) {
            Ok(httparse::Status::Complete(n)) => n,
            Ok(httparse::Status::Partial) if full => return Err(too_big(limits)),
            Ok(httparse::Status::Partial) => return Ok(None),
            Err(e) => return Err(WsError::Handshake(format!("invalid response head: {e}"))),
        };
        if resp.version != Some(1) {
            return Err(WsError::Handshake(
                "invalid protocol, expected 'HTTP/1.1'".into(),
            ));
        }
        if resp.code != Some(101) {
            return Err(WsError::Handshake(format!(
                "invalid status code {}, expected '101'",
                resp.code.unwrap_or(0)
            )));
        }
        let fields = Fields::collect(resp.headers)?;
        fields.expect_ci("connection", "upgrade")?;
        fields.expect_ci("upgrade", "websocket")?;
        let expected = accept_key(&self.key);
        if fields.get("sec-websocket-accept") != Some(expected.as_str()) {
            return Err(WsError::Handshake(format!(
                "missing or invalid header 'sec-websocket-accept', expected value '{expected}'"
            )));
        }
        let selected = fields.get("sec-websocket-protocol");
        let protocol = match (self.protocols.is_empty(), selected) {
            (true, None) => String::new(),
            (true, Some(p)) => {
                return Err(WsError::Handshake(format!(
                    "received unrequested sub-protocol -> {p}"
                )))
            }
            (false, None) => return Err(WsError::Handshake("missing sub-protocol".into())),
            (false, Some(p)) if self.protocols.iter().any(|o| o == p) => p.to_string(),
            (false, Some(p)) => {
                return Err(WsError::Handshake(format!(
                    "received unrequested sub-protocol -> {p}"
                )))
            }
        };
        let extensions = fields
            .get("sec-websocket-extensions")
            .unwrap_or("")
            .to_string();
        Ok(Some(ServerAccepted {
            protocol,
            consumed,
            extensions,
        }))
    }
}

/// A client's upgrade request that passed Godot's checks.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClientRequest {
    /// The request target (path and query), verbatim.
    pub target: String,
    /// The `Host` header value, `""` when absent.
    pub host: String,
    /// The `Sec-WebSocket-Key` value, verbatim.
    pub key: String,
    /// The offered subprotocols, trimmed, in the client's order; `None` without the header.
    pub protocols: Option<Vec<String>>,
    /// Bytes of the head; whatever follows in the buffer is already frames.
    pub consumed: usize,
    /// The `Sec-WebSocket-Extensions` offers (`""` when absent).
    pub extensions: String,
}

/// Parses and checks a client's upgrade request at the start of `buf`. `Ok(None)`: the head is
/// not complete yet. Godot drops the connection silently on any error (it never answers with
/// an HTTP error); over the size limit it stays stuck in CONNECTING, which we do not copy.
pub fn parse_client_request(
    buf: &[u8],
    limits: &WsLimits,
) -> Result<Option<ClientRequest>, WsError> {
    let (data, full) = window(buf, limits);
    let mut slots = vec![httparse::EMPTY_HEADER; limits.max_handshake_headers];
    let mut req = httparse::Request::new(&mut slots);
    let consumed = match req.parse(data) {
        Ok(httparse::Status::Complete(n)) => n,
        Ok(httparse::Status::Partial) if full => return Err(too_big(limits)),
        Ok(httparse::Status::Partial) => return Ok(None),
        Err(e) => return Err(WsError::Handshake(format!("invalid request head: {e}"))),
    };
    if req.method != Some("GET") || req.version != Some(1) {
        return Err(WsError::Handshake("invalid method or HTTP version".into()));
    }
    let target = req.path.unwrap_or("/").to_string();
    let fields = Fields::collect(req.headers)?;
    fields.expect_ci("upgrade", "websocket")?;
    fields.expect_ci("sec-websocket-version", "13")?;
    let key = fields.require("sec-websocket-key")?.to_string();
    fields.require("connection")?;
    let protocols = fields
        .get("sec-websocket-protocol")
        .map(|v| v.split(',').map(|p| p.trim().to_string()).collect());
    Ok(Some(ClientRequest {
        target,
        host: fields.get("host").unwrap_or("").to_string(),
        key,
        protocols,
        consumed,
        extensions: fields
            .get("sec-websocket-extensions")
            .unwrap_or("")
            .to_string(),
    }))
}

/// Godot's subprotocol choice: the first of the client's offers (in the client's order) that
/// the server supports. `Ok(None)`: no header and nothing required. The client offering
/// protocols when the server supports none is also a failure in Godot (nothing matches).
pub fn negotiate(
    offered: Option<&[String]>,
    supported: &[String],
) -> Result<Option<String>, WsError> {
    let supported = trimmed(supported);
    match offered {
        Some(offered) => offered
            .iter()
            .find(|p| supported.contains(p))
            .map(|p| Some(p.clone()))
            .ok_or(WsError::NoCommonProtocol),
        None if supported.is_empty() => Ok(None),
        None => Err(WsError::NoCommonProtocol),
    }
}

/// The 101 response Godot writes, byte for byte.
pub fn server_response(
    key: &str,
    protocol: Option<&str>,
    extra_headers: &[String],
) -> Result<Vec<u8>, WsError> {
    check_extra_headers(extra_headers)?;
    let mut resp = format!(
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
         Sec-WebSocket-Accept: {}\r\n",
        accept_key(key)
    );
    if let Some(p) = protocol {
        resp.push_str("Sec-WebSocket-Protocol: ");
        resp.push_str(p);
        resp.push_str("\r\n");
    }
    for h in extra_headers {
        resp.push_str(h);
        resp.push_str("\r\n");
    }
    resp.push_str("\r\n");
    Ok(resp.into_bytes())
}

/// `get_requested_url()` on the server: scheme by TLS use, the Host value, the target.
pub fn requested_url(tls: bool, host: &str, target: &str) -> String {
    format!("{}{host}{target}", if tls { "wss://" } else { "ws://" })
}

/// `get_requested_url()` for a complete request head that failed the checks: Godot sets it
/// from the request line and Host before checking anything else. `None` when the head can't be
/// parsed at all.
pub fn requested_url_of(buf: &[u8], tls: bool, limits: &WsLimits) -> Option<String> {
    let (data, _) = window(buf, limits);
    let mut slots = vec![httparse::EMPTY_HEADER; limits.max_handshake_headers];
    let mut req = httparse::Request::new(&mut slots);
    // Godot checks the request line (`GET … HTTP/1.1`) first.
    if !matches!(req.parse(data), Ok(httparse::Status::Complete(_)))
        || req.method != Some("GET")
        || req.version != Some(1)
    {
        return None;
    }
    let host = req
        .headers
        .iter()
        .find(|h| h.name.eq_ignore_ascii_case("host"))
        .and_then(|h| std::str::from_utf8(h.value).ok())
        .unwrap_or("")
        .trim();
    Some(requested_url(tls, host, req.path.unwrap_or("/")))
}

/// Everything the server side needs after a complete, acceptable request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServerAccept {
    /// The 101 response to write; the session is OPEN once it is all written.
    pub response: Vec<u8>,
    /// `get_selected_protocol()`.
    pub protocol: String,
    /// `get_requested_url()`.
    pub requested_url: String,
    /// Bytes of the request head.
    pub consumed: usize,
}

/// The whole server side in one call: parse, check, negotiate, answer. `Ok(None)`: need more.
/// Every error means Godot's silent close (CLOSED, code -1, no HTTP response).
pub fn server_accept(
    buf: &[u8],
    supported: &[String],
    extra_headers: &[String],
    tls: bool,
    limits: &WsLimits,
) -> Result<Option<ServerAccept>, WsError> {
    Ok(server_accept_with_deflate(
        buf,
        supported,
        extra_headers,
        tls,
        limits,
        &DeflateConfig::default(),
    )?
    .map(|(accept, _)| accept))
}

/// [`server_accept`] that also answers a permessage-deflate offer when `deflate` is enabled:
/// the agreed parameters come back with the response (which then carries
/// `Sec-WebSocket-Extensions`). A malformed offer header fails the handshake; an offer we
/// decline just leaves compression off.
pub fn server_accept_with_deflate(
    buf: &[u8],
    supported: &[String],
    extra_headers: &[String],
    tls: bool,
    limits: &WsLimits,
    deflate: &DeflateConfig,
) -> Result<Option<(ServerAccept, Option<DeflateParams>)>, WsError> {
    let Some(req) = parse_client_request(buf, limits)? else {
        return Ok(None);
    };
    let protocol = negotiate(req.protocols.as_deref(), supported)?;
    let agreed = server_negotiate(&req.extensions, deflate)
        .map_err(|e| WsError::Handshake(format!("Sec-WebSocket-Extensions: {e}")))?;
    let mut headers = extra_headers.to_vec();
    if let Some(agreed) = &agreed {
        headers.insert(0, format!("Sec-WebSocket-Extensions: {}", agreed.response));
    }
    let response = server_response(&req.key, protocol.as_deref(), &headers)?;
    Ok(Some((
        ServerAccept {
            response,
            protocol: protocol.unwrap_or_default(),
            requested_url: requested_url(tls, &req.host, &req.target),
            consumed: req.consumed,
        },
        agreed.map(|a| a.params),
    )))
}
