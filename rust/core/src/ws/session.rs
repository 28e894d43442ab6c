//! The message session after the handshake: RFC 6455 framing with Godot's `WebSocketPeer`
//! (wslay) semantics (godot-behavior.md §2.2, §2.6–§2.9). Sans-IO, quinn-proto style: bytes in
//! with [`Session::handle_input`], bytes out with [`Session::poll_output`] /
//! [`Session::consume_output`], time in with [`Session::handle_timeout`].
//!
//! ```text
//!          send / receive / ping ↔ pong
//!        ┌──────┐
//!        ▼      │  close(code ≥ 0): our close frame queued (CLOSING at once)
//!      OPEN ────┼─────────────────────────────────────────────┐
//!        │      │  close frame received: echo of its payload queued
//!        │      └─────────────────────────────────────────────┤
//!        │  protocol error: close 1002/1007/1009 queued, reading stops
//!        ├───────────────────────────────────────────────────▶ CLOSING
//!        │                                                    │ our close frame written
//!        │                                                    │ (consume_output) and theirs
//!        │                                                    │ received, or the error's frame
//!        │                                                    ▼ written
//!        └── close(-1), EOF, heartbeat timeout ─────────────▶ CLOSED
//! ```
//!
//! **Why tungstenite's frame layer and not `tungstenite::WebSocket<Stream>`.** Godot's
//! observable behaviour lives exactly where `WebSocket` hides or decides things: it does not
//! send a close frame on a protocol error (Godot sends 1002/1007/1009 and reports that code with
//! a fixed reason), it maps an empty close payload to "no frame" (Godot reports 0), it does not
//! expose "close sent, echo pending" as a state, its size limit is an error rather than a 1009
//! close, and it would need an in-memory `Read + Write` shim whose `WouldBlock` paths hide the
//! state machine. So this module owns the state machine and uses tungstenite only for the wire
//! format: [`FrameHeader::parse`] / [`FrameHeader::format`] and the opcode types.
//!
//! **Bounded work and memory.** Every buffer is capped by [`WsLimits`]:
//! * raw input waiting to be parsed: one frame, at most `inbound_buffer_size` + 14 bytes
//!   ([`Session::handle_input`] returns how much it took; the caller keeps the rest);
//! * a fragmented message being reassembled: `inbound_buffer_size` (over it: close 1009);
//! * received messages not yet read: `max_queued_packets` messages and the next power of two of
//!   `inbound_buffer_size` bytes; when full, input is refused (Godot's backpressure, no loss);
//! * output: data sends are refused over `outbound_buffer_size` / `max_queued_packets`
//!   ([`SendError::OutOfMemory`]); pongs are not queued while more than 64 KiB of output is
//!   pending: input is refused instead until the caller writes.
//!
//! **Differences from Godot, deliberate.** Messages that arrive just before a close are kept
//! (Godot #107442 drops them; the glue decides what `get_available_packet_count` shows). Close
//! reasons over 123 bytes are truncated at a character boundary (Godot sends nothing and stays
//! CLOSING forever). Close codes that may not be sent (anything but 1000–1003, 1007–1011 and
//! 3000–4999, the codes wslay accepts) are sent as an empty close payload instead (Godot sends
//! them, then reports "Unknown").

use super::deflate::{DeflateParams, PerMessageDeflate};
use crate::config::WsLimits;
use std::collections::VecDeque;
use std::io::Cursor;
use std::time::{Duration, Instant};
use tungstenite::protocol::frame::coding::{Control, Data, OpCode};
use tungstenite::protocol::frame::FrameHeader;

/// Which end of the connection this session is. Clients mask every frame; servers never do
/// and require masked frames.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    Client,
    Server,
}

/// Godot's `WebSocketPeer.State`, same values. A [`Session`] is never `Connecting`: that state
/// belongs to the handshake, which the glue runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReadyState {
    Connecting = 0,
    Open = 1,
    Closing = 2,
    Closed = 3,
}

/// Why [`Session::send`] refused a message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SendError {
    /// Not OPEN (Godot's `FAILED`).
    NotOpen,
    /// Over `outbound_buffer_size` or `max_queued_packets` (Godot's `ERR_OUT_OF_MEMORY`). The
    /// connection stays OPEN.
    OutOfMemory(String),
}

