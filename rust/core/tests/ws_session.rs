//! The message session: in-memory client↔server pairs (bytes pumped between two sessions)
//! and hostile raw frames, checked against Godot's WebSocketPeer behaviour (godot-behavior.md
//! §2.2, §2.6–§2.9). No sockets, no sleeps.

use rustnet_core::config::WsLimits;
use rustnet_core::ws::{ReadyState, Role, SendError, Session};
use std::time::{Duration, Instant};

/// Masks 01 02 03 04, 05 06 07 08, … so client bytes are deterministic.
fn counting_masks() -> Box<dyn FnMut() -> [u8; 4] + Send> {
    let mut n: u8 = 0;
    Box::new(move || {
        let m = [n + 1, n + 2, n + 3, n + 4];
        n = n.wrapping_add(4);
        m
    })
}

fn client_with(limits: &WsLimits) -> Session {
    Session::with_mask_source(Role::Client, limits, counting_masks())
}

fn server_with(limits: &WsLimits) -> Session {
    Session::new(Role::Server, limits)
}

fn pair() -> (Session, Session) {
    let l = WsLimits::default();
    (client_with(&l), server_with(&l))
}

/// Moves bytes from `from`'s output into `to`'s input; returns how many moved.
fn transfer(from: &mut Session, to: &mut Session) -> usize {
    let out = from.poll_output().to_vec();
    let taken = if out.is_empty() {
        to.handle_input(&[])
    } else {
        to.handle_input(&out)
    };
    from.consume_output(taken.min(out.len()));
    taken.min(out.len())
}

/// Pumps both ways until nothing moves.
fn pump(a: &mut Session, b: &mut Session) {
    for _ in 0..10_000 {
        if transfer(a, b) + transfer(b, a) == 0 {
            return;
        }
    }
    panic!("pump did not settle");
}

/// Every message currently readable.
fn drain(s: &mut Session) -> Vec<(Vec<u8>, bool)> {
    std::iter::from_fn(|| s.next_message()).collect()
}

/// A raw frame: `first` is FIN|RSV|opcode, `mask` applied when given.
fn frame(first: u8, mask: Option<[u8; 4]>, payload: &[u8]) -> Vec<u8> {
    let mut out = vec![first];
    let mbit = if mask.is_some() { 0x80 } else { 0 };
    match payload.len() {
        n if n < 126 => out.push(mbit | n as u8),
        n if n <= 0xFFFF => {
            out.push(mbit | 126);
            out.extend_from_slice(&(n as u16).to_be_bytes());
        }
        n => {
            out.push(mbit | 127);
            out.extend_from_slice(&(n as u64).to_be_bytes());
        }
    }
    match mask {
        Some(m) => {
            out.extend_from_slice(&m);
            out.extend(payload.iter().enumerate().map(|(i, b)| b ^ m[i % 4]));
        }
        None => out.extend_from_slice(payload),
    }
    out
}

const M: Option<[u8; 4]> = Some([0x37, 0xfa, 0x21, 0x3d]);
const FIN: u8 = 0x80;
const TEXT: u8 = 0x1;
const BINARY: u8 = 0x2;
const CLOSE: u8 = 0x8;
const PING: u8 = 0x9;
const PONG: u8 = 0xA;

/// Decodes frames from a byte string (unmasking): (first byte, payload).
fn frames(mut bytes: &[u8]) -> Vec<(u8, Vec<u8>)> {
    let mut out = Vec::new();
    while bytes.len() >= 2 {
        let first = bytes[0];
        let masked = bytes[1] & 0x80 != 0;
        let mut len = (bytes[1] & 0x7f) as usize;
        let mut pos = 2;
        if len == 126 {
            len = u16::from_be_bytes([bytes[2], bytes[3]]) as usize;
            pos = 4;
        } else if len == 127 {
            len = u64::from_be_bytes(bytes[2..10].try_into().unwrap()) as usize;
            pos = 10;
        }
        let mask = if masked {
            let m: [u8; 4] = bytes[pos..pos + 4].try_into().unwrap();
            pos += 4;
            Some(m)
        } else {
            None
        };
        let mut payload = bytes[pos..pos + len].to_vec();
        if let Some(m) = mask {
            for (i, b) in payload.iter_mut().enumerate() {
                *b ^= m[i % 4];
            }
        }
        out.push((first, payload));
        bytes = &bytes[pos + len..];
    }
    out
}

