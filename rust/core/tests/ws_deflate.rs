//! permessage-deflate (RFC 7692): the §7.2.3 example bytes, round trips with and without
//! context takeover and with small windows (match distances checked by an independent
//! decoder), negotiation tables for both roles, malformed headers, the output limit against a
//! 1 GiB bomb (time and memory measured), empty and incompressible messages.

use rustnet_core::ws::deflate::{
    client_negotiate, client_offer, server_negotiate, DeflateConfig, DeflateError, DeflateParams,
    Deflater, Inflater, PerMessageDeflate,
};
use rustnet_core::ws::Role;
use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

// ---- per-thread allocation accounting (tests run on parallel threads) ----

struct Counting;

thread_local! {
    static LIVE: Cell<isize> = const { Cell::new(0) };
    static PEAK: Cell<isize> = const { Cell::new(0) };
}

fn account(delta: isize) {
    let _ = LIVE.try_with(|live| {
        let now = live.get() + delta;
        live.set(now);
        let _ = PEAK.try_with(|peak| {
            if now > peak.get() {
                peak.set(now);
            }
        });
    });
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = System.alloc(layout);
        if !p.is_null() {
            account(layout.size() as isize);
        }
        p
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        let p = System.alloc_zeroed(layout);
        if !p.is_null() {
            account(layout.size() as isize);
        }
        p
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        System.dealloc(ptr, layout);
        account(-(layout.size() as isize));
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let p = System.realloc(ptr, layout, new_size);
        if !p.is_null() {
            account(new_size as isize - layout.size() as isize);
        }
        p
    }
}

#[global_allocator]
static ALLOC: Counting = Counting;

/// Runs `f` and returns its result and the most bytes it had allocated at once on this thread.
fn peak_alloc<T>(f: impl FnOnce() -> T) -> (T, usize) {
    let base = LIVE.with(|l| l.get());
    PEAK.with(|p| p.set(base));
    let r = f();
    let peak = PEAK.with(|p| p.get());
    (r, (peak - base).max(0) as usize)
}

// ---- helpers ----

fn on() -> DeflateConfig {
    DeflateConfig {
        enabled: true,
        ..DeflateConfig::default()
    }
}

/// Deterministic incompressible bytes (xorshift64*).
fn random_bytes(len: usize, mut seed: u64) -> Vec<u8> {
    let mut v = Vec::with_capacity(len);
    while v.len() < len {
        seed ^= seed >> 12;
        seed ^= seed << 25;
        seed ^= seed >> 27;
        v.extend_from_slice(&seed.wrapping_mul(0x2545_F491_4F6C_DD1D).to_le_bytes());
    }
    v.truncate(len);
    v
}

/// Compressible but not trivial: numbered lines.
fn text(len: usize) -> Vec<u8> {
    let mut v = Vec::with_capacity(len + 64);
    let mut i = 0u32;
    while v.len() < len {
        v.extend_from_slice(format!("line {i}: the quick brown fox {}\n", i % 7).as_bytes());
        i += 1;
    }
    v.truncate(len);
    v
}

const LIMIT: usize = 65535;

// ---- RFC 7692 §7.2.3 examples ----

#[test]
fn rfc_hello_compresses_to_the_example_bytes() {
    let mut d = Deflater::new(15, false);
    assert_eq!(
        d.compress(b"Hello").unwrap(),
        [0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00]
    );
}

#[test]
fn rfc_hello_decompresses() {
    let mut i = Inflater::new(false);
    let payload = [0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00];
    assert_eq!(i.decompress(&payload, LIMIT).unwrap(), b"Hello");
}

#[test]
fn rfc_7_2_3_1_fragments_concatenated() {
    // Frames 41 03 f2 48 cd / 80 04 c9 c9 07 00: the session concatenates the payloads.
    let mut payload = vec![0xf2, 0x48, 0xcd];
    payload.extend_from_slice(&[0xc9, 0xc9, 0x07, 0x00]);
    assert_eq!(
        Inflater::new(false).decompress(&payload, LIMIT).unwrap(),
        b"Hello"
    );
}

#[test]
fn rfc_7_2_3_2_context_takeover_second_hello() {
    // Sending "Hello" twice with context takeover: the second is f2 00 11 00 00.
    let mut d = Deflater::new(15, false);
    let first = d.compress(b"Hello").unwrap();
    let second = d.compress(b"Hello").unwrap();
    assert_eq!(first, [0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00]);
    assert_eq!(second, [0xf2, 0x00, 0x11, 0x00, 0x00]);

    let mut i = Inflater::new(false);
    assert_eq!(i.decompress(&first, LIMIT).unwrap(), b"Hello");
    assert_eq!(i.decompress(&second, LIMIT).unwrap(), b"Hello");
}