impl std::fmt::Display for SendError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SendError::NotOpen => write!(f, "WebSocket is not open"),
            SendError::OutOfMemory(m) => write!(f, "outbound limit reached: {m}"),
        }
    }
}

impl std::error::Error for SendError {}

/// Where client frame masks come from: 4 bytes per frame. Production uses a CSPRNG
/// ([`Session::new`]); tests pass a deterministic one.
pub type MaskSource = Box<dyn FnMut() -> [u8; 4] + Send>;

/// Close codes wslay accepts in a received close frame, and the only ones we send.
pub fn is_sendable_close_code(code: i32) -> bool {
    matches!(code, 1000..=1003 | 1007..=1011 | 3000..=4999)
}

/// The reason Godot reports for a close it sent because of an error.
pub fn godot_error_reason(code: i32) -> &'static str {
    match code {
        1009 => "Message too big",
        1002 => "Protocol error",
        1006 => "Abnormal closure",
        1007 => "Invalid frame payload data",
        _ => "Unknown",
    }
}

/// Longest close reason a frame can carry: 125 bytes of control payload minus the code.
pub const MAX_CLOSE_REASON: usize = 123;

/// Pongs are not queued while more output than this is pending; input waits instead.
const CONTROL_BACKLOG: usize = 64 * 1024;

/// Largest frame header: 2 + 8 (length) + 4 (mask).
const MAX_HEADER: usize = 14;

const CLOSE_PROTOCOL: u16 = 1002;
const CLOSE_INVALID_DATA: u16 = 1007;
const CLOSE_TOO_BIG: u16 = 1009;

/// Truncates `reason` to at most [`MAX_CLOSE_REASON`] bytes on a character boundary.
pub fn truncate_reason(reason: &str) -> &str {
    if reason.len() <= MAX_CLOSE_REASON {
        return reason;
    }
    let mut end = MAX_CLOSE_REASON;
    while !reason.is_char_boundary(end) {
        end -= 1;
    }
    &reason[..end]
}

fn system_masks() -> MaskSource {
    use ring::rand::{SecureRandom, SystemRandom};
    // One getrandom call per 1,024 masks instead of one per frame.
    let rng = SystemRandom::new();
    let mut pool = [0u8; 4096];
    let mut next = pool.len();
    Box::new(move || {
        if next == pool.len() {
            let _ = rng.fill(&mut pool);
            next = 0;
        }
        let mut m = [0u8; 4];
        m.copy_from_slice(&pool[next..next + 4]);
        next += 4;
        m
    })
}

enum Step {
    /// A frame was handled; try the next one.
    Progress,
    /// Not enough bytes for a whole frame yet.
    NeedMore,
    /// The frame is complete but there is no room for what it produces (backpressure).
    Blocked,
    /// Reading has stopped (error, close received).
    Stopped,
}

/// One WebSocket connection after the handshake.
pub struct Session {
    role: Role,
    limits: WsLimits,
    masks: MaskSource,
    state: ReadyState,
    close_code: i32,
    close_reason: String,

    /// Raw input not parsed yet: `in_buf[in_pos..]`.
    in_buf: Vec<u8>,
    in_pos: usize,
    /// A fragmented message being reassembled: (is text, bytes so far).
    partial: Option<(bool, Vec<u8>)>,
    /// Bytes of the text message being reassembled already checked as UTF-8.
    utf8_checked: usize,
    /// permessage-deflate, when the handshake agreed it.
    deflate: Option<PerMessageDeflate>,
    /// The message being reassembled is compressed (RSV1 on its first frame).
    partial_compressed: bool,
    received: VecDeque<(Vec<u8>, bool)>,
    received_bytes: usize,

    /// Output not written yet: `out[out_pos..]`.
    out: Vec<u8>,
    out_pos: usize,
    /// Bytes consumed by the caller since the start (absolute offset of `out[out_pos]`).
    written: u64,
    /// Queued data messages: absolute end offset and payload length.
    out_msgs: VecDeque<(u64, usize)>,
    out_payload: usize,
    /// `outbound_buffer_size` and `max_queued_packets` for sends (live: see
    /// [`Session::set_outbound_limits`]).
    out_limit: usize,
    out_max_queued: usize,