fn close_payload(code: u16, reason: &str) -> Vec<u8> {
    [&code.to_be_bytes()[..], reason.as_bytes()].concat()
}

/// Everything `s` wants to send, taken out.
fn take_output(s: &mut Session) -> Vec<u8> {
    let out = s.poll_output().to_vec();
    s.consume_output(out.len());
    out
}

#[test]
fn text_and_binary_round_trip_both_ways() {
    let (mut c, mut s) = pair();
    assert_eq!(c.ready_state(), ReadyState::Open);
    assert_eq!(c.close_code(), -1);
    c.send(b"hello", true).unwrap();
    c.send(&[0, 1, 2, 255], false).unwrap();
    c.send(b"", true).unwrap();
    c.send(b"", false).unwrap();
    s.send("héllo back".as_bytes(), true).unwrap();
    pump(&mut c, &mut s);
    let mut got = drain(&mut c);
    s.send(&vec![7u8; 70_000][..65_535], false).unwrap();
    pump(&mut c, &mut s);
    assert_eq!(
        drain(&mut s),
        vec![
            (b"hello".to_vec(), true),
            (vec![0, 1, 2, 255], false),
            (vec![], true),
            (vec![], false)
        ]
    );
    got.extend(drain(&mut c));
    assert_eq!(got[0], ("héllo back".as_bytes().to_vec(), true));
    assert_eq!(got[1], (vec![7u8; 65_535], false));
    assert_eq!(c.buffered_amount(), 0);
}

#[test]
fn client_frames_are_masked_exactly_server_frames_are_not() {
    let (mut c, mut s) = pair();
    c.send(b"Hi", true).unwrap();
    assert_eq!(
        take_output(&mut c),
        vec![0x81, 0x82, 1, 2, 3, 4, b'H' ^ 1, b'i' ^ 2]
    );
    s.send(b"Hi", true).unwrap();
    assert_eq!(take_output(&mut s), vec![0x81, 0x02, b'H', b'i']);
    // The system CSPRNG masks too.
    let mut real = Session::new(Role::Client, &WsLimits::default());
    real.send(b"x", false).unwrap();
    assert_eq!(real.poll_output()[1] & 0x80, 0x80);
}

#[test]
fn fragments_with_interleaved_ping_make_one_message() {
    let (_, mut s) = pair();
    let mut bytes = frame(TEXT, M, b"Hel");
    bytes.extend(frame(0x0, M, b"lo "));
    bytes.extend(frame(FIN | PING, M, b"p"));
    bytes.extend(frame(FIN, M, b"World"));
    // Byte by byte, to exercise partial headers and payloads.
    for b in &bytes {
        assert_eq!(s.handle_input(std::slice::from_ref(b)), 1);
    }
    assert_eq!(drain(&mut s), vec![(b"Hello World".to_vec(), true)]);
    assert_eq!(
        frames(&take_output(&mut s)),
        vec![(FIN | PONG, b"p".to_vec())]
    );
    // A valid UTF-8 character split across fragments is fine.
    let e = "é".as_bytes();
    let mut bytes = frame(TEXT, M, &e[..1]);
    bytes.extend(frame(FIN, M, &e[1..]));
    s.handle_input(&bytes);
    assert_eq!(drain(&mut s), vec![(e.to_vec(), true)]);
    // Binary fragments.
    let mut bytes = frame(BINARY, M, &[1]);
    bytes.extend(frame(FIN, M, &[2]));
    s.handle_input(&bytes);
    assert_eq!(drain(&mut s), vec![(vec![1, 2], false)]);
}

#[test]
fn ping_is_answered_with_same_payload_and_never_delivered() {
    let (mut c, _) = pair();
    c.handle_input(&frame(FIN | PING, None, b"are you there"));
    let out = take_output(&mut c);
    assert_eq!(out[1] & 0x80, 0x80, "client pong is masked");
    assert_eq!(frames(&out), vec![(FIN | PONG, b"are you there".to_vec())]);
    // An unsolicited pong is ignored.
    c.handle_input(&frame(FIN | PONG, None, b"x"));
    assert!(c.poll_output().is_empty());
    assert_eq!(c.available_messages(), 0);
}