#[test]
fn rfc_7_2_3_3_stored_block() {
    let payload = [
        0x00, 0x05, 0x00, 0xfa, 0xff, 0x48, 0x65, 0x6c, 0x6c, 0x6f, 0x00,
    ];
    assert_eq!(
        Inflater::new(false).decompress(&payload, LIMIT).unwrap(),
        b"Hello"
    );
}

#[test]
fn rfc_7_2_3_5_two_deflate_blocks_in_one_message() {
    let payload = [
        0xf2, 0x48, 0x05, 0x00, 0x00, 0x00, 0xff, 0xff, 0xca, 0xc9, 0xc9, 0x07, 0x00,
    ];
    assert_eq!(
        Inflater::new(false).decompress(&payload, LIMIT).unwrap(),
        b"Hello"
    );
}

#[test]
fn final_block_restarts_the_stream() {
    // "Hello" with BFINAL set (f3 ...), then an ordinary message on a fresh stream.
    let mut i = Inflater::new(false);
    let fin = [0xf3, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00];
    assert_eq!(i.decompress(&fin, LIMIT).unwrap(), b"Hello");
    let next = [0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00];
    assert_eq!(i.decompress(&next, LIMIT).unwrap(), b"Hello");
}

#[test]
fn data_after_final_block_is_corrupt() {
    let mut i = Inflater::new(false);
    let bad = [0xf3, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00, 0x12, 0x34];
    let e = i.decompress(&bad, LIMIT).unwrap_err();
    assert!(matches!(e, DeflateError::Corrupt(_)), "{e:?}");
    assert_eq!(e.close_code(), 1007);
}

#[test]
fn garbage_is_corrupt_not_a_panic() {
    for seed in 1..200u64 {
        let junk = random_bytes((seed as usize * 7) % 300 + 1, seed);
        let mut i = Inflater::new(false);
        if let Err(e) = i.decompress(&junk, LIMIT) {
            assert!(
                matches!(e, DeflateError::Corrupt(_) | DeflateError::TooBig { .. }),
                "{e:?}"
            );
        }
    }
    // Reserved block type 11.
    let e = Inflater::new(false)
        .decompress(&[0x07, 0x00], LIMIT)
        .unwrap_err();
    assert!(matches!(e, DeflateError::Corrupt(_)), "{e:?}");
}

// ---- round trips ----

fn pair(params: &DeflateParams) -> (PerMessageDeflate, PerMessageDeflate) {
    (
        PerMessageDeflate::new(params, Role::Client),
        PerMessageDeflate::new(params, Role::Server),
    )
}

#[test]
fn context_takeover_makes_the_repeat_smaller() {
    let (mut client, mut server) = pair(&DeflateParams::default());
    let msg = text(2000);
    let a = client.compress(&msg).unwrap();
    let b = client.compress(&msg).unwrap();
    assert!(b.len() < a.len() / 4, "{} vs {}", b.len(), a.len());
    assert_eq!(server.decompress(&a, LIMIT).unwrap(), msg);
    assert_eq!(server.decompress(&b, LIMIT).unwrap(), msg);
    // And the other direction.
    let c = server.compress(&msg).unwrap();
    let d = server.compress(&msg).unwrap();
    assert!(d.len() < c.len() / 4);
    assert_eq!(client.decompress(&c, LIMIT).unwrap(), msg);
    assert_eq!(client.decompress(&d, LIMIT).unwrap(), msg);
}

#[test]
fn no_context_takeover_each_message_stands_alone() {
    let params = DeflateParams {
        client_no_context_takeover: true,
        server_no_context_takeover: true,
        ..DeflateParams::default()
    };
    let (mut client, mut server) = pair(&params);
    let msg = text(2000);
    let a = client.compress(&msg).unwrap();
    let b = client.compress(&msg).unwrap();
    assert_eq!(a, b, "a reset compressor repeats itself");
    assert_eq!(server.decompress(&a, LIMIT).unwrap(), msg);
    assert_eq!(server.decompress(&b, LIMIT).unwrap(), msg);
    // The second message decodes on a brand-new inflater: no reference to the first.
    assert_eq!(Inflater::new(true).decompress(&b, LIMIT).unwrap(), msg);

    // Only the client resets: its second message stands alone, the server's does not.
    let params = DeflateParams {
        client_no_context_takeover: true,
        ..DeflateParams::default()
    };
    let (mut client, mut server) = pair(&params);
    let c1 = client.compress(&msg).unwrap();
    let c2 = client.compress(&msg).unwrap();
    assert_eq!(Inflater::new(false).decompress(&c2, LIMIT).unwrap(), msg);
    assert_eq!(server.decompress(&c1, LIMIT).unwrap(), msg);
    assert_eq!(server.decompress(&c2, LIMIT).unwrap(), msg);
    let s1 = server.compress(&msg).unwrap();
    let s2 = server.compress(&msg).unwrap();
    assert!(s2.len() < s1.len() / 4, "the server keeps its context");
    assert!(Inflater::new(false).decompress(&s2, LIMIT) != Ok(msg.clone()));
    assert_eq!(client.decompress(&s1, LIMIT).unwrap(), msg);
    assert_eq!(client.decompress(&s2, LIMIT).unwrap(), msg);
}

