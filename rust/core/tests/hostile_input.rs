//! Hostile input never panics the parsers and never makes them ask for unbounded buffers.
//!
//! A deterministic pseudo-random generator (no external crate, same inputs every run) produces
//! mutated and random response heads and chunked bodies; every prefix split is fed the way the
//! driver feeds it. The dedicated fuzz targets come later; this guards the invariants in
//! `cargo test`.

use rustnet_core::http::chunked::{decode_next, ChunkStep};
use rustnet_core::http::response::{parse_head, HeadParse};
use rustnet_core::HttpLimits;

struct XorShift(u64);
impl XorShift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

const SEEDS: &[&[u8]] = &[
    b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello",
    b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
    b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n",
    b"HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nX: y\r\n\r\n",
];
const INTERESTING: &[u8] = b"\r\n:;0fF \t\0\xff-,";

fn mutate(rng: &mut XorShift, seed: &[u8]) -> Vec<u8> {
    let mut v = seed.to_vec();
    for _ in 0..1 + rng.below(6) {
        let pos = rng.below(v.len() + 1);
        match rng.below(4) {
            0 if !v.is_empty() => {
                v.remove(pos.min(v.len() - 1));
            }
            1 => v.insert(pos, INTERESTING[rng.below(INTERESTING.len())]),
            2 => v.insert(pos, rng.next() as u8),
            _ if !v.is_empty() => {
                let p = pos.min(v.len() - 1);
                v[p] = INTERESTING[rng.below(INTERESTING.len())];
            }
            _ => {}
        }
    }
    v
}

#[test]
fn response_heads_never_panic() {
    let limits = HttpLimits {
        max_head_bytes: 512,
        max_header_count: 8,
        ..HttpLimits::default()
    };
    let mut rng = XorShift(0x9e37_79b9_7f4a_7c15);
    for i in 0..20_000 {
        let input: Vec<u8> = if i % 4 == 0 {
            let n = rng.below(700);
            (0..n).map(|_| rng.next() as u8).collect()
        } else {
            let seed = SEEDS[rng.below(SEEDS.len())];
            mutate(&mut rng, seed)
        };
        for cut in [input.len(), rng.below(input.len() + 1)] {
            let head_request = rng.below(2) == 0;
            match parse_head(&input[..cut], head_request, &limits) {
                Ok(HeadParse::Final { consumed, .. }) | Ok(HeadParse::Interim { consumed }) => {
                    assert!(consumed <= cut && consumed <= limits.max_head_bytes)
                }
                Ok(HeadParse::Partial) => {
                    assert!(cut <= limits.max_head_bytes, "partial past the limit")
                }
                Err(_) => {}
            }
        }
    }
}

#[test]
fn chunked_bodies_never_panic_or_ask_for_more_than_the_limits() {
    let limits = HttpLimits {
        max_chunk_size: 1024,
        max_chunk_line_bytes: 64,
        max_trailer_bytes: 128,
        ..HttpLimits::default()
    };
    let seed: &[u8] = b"5\r\nhello\r\n1a;x=y\r\nabcdefghijklmnopqrstuvwxyz\r\n0\r\nT: 1\r\n\r\n";
    let mut rng = XorShift(42);
    for i in 0..20_000 {
        let wire: Vec<u8> = if i % 5 == 0 {
            let n = rng.below(300);
            (0..n).map(|_| rng.next() as u8).collect()
        } else {
            mutate(&mut rng, seed)
        };
        // Feed in random slices, consuming as the driver does.
        let (mut buf, mut fed) = (Vec::new(), 0);
        for _ in 0..10_000 {
            match decode_next(&buf, &limits) {
                Err(_) => break,
                Ok(ChunkStep::Chunk { data, consumed }) => {
                    assert!(data.end <= consumed && consumed <= buf.len());
                    assert!(data.len() <= limits.max_chunk_size);
                    buf.drain(..consumed);
                }
                Ok(ChunkStep::End { consumed }) => {
                    assert!(consumed <= buf.len());
                    break;
                }
                Ok(ChunkStep::NeedMore { buffered_needed }) => {
                    let bound = limits.max_chunk_line_bytes
                        + limits.max_chunk_size
                        + limits.max_trailer_bytes
                        + 4;
                    assert!(buf.len() <= bound, "buffer {} past the limits", buf.len());
                    if let Some(n) = buffered_needed {
                        assert!(n <= limits.max_chunk_line_bytes + limits.max_chunk_size + 4);
                    }
                    if fed == wire.len() {
                        break;
                    }
                    let n = 1 + rng.below((wire.len() - fed).min(40));
                    buf.extend_from_slice(&wire[fed..fed + n]);
                    fed += n;
                }
            }
        }
    }
}
