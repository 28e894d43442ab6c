//! permessage-deflate (RFC 7692): negotiation and the per-message codec. Sans-IO and not yet
//! wired into [`Session`](super::session::Session) or the driver: this module owns
//!
//! * the `Sec-WebSocket-Extensions` grammar (RFC 6455 §9.1: comma-separated offers,
//!   `;`-separated parameters, values as tokens or quoted strings);
//! * negotiation for both roles: [`client_offer`] → [`server_negotiate`] → [`client_negotiate`],
//!   each side ending with the [`DeflateParams`] agreed for the connection;
//! * the codec: [`Deflater`] (one message payload in, compressed payload out, RSV1 is the
//!   caller's), [`Inflater`] (the whole compressed payload of a message in, the message out,
//!   under a hard size limit), and [`PerMessageDeflate`], the pair for one connection and role.
//!
//! Frames, RSV1, fragmentation and close codes stay with the session: it reassembles the
//! fragments of a compressed message, hands the concatenated payload to
//! [`PerMessageDeflate::decompress`] with `WsLimits::inbound_buffer_size` as the limit, and on
//! an error closes with [`DeflateError::close_code`] (1009 when too big, 1007 when corrupt).
//!
//! **The output limit (zip bombs).** [`Inflater::decompress`] never holds more than
//! `max_len` bytes of output: its buffer grows by doubling up to `max_len`, and once full, one
//! more byte of output (decoded into a 1-byte probe) is [`DeflateError::TooBig`]. Deflate
//! expands at most ~1032:1, so the work done before refusing is bounded by the limit too: a
//! 1 GiB-of-zeros bomb is refused after decoding 64 KiB. Memory per connection is otherwise
//! fixed: miniz_oxide's compressor (~310 KiB) and decompressor (~42 KiB incl. its 32 KiB window).
//!
//! **Decisions.**
//! * Backend: flate2's default pure-Rust backend (miniz_oxide). It has no window-bits setting
//!   (`new_with_window_bits` needs a zlib feature we do not add), so both sides always run a
//!   32 KiB (15-bit) window. Inflating: a 15-bit window decodes any stream made with a smaller
//!   one, so any `*_max_window_bits` the peer uses is fine (and one it breaks goes unnoticed).
//! * Compressing with a window of N < 15 bits agreed (8 included: we do not round it up to 9),
//!   we honour it exactly by a FULL flush every 2^N input bytes and at the message end: a full
//!   flush forgets the history, so no match reaches back more than 2^N bytes or into the previous
//!   message (dropping context is always allowed). Compression is worse, but we never have to
//!   decline an offer or fail a handshake over window bits; so the client offer always carries
//!   `client_max_window_bits`. (Checked by hand against zlib inflating one byte per call with
//!   `-N` window bits: N decodes, N-1 fails "invalid distance too far back"; the tests check
//!   the round trip and, with an independent decoder, the farthest distance: see
//!   `tests/ws_deflate.rs`.)
//! * Compression level: flate2's default (6). Incompressible data goes out as stored blocks
//!   (a few bytes per 64 KiB more than the message); the session may instead send any message
//!   uncompressed, RSV1 clear, which RFC 7692 allows. Decide before compressing: a result
//!   compressed and then not sent leaves history the peer never saw, so call
//!   [`Deflater::reset`] then (forgetting history is always allowed).
//! * An empty compressed payload decodes to an empty message (RFC 7692 §7.2.3.6 sends `00`
//!   instead, which decodes normally). A message ending in a final (BFINAL) block restarts the
//!   inflater for the next one; bytes after that block are [`DeflateError::Corrupt`].
//! * A message that stops mid-block is not detected (the inflater just yields what it could).
//! * Extension and parameter names are compared ASCII case-insensitively.

use super::session::Role;
use flate2::{Compress, Compression, Decompress, FlushCompress, FlushDecompress, Status};
use std::fmt;

/// The extension token.
pub const EXTENSION_NAME: &str = "permessage-deflate";

/// What a sender strips from the end of each compressed message and a receiver appends back
/// (RFC 7692 §7.2.1–§7.2.2): the empty stored block of a SYNC flush.
pub const SYNC_TAIL: [u8; 4] = [0x00, 0x00, 0xff, 0xff];