#[test]
fn many_messages_keep_in_step() {
    let (mut client, mut server) = pair(&DeflateParams::default());
    for n in 0..200usize {
        let msg = if n % 5 == 0 {
            random_bytes(n * 13, n as u64 + 1)
        } else {
            text(n * 37)
        };
        let c = client.compress(&msg).unwrap();
        assert_eq!(server.decompress(&c, LIMIT).unwrap(), msg, "message {n}");
    }
}

#[test]
fn small_windows_round_trip() {
    for bits in 8..=15u8 {
        for nct in [false, true] {
            let params = DeflateParams {
                client_max_window_bits: bits,
                server_max_window_bits: bits,
                client_no_context_takeover: nct,
                server_no_context_takeover: nct,
            };
            let (mut client, mut server) = pair(&params);
            for round in 0..3 {
                let msg = text(10_000 + round * 1000);
                let c = client.compress(&msg).unwrap();
                assert!(c.len() < msg.len(), "bits {bits}: {} bytes", c.len());
                assert_eq!(server.decompress(&c, LIMIT).unwrap(), msg, "bits {bits}");
                let s = server.compress(&msg).unwrap();
                assert_eq!(client.decompress(&s, LIMIT).unwrap(), msg, "bits {bits}");
            }
        }
    }
}

#[test]
fn empty_messages() {
    let (mut client, mut server) = pair(&DeflateParams::default());
    let e = client.compress(b"").unwrap();
    assert_eq!(e, [0x00], "RFC 7692 §7.2.3.6");
    assert_eq!(server.decompress(&e, LIMIT).unwrap(), b"");
    // A zero-length compressed payload is an empty message too, and changes nothing.
    assert_eq!(server.decompress(&[], LIMIT).unwrap(), b"");
    let h = client.compress(b"Hello").unwrap();
    assert_eq!(server.decompress(&h, LIMIT).unwrap(), b"Hello");
    let e2 = client.compress(b"").unwrap();
    assert_eq!(server.decompress(&e2, LIMIT).unwrap(), b"");
    let h2 = client.compress(b"Hello").unwrap();
    assert_eq!(server.decompress(&h2, LIMIT).unwrap(), b"Hello");
    // Limit 0 still allows an empty message.
    assert_eq!(server.decompress(&[0x00], 0).unwrap(), b"");
    for bits in [8u8, 12] {
        let mut d = Deflater::new(bits, false);
        let e = d.compress(b"").unwrap();
        assert_eq!(Inflater::new(false).decompress(&e, 0).unwrap(), b"");
    }
}

#[test]
fn big_incompressible_message() {
    let msg = random_bytes(1 << 20, 42);
    let (mut client, mut server) = pair(&DeflateParams::default());
    let c = client.compress(&msg).unwrap();
    assert!(
        c.len() < msg.len() + msg.len() / 100,
        "stored blocks: {}",
        c.len()
    );
    assert_eq!(
        server.decompress(&c, msg.len()).unwrap(),
        msg,
        "exactly at the limit"
    );

    let mut fresh = Inflater::new(false);
    assert_eq!(
        fresh.decompress(&c, msg.len() - 1),
        Err(DeflateError::TooBig {
            limit: msg.len() - 1
        })
    );
    // Still in step afterwards on the good side.
    let c2 = client.compress(b"after").unwrap();
    assert_eq!(server.decompress(&c2, LIMIT).unwrap(), b"after");
}

#[test]
fn limit_is_exact() {
    let msg = text(5000);
    let c = Deflater::new(15, false).compress(&msg).unwrap();
    assert_eq!(Inflater::new(false).decompress(&c, 5000).unwrap(), msg);
    assert_eq!(
        Inflater::new(false).decompress(&c, 4999),
        Err(DeflateError::TooBig { limit: 4999 })
    );
    assert_eq!(
        Inflater::new(false).decompress(&c, 0),
        Err(DeflateError::TooBig { limit: 0 })
    );
}

// ---- the bomb ----

struct Bits {
    out: Vec<u8>,
    acc: u32,
    n: u32,
}