    /// Our close frame is queued; its absolute end offset.
    close_sent_end: Option<u64>,
    /// The code we sent (0 for an empty payload).
    close_sent_code: i32,
    /// The peer's close: code (0 for an empty payload) and reason.
    close_received: Option<(i32, String)>,
    /// A protocol error stopped reading; the code we reported.
    failed: Option<u16>,

    heartbeat_interval: Duration,
    last_ping: Option<Instant>,
    awaiting_pong: bool,
}

impl Session {
    /// A session that has just finished its handshake (OPEN), masking with the OS CSPRNG when
    /// it is a client. `limits` are captured now, as Godot captures them at the handshake.
    pub fn new(role: Role, limits: &WsLimits) -> Session {
        Session::with_mask_source(role, limits, system_masks())
    }

    /// Like [`Session::new`], with client masks from `masks` (deterministic tests).
    pub fn with_mask_source(role: Role, limits: &WsLimits, masks: MaskSource) -> Session {
        Session {
            role,
            limits: limits.clone(),
            masks,
            state: ReadyState::Open,
            close_code: -1,
            close_reason: String::new(),
            in_buf: Vec::new(),
            in_pos: 0,
            partial: None,
            utf8_checked: 0,
            deflate: None,
            partial_compressed: false,
            received: VecDeque::new(),
            received_bytes: 0,
            out: Vec::new(),
            out_pos: 0,
            written: 0,
            out_msgs: VecDeque::new(),
            out_payload: 0,
            out_limit: limits.outbound_buffer_size,
            out_max_queued: limits.max_queued_packets,
            close_sent_end: None,
            close_sent_code: 0,
            close_received: None,
            failed: None,
            heartbeat_interval: limits.heartbeat_interval,
            last_ping: None,
            awaiting_pong: false,
        }
    }

    /// Turns permessage-deflate on with the parameters the handshake agreed (call before any
    /// frame is exchanged).
    pub fn set_deflate(&mut self, params: &DeflateParams) {
        self.deflate = Some(PerMessageDeflate::new(params, self.role));
    }

    pub fn role(&self) -> Role {
        self.role
    }

    /// `get_ready_state()`.
    pub fn ready_state(&self) -> ReadyState {
        self.state
    }

    /// `get_close_code()`: -1 until the close handshake completes (or after an unclean close),
    /// 0 when the peer's close frame had no payload, otherwise the peer's code, or the code we
    /// sent because of a protocol error.
    pub fn close_code(&self) -> i32 {
        self.close_code
    }

    /// `get_close_reason()`.
    pub fn close_reason(&self) -> &str {
        &self.close_reason
    }

    /// The peer's close frame, once received: its code (0 for an empty payload) and reason.
    /// Godot 3's `server_close_request` reports it before the close handshake completes.
    pub fn close_received(&self) -> Option<(i32, &str)> {
        self.close_received
            .as_ref()
            .map(|(code, reason)| (*code, reason.as_str()))
    }

    /// The close code we sent because the peer broke the protocol (1002, 1007, 1009), if it
    /// did.
    pub fn protocol_error_code(&self) -> Option<u16> {
        self.failed
    }

    /// `heartbeat_interval`; zero disables it. Unlike the buffer sizes, Godot reads it live.
    pub fn set_heartbeat_interval(&mut self, interval: Duration) {
        self.heartbeat_interval = interval;
    }

    // ---- input -------------------------------------------------------------------------

    fn reading_stopped(&self) -> bool {
        self.state == ReadyState::Closed || self.failed.is_some() || self.close_received.is_some()
    }

    /// Most raw bytes kept for one frame.
    fn in_cap(&self) -> usize {
        self.limits
            .inbound_buffer_size
            .max(125)
            .saturating_add(MAX_HEADER)
    }

    /// How many bytes [`Session::handle_input`] would take now (0 under backpressure). Read at
    /// most this much from the socket.
    pub fn input_capacity(&self) -> usize {
        if self.reading_stopped() {
            return usize::MAX;
        }
        self.in_cap() - (self.in_buf.len() - self.in_pos)
    }