/// Smallest LZ77 window the RFC allows (2^8 bytes).
pub const MIN_WINDOW_BITS: u8 = 8;
/// Largest LZ77 window (2^15 = 32 KiB), and the value when a parameter is absent.
pub const MAX_WINDOW_BITS: u8 = 15;

/// Why negotiation or the codec failed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DeflateError {
    /// A `Sec-WebSocket-Extensions` value is not valid syntax. A server may go on without the
    /// extension (or refuse the handshake); a client fails the connection.
    Malformed(String),
    /// Client side: the server's response breaks RFC 7692 against our offer (an extension or
    /// parameter not offered or not allowed, a bad value). The client fails the connection.
    Negotiation(String),
    /// A received compressed payload is not valid deflate data.
    Corrupt(String),
    /// A message would inflate to more than `limit` bytes. Nothing over the limit was kept.
    TooBig {
        /// The `max_len` that was passed.
        limit: usize,
    },
    /// The compressor failed (not expected with valid state). The text says how.
    Compress(String),
}

impl DeflateError {
    /// The close code a session should send for a codec error: 1009 for [`TooBig`], 1007 for
    /// [`Corrupt`], 1011 (internal error) for [`Compress`], 1002 otherwise.
    ///
    /// [`TooBig`]: DeflateError::TooBig
    /// [`Corrupt`]: DeflateError::Corrupt
    /// [`Compress`]: DeflateError::Compress
    pub fn close_code(&self) -> i32 {
        match self {
            DeflateError::TooBig { .. } => 1009,
            DeflateError::Corrupt(_) => 1007,
            DeflateError::Compress(_) => 1011,
            DeflateError::Malformed(_) | DeflateError::Negotiation(_) => 1002,
        }
    }
}

impl fmt::Display for DeflateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DeflateError::Malformed(m) => write!(f, "malformed Sec-WebSocket-Extensions: {m}"),
            DeflateError::Negotiation(m) => write!(f, "permessage-deflate negotiation: {m}"),
            DeflateError::Corrupt(m) => write!(f, "invalid compressed message: {m}"),
            DeflateError::TooBig { limit } => {
                write!(f, "decompressed message is larger than {limit} bytes")
            }
            DeflateError::Compress(m) => write!(f, "compression failed: {m}"),
        }
    }
}

impl std::error::Error for DeflateError {}

/// What we want from permessage-deflate, for either role. Window bits are clamped to
/// 8..=15 where used. The default is disabled (Godot's `WebSocketPeer` has no compression),
/// with context takeover in both directions and 15-bit windows, i.e. the RFC defaults.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeflateConfig {
    /// Offer (client) or accept (server) permessage-deflate at all. Default `false`.
    pub enabled: bool,
    /// Client: ask the server to reset its compressor after each message. Server: reset ours
    /// even if the client did not ask (announced in the response). Default `false`.
    pub server_no_context_takeover: bool,
    /// Client: reset our compressor after each message (announced in the offer). Server: ask
    /// the client to reset its compressor (announced in the response). Default `false`.
    pub client_no_context_takeover: bool,
    /// Client: ask the server for at most this window (offered when < 15). Server: use at most
    /// this window (announced when < 15). Default 15.
    pub server_max_window_bits: u8,
    /// Client: use at most this window (offered as `client_max_window_bits=N` when < 15, bare
    /// otherwise). Server: ask the client for at most this window, which only works when the
    /// client offered `client_max_window_bits`. Default 15.
    pub client_max_window_bits: u8,
}

impl Default for DeflateConfig {
    fn default() -> Self {
        Self {
            enabled: false,
            server_no_context_takeover: false,
            client_no_context_takeover: false,
            server_max_window_bits: MAX_WINDOW_BITS,
            client_max_window_bits: MAX_WINDOW_BITS,
        }
    }
}

/// The parameters agreed for a connection (the same on both ends once negotiated). Absent
/// window parameters are 15.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DeflateParams {
    /// The server resets its compressor after each message.
    pub server_no_context_takeover: bool,
    /// The client resets its compressor after each message.
    pub client_no_context_takeover: bool,
    /// Largest window the server compresses with (8..=15).
    pub server_max_window_bits: u8,
    /// Largest window the client compresses with (8..=15).
    pub client_max_window_bits: u8,
}

