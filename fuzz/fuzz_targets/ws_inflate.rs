//! permessage-deflate inflate (`Inflater::decompress`) on arbitrary payloads, one message after
//! another with context takeover or not: output never exceeds `max_len`, and an `Ok` is exactly
//! `max_len` or less. Also a round trip: what our `Deflater` compresses inflates back to the
//! same bytes, message after message, for every window size.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rustnet_core::ws::deflate::{DeflateError, Deflater, Inflater};

fuzz_target!(|data: &[u8]| {
    let Some((&flags, data)) = data.split_first() else {
        return;
    };
    let no_context_takeover = flags & 1 != 0;
    let max_len = [0usize, 1, 100, 4096, 65535, 1 << 20, 125, 32768][(flags >> 1 & 7) as usize];
    // Messages separated by 0xff 0x00 (rare in compressed data, easy to write by hand).
    let mut inflater = Inflater::new(no_context_takeover);
    for payload in split_messages(data) {
        match inflater.decompress(payload, max_len) {
            Ok(out) => assert!(out.len() <= max_len, "{} > {max_len}", out.len()),
            Err(DeflateError::TooBig { .. }) | Err(_) => {
                // After an error the connection closes; a fresh inflater for the rest.
                inflater = Inflater::new(no_context_takeover);
            }
        }
    }

    // Round trip with our own compressor.
    let bits = 8 + (flags >> 4 & 7);
    let mut deflater = Deflater::new(bits, no_context_takeover);
    let mut inflater = Inflater::new(no_context_takeover);
    for msg in split_messages(data) {
        let packed = deflater.compress(msg).expect("compress");
        let back = inflater
            .decompress(&packed, msg.len())
            .expect("our own output inflates");
        assert_eq!(back, msg, "round trip changed the message");
    }
});

fn split_messages(data: &[u8]) -> Vec<&[u8]> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut i = 0;
    while i + 1 < data.len() {
        if data[i] == 0xff && data[i + 1] == 0 {
            out.push(&data[start..i]);
            start = i + 2;
            i += 2;
        } else {
            i += 1;
        }
    }
    out.push(&data[start..]);
    out
}