    /// Feeds bytes read from the transport. Returns how many were taken: fewer than
    /// `data.len()` only under backpressure (queue of received messages full, or output not
    /// being written); pass the rest again later. `handle_input(&[])` resumes processing bytes
    /// already taken once messages were read or output written. After a close was received or a protocol
    /// error, input is discarded (all of it is "taken").
    pub fn handle_input(&mut self, data: &[u8]) -> usize {
        let mut taken = 0;
        // Fast path: nothing buffered, so whole frames are parsed straight from `data` (one
        // copy fewer); an incomplete last frame, or the input a full queue refuses, goes
        // through the buffered path (bounded as before).
        if self.in_pos == self.in_buf.len() {
            self.in_buf.clear();
            self.in_pos = 0;
            while taken < data.len() {
                if self.reading_stopped() {
                    return data.len();
                }
                let (step, used) = self.step_on(&data[taken..]);
                taken += used;
                match step {
                    Step::Progress | Step::Stopped => {}
                    Step::NeedMore | Step::Blocked => break,
                }
            }
            if self.reading_stopped() {
                return data.len();
            }
            if taken == data.len() {
                return taken;
            }
            return taken + self.buffer_input(&data[taken..]);
        }
        self.buffer_input(data)
    }

    /// The buffered path of [`Session::handle_input`]: appends to the internal buffer (up to
    /// its capacity) and parses from there.
    fn buffer_input(&mut self, data: &[u8]) -> usize {
        let mut taken = 0;
        loop {
            if self.reading_stopped() {
                self.in_buf.clear();
                self.in_pos = 0;
                return data.len();
            }
            let room = self.input_capacity();
            let n = room.min(data.len() - taken);
            if self.in_pos > 0 && self.in_pos == self.in_buf.len() {
                self.in_buf.clear();
                self.in_pos = 0;
            } else if n > 0 && self.in_pos > 0 {
                self.in_buf.drain(..self.in_pos);
                self.in_pos = 0;
            }
            self.in_buf.extend_from_slice(&data[taken..taken + n]);
            taken += n;
            let mut progressed = false;
            loop {
                match self.step() {
                    Step::Progress => progressed = true,
                    Step::NeedMore | Step::Blocked => break,
                    Step::Stopped => {
                        progressed = true;
                        break;
                    }
                }
            }
            if taken == data.len() || (n == 0 && !progressed) {
                if self.reading_stopped() {
                    return data.len();
                }
                return taken;
            }
        }
    }

    /// The transport reached EOF or failed: CLOSED, as Godot's internal `close(-1)`. The close
    /// code is the peer's if its close frame arrived (a peer may close the socket right after
    /// its close frame, before our echo), else what we sent after a protocol error, else
    /// unchanged (-1 unless the close handshake already completed).
    pub fn handle_eof(&mut self) {
        if self.state != ReadyState::Closed {
            if let Some((code, reason)) = &self.close_received {
                self.close_code = *code;
                self.close_reason = reason.clone();
            } else if self.failed.is_some() && self.close_sent_end.is_some() {
                self.close_code = self.close_sent_code;
                self.close_reason = godot_error_reason(self.close_sent_code).to_string();
            }
        }
        self.abort();
    }

    /// Godot reads `outbound_buffer_size` and `max_queued_packets` at each send, so changing
    /// them on a live connection applies to the next send (the inbound limits stay as they
    /// were when the connection opened).
    pub fn set_outbound_limits(&mut self, outbound_buffer_size: usize, max_queued_packets: usize) {
        self.out_limit = outbound_buffer_size;
        self.out_max_queued = max_queued_packets;
    }

    fn protocol_error(&mut self, code: u16) -> Step {
        self.fail(code);
        Step::Stopped
    }

    /// Parses and handles at most one frame.
    /// Parses one frame from the internal buffer.
    fn step(&mut self) -> Step {
        let buf = std::mem::take(&mut self.in_buf);
        let (step, used) = self.step_on(&buf[self.in_pos..]);
        self.in_buf = buf;
        self.in_pos += used;
        step
    }