impl Default for DeflateParams {
    /// The RFC defaults: context takeover both ways, 15-bit windows.
    fn default() -> Self {
        Self {
            server_no_context_takeover: false,
            client_no_context_takeover: false,
            server_max_window_bits: MAX_WINDOW_BITS,
            client_max_window_bits: MAX_WINDOW_BITS,
        }
    }
}

/// The server's accepted offer: what to use and what to answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServerAccept {
    /// The parameters for this connection.
    pub params: DeflateParams,
    /// The `Sec-WebSocket-Extensions` value for the 101 response.
    pub response: String,
}

fn clamp_bits(bits: u8) -> u8 {
    bits.clamp(MIN_WINDOW_BITS, MAX_WINDOW_BITS)
}

/// Client: the `Sec-WebSocket-Extensions` value to send, or `None` when disabled. Always
/// carries `client_max_window_bits` (we can honour any window, see the module docs), e.g.
/// `permessage-deflate; client_max_window_bits` with the default config.
pub fn client_offer(config: &DeflateConfig) -> Option<String> {
    if !config.enabled {
        return None;
    }
    let mut s = String::from(EXTENSION_NAME);
    if config.server_no_context_takeover {
        s.push_str("; server_no_context_takeover");
    }
    if config.client_no_context_takeover {
        s.push_str("; client_no_context_takeover");
    }
    let server_bits = clamp_bits(config.server_max_window_bits);
    if server_bits < MAX_WINDOW_BITS {
        s.push_str(&format!("; server_max_window_bits={server_bits}"));
    }
    let client_bits = clamp_bits(config.client_max_window_bits);
    if client_bits < MAX_WINDOW_BITS {
        s.push_str(&format!("; client_max_window_bits={client_bits}"));
    } else {
        s.push_str("; client_max_window_bits");
    }
    Some(s)
}

/// Server: pick the first acceptable permessage-deflate offer from the client's
/// `Sec-WebSocket-Extensions` value (several header lines joined with `", "`).
///
/// `Ok(None)`: disabled, or no offer we accept; an offer is declined for an unknown or
/// duplicated parameter, a value where none is allowed, or a bad window value. Other
/// extensions are ignored. `Err(Malformed)`: the value is not valid syntax.
pub fn server_negotiate(
    offers: &str,
    config: &DeflateConfig,
) -> Result<Option<ServerAccept>, DeflateError> {
    if !config.enabled {
        return Ok(None);
    }
    for ext in parse_extensions(offers)? {
        if !ext.name.eq_ignore_ascii_case(EXTENSION_NAME) {
            continue;
        }
        if let Some(accept) = accept_offer(&ext.params, config) {
            return Ok(Some(accept));
        }
    }
    Ok(None)
}

fn accept_offer(
    params: &[(String, Option<String>)],
    config: &DeflateConfig,
) -> Option<ServerAccept> {
    let mut server_nct = false;
    let mut client_nct = false;
    let mut server_bits: Option<u8> = None;
    // Some(None): offered without a value.
    let mut client_bits: Option<Option<u8>> = None;
    let mut seen: Vec<String> = Vec::new();
    for (name, value) in params {
        let name = name.to_ascii_lowercase();
        if seen.contains(&name) {
            return None;
        }
        match (name.as_str(), value) {
            ("server_no_context_takeover", None) => server_nct = true,
            ("client_no_context_takeover", None) => client_nct = true,
            ("server_max_window_bits", Some(v)) => server_bits = Some(parse_window_bits(v)?),
            ("client_max_window_bits", None) => client_bits = Some(None),
            ("client_max_window_bits", Some(v)) => client_bits = Some(Some(parse_window_bits(v)?)),
            _ => return None,
        }
        seen.push(name);
    }

    let server_window = server_bits
        .unwrap_or(MAX_WINDOW_BITS)
        .min(clamp_bits(config.server_max_window_bits));
    let client_window = match client_bits {
        Some(offered) => offered
            .unwrap_or(MAX_WINDOW_BITS)
            .min(clamp_bits(config.client_max_window_bits)),
        None => MAX_WINDOW_BITS,
    };
    let params = DeflateParams {
        server_no_context_takeover: server_nct || config.server_no_context_takeover,
        client_no_context_takeover: client_nct || config.client_no_context_takeover,
        server_max_window_bits: server_window,
        client_max_window_bits: client_window,
    };

    let mut response = String::from(EXTENSION_NAME);
    if params.server_no_context_takeover {
        response.push_str("; server_no_context_takeover");
    }
    if params.client_no_context_takeover {
        response.push_str("; client_no_context_takeover");
    }
    // Accepting a server_max_window_bits offer requires answering it.
    if server_bits.is_some() || server_window < MAX_WINDOW_BITS {
        response.push_str(&format!("; server_max_window_bits={server_window}"));
    }
    if client_bits.is_some() && client_window < MAX_WINDOW_BITS {
        response.push_str(&format!("; client_max_window_bits={client_window}"));
    }
    Some(ServerAccept { params, response })
}