#[test]
fn close_from_client_with_code_and_reason() {
    let (mut c, mut s) = pair();
    c.close(4100, "client reason");
    assert_eq!(
        c.ready_state(),
        ReadyState::Closing,
        "CLOSING inside close()"
    );
    assert_eq!(c.close_code(), -1, "code is only known once closed");
    assert_eq!(c.send(b"x", true), Err(SendError::NotOpen));
    c.close(1000, "again"); // ignored while CLOSING
    assert_eq!(
        frames(c.poll_output()),
        vec![(FIN | CLOSE, close_payload(4100, "client reason"))]
    );
    pump(&mut c, &mut s);
    for peer in [&c, &s] {
        assert_eq!(peer.ready_state(), ReadyState::Closed);
        assert_eq!(peer.close_code(), 4100);
        assert_eq!(peer.close_reason(), "client reason");
        assert!(peer.poll_output().is_empty());
    }
}

#[test]
fn close_from_server_echoes_whole_payload() {
    let (mut c, mut s) = pair();
    s.close(4001, "bye-é");
    transfer(&mut s, &mut c);
    assert_eq!(
        c.ready_state(),
        ReadyState::Closing,
        "echo queued, not written"
    );
    assert_eq!(
        frames(c.poll_output()),
        vec![(FIN | CLOSE, close_payload(4001, "bye-é"))]
    );
    pump(&mut c, &mut s);
    for peer in [&c, &s] {
        assert_eq!(peer.ready_state(), ReadyState::Closed);
        assert_eq!((peer.close_code(), peer.close_reason()), (4001, "bye-é"));
    }
}

#[test]
fn close_with_defaults_and_simultaneous_close() {
    let (mut c, mut s) = pair();
    c.close(1000, "");
    pump(&mut c, &mut s);
    assert_eq!((c.close_code(), c.close_reason()), (1000, ""));
    assert_eq!((s.close_code(), s.close_reason()), (1000, ""));

    let (mut c, mut s) = pair();
    c.close(4001, "c");
    s.close(4002, "s");
    pump(&mut c, &mut s);
    assert_eq!(c.ready_state(), ReadyState::Closed);
    assert_eq!(s.ready_state(), ReadyState::Closed);
    assert_eq!((c.close_code(), c.close_reason()), (4002, "s"));
    assert_eq!((s.close_code(), s.close_reason()), (4001, "c"));
}

#[test]
fn close_code_zero_sends_empty_payload_reported_as_zero() {
    let (mut c, mut s) = pair();
    c.close(0, "ignored");
    assert_eq!(frames(c.poll_output()), vec![(FIN | CLOSE, vec![])]);
    pump(&mut c, &mut s);
    assert_eq!((c.close_code(), c.close_reason()), (0, ""));
    assert_eq!((s.close_code(), s.close_reason()), (0, ""));
}

#[test]
fn invalid_close_codes_are_never_sent() {
    for code in [999, 1004, 1005, 1006, 1015, 2999, 5000, 70000] {
        let (mut c, mut s) = pair();
        c.close(code, "why");
        assert_eq!(c.ready_state(), ReadyState::Closing);
        assert_eq!(
            frames(c.poll_output()),
            vec![(FIN | CLOSE, vec![])],
            "{code}"
        );
        pump(&mut c, &mut s);
        assert_eq!(c.close_code(), 0);
    }
}

#[test]
fn close_minus_one_is_immediate_and_silent() {
    let (mut c, mut s) = pair();
    c.send(b"unsent", true).unwrap();
    c.close(-1, "whatever");
    assert_eq!(c.ready_state(), ReadyState::Closed);
    assert_eq!((c.close_code(), c.close_reason()), (-1, ""));
    assert!(c.poll_output().is_empty(), "nothing is sent");
    assert_eq!(c.buffered_amount(), 0);
    // The peer sees EOF.
    s.handle_eof();
    assert_eq!(s.ready_state(), ReadyState::Closed);
    assert_eq!(s.close_code(), -1);
    // close(-1) while CLOSING also ends at once, code still -1.
    let (mut c, _) = pair();
    c.close(1000, "");
    c.close(-1, "");
    assert_eq!((c.ready_state(), c.close_code()), (ReadyState::Closed, -1));
}

#[test]
fn eof_while_closing_leaves_code_minus_one() {
    let (mut c, _) = pair();
    c.close(4100, "x");
    take_output(&mut c);
    assert_eq!(c.ready_state(), ReadyState::Closing);
    c.handle_eof();
    assert_eq!((c.ready_state(), c.close_code()), (ReadyState::Closed, -1));
}