    /// Parses and handles one frame at the start of `avail`; returns what happened and how
    /// many bytes it used (0 unless the frame was handled).
    fn step_on(&mut self, avail: &[u8]) -> (Step, usize) {
        let mut cursor = Cursor::new(avail);
        let (header, len) = match FrameHeader::parse(&mut cursor) {
            Ok(Some(h)) => h,
            Ok(None) => return (Step::NeedMore, 0),
            // Reserved opcodes are the only error a cursor can produce.
            Err(_) => return (self.protocol_error(CLOSE_PROTOCOL), 0),
        };
        let head_len = cursor.position() as usize;
        // RSV1 marks a compressed message: only with permessage-deflate agreed, and only on
        // the first frame of a data message (RFC 7692 §6).
        let compressed_start = header.rsv1
            && self.deflate.is_some()
            && matches!(header.opcode, OpCode::Data(Data::Text | Data::Binary));
        if (header.rsv1 && !compressed_start) || header.rsv2 || header.rsv3 {
            return (self.protocol_error(CLOSE_PROTOCOL), 0);
        }
        let masked = header.mask.is_some();
        if masked != (self.role == Role::Server) {
            return (self.protocol_error(CLOSE_PROTOCOL), 0);
        }
        if len >> 63 != 0 {
            return (self.protocol_error(CLOSE_PROTOCOL), 0);
        }
        match header.opcode {
            OpCode::Control(_) => {
                if !header.is_final || len > 125 {
                    return (self.protocol_error(CLOSE_PROTOCOL), 0);
                }
            }
            OpCode::Data(kind) => {
                let continuing = self.partial.is_some();
                if (kind == Data::Continue) != continuing {
                    return (self.protocol_error(CLOSE_PROTOCOL), 0);
                }
                let so_far = self.partial.as_ref().map_or(0, |(_, b)| b.len()) as u64;
                if so_far + len > self.limits.inbound_buffer_size as u64 {
                    return (self.protocol_error(CLOSE_TOO_BIG), 0);
                }
            }
        }
        // `len` is now at most max(inbound_buffer_size, 125): it fits in usize and in_cap.
        let len = len as usize;
        if avail.len() - head_len < len {
            return (Step::NeedMore, 0);
        }
        // Room for what the frame produces, before consuming it.
        match header.opcode {
            OpCode::Data(_) if header.is_final => {
                let so_far = self.partial.as_ref().map_or(0, |(_, b)| b.len());
                let ring = self
                    .limits
                    .inbound_buffer_size
                    .max(1)
                    .checked_next_power_of_two()
                    .unwrap_or(usize::MAX);
                if self.received.len() >= self.limits.max_queued_packets
                    || self.received_bytes + so_far + len > ring
                {
                    return (Step::Blocked, 0);
                }
            }
            OpCode::Control(Control::Ping) if self.pending_output() > CONTROL_BACKLOG => {
                return (Step::Blocked, 0);
            }
            _ => {}
        }
        let mut payload = avail[head_len..head_len + len].to_vec();
        let used = head_len + len;
        if let Some(mask) = header.mask {
            apply_mask(&mut payload, mask);
        }
        let step = match header.opcode {
            OpCode::Data(kind) => {
                if kind != Data::Continue {
                    self.partial_compressed = compressed_start;
                }
                self.on_data(kind, header.is_final, payload)
            }
            OpCode::Control(Control::Ping) => {
                if self.close_sent_end.is_none() {
                    self.queue_frame(OpCode::Control(Control::Pong), &payload);
                }
                Step::Progress
            }
            OpCode::Control(Control::Pong) => {
                self.awaiting_pong = false;
                Step::Progress
            }
            OpCode::Control(Control::Close) => self.on_close(payload),
            // FrameHeader::parse already refused reserved opcodes.
            OpCode::Control(Control::Reserved(_)) => self.protocol_error(CLOSE_PROTOCOL),
        };
        (step, used)
    }

    fn on_data(&mut self, kind: Data, fin: bool, payload: Vec<u8>) -> Step {
        let (text, data) = match (kind, self.partial.take()) {
            (Data::Continue, Some((text, mut data))) => {
                data.extend_from_slice(&payload);
                (text, data)
            }
            (Data::Text, None) => (true, payload),
            (Data::Binary, None) => (false, payload),
            // Checked in `step`; anything else is a protocol error.
            _ => return self.protocol_error(CLOSE_PROTOCOL),
        };
        if kind != Data::Continue {
            self.utf8_checked = 0;
        }
        if self.partial_compressed {
            if !fin {
                self.partial = Some((text, data));
                return Step::Progress;
            }
            return self.on_compressed_message(text, data);
        }
        if text {
            // Checked as fragments arrive, each byte once: a fragment that can't continue valid
            // UTF-8 closes with 1007 at once, not when the message ends (Autobahn 6.4.*).
            match std::str::from_utf8(&data[self.utf8_checked..]) {
                Ok(_) => self.utf8_checked = data.len(),
                Err(e) if e.error_len().is_none() && !fin => self.utf8_checked += e.valid_up_to(),
                Err(_) => return self.protocol_error(CLOSE_INVALID_DATA),
            }
        }
        if !fin {
            self.partial = Some((text, data));
            return Step::Progress;
        }
        self.received_bytes += data.len();
        self.received.push_back((data, text));
        Step::Progress
    }