/// Client: check the server's `Sec-WebSocket-Extensions` response (`""` when absent) against
/// the offer [`client_offer`] made from the same `config`.
///
/// `Ok(None)`: the server declined (no extension). `Ok(Some)`: the agreed parameters.
/// `Err(Negotiation)`: an extension we did not offer (any other extension, or
/// permessage-deflate while disabled or twice), an unknown or duplicated parameter, a value
/// where none is allowed, a missing or bad window value, `server_max_window_bits` above what
/// we asked, or a parameter we asked for (`server_no_context_takeover`,
/// `server_max_window_bits`) left out. `Err(Malformed)`: not valid syntax.
pub fn client_negotiate(
    response: &str,
    config: &DeflateConfig,
) -> Result<Option<DeflateParams>, DeflateError> {
    let exts = parse_extensions(response)?;
    let mut found: Option<&Extension> = None;
    for ext in &exts {
        if !ext.name.eq_ignore_ascii_case(EXTENSION_NAME) {
            return Err(DeflateError::Negotiation(format!(
                "the server accepted extension {:?}, which was not offered",
                ext.name
            )));
        }
        if !config.enabled {
            return Err(DeflateError::Negotiation(
                "the server accepted permessage-deflate, which was not offered".into(),
            ));
        }
        if found.is_some() {
            return Err(DeflateError::Negotiation(
                "permessage-deflate accepted twice".into(),
            ));
        }
        found = Some(ext);
    }
    let Some(ext) = found else {
        return Ok(None);
    };

    let neg = |m: String| DeflateError::Negotiation(m);
    let asked_server_bits = clamp_bits(config.server_max_window_bits);
    let mut params = DeflateParams {
        client_no_context_takeover: config.client_no_context_takeover,
        client_max_window_bits: clamp_bits(config.client_max_window_bits),
        ..DeflateParams::default()
    };
    let mut server_bits_given = false;
    let mut seen: Vec<String> = Vec::new();
    for (name, value) in &ext.params {
        let lname = name.to_ascii_lowercase();
        if seen.contains(&lname) {
            return Err(neg(format!("parameter {name} given twice")));
        }
        match lname.as_str() {
            "server_no_context_takeover" | "client_no_context_takeover" => {
                if value.is_some() {
                    return Err(neg(format!("parameter {name} takes no value")));
                }
                if lname == "server_no_context_takeover" {
                    params.server_no_context_takeover = true;
                } else {
                    params.client_no_context_takeover = true;
                }
            }
            "server_max_window_bits" | "client_max_window_bits" => {
                let Some(v) = value else {
                    return Err(neg(format!("parameter {name} needs a value")));
                };
                let Some(bits) = parse_window_bits(v) else {
                    return Err(neg(format!("bad {name} value {v:?}")));
                };
                if lname == "server_max_window_bits" {
                    if bits > asked_server_bits {
                        return Err(neg(format!(
                            "server_max_window_bits={bits} is above the {asked_server_bits} offered"
                        )));
                    }
                    params.server_max_window_bits = bits;
                    server_bits_given = true;
                } else {
                    params.client_max_window_bits = params.client_max_window_bits.min(bits);
                }
            }
            _ => return Err(neg(format!("unknown parameter {name}"))),
        }
        seen.push(lname);
    }
    if config.server_no_context_takeover && !params.server_no_context_takeover {
        return Err(neg(
            "server_no_context_takeover was offered but not answered".into(),
        ));
    }
    if asked_server_bits < MAX_WINDOW_BITS && !server_bits_given {
        return Err(neg(
            "server_max_window_bits was offered but not answered".into()
        ));
    }
    Ok(Some(params))
}