#[test]
fn long_close_reason_is_truncated_to_123_bytes() {
    let (mut c, mut s) = pair();
    let reason = "r".repeat(200);
    c.close(4000, &reason);
    let sent = frames(c.poll_output());
    assert_eq!(sent[0].1.len(), 125);
    pump(&mut c, &mut s);
    assert_eq!(c.ready_state(), ReadyState::Closed, "not stuck in CLOSING");
    assert_eq!(s.close_reason(), &reason[..123]);
    assert_eq!(c.close_reason(), &reason[..123]);
    // Cut on a character boundary: 61 × "é" (122 bytes) + "é" would straddle byte 123.
    let (mut c, mut s) = pair();
    let reason = "é".repeat(100);
    c.close(4000, &reason);
    pump(&mut c, &mut s);
    assert_eq!(s.close_reason(), "é".repeat(61));
}

#[test]
fn messages_before_a_close_are_kept() {
    let (mut c, mut s) = pair();
    s.send(b"last1", true).unwrap();
    s.send(b"last2", true).unwrap();
    s.close(1001, "going");
    pump(&mut c, &mut s);
    assert_eq!(c.ready_state(), ReadyState::Closed);
    assert_eq!((c.close_code(), c.close_reason()), (1001, "going"));
    assert_eq!(
        drain(&mut c),
        vec![(b"last1".to_vec(), true), (b"last2".to_vec(), true)]
    );
}

/// Feeds `bytes` to `s`, then checks it sent close `code` and ends CLOSED with Godot's reason.
fn assert_fails_with(mut s: Session, bytes: &[u8], code: u16, reason: &str) {
    assert_eq!(s.handle_input(bytes), bytes.len());
    assert_eq!(
        s.ready_state(),
        ReadyState::Closing,
        "close frame not written yet"
    );
    let out = take_output(&mut s);
    assert_eq!(
        frames(&out),
        vec![(FIN | CLOSE, code.to_be_bytes().to_vec())]
    );
    assert_eq!(s.ready_state(), ReadyState::Closed);
    assert_eq!(
        (s.close_code(), s.close_reason()),
        (i32::from(code), reason)
    );
    assert_eq!(s.available_messages(), 0);
    // Nothing more is read.
    assert_eq!(s.handle_input(&frame(FIN | TEXT, M, b"late")), 6 + 4);
    assert_eq!(s.available_messages(), 0);
}

#[test]
fn oversized_inbound_message_closes_1009() {
    let l = WsLimits::default();
    // 65535 is fine.
    let mut s = server_with(&l);
    s.handle_input(&frame(FIN | BINARY, M, &vec![1; 65_535]));
    assert_eq!(drain(&mut s)[0].0.len(), 65_535);
    // 65536 in one frame: refused from the header alone.
    let big = frame(FIN | BINARY, M, &vec![1; 65_536]);
    assert_fails_with(server_with(&l), &big[..20], 1009, "Message too big");
    // Or across fragments.
    let mut bytes = frame(BINARY, M, &vec![1; 40_000]);
    bytes.extend(frame(FIN, M, &vec![1; 25_536]));
    assert_fails_with(server_with(&l), &bytes, 1009, "Message too big");
    // A 2^63+ length is a protocol error.
    let mut huge = vec![FIN | BINARY, 0x80 | 127];
    huge.extend_from_slice(&u64::MAX.to_be_bytes());
    huge.extend_from_slice(&[0; 4]);
    assert_fails_with(server_with(&l), &huge, 1002, "Protocol error");

    // End to end: a client without an outbound limit sends 65536 bytes.
    let mut c = client_with(&WsLimits {
        outbound_buffer_size: 0,
        ..l.clone()
    });
    let mut s = server_with(&l);
    c.send(&vec![0; 65_536], false).unwrap();
    pump(&mut c, &mut s);
    assert_eq!(
        (s.close_code(), s.close_reason()),
        (1009, "Message too big")
    );
    assert_eq!(s.ready_state(), ReadyState::Closed);
    assert_eq!((c.close_code(), c.close_reason()), (1009, ""));
    assert_eq!(c.ready_state(), ReadyState::Closed);
}