    /// A whole compressed message: inflate it (never past `inbound_buffer_size`), then check
    /// and queue it like any other.
    fn on_compressed_message(&mut self, text: bool, data: Vec<u8>) -> Step {
        let limit = self.limits.inbound_buffer_size;
        let Some(deflate) = self.deflate.as_mut() else {
            return self.protocol_error(CLOSE_PROTOCOL);
        };
        let data = match deflate.decompress(&data, limit) {
            Ok(d) => d,
            Err(e) => {
                let code = u16::try_from(e.close_code()).unwrap_or(CLOSE_PROTOCOL);
                return self.protocol_error(code);
            }
        };
        if text && std::str::from_utf8(&data).is_err() {
            return self.protocol_error(CLOSE_INVALID_DATA);
        }
        self.received_bytes += data.len();
        self.received.push_back((data, text));
        Step::Progress
    }

    fn on_close(&mut self, payload: Vec<u8>) -> Step {
        let (code, reason) = match payload.len() {
            0 => (0, String::new()),
            1 => return self.protocol_error(CLOSE_PROTOCOL),
            _ => {
                let code = i32::from(u16::from_be_bytes([payload[0], payload[1]]));
                if !is_sendable_close_code(code) {
                    return self.protocol_error(CLOSE_PROTOCOL);
                }
                match std::str::from_utf8(&payload[2..]) {
                    Ok(r) => (code, r.to_string()),
                    Err(_) => return self.protocol_error(CLOSE_INVALID_DATA),
                }
            }
        };
        self.close_received = Some((code, reason));
        self.partial = None;
        if self.close_sent_end.is_none() {
            // wslay echoes the whole payload, code and reason.
            self.queue_close(&payload, code);
        }
        self.maybe_finish();
        Step::Stopped
    }

    /// `get_available_packet_count()` before Godot's OPEN-only rule (the glue applies it).
    pub fn available_messages(&self) -> usize {
        self.received.len()
    }

    /// The next received message and whether it was text. Messages received before a close
    /// stay readable after it.
    pub fn next_message(&mut self) -> Option<(Vec<u8>, bool)> {
        let msg = self.received.pop_front()?;
        self.received_bytes -= msg.0.len();
        Some(msg)
    }

    // ---- output ------------------------------------------------------------------------

    fn pending_output(&self) -> usize {
        self.out.len() - self.out_pos
    }

    /// Bytes to write to the transport; empty when there is nothing to send.
    pub fn poll_output(&self) -> &[u8] {
        &self.out[self.out_pos..]
    }

    /// `n` bytes of [`Session::poll_output`] were written.
    pub fn consume_output(&mut self, n: usize) {
        let n = n.min(self.pending_output());
        self.out_pos += n;
        self.written += n as u64;
        while let Some(&(end, len)) = self.out_msgs.front() {
            if end > self.written {
                break;
            }
            self.out_msgs.pop_front();
            self.out_payload -= len;
        }
        if self.out_pos == self.out.len() {
            self.out.clear();
            self.out_pos = 0;
        } else if self.out_pos > 64 * 1024 && self.out_pos * 2 > self.out.len() {
            self.out.drain(..self.out_pos);
            self.out_pos = 0;
        }
        self.maybe_finish();
    }

    /// `get_current_outbound_buffered_amount()`: payload bytes of sent messages not yet
    /// completely written (what Godot's limit counts).
    pub fn buffered_amount(&self) -> usize {
        self.out_payload
    }

    fn next_mask(&mut self) -> Option<[u8; 4]> {
        match self.role {
            Role::Client => Some((self.masks)()),
            Role::Server => None,
        }
    }