impl Bits {
    fn put(&mut self, value: u32, count: u32) {
        for k in 0..count {
            self.acc |= ((value >> k) & 1) << self.n;
            self.n += 1;
            if self.n == 8 {
                self.out.push(self.acc as u8);
                self.acc = 0;
                self.n = 0;
            }
        }
    }
    /// Huffman codes go most significant bit first.
    fn code(&mut self, code: u32, len: u32) {
        for k in (0..len).rev() {
            self.put((code >> k) & 1, 1);
        }
    }
    fn pad(&mut self) {
        while self.n != 0 {
            self.put(0, 1);
        }
    }
}

/// A message payload that inflates to `1 + 258 * (1 + 8 * groups)` zero bytes: one fixed-
/// Huffman block of a literal 0 and (length 258, distance 1) copies, then the empty stored
/// block header whose `00 00 ff ff` the receiver appends.
fn zero_bomb(groups: usize) -> Vec<u8> {
    let pair = |b: &mut Bits| {
        b.code(0xc5, 8); // length symbol 285 = 258
        b.code(0, 5); // distance code 0 = 1
    };
    let mut b = Bits {
        out: Vec::new(),
        acc: 0,
        n: 0,
    };
    b.put(0, 1); // BFINAL 0
    b.put(1, 2); // fixed Huffman
    b.code(0x30, 8); // literal 0
    pair(&mut b); // 24 bits: byte aligned
    assert_eq!(b.n, 0);
    let mut group = Bits {
        out: Vec::new(),
        acc: 0,
        n: 0,
    };
    for _ in 0..8 {
        pair(&mut group);
    }
    assert_eq!((group.out.len(), group.n), (13, 0));
    b.out.reserve(groups * 13 + 8);
    for _ in 0..groups {
        b.out.extend_from_slice(&group.out);
    }
    b.code(0, 7); // end of block
    b.put(0, 3); // stored block header of the stripped sync flush
    b.pad();
    b.out
}

#[test]
fn bomb_shape_is_right() {
    // A small one inflates completely: 1 + 258 * 17 bytes of zeros.
    let small = zero_bomb(2);
    let out = Inflater::new(false).decompress(&small, LIMIT).unwrap();
    assert_eq!(out.len(), 1 + 258 * 17);
    assert!(out.iter().all(|&b| b == 0));
}

#[test]
fn one_gib_bomb_is_refused_with_little_memory() {
    let groups = (1usize << 30).div_ceil(258 * 8);
    let bomb = zero_bomb(groups);
    assert!(1 + 258 * (1 + 8 * groups) >= 1 << 30);
    assert!(bomb.len() < 7 << 20, "{} bytes", bomb.len());

    // Refused at the limit, not after inflating a gigabyte (timings belong in benchmarks; the
    // memory bound below is what shows it stopped early).
    let (result, peak) = peak_alloc(|| Inflater::new(false).decompress(&bomb, LIMIT));
    assert_eq!(result, Err(DeflateError::TooBig { limit: LIMIT }));
    assert_eq!(result.unwrap_err().close_code(), 1009);
    // The output buffer (64 KiB) plus miniz_oxide's inflate state.
    assert!(peak < 256 * 1024, "peak {peak} bytes");
}

#[test]
fn compressed_zeros_bomb_of_a_few_kb_is_refused() {
    // Our own compressor: 8 MiB of zeros is ~8 KB on the wire.
    let zeros = vec![0u8; 8 << 20];
    let c = Deflater::new(15, false).compress(&zeros).unwrap();
    drop(zeros);
    assert!(c.len() < 16 * 1024, "{} bytes", c.len());
    let (result, peak) = peak_alloc(|| Inflater::new(false).decompress(&c, LIMIT));
    assert_eq!(result, Err(DeflateError::TooBig { limit: LIMIT }));
    assert!(peak < 256 * 1024, "peak {peak} bytes");
}

// ---- negotiation ----

#[test]
fn client_offers() {
    assert_eq!(client_offer(&DeflateConfig::default()), None);
    assert_eq!(
        client_offer(&on()).as_deref(),
        Some("permessage-deflate; client_max_window_bits")
    );
    let all = DeflateConfig {
        enabled: true,
        server_no_context_takeover: true,
        client_no_context_takeover: true,
        server_max_window_bits: 10,
        client_max_window_bits: 12,
    };
    assert_eq!(
        client_offer(&all).as_deref(),
        Some(
            "permessage-deflate; server_no_context_takeover; client_no_context_takeover; \
             server_max_window_bits=10; client_max_window_bits=12"
        )
    );
    // Out of range values are clamped.
    let wild = DeflateConfig {
        enabled: true,
        server_max_window_bits: 3,
        client_max_window_bits: 200,
        ..DeflateConfig::default()
    };
    assert_eq!(
        client_offer(&wild).as_deref(),
        Some("permessage-deflate; server_max_window_bits=8; client_max_window_bits")
    );
}