#[test]
fn invalid_utf8_text_closes_1007() {
    let l = WsLimits::default();
    assert_fails_with(
        server_with(&l),
        &frame(FIN | TEXT, M, &[b'a', 0xff, b'b']),
        1007,
        "Invalid frame payload data",
    );
    let mut bytes = frame(TEXT, M, &[0xe2, 0x82]);
    bytes.extend(frame(FIN, M, b"x"));
    assert_fails_with(server_with(&l), &bytes, 1007, "Invalid frame payload data");
    // Fail fast: an invalid first fragment closes before the message ends (Autobahn 6.4.*).
    let mut s = server_with(&l);
    s.handle_input(&frame(TEXT, M, &[b'a', 0xff]));
    assert_eq!(
        s.ready_state(),
        ReadyState::Closing,
        "closed at the bad fragment"
    );
    assert_eq!(
        frames(s.poll_output()),
        vec![(FIN | CLOSE, 1007u16.to_be_bytes().to_vec())]
    );
    // A character split across fragments is fine, and so is one checked byte by byte.
    let mut s = server_with(&l);
    let euro = "€".as_bytes();
    s.handle_input(&frame(TEXT, M, &euro[..1]));
    s.handle_input(&frame(0, M, &euro[1..2]));
    s.handle_input(&frame(FIN, M, &euro[2..]));
    assert_eq!(drain(&mut s), vec![(euro.to_vec(), true)]);
    // A close reason that is not UTF-8.
    assert_fails_with(
        server_with(&l),
        &frame(FIN | CLOSE, M, &[0x03, 0xe8, 0xff]),
        1007,
        "Invalid frame payload data",
    );
}

#[test]
fn protocol_errors_close_1002() {
    let l = WsLimits::default();
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("rsv1", frame(FIN | 0x40 | TEXT, M, b"x")),
        ("rsv2", frame(FIN | 0x20 | BINARY, M, b"x")),
        ("rsv3", frame(FIN | 0x10 | PING, M, b"")),
        ("unmasked client frame", frame(FIN | TEXT, None, b"x")),
        ("reserved data opcode", frame(FIN | 0x3, M, b"x")),
        ("reserved control opcode", frame(FIN | 0xB, M, b"")),
        ("fragmented ping", frame(PING, M, b"")),
        ("control over 125", frame(FIN | PING, M, &[0; 126])),
        ("continuation first", frame(FIN, M, b"x")),
        ("new message inside a fragmented one", {
            let mut b = frame(TEXT, M, b"a");
            b.extend(frame(FIN | TEXT, M, b"b"));
            b
        }),
        ("1-byte close", frame(FIN | CLOSE, M, &[3])),
        (
            "close code 999",
            frame(FIN | CLOSE, M, &close_payload(999, "")),
        ),
        (
            "close code 1005",
            frame(FIN | CLOSE, M, &close_payload(1005, "")),
        ),
        (
            "close code 5000",
            frame(FIN | CLOSE, M, &close_payload(5000, "")),
        ),
    ];
    for (name, bytes) in cases {
        eprintln!("case: {name}");
        assert_fails_with(server_with(&l), &bytes, 1002, "Protocol error");
    }
    // Client side: a masked frame from the server.
    assert_fails_with(
        client_with(&l),
        &frame(FIN | TEXT, M, b"x"),
        1002,
        "Protocol error",
    );
}

#[test]
fn client_side_protocol_error_is_masked_and_peer_sees_the_code() {
    let l = WsLimits::default();
    let mut c = client_with(&l);
    let mut s = server_with(&l);
    c.handle_input(&frame(FIN | 0x40 | TEXT, None, b"x"));
    let out = c.poll_output().to_vec();
    assert_eq!(out[1] & 0x80, 0x80, "client close is masked");
    pump(&mut c, &mut s);
    assert_eq!((c.close_code(), c.close_reason()), (1002, "Protocol error"));
    assert_eq!((s.close_code(), s.close_reason()), (1002, ""));
}