    fn queue_frame(&mut self, opcode: OpCode, payload: &[u8]) {
        self.queue_frame_rsv1(opcode, payload, false);
    }

    /// One unfragmented frame; `rsv1` marks a compressed data message.
    fn queue_frame_rsv1(&mut self, opcode: OpCode, payload: &[u8], rsv1: bool) {
        let header = FrameHeader {
            is_final: true,
            rsv1,
            rsv2: false,
            rsv3: false,
            opcode,
            mask: self.next_mask(),
        };
        // Writing into a Vec cannot fail.
        let _ = header.format(payload.len() as u64, &mut self.out);
        let start = self.out.len();
        self.out.extend_from_slice(payload);
        if let Some(mask) = header.mask {
            apply_mask(&mut self.out[start..], mask);
        }
    }

    fn queue_close(&mut self, payload: &[u8], code: i32) {
        self.queue_frame(OpCode::Control(Control::Close), payload);
        self.close_sent_end = Some(self.written + self.pending_output() as u64);
        self.close_sent_code = code;
        if self.state == ReadyState::Open {
            self.state = ReadyState::Closing;
        }
    }

    /// `send()`: one unfragmented frame, text or binary. Text is not validated (Godot's
    /// `send(bytes, WRITE_MODE_TEXT)` does not either; `send_text` has a `String`).
    pub fn send(&mut self, msg: &[u8], text: bool) -> Result<(), SendError> {
        if self.state != ReadyState::Open {
            return Err(SendError::NotOpen);
        }
        let limit = self.out_limit;
        if limit > 0 && self.out_payload + msg.len() > limit {
            return Err(SendError::OutOfMemory(format!(
                "{} bytes queued + {} > outbound_buffer_size {limit}",
                self.out_payload,
                msg.len()
            )));
        }
        if self.out_msgs.len() >= self.out_max_queued {
            return Err(SendError::OutOfMemory(format!(
                "{} messages queued, max_queued_packets is {}",
                self.out_msgs.len(),
                self.out_max_queued
            )));
        }
        let opcode = OpCode::Data(if text { Data::Text } else { Data::Binary });
        match self.deflate.as_mut() {
            Some(deflate) => match deflate.compress(msg) {
                Ok(compressed) => self.queue_frame_rsv1(opcode, &compressed, true),
                // Compression can't fail on valid input; send uncompressed if it ever does.
                Err(_) => self.queue_frame(opcode, msg),
            },
            None => self.queue_frame(opcode, msg),
        }
        let end = self.written + self.pending_output() as u64;
        self.out_msgs.push_back((end, msg.len()));
        self.out_payload += msg.len();
        Ok(())
    }

    // ---- closing -----------------------------------------------------------------------

    /// `close(code, reason)`. Negative: CLOSED at once, nothing sent, output dropped (the glue
    /// drops the transport), close code unchanged. Otherwise, while OPEN: a close frame is
    /// queued and the state is CLOSING at once; 0 sends an empty payload; the reason is cut to
    /// 123 bytes; codes that may not be sent become an empty payload. Does nothing while
    /// CLOSING or CLOSED.
    pub fn close(&mut self, code: i32, reason: &str) {
        if code < 0 {
            self.abort();
            return;
        }
        if self.state != ReadyState::Open {
            return;
        }
        if code == 0 || !is_sendable_close_code(code) {
            self.queue_close(&[], 0);
            return;
        }
        let reason = truncate_reason(reason);
        let mut payload = Vec::with_capacity(2 + reason.len());
        payload.extend_from_slice(&(code as u16).to_be_bytes());
        payload.extend_from_slice(reason.as_bytes());
        self.queue_close(&payload, code);
    }

    fn abort(&mut self) {
        self.state = ReadyState::Closed;
        self.out.clear();
        self.out_pos = 0;
        self.out_msgs.clear();
        self.out_payload = 0;
        self.in_buf.clear();
        self.in_pos = 0;
        self.partial = None;
        self.awaiting_pong = false;
    }

