//! The WebSocket frame decoder and session state machine (`Session`), both roles, with and
//! without permessage-deflate, fed arbitrary frames in random splits. Checked: input is always
//! taken once messages are read and output written (no stuck state); every message is within
//! `inbound_buffer_size` and text messages are UTF-8; and the messages, the bytes the session
//! writes back (pongs, close), the ready state and the close code/reason are the same whatever
//! the split.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rustnet_core::config::WsLimits;
use rustnet_core::ws::deflate::DeflateParams;
use rustnet_core::ws::{ReadyState, Role, Session};
use rustnet_fuzz::{seed_and_rest, Splits};

#[derive(Debug, PartialEq, Eq)]
struct Outcome {
    messages: Vec<(Vec<u8>, bool)>,
    output: Vec<u8>,
    state: ReadyState,
    close_code: i32,
    close_reason: String,
    close_received: Option<(i32, String)>,
    protocol_error: Option<u16>,
    /// After the transport's EOF.
    final_code: i32,
}

fn drain(s: &mut Session, out: &mut Outcome, limits: &WsLimits) -> bool {
    let mut any = false;
    while let Some((msg, text)) = s.next_message() {
        assert!(
            msg.len() <= limits.inbound_buffer_size.max(125),
            "message over the limit"
        );
        if text {
            assert!(
                std::str::from_utf8(&msg).is_ok(),
                "text message is not UTF-8"
            );
        }
        out.messages.push((msg, text));
        any = true;
    }
    let pending = s.poll_output().len();
    if pending > 0 {
        out.output.extend_from_slice(s.poll_output());
        s.consume_output(pending);
        any = true;
    }
    any
}

fn run(
    role: Role,
    limits: &WsLimits,
    deflate: Option<DeflateParams>,
    data: &[u8],
    mut cut: Option<Splits>,
) -> Outcome {
    let mut s = Session::with_mask_source(role, limits, Box::new(|| [0x11, 0x22, 0x33, 0x44]));
    if let Some(p) = deflate {
        s.set_deflate(&p);
    }
    let mut out = Outcome {
        messages: Vec::new(),
        output: Vec::new(),
        state: ReadyState::Open,
        close_code: 0,
        close_reason: String::new(),
        close_received: None,
        protocol_error: None,
        final_code: 0,
    };
    let mut pos = 0;
    while pos < data.len() {
        let n = match &mut cut {
            Some(c) => c.next_len(),
            None => data.len(),
        };
        let mut piece = &data[pos..(pos + n).min(data.len())];
        pos += piece.len();
        loop {
            let taken = s.handle_input(piece);
            assert!(taken <= piece.len());
            piece = &piece[taken..];
            let drained = drain(&mut s, &mut out, limits);
            if piece.is_empty() {
                break;
            }
            assert!(taken > 0 || drained, "input refused with nothing to drain");
        }
    }
    // Resume anything still buffered.
    for _ in 0..data.len() + 2 {
        s.handle_input(&[]);
        if !drain(&mut s, &mut out, limits) {
            break;
        }
    }
    out.state = s.ready_state();
    out.close_code = s.close_code();
    out.close_reason = s.close_reason().to_string();
    out.close_received = s.close_received().map(|(c, r)| (c, r.to_string()));
    out.protocol_error = s.protocol_error_code();
    assert!(s.buffered_amount() <= limits.outbound_buffer_size.max(1 << 20));
    s.handle_eof();
    assert_eq!(s.ready_state(), ReadyState::Closed);
    out.final_code = s.close_code();
    out
}

fuzz_target!(|data: &[u8]| {
    let Some((&flags, data)) = data.split_first() else {
        return;
    };
    let Some((seed, frames)) = seed_and_rest(data) else {
        return;
    };
    let role = if flags & 1 != 0 {
        Role::Client
    } else {
        Role::Server
    };
    let deflate = (flags & 2 != 0).then(|| DeflateParams {
        server_no_context_takeover: flags & 4 != 0,
        client_no_context_takeover: flags & 8 != 0,
        ..DeflateParams::default()
    });
    let mut limits = WsLimits::default();
    if flags & 0x10 != 0 {
        limits.inbound_buffer_size = 200;
        limits.max_queued_packets = 3;
    }
    let whole = run(role, &limits, deflate, frames, None);
    let split = run(
        role,
        &limits,
        deflate,
        frames,
        Some(Splits::new(seed, 1 + (flags as usize >> 5) * 9)),
    );
    assert_eq!(whole, split, "outcome depends on how the bytes were split");
});