#[test]
fn outbound_limits() {
    let (mut c, _) = pair();
    // The new message counts: 65535 fits, 65536 does not, and the connection stays OPEN.
    assert!(matches!(
        c.send(&vec![0; 65_536], false),
        Err(SendError::OutOfMemory(_))
    ));
    assert_eq!(c.ready_state(), ReadyState::Open);
    c.send(&vec![0; 65_535], false).unwrap();
    assert_eq!(c.buffered_amount(), 65_535);
    assert!(matches!(c.send(b"x", true), Err(SendError::OutOfMemory(_))));
    // Bytes queued build up until written.
    let out_len = c.poll_output().len();
    c.consume_output(out_len - 1);
    assert_eq!(
        c.buffered_amount(),
        65_535,
        "counted until completely written"
    );
    c.consume_output(1);
    assert_eq!(c.buffered_amount(), 0);
    c.send(&vec![0; 60_000], false).unwrap();
    assert!(c.send(&vec![0; 6_000], false).is_err());
    c.send(&vec![0; 5_535], false).unwrap();

    // outbound_buffer_size = 0: no byte limit.
    let l = WsLimits {
        outbound_buffer_size: 0,
        max_queued_packets: 3,
        ..WsLimits::default()
    };
    let mut c = client_with(&l);
    c.send(&vec![0; 1_000_000], false).unwrap();
    c.send(b"2", true).unwrap();
    c.send(b"3", true).unwrap();
    assert!(matches!(c.send(b"4", true), Err(SendError::OutOfMemory(_))));
    take_output(&mut c);
    c.send(b"4", true).unwrap();
}

#[test]
fn send_when_not_open_fails() {
    let (mut c, mut s) = pair();
    c.close(1000, "");
    assert_eq!(c.send(b"x", false), Err(SendError::NotOpen));
    pump(&mut c, &mut s);
    assert_eq!(c.send(b"x", false), Err(SendError::NotOpen));
    assert_eq!(s.send(b"x", false), Err(SendError::NotOpen));
}

#[test]
fn inbound_queue_full_means_backpressure_not_loss() {
    let l = WsLimits {
        max_queued_packets: 4,
        ..WsLimits::default()
    };
    let mut c = client_with(&WsLimits::default());
    let mut s = server_with(&l);
    for i in 0..10u8 {
        c.send(&[i], false).unwrap();
    }
    pump(&mut c, &mut s);
    assert_eq!(s.available_messages(), 4);
    // The rest waits as raw bytes (at most one frame's worth is taken) or at the sender.
    assert!(s.input_capacity() < 65_535 + 14);
    let mut got = Vec::new();
    while got.len() < 10 {
        got.extend(drain(&mut s).into_iter().map(|(m, _)| m[0]));
        pump(&mut c, &mut s);
    }
    assert_eq!(got, (0..10).collect::<Vec<u8>>());

    // A 65535-byte message waits while 11 bytes are queued: Godot's 65536-byte ring buffer.
    let (mut c, mut s) = pair();
    s.send(&[1; 11], true).unwrap();
    pump(&mut c, &mut s);
    s.send(&[2; 65_535], false).unwrap();
    pump(&mut c, &mut s);
    assert_eq!(c.available_messages(), 1);
    drain(&mut c);
    pump(&mut c, &mut s);
    assert_eq!(drain(&mut c), vec![(vec![2; 65_535], false)]);

    // The payload bytes waiting are capped too (next power of two of inbound_buffer_size).
    let l = WsLimits {
        inbound_buffer_size: 1000,
        ..WsLimits::default()
    };
    let mut s = server_with(&l);
    let mut bytes = Vec::new();
    for _ in 0..3 {
        bytes.extend(frame(FIN | BINARY, M, &[9; 400]));
    }
    assert_eq!(
        s.handle_input(&bytes),
        bytes.len(),
        "the third frame waits as raw bytes"
    );
    assert_eq!(
        s.available_messages(),
        2,
        "1024-byte cap: 800 queued, 400 more won't fit"
    );
    assert!(s.input_capacity() <= 1000 + 14 - 408);
    // More input is refused once the raw buffer is full.
    let more = frame(FIN | BINARY, M, &[9; 700]);
    let taken = s.handle_input(&more);
    assert!(taken < more.len());
    assert_eq!(s.input_capacity(), 0);
    drain(&mut s);
    assert_eq!(s.handle_input(&[]), 0);
    assert_eq!(s.available_messages(), 1);
    assert_eq!(s.handle_input(&more[taken..]), more.len() - taken);
    assert_eq!(s.available_messages(), 1, "400 + 700 > 1024: waits again");
    assert_eq!(drain(&mut s)[0].0.len(), 400);
    s.handle_input(&[]);
    assert_eq!(drain(&mut s), vec![(vec![9; 700], false)]);
}