    /// A protocol violation by the peer: send close `code` (unless a close was already sent),
    /// stop reading, and report `code` with Godot's fixed reason once CLOSED.
    fn fail(&mut self, code: u16) {
        if self.reading_stopped() {
            return;
        }
        self.failed = Some(code);
        self.partial = None;
        if self.close_sent_end.is_none() {
            // wslay sends the code alone, without a reason.
            self.queue_close(&code.to_be_bytes(), i32::from(code));
        } else if self.state == ReadyState::Open {
            self.state = ReadyState::Closing;
        }
        self.maybe_finish();
    }

    /// CLOSED once our close frame is written and the peer's close arrived (or an error
    /// stopped reading).
    fn maybe_finish(&mut self) {
        if self.state == ReadyState::Closed {
            return;
        }
        let Some(end) = self.close_sent_end else {
            return;
        };
        if self.written < end {
            return;
        }
        if let Some((code, reason)) = &self.close_received {
            self.close_code = *code;
            self.close_reason = reason.clone();
        } else if self.failed.is_some() {
            self.close_code = self.close_sent_code;
            self.close_reason = godot_error_reason(self.close_sent_code).to_string();
        } else {
            return;
        }
        self.state = ReadyState::Closed;
        self.in_buf.clear();
        self.in_pos = 0;
        self.out.clear();
        self.out_pos = 0;
    }

    // ---- time --------------------------------------------------------------------------

    /// Godot's heartbeat, run from `poll()` with the current time: while OPEN and the interval
    /// is non-zero, when more than the interval has passed since the last ping (or no ping was
    /// sent yet), either send an empty ping or, if the previous one got no pong, drop the
    /// connection (CLOSED, code -1, nothing sent).
    pub fn handle_timeout(&mut self, now: Instant) {
        if self.heartbeat_interval.is_zero() || self.state != ReadyState::Open {
            return;
        }
        let due = match self.last_ping {
            None => true,
            Some(last) => now.saturating_duration_since(last) > self.heartbeat_interval,
        };
        if !due {
            return;
        }
        if self.awaiting_pong {
            self.abort();
            return;
        }
        self.queue_frame(OpCode::Control(Control::Ping), &[]);
        self.awaiting_pong = true;
        self.last_ping = Some(now);
    }

    /// A heartbeat runs but has not sent its first ping yet (so [`Session::poll_timeout`] has no
    /// time to give): the next [`Session::handle_timeout`] needs the clock.
    pub fn heartbeat_pending(&self) -> bool {
        !self.heartbeat_interval.is_zero()
            && self.state == ReadyState::Open
            && self.last_ping.is_none()
    }

    /// When [`Session::handle_timeout`] next has something to do, if a heartbeat is running
    /// (`None` before the first ping: call it on the first poll).
    pub fn poll_timeout(&self) -> Option<Instant> {
        if self.heartbeat_interval.is_zero() || self.state != ReadyState::Open {
            return None;
        }
        self.last_ping
            .and_then(|t| t.checked_add(self.heartbeat_interval))
    }
}

/// XORs `buf` with the repeating 4-byte `mask` (RFC 6455 §5.3), eight bytes at a time (this
/// runs over every byte a client sends and a server receives).
fn apply_mask(buf: &mut [u8], mask: [u8; 4]) {
    let m = u32::from_ne_bytes(mask);
    let wide = u64::from(m) | (u64::from(m) << 32);
    let mut chunks = buf.chunks_exact_mut(8);
    for chunk in &mut chunks {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        chunk.copy_from_slice(&(u64::from_ne_bytes(word) ^ wide).to_ne_bytes());
    }
    // Chunks are multiples of 4 bytes long, so the tail starts at mask byte 0 again.
    for (i, b) in chunks.into_remainder().iter_mut().enumerate() {
        *b ^= mask[i & 3];
    }
}

#[cfg(test)]
mod mask_tests {
    use super::apply_mask;

    #[test]
    fn wide_masking_matches_the_bytewise_definition() {
        let mask = [0x12, 0x34, 0x56, 0x78];
        for len in 0..40 {
            let data: Vec<u8> = (0..len as u8).map(|i| i.wrapping_mul(37)).collect();
            let mut fast = data.clone();
            apply_mask(&mut fast, mask);
            let slow: Vec<u8> = data
                .iter()
                .enumerate()
                .map(|(i, b)| b ^ mask[i % 4])
                .collect();
            assert_eq!(fast, slow, "length {len}");
        }
    }
}