/// `8`..=`15`, decimal, no leading zeros, no sign.
fn parse_window_bits(v: &str) -> Option<u8> {
    match v {
        "8" => Some(8),
        "9" => Some(9),
        "10" => Some(10),
        "11" => Some(11),
        "12" => Some(12),
        "13" => Some(13),
        "14" => Some(14),
        "15" => Some(15),
        _ => None,
    }
}

/// One element of an extension list.
#[derive(Debug)]
struct Extension {
    name: String,
    params: Vec<(String, Option<String>)>,
}

fn is_tchar(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

/// RFC 6455 §9.1 `extension-list`, with RFC 7230's tolerance for empty list elements.
/// Quoted values are unquoted and must then be tokens.
fn parse_extensions(value: &str) -> Result<Vec<Extension>, DeflateError> {
    let b = value.as_bytes();
    let mut i = 0;
    let mut out = Vec::new();
    let bad = |m: &str, at: usize| DeflateError::Malformed(format!("{m} at byte {at}"));
    let skip_ows = |i: &mut usize| {
        while *i < b.len() && (b[*i] == b' ' || b[*i] == b'\t') {
            *i += 1;
        }
    };
    let token = |i: &mut usize| -> Option<String> {
        let start = *i;
        while *i < b.len() && is_tchar(b[*i]) {
            *i += 1;
        }
        (*i > start).then(|| value[start..*i].to_string())
    };
    loop {
        skip_ows(&mut i);
        if i == b.len() {
            break;
        }
        if b[i] == b',' {
            i += 1;
            continue;
        }
        let name = token(&mut i).ok_or_else(|| bad("expected an extension name", i))?;
        let mut params = Vec::new();
        skip_ows(&mut i);
        while i < b.len() && b[i] == b';' {
            i += 1;
            skip_ows(&mut i);
            let pname = token(&mut i).ok_or_else(|| bad("expected a parameter name", i))?;
            skip_ows(&mut i);
            let mut pvalue = None;
            if i < b.len() && b[i] == b'=' {
                i += 1;
                skip_ows(&mut i);
                if i < b.len() && b[i] == b'"' {
                    i += 1;
                    let mut v = String::new();
                    loop {
                        let Some(&c) = b.get(i) else {
                            return Err(bad("unterminated quoted string", i));
                        };
                        i += 1;
                        match c {
                            b'"' => break,
                            b'\\' => {
                                let Some(&e) = b.get(i) else {
                                    return Err(bad("unterminated quoted string", i));
                                };
                                i += 1;
                                v.push(char::from(e));
                            }
                            _ => v.push(char::from(c)),
                        }
                    }
                    if v.is_empty() || !v.bytes().all(is_tchar) {
                        return Err(bad("a quoted value must be a token", i));
                    }
                    pvalue = Some(v);
                } else {
                    pvalue = Some(token(&mut i).ok_or_else(|| bad("expected a value", i))?);
                }
                skip_ows(&mut i);
            }
            params.push((pname, pvalue));
        }
        out.push(Extension { name, params });
        if i < b.len() {
            if b[i] != b',' {
                return Err(bad("expected ',' or ';'", i));
            }
            i += 1;
        }
    }
    Ok(out)
}

/// Compresses message payloads for one direction (RFC 7692 §7.2.1): deflate, SYNC flush,
/// strip [`SYNC_TAIL`]. The history carries over to the next message unless
/// `no_context_takeover` (then reset after each message) or a window under 15 bits (see the
/// module docs: FULL flushes every 2^N bytes).
pub struct Deflater {
    compress: Compress,
    window_bits: u8,
    no_context_takeover: bool,
}

impl Deflater {
    /// A compressor that keeps within `window_bits` (clamped to 8..=15) and, with
    /// `no_context_takeover`, starts each message afresh.
    pub fn new(window_bits: u8, no_context_takeover: bool) -> Self {
        Self {
            compress: Compress::new(Compression::default(), false),
            window_bits: clamp_bits(window_bits),
            no_context_takeover,
        }
    }

    /// The compressed payload for one whole message (send it with RSV1 set on the first
    /// frame). An empty message gives `[0x00]`.
    pub fn compress(&mut self, payload: &[u8]) -> Result<Vec<u8>, DeflateError> {
        let mut out = Vec::with_capacity(payload.len() / 2 + 64);
        let result = if self.window_bits < MAX_WINDOW_BITS {
            let chunk = 1usize << self.window_bits;
            if payload.is_empty() {
                self.run(payload, FlushCompress::Full, &mut out)
            } else {
                payload
                    .chunks(chunk)
                    .try_for_each(|piece| self.run(piece, FlushCompress::Full, &mut out))
            }
        } else {
            self.run(payload, FlushCompress::Sync, &mut out)
        };
        if let Err(e) = result {
            self.compress.reset();
            return Err(e);
        }
        if !out.ends_with(&SYNC_TAIL) {
            self.compress.reset();
            return Err(DeflateError::Compress(
                "flush did not end with 00 00 ff ff".into(),
            ));
        }
        out.truncate(out.len() - SYNC_TAIL.len());
        if self.no_context_takeover {
            self.compress.reset();
        }
        Ok(out)
    }

    /// Forgets the history: the next message is compressed without reference to earlier
    /// ones. Always allowed; needed when a compressed result is discarded and the message
    /// sent uncompressed instead.
    pub fn reset(&mut self) {
        self.compress.reset();
    }

    /// Feeds all of `input` and completes `flush`, growing `out` as needed.
    fn run(
        &mut self,
        mut input: &[u8],
        flush: FlushCompress,
        out: &mut Vec<u8>,
    ) -> Result<(), DeflateError> {
        loop {
            if out.capacity() - out.len() < 64 {
                out.reserve(out.capacity().max(256));
            }
            let before_in = self.compress.total_in();
            let before_len = out.len();
            self.compress
                .compress_vec(input, out, flush)
                .map_err(|e| DeflateError::Compress(e.to_string()))?;
            let consumed =
                usize::try_from(self.compress.total_in() - before_in).unwrap_or(usize::MAX);
            input = input.get(consumed..).unwrap_or(&[]);
            if input.is_empty() && out.len() < out.capacity() {
                return Ok(());
            }
            if consumed == 0 && out.len() == before_len {
                return Err(DeflateError::Compress(
                    "the compressor made no progress".into(),
                ));
            }
        }
    }
}

/// Decompresses message payloads for one direction (RFC 7692 §7.2.2): append [`SYNC_TAIL`],
/// inflate, under a hard output limit. Always a 32 KiB window (decodes any smaller one).
pub struct Inflater {
    decompress: Decompress,
    no_context_takeover: bool,
}

impl Inflater {
    /// A decompressor; with `no_context_takeover` (the peer promised to reset) it also
    /// forgets the history after each message.
    pub fn new(no_context_takeover: bool) -> Self {
        Self {
            decompress: Decompress::new(false),
            no_context_takeover,
        }
    }

    /// The message for one whole compressed payload (all fragments concatenated), at most
    /// `max_len` bytes. Over it: [`DeflateError::TooBig`] as soon as byte `max_len + 1`
    /// is decoded, with no more than `max_len` bytes ever allocated for output. Bad data:
    /// [`DeflateError::Corrupt`]. After an error the history is gone (the connection is
    /// expected to close).
    pub fn decompress(&mut self, payload: &[u8], max_len: usize) -> Result<Vec<u8>, DeflateError> {
        if payload.is_empty() {
            return Ok(Vec::new());
        }
        let result = self.inflate(payload, max_len);
        match &result {
            Ok((_, ended)) if !*ended && !self.no_context_takeover => {}
            _ => self.decompress.reset(false),
        }
        result.map(|(v, _)| v)
    }

    /// One decompress call: (input consumed, output produced, status).
    fn step(
        &mut self,
        input: &[u8],
        out: &mut [u8],
    ) -> Result<(usize, usize, Status), DeflateError> {
        let (in0, out0) = (self.decompress.total_in(), self.decompress.total_out());
        let status = self
            .decompress
            .decompress(input, out, FlushDecompress::None)
            .map_err(|e| DeflateError::Corrupt(e.to_string()))?;
        let consumed = usize::try_from(self.decompress.total_in() - in0).unwrap_or(usize::MAX);
        let produced = usize::try_from(self.decompress.total_out() - out0).unwrap_or(usize::MAX);
        Ok((consumed.min(input.len()), produced.min(out.len()), status))
    }

    /// The message and whether a final block ended the deflate stream.
    fn inflate(&mut self, payload: &[u8], max_len: usize) -> Result<(Vec<u8>, bool), DeflateError> {
        let initial = payload
            .len()
            .saturating_mul(4)
            .clamp(1024, 64 * 1024)
            .min(max_len);
        let mut buf = vec![0u8; initial];
        let mut written = 0usize;
        let too_big = DeflateError::TooBig { limit: max_len };
        for (chunk, is_tail) in [(payload, false), (&SYNC_TAIL[..], true)] {
            let mut input = chunk;
            let mut ended = false;
            loop {
                if written == buf.len() {
                    if buf.len() >= max_len {
                        // Full: any further output byte is over the limit.
                        let mut probe = [0u8; 1];
                        let (consumed, produced, status) = self.step(input, &mut probe)?;
                        if produced > 0 {
                            return Err(too_big);
                        }
                        input = input.get(consumed..).unwrap_or(&[]);
                        if status == Status::StreamEnd {
                            ended = true;
                            break;
                        }
                        if consumed == 0 {
                            break;
                        }
                        continue;
                    }
                    let new_len = buf.len().saturating_mul(2).max(1024).min(max_len);
                    buf.resize(new_len, 0);
                }
                let (consumed, produced, status) = self.step(input, &mut buf[written..])?;
                written += produced;
                input = input.get(consumed..).unwrap_or(&[]);
                if status == Status::StreamEnd {
                    ended = true;
                    break;
                }
                if written < buf.len() && (input.is_empty() || (consumed == 0 && produced == 0)) {
                    break;
                }
            }
            if ended {
                if !is_tail && !input.is_empty() {
                    return Err(DeflateError::Corrupt(
                        "data after the final deflate block".into(),
                    ));
                }
                buf.truncate(written);
                return Ok((buf, true));
            }
            if !input.is_empty() {
                // The decoder stopped taking input with room to write: never drop bytes.
                return Err(DeflateError::Corrupt("the decoder stalled".into()));
            }
        }
        buf.truncate(written);
        Ok((buf, false))
    }
}

/// The codec for one connection end: a [`Deflater`] for what we send and an [`Inflater`] for
/// what we receive, set up from the agreed [`DeflateParams`] and our [`Role`].
pub struct PerMessageDeflate {
    /// Compresses our messages (the client's or the server's parameters, by role).
    pub deflater: Deflater,
    /// Decompresses the peer's messages.
    pub inflater: Inflater,
}

impl PerMessageDeflate {
    /// The codec for `role` under `params`: a client compresses with the `client_*`
    /// parameters and inflates with the `server_*` ones; a server the other way round.
    pub fn new(params: &DeflateParams, role: Role) -> Self {
        let (our_bits, our_nct, their_nct) = match role {
            Role::Client => (
                params.client_max_window_bits,
                params.client_no_context_takeover,
                params.server_no_context_takeover,
            ),
            Role::Server => (
                params.server_max_window_bits,
                params.server_no_context_takeover,
                params.client_no_context_takeover,
            ),
        };
        Self {
            deflater: Deflater::new(our_bits, our_nct),
            inflater: Inflater::new(their_nct),
        }
    }

    /// [`Deflater::compress`]: the payload for one outgoing message.
    pub fn compress(&mut self, payload: &[u8]) -> Result<Vec<u8>, DeflateError> {
        self.deflater.compress(payload)
    }

    /// [`Inflater::decompress`]: one incoming message, at most `max_len` bytes (pass
    /// `WsLimits::inbound_buffer_size`).
    pub fn decompress(&mut self, payload: &[u8], max_len: usize) -> Result<Vec<u8>, DeflateError> {
        self.inflater.decompress(payload, max_len)
    }
}