#[test]
fn heartbeat_pings_and_drops_a_silent_peer() {
    let l = WsLimits {
        heartbeat_interval: Duration::from_millis(200),
        ..WsLimits::default()
    };
    let t0 = Instant::now();
    let ms = |n| t0 + Duration::from_millis(n);
    // A peer that answers: a ping per interval, connection stays OPEN.
    let mut c = client_with(&l);
    let mut s = server_with(&WsLimits::default());
    c.handle_timeout(t0);
    assert_eq!(frames(c.poll_output()), vec![(FIN | PING, vec![])]);
    assert_eq!(c.poll_timeout(), Some(ms(200)));
    pump(&mut c, &mut s);
    c.handle_timeout(ms(200)); // not more than the interval yet
    assert!(c.poll_output().is_empty());
    let mut pings = 1;
    for t in (201..=1001).step_by(201) {
        c.handle_timeout(ms(t));
        pings += frames(c.poll_output()).len();
        pump(&mut c, &mut s);
        assert_eq!(c.ready_state(), ReadyState::Open);
    }
    assert_eq!(pings, 5);

    // A silent peer: one ping, then dropped with -1 and nothing sent.
    let mut c = client_with(&l);
    c.handle_timeout(t0);
    take_output(&mut c);
    c.handle_timeout(ms(150));
    assert_eq!(c.ready_state(), ReadyState::Open);
    c.handle_timeout(ms(201));
    assert_eq!(c.ready_state(), ReadyState::Closed);
    assert_eq!(c.close_code(), -1);
    assert!(c.poll_output().is_empty());

    // Nothing is sent in CLOSING; zero disables it.
    let mut c = client_with(&l);
    c.close(1000, "");
    take_output(&mut c);
    c.handle_timeout(t0);
    assert!(c.poll_output().is_empty());
    let (mut c, _) = pair();
    c.handle_timeout(t0);
    assert!(c.poll_output().is_empty());
    assert_eq!(c.poll_timeout(), None);
}

#[test]
fn pongs_wait_for_output_to_drain() {
    let l = WsLimits {
        outbound_buffer_size: 0,
        ..WsLimits::default()
    };
    let mut c = client_with(&l);
    c.send(&vec![0; 100_000], false).unwrap();
    let pings: Vec<u8> = (0..10)
        .flat_map(|_| frame(FIN | PING, None, b"p"))
        .collect();
    let taken = c.handle_input(&pings);
    assert_eq!(
        frames(c.poll_output()).len(),
        1,
        "pings wait while 100 kB are unsent"
    );
    take_output(&mut c);
    // Resume with the bytes already taken, then the rest.
    assert_eq!(c.handle_input(&[]), 0);
    assert_eq!(c.handle_input(&pings[taken..]), pings.len() - taken);
    assert_eq!(frames(&take_output(&mut c)).len(), 10);
}

/// Arbitrary bytes must never panic and never grow buffers past the limits.
#[test]
fn garbage_input_never_panics() {
    let l = WsLimits {
        inbound_buffer_size: 300,
        max_queued_packets: 8,
        ..WsLimits::default()
    };
    let mut seed: u64 = 0x1234_5678_9abc_def0;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    for round in 0..2000 {
        let role = if round % 2 == 0 {
            Role::Client
        } else {
            Role::Server
        };
        let mut s = Session::with_mask_source(role, &l, counting_masks());
        for _ in 0..8 {
            let len = (next() % 64) as usize;
            let mut chunk: Vec<u8> = (0..len).map(|_| next() as u8).collect();
            // Often start with a plausible header so deeper paths run.
            if len > 2 && next() % 2 == 0 {
                chunk[0] &= 0x8F;
                chunk[1] = (chunk[1] & 0x80) | (chunk[1] % 40);
            }
            let taken = s.handle_input(&chunk);
            assert!(taken <= chunk.len());
            if next() % 3 == 0 {
                drain(&mut s);
            }
            if next() % 3 == 0 {
                let n = s.poll_output().len();
                s.consume_output(n);
            }
            assert!(s.available_messages() <= 8);
        }
    }
}