fn params(snct: bool, cnct: bool, sbits: u8, cbits: u8) -> DeflateParams {
    DeflateParams {
        server_no_context_takeover: snct,
        client_no_context_takeover: cnct,
        server_max_window_bits: sbits,
        client_max_window_bits: cbits,
    }
}

/// (client offer, server config, expected (response, params)).
type ServerCase = (
    &'static str,
    DeflateConfig,
    Option<(&'static str, DeflateParams)>,
);

#[test]
fn server_picks() {
    let cfg_client10 = DeflateConfig {
        client_max_window_bits: 10,
        ..on()
    };
    let cfg_snct = DeflateConfig {
        server_no_context_takeover: true,
        ..on()
    };
    let cfg_sbits9 = DeflateConfig {
        server_max_window_bits: 9,
        ..on()
    };
    let cfg_cnct = DeflateConfig {
        client_no_context_takeover: true,
        ..on()
    };
    let d = DeflateParams::default();
    #[rustfmt::skip]
    let table: Vec<ServerCase> = vec![
        ("permessage-deflate", on(), Some(("permessage-deflate", d))),
        ("permessage-deflate; client_max_window_bits", on(), Some(("permessage-deflate", d))),
        ("permessage-deflate; client_max_window_bits", cfg_client10.clone(),
            Some(("permessage-deflate; client_max_window_bits=10", params(false, false, 15, 10)))),
        ("permessage-deflate; client_max_window_bits=9", cfg_client10.clone(),
            Some(("permessage-deflate; client_max_window_bits=9", params(false, false, 15, 9)))),
        ("permessage-deflate; client_max_window_bits=12", on(),
            Some(("permessage-deflate; client_max_window_bits=12", params(false, false, 15, 12)))),
        // Not offered: we cannot ask the client for a smaller window (and need not).
        ("permessage-deflate", cfg_client10.clone(), Some(("permessage-deflate", d))),
        ("permessage-deflate; server_max_window_bits=10", on(),
            Some(("permessage-deflate; server_max_window_bits=10", params(false, false, 10, 15)))),
        ("permessage-deflate; server_max_window_bits=15", on(),
            Some(("permessage-deflate; server_max_window_bits=15", d))),
        ("permessage-deflate; server_max_window_bits=8", on(),
            Some(("permessage-deflate; server_max_window_bits=8", params(false, false, 8, 15)))),
        ("permessage-deflate; server_max_window_bits=\"9\"", on(),
            Some(("permessage-deflate; server_max_window_bits=9", params(false, false, 9, 15)))),
        ("permessage-deflate", cfg_sbits9.clone(),
            Some(("permessage-deflate; server_max_window_bits=9", params(false, false, 9, 15)))),
        ("permessage-deflate; server_max_window_bits=12", cfg_sbits9.clone(),
            Some(("permessage-deflate; server_max_window_bits=9", params(false, false, 9, 15)))),
        ("permessage-deflate; server_no_context_takeover; client_no_context_takeover", on(),
            Some(("permessage-deflate; server_no_context_takeover; client_no_context_takeover",
                params(true, true, 15, 15)))),
        ("permessage-deflate", cfg_snct.clone(),
            Some(("permessage-deflate; server_no_context_takeover", params(true, false, 15, 15)))),
        ("permessage-deflate", cfg_cnct.clone(),
            Some(("permessage-deflate; client_no_context_takeover", params(false, true, 15, 15)))),
        ("PerMessage-Deflate; Server_No_Context_Takeover", on(),
            Some(("permessage-deflate; server_no_context_takeover", params(true, false, 15, 15)))),
        ("  permessage-deflate ;\tclient_max_window_bits  ", on(), Some(("permessage-deflate", d))),
        // Other extensions are skipped; the first acceptable offer wins.
        ("x-webkit-deflate-frame, permessage-deflate; client_max_window_bits", on(),
            Some(("permessage-deflate", d))),
        ("permessage-deflate; server_max_window_bits=10, permessage-deflate", on(),
            Some(("permessage-deflate; server_max_window_bits=10", params(false, false, 10, 15)))),
        // Declined offers fall through to the next one.
        ("permessage-deflate; foo, permessage-deflate", on(), Some(("permessage-deflate", d))),
        ("permessage-deflate; server_max_window_bits=16, permessage-deflate; server_no_context_takeover",
            on(), Some(("permessage-deflate; server_no_context_takeover", params(true, false, 15, 15)))),
        // Declined.
        ("permessage-deflate; foo", on(), None),
        ("permessage-deflate; foo=1", on(), None),
        ("permessage-deflate; server_no_context_takeover; server_no_context_takeover", on(), None),
        ("permessage-deflate; client_max_window_bits; client_max_window_bits=10", on(), None),
        ("permessage-deflate; server_no_context_takeover=1", on(), None),
        ("permessage-deflate; client_no_context_takeover=\"x\"", on(), None),
        ("permessage-deflate; server_max_window_bits", on(), None),
        ("permessage-deflate; server_max_window_bits=7", on(), None),
        ("permessage-deflate; server_max_window_bits=16", on(), None),
        ("permessage-deflate; server_max_window_bits=010", on(), None),
        ("permessage-deflate; server_max_window_bits=+9", on(), None),
        ("permessage-deflate; client_max_window_bits=0", on(), None),
        ("permessage-deflate; client_max_window_bits=\"16\"", on(), None),
        ("x-webkit-deflate-frame", on(), None),
        ("", on(), None),
        (" , ,", on(), None),
        ("permessage-deflate", DeflateConfig::default(), None),
    ];
    for (offer, cfg, want) in table {
        let got = server_negotiate(offer, &cfg).unwrap_or_else(|e| panic!("{offer:?}: {e}"));
        let got = got.map(|a| (a.response, a.params));
        let want = want.map(|(r, p)| (r.to_string(), p));
        assert_eq!(got, want, "offer {offer:?}");
    }
}

#[test]
fn client_checks_the_response() {
    let d = DeflateParams::default();
    let cfg_cnct = DeflateConfig {
        client_no_context_takeover: true,
        ..on()
    };
    let cfg_client12 = DeflateConfig {
        client_max_window_bits: 12,
        ..on()
    };
    #[rustfmt::skip]
    let ok: Vec<(&str, DeflateConfig, Option<DeflateParams>)> = vec![
        ("", on(), None),
        ("", DeflateConfig::default(), None),
        ("permessage-deflate", on(), Some(d)),
        ("permessage-deflate", cfg_cnct.clone(), Some(params(false, true, 15, 15))),
        ("permessage-deflate; server_no_context_takeover", on(), Some(params(true, false, 15, 15))),
        ("permessage-deflate; client_no_context_takeover", on(), Some(params(false, true, 15, 15))),
        ("permessage-deflate; server_max_window_bits=12", on(), Some(params(false, false, 12, 15))),
        ("permessage-deflate; client_max_window_bits=10", on(), Some(params(false, false, 15, 10))),
        ("permessage-deflate; client_max_window_bits=15", cfg_client12.clone(), Some(params(false, false, 15, 12))),
        ("permessage-deflate; client_max_window_bits=\"8\"", on(), Some(params(false, false, 15, 8))),
        ("Permessage-Deflate; SERVER_NO_CONTEXT_TAKEOVER", on(), Some(params(true, false, 15, 15))),
    ];
    for (resp, cfg, want) in ok {
        assert_eq!(client_negotiate(resp, &cfg), Ok(want), "response {resp:?}");
    }

    let asked = DeflateConfig {
        server_no_context_takeover: true,
        server_max_window_bits: 10,
        ..on()
    };
    assert_eq!(
        client_negotiate(
            "permessage-deflate; server_no_context_takeover; server_max_window_bits=10",
            &asked
        ),
        Ok(Some(params(true, false, 10, 15)))
    );
    assert_eq!(
        client_negotiate(
            "permessage-deflate; server_max_window_bits=9; server_no_context_takeover",
            &asked
        ),
        Ok(Some(params(true, false, 9, 15)))
    );

    #[rustfmt::skip]
    let bad: Vec<(&str, DeflateConfig)> = vec![
        ("x-foo", on()),
        ("permessage-deflate, x-foo", on()),
        ("permessage-deflate", DeflateConfig::default()),
        ("permessage-deflate, permessage-deflate", on()),
        ("permessage-deflate; foo", on()),
        ("permessage-deflate; server_no_context_takeover=true", on()),
        ("permessage-deflate; client_no_context_takeover=1", on()),
        ("permessage-deflate; server_no_context_takeover; server_no_context_takeover", on()),
        ("permessage-deflate; client_max_window_bits", on()),
        ("permessage-deflate; server_max_window_bits", on()),
        ("permessage-deflate; server_max_window_bits=16", on()),
        ("permessage-deflate; server_max_window_bits=7", on()),
        ("permessage-deflate; client_max_window_bits=09", on()),
        ("permessage-deflate; client_max_window_bits=10; client_max_window_bits=10", on()),
        // Asked for a window of 10 and no takeover: answers must honour both.
        ("permessage-deflate; server_no_context_takeover; server_max_window_bits=11", asked.clone()),
        ("permessage-deflate; server_no_context_takeover", asked.clone()),
        ("permessage-deflate; server_max_window_bits=10", asked.clone()),
    ];
    for (resp, cfg) in bad {
        let r = client_negotiate(resp, &cfg);
        assert!(
            matches!(r, Err(DeflateError::Negotiation(_))),
            "response {resp:?}: {r:?}"
        );
        assert_eq!(r.unwrap_err().close_code(), 1002);
    }
}

#[test]
fn malformed_headers() {
    let malformed = [
        "permessage-deflate;",
        "permessage-deflate; ",
        "permessage-deflate; =1",
        "permessage-deflate; a=",
        "permessage-deflate; a==1",
        "permessage-deflate; a=\"unterminated",
        "permessage-deflate; a=\"ends in backslash\\",
        "permessage-deflate; a=\"has space\"",
        "permessage-deflate; a=\"\"",
        "permessage-deflate; a=\"x,y\"",
        "permessage-deflate x",
        "permessage-deflate; a b",
        "; a",
        "=",
        "\"permessage-deflate\"",
        "permessage-deflate\u{e9}",
        "permessage-deflate; a=1 2",
        "permessage-deflate\r\n",
    ];
    for h in malformed {
        let s = server_negotiate(h, &on());
        assert!(matches!(s, Err(DeflateError::Malformed(_))), "{h:?}: {s:?}");
        let c = client_negotiate(h, &on());
        assert!(matches!(c, Err(DeflateError::Malformed(_))), "{h:?}: {c:?}");
    }
    // A quoted pair that unescapes to a token is fine.
    assert!(
        server_negotiate("permessage-deflate; server_max_window_bits=\"1\\0\"", &on())
            .unwrap()
            .is_some()
    );
}

#[test]
fn end_to_end_negotiation_then_codec() {
    let configs = [
        (on(), on()),
        (
            DeflateConfig {
                client_max_window_bits: 8,
                server_max_window_bits: 9,
                ..on()
            },
            on(),
        ),
        (
            on(),
            DeflateConfig {
                client_max_window_bits: 11,
                server_max_window_bits: 8,
                server_no_context_takeover: true,
                ..on()
            },
        ),
        (
            DeflateConfig {
                server_no_context_takeover: true,
                client_no_context_takeover: true,
                ..on()
            },
            DeflateConfig {
                client_max_window_bits: 13,
                ..on()
            },
        ),
    ];
    for (ccfg, scfg) in configs {
        let offer = client_offer(&ccfg).unwrap();
        let accept = server_negotiate(&offer, &scfg).unwrap().unwrap();
        let client_params = client_negotiate(&accept.response, &ccfg).unwrap().unwrap();
        assert_eq!(
            client_params, accept.params,
            "{offer} -> {}",
            accept.response
        );

        let mut client = PerMessageDeflate::new(&client_params, Role::Client);
        let mut server = PerMessageDeflate::new(&accept.params, Role::Server);
        for n in 0..5 {
            let msg = text(3000 + n * 500);
            let c = client.compress(&msg).unwrap();
            assert_eq!(server.decompress(&c, LIMIT).unwrap(), msg);
            let s = server.compress(&msg).unwrap();
            assert_eq!(client.decompress(&s, LIMIT).unwrap(), msg);
        }
    }
}

// ---- window bits: an independent decoder that reports the farthest match distance ----

/// A minimal RFC 1951 decoder (bit by bit, test-only) that returns the output and the
/// largest back-reference distance used, over a whole stream of messages.
fn inflate_with_max_distance(data: &[u8]) -> (Vec<u8>, usize) {
    struct In<'a> {
        data: &'a [u8],
        pos: usize, // in bits
    }
    impl In<'_> {
        fn bit(&mut self) -> u32 {
            let b = (self.data[self.pos / 8] >> (self.pos % 8)) & 1;
            self.pos += 1;
            u32::from(b)
        }
        fn bits(&mut self, n: u32) -> u32 {
            (0..n).fold(0, |acc, k| acc | (self.bit() << k))
        }
    }
    /// Canonical Huffman: (count per length, symbols by code).
    fn table(lengths: &[u8]) -> (Vec<u16>, Vec<u16>) {
        let mut counts = vec![0u16; 16];
        for &l in lengths {
            counts[l as usize] += 1;
        }
        counts[0] = 0;
        let mut syms = Vec::new();
        for len in 1..16u8 {
            for (s, &l) in lengths.iter().enumerate() {
                if l == len {
                    syms.push(s as u16);
                }
            }
        }
        (counts, syms)
    }
    fn decode(input: &mut In, (counts, syms): &(Vec<u16>, Vec<u16>)) -> usize {
        let (mut code, mut first, mut index) = (0i32, 0i32, 0i32);
        for &count in counts.iter().skip(1) {
            code |= input.bit() as i32;
            let count = i32::from(count);
            if code - count < first {
                return syms[(index + (code - first)) as usize] as usize;
            }
            index += count;
            first = (first + count) << 1;
            code <<= 1;
        }
        panic!("bad code");
    }
    const LBASE: [usize; 29] = [
        3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115,
        131, 163, 195, 227, 258,
    ];
    const LEXTRA: [u32; 29] = [
        0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0,
    ];
    const DBASE: [usize; 30] = [
        1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537,
        2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577,
    ];
    const DEXTRA: [u32; 30] = [
        0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12,
        13, 13,
    ];
    let mut input = In { data, pos: 0 };
    let mut out = Vec::new();
    let mut max_dist = 0;
    while input.pos + 8 <= data.len() * 8 {
        let _final = input.bit();
        match input.bits(2) {
            0 => {
                input.pos = input.pos.div_ceil(8) * 8;
                let len = input.bits(16) as usize;
                let _nlen = input.bits(16);
                for _ in 0..len {
                    out.push(input.bits(8) as u8);
                }
            }
            kind => {
                let (lit, dist) = if kind == 1 {
                    let mut l = vec![8u8; 288];
                    l[144..256].fill(9);
                    l[256..280].fill(7);
                    (table(&l), table(&[5u8; 30]))
                } else {
                    let hlit = input.bits(5) as usize + 257;
                    let hdist = input.bits(5) as usize + 1;
                    let hclen = input.bits(4) as usize + 4;
                    const ORDER: [usize; 19] = [
                        16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15,
                    ];
                    let mut cl = [0u8; 19];
                    for &o in ORDER.iter().take(hclen) {
                        cl[o] = input.bits(3) as u8;
                    }
                    let clt = table(&cl);
                    let mut lens = Vec::new();
                    while lens.len() < hlit + hdist {
                        match decode(&mut input, &clt) {
                            s @ 0..=15 => lens.push(s as u8),
                            16 => {
                                let prev = *lens.last().unwrap();
                                let n = 3 + input.bits(2);
                                lens.resize(lens.len() + n as usize, prev);
                            }
                            17 => {
                                let n = 3 + input.bits(3) as usize;
                                lens.resize(lens.len() + n, 0);
                            }
                            _ => {
                                let n = 11 + input.bits(7) as usize;
                                lens.resize(lens.len() + n, 0);
                            }
                        }
                    }
                    (table(&lens[..hlit]), table(&lens[hlit..]))
                };
                loop {
                    let sym = decode(&mut input, &lit);
                    if sym < 256 {
                        out.push(sym as u8);
                    } else if sym == 256 {
                        break;
                    } else {
                        let i = sym - 257;
                        let len = LBASE[i] + input.bits(LEXTRA[i]) as usize;
                        let d = decode(&mut input, &dist);
                        let distance = DBASE[d] + input.bits(DEXTRA[d]) as usize;
                        max_dist = max_dist.max(distance);
                        for _ in 0..len {
                            out.push(out[out.len() - distance]);
                        }
                    }
                }
            }
        }
    }
    (out, max_dist)
}

