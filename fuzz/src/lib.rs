//! Helpers shared by the fuzz targets: deterministic input splits and a scripted transport.
//!
//! A target's input usually starts with a few control bytes (flags and a split seed), the rest
//! is what a peer sends. Split-invariance checks run the same bytes twice, once cut by the
//! seed and once as a reference (one byte per read, or all at once), and compare what a script
//! would observe.

use rustnet_core::net::tcp::Transport;
use std::io;

/// Read sizes from a seed: an xorshift stream, each size in `1..=max`.
pub struct Splits {
    state: u64,
    max: usize,
}

impl Splits {
    pub fn new(seed: u64, max: usize) -> Self {
        Splits {
            state: seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1,
            max: max.max(1),
        }
    }

    fn next_u64(&mut self) -> u64 {
        let mut x = self.state;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.state = x;
        x
    }

    /// The next read size.
    pub fn next_len(&mut self) -> usize {
        1 + (self.next_u64() % self.max as u64) as usize
    }

    /// A coin flip (used to interleave "would block" reads).
    pub fn coin(&mut self) -> bool {
        self.next_u64() & 1 == 1
    }
}

/// How a [`Scripted`] transport hands out its bytes.
pub enum Cut {
    /// Everything a read can take.
    Whole,
    /// One byte per read.
    Bytewise,
    /// Sizes from a seed, with "nothing yet" answers in between.
    Random(Splits),
}

/// A transport that plays back `data` in pieces, then reports end of stream. Writes are
/// swallowed whole.
pub struct Scripted {
    data: Vec<u8>,
    pos: usize,
    cut: Cut,
    /// Whether anything was written yet: like a real server, the script answers only after the
    /// request went out (bytes that come before it are refused by the client as an injection).
    written: bool,
    /// Reads answered so far (a bound for the driver loops).
    pub reads: usize,
}

impl Scripted {
    pub fn new(data: &[u8], cut: Cut) -> Self {
        Scripted {
            data: data.to_vec(),
            pos: 0,
            cut,
            written: false,
            reads: 0,
        }
    }
}

impl Transport for Scripted {
    fn read(&mut self, buf: &mut [u8], _blocking: bool) -> io::Result<Option<usize>> {
        self.reads += 1;
        if !self.written {
            return Ok(None);
        }
        if self.pos == self.data.len() {
            return Ok(Some(0));
        }
        if buf.is_empty() {
            return Ok(Some(0));
        }
        let n = match &mut self.cut {
            Cut::Whole => buf.len(),
            Cut::Bytewise => 1,
            Cut::Random(s) => {
                if s.coin() && s.coin() {
                    return Ok(None);
                }
                s.next_len()
            }
        };
        let n = n.min(buf.len()).min(self.data.len() - self.pos);
        buf[..n].copy_from_slice(&self.data[self.pos..self.pos + n]);
        self.pos += n;
        Ok(Some(n))
    }

    fn write(&mut self, buf: &[u8], _blocking: bool) -> io::Result<usize> {
        self.written |= !buf.is_empty();
        Ok(buf.len())
    }
}

/// Two control bytes → a seed, and the rest.
pub fn seed_and_rest(data: &[u8]) -> Option<(u64, &[u8])> {
    if data.len() < 2 {
        return None;
    }
    Some((
        u64::from(u16::from_le_bytes([data[0], data[1]])),
        &data[2..],
    ))
}