/// The whole life of a connection on the wire, byte for byte: handshake, one message each
/// way, close initiated by the server, echo.
#[test]
fn lifecycle_exact_bytes() {
    use rustnet_core::ws::handshake::{server_accept, ClientHandshake};
    use rustnet_core::ws::parse_ws_url;
    let l = WsLimits::default();
    let hs = ClientHandshake::new(
        &parse_ws_url("ws://h:9000/chat").unwrap(),
        &[],
        &[],
        *b"the sample nonce",
    )
    .unwrap();
    let acc = server_accept(hs.request(), &[], &[], false, &l)
        .unwrap()
        .unwrap();
    assert_eq!(acc.requested_url, "ws://h:9000/chat");
    // The server's first frame rides in the same segment as the 101.
    let mut s = server_with(&l);
    s.send(b"hi", true).unwrap();
    let mut wire = acc.response.clone();
    wire.extend(take_output(&mut s));
    let ok = hs.parse_response(&wire, &l).unwrap().unwrap();
    let mut c = client_with(&l);
    assert_eq!(c.handle_input(&wire[ok.consumed..]), 4);
    assert_eq!(drain(&mut c), vec![(b"hi".to_vec(), true)]);

    c.send(b"yo", false).unwrap();
    let out = take_output(&mut c);
    assert_eq!(out, vec![0x82, 0x82, 1, 2, 3, 4, b'y' ^ 1, b'o' ^ 2]);
    s.handle_input(&out);
    assert_eq!(drain(&mut s), vec![(b"yo".to_vec(), false)]);

    s.close(1000, "bye");
    let close = take_output(&mut s);
    assert_eq!(close, vec![0x88, 0x05, 0x03, 0xe8, b'b', b'y', b'e']);
    assert_eq!(s.ready_state(), ReadyState::Closing);
    c.handle_input(&close);
    let echo = take_output(&mut c);
    assert_eq!(
        echo,
        vec![
            0x88,
            0x85,
            5,
            6,
            7,
            8,
            0x03 ^ 5,
            0xe8 ^ 6,
            b'b' ^ 7,
            b'y' ^ 8,
            b'e' ^ 5
        ]
    );
    assert_eq!(c.ready_state(), ReadyState::Closed);
    s.handle_input(&echo);
    assert_eq!(s.ready_state(), ReadyState::Closed);
    assert_eq!((s.close_code(), s.close_reason()), (1000, "bye"));
    assert_eq!((c.close_code(), c.close_reason()), (1000, "bye"));
}

#[test]
fn permessage_deflate_compresses_on_the_wire_and_bounds_inflation() {
    use rustnet_core::ws::deflate::DeflateParams;
    let l = WsLimits::default();
    let params = DeflateParams::default();
    let (mut c, mut s) = pair();
    c.set_deflate(&params);
    s.set_deflate(&params);
    let text = "all work and no play ".repeat(500); // 10.5 KB, very repetitive
    c.send(text.as_bytes(), true).unwrap();
    let wire = c.poll_output().len();
    assert!(
        wire < text.len() / 10,
        "{wire} bytes on the wire for {}",
        text.len()
    );
    assert_eq!(
        c.poll_output()[0] & 0x40,
        0x40,
        "RSV1 marks the compressed message"
    );
    pump(&mut c, &mut s);
    assert_eq!(drain(&mut s), vec![(text.as_bytes().to_vec(), true)]);
    // The other way, twice (context takeover), and an empty message.
    s.send(b"hello", false).unwrap();
    s.send(b"hello", false).unwrap();
    s.send(b"", false).unwrap();
    pump(&mut c, &mut s);
    assert_eq!(
        drain(&mut c),
        vec![
            (b"hello".to_vec(), false),
            (b"hello".to_vec(), false),
            (vec![], false)
        ]
    );

    // A message that inflates past inbound_buffer_size closes with 1009, small on the wire.
    let small = l.clone();
    let mut big_sender = client_with(&WsLimits {
        outbound_buffer_size: 0,
        ..l
    });
    let mut receiver = server_with(&small);
    big_sender.set_deflate(&params);
    receiver.set_deflate(&params);
    big_sender.send(&vec![0u8; 1 << 20], false).unwrap();
    let wire = big_sender.poll_output().len();
    assert!(
        wire < 2000,
        "1 MiB of zeros is {wire} bytes compressed, under the 64 KiB limit"
    );
    pump(&mut big_sender, &mut receiver);
    assert_eq!(
        (receiver.close_code(), receiver.close_reason()),
        (1009, "Message too big")
    );
}