#[test]
fn small_windows_keep_every_match_inside_the_window() {
    let long = text(100_000);
    for bits in 8..=15u8 {
        let mut d = Deflater::new(bits, false);
        let mut stream = Vec::new();
        let mut expected = Vec::new();
        for n in 0..3 {
            let msg = &long[n * 1000..];
            let mut c = d.compress(msg).unwrap();
            c.extend_from_slice(&[0x00, 0x00, 0xff, 0xff]);
            stream.extend_from_slice(&c);
            expected.extend_from_slice(msg);
        }
        let (out, max_dist) = inflate_with_max_distance(&stream);
        assert_eq!(out, expected, "bits {bits}");
        assert!(max_dist <= 1 << bits, "bits {bits}: distance {max_dist}");
        if bits == 15 {
            // With the full window, takeover reaches into the previous message.
            assert!(max_dist > 1 << 14, "distance {max_dist}");
        } else {
            // The window is used, not just respected.
            assert!(
                max_dist > 1 << (bits - 1),
                "bits {bits}: distance {max_dist}"
            );
        }
    }
}

#[test]
fn reset_after_a_discarded_result_keeps_the_peer_in_step() {
    let (mut client, mut server) = pair(&DeflateParams::default());
    let msg = text(3000);
    let sent = client.compress(&msg).unwrap();
    assert_eq!(server.decompress(&sent, LIMIT).unwrap(), msg);
    // Compressed, then sent uncompressed instead: history the server never saw.
    let _discarded = client.compress(b"not sent compressed").unwrap();
    client.deflater.reset();
    let next = client.compress(&msg).unwrap();
    assert_eq!(server.decompress(&next, LIMIT).unwrap(), msg);
}
