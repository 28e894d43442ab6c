//! Decoding `Content-Encoding: gzip` and `deflate` bodies, with bounded output.
//!
//! Push decoder: [`ContentDecoder::decode`] takes compressed bytes and fills a caller-sized
//! output slice, returning how much of each it used. The output per call never exceeds the
//! slice (the client sizes it with `read_chunk_size`), so a "zip bomb" costs time, not memory.
//!
//! `gzip` (RFC 1952): header (magic, flags, optional extra/name/comment/CRC fields), raw
//! deflate, then CRC-32 and length, both checked; several members in a row are decoded in turn.
//! `deflate`: zlib-wrapped as RFC 9110 says, or raw deflate as some servers send it (detected
//! from the first two bytes).

use super::error::{protocol, HttpError};
use flate2::{Crc, Decompress, FlushDecompress, Status};

/// Which content coding.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Coding {
    Gzip,
    Deflate,
}

impl Coding {
    /// The coding named by a `Content-Encoding` value we decode (`None` for identity/others).
    pub fn from_header(value: &str) -> Option<Coding> {
        match value.trim().to_ascii_lowercase().as_str() {
            "gzip" | "x-gzip" => Some(Coding::Gzip),
            "deflate" => Some(Coding::Deflate),
            _ => None,
        }
    }
}

/// Longest gzip header we accept (file name and comment included).
const MAX_GZIP_HEADER: usize = 64 * 1024;

enum Stage {
    /// gzip: waiting for a complete member header.
    GzipHeader,
    /// deflate: waiting for two bytes to tell zlib from raw deflate.
    DeflateSniff,
    Inflate,
    /// gzip: waiting for the 8-byte trailer.
    GzipTrailer,
    Done,
}

/// A streaming decoder for one response body.
pub struct ContentDecoder {
    coding: Coding,
    stage: Stage,
    inflate: Decompress,
    crc: Crc,
}

impl ContentDecoder {
    pub fn new(coding: Coding) -> Self {
        let stage = match coding {
            Coding::Gzip => Stage::GzipHeader,
            Coding::Deflate => Stage::DeflateSniff,
        };
        ContentDecoder {
            coding,
            stage,
            inflate: Decompress::new(false),
            crc: Crc::new(),
        }
    }

    /// Whether the compressed stream has ended (trailer checked for gzip).
    pub fn is_done(&self) -> bool {
        matches!(self.stage, Stage::Done)
    }

    /// Decodes from `input` into `out`. Returns `(consumed, produced)`. Consuming nothing and
    /// producing nothing means more input is needed (or `out` is empty, or the stream is done).
    pub fn decode(&mut self, input: &[u8], out: &mut [u8]) -> Result<(usize, usize), HttpError> {
        let (mut used, mut made) = (0, 0);
        loop {
            let rest = &input[used..];
            match self.stage {
                Stage::Done => {
                    // Another gzip member may follow; anything else after the end is an error.
                    if self.coding == Coding::Gzip && rest.len() >= 2 && rest[..2] == [0x1f, 0x8b] {
                        self.stage = Stage::GzipHeader;
                        self.inflate.reset(false);
                        self.crc.reset();
                        continue;
                    }
                    // A lone 0x1f may be the start of another member's magic: wait for more.
                    let maybe_member = rest == [0x1f];
                    if !rest.is_empty() && !maybe_member {
                        return Err(protocol("bytes after the end of a compressed body"));
                    }
                    return Ok((used, made));
                }
                Stage::GzipHeader => match gzip_header_len(rest)? {
                    None => return Ok((used, made)),
                    Some(n) => {
                        used += n;
                        self.stage = Stage::Inflate;
                    }
                },
                Stage::DeflateSniff => {
                    if rest.len() < 2 {
                        return Ok((used, made));
                    }
                    let zlib = rest[0] & 0x0f == 8
                        && (u16::from(rest[0]) << 8 | u16::from(rest[1])) % 31 == 0;
                    self.inflate = Decompress::new(zlib);
                    self.stage = Stage::Inflate;
                }
                Stage::Inflate => {
                    if made == out.len() {
                        return Ok((used, made));
                    }
                    let (in0, out0) = (self.inflate.total_in(), self.inflate.total_out());
                    let status = self
                        .inflate
                        .decompress(rest, &mut out[made..], FlushDecompress::None)
                        .map_err(|e| protocol(format!("the compressed body is corrupt ({e})")))?;
                    let took = (self.inflate.total_in() - in0) as usize;
                    let gave = (self.inflate.total_out() - out0) as usize;
                    if self.coding == Coding::Gzip {
                        self.crc.update(&out[made..made + gave]);
                    }
                    used += took;
                    made += gave;
                    match status {
                        Status::StreamEnd => {
                            self.stage = if self.coding == Coding::Gzip {
                                Stage::GzipTrailer
                            } else {
                                Stage::Done
                            };
                        }
                        _ if took == 0 && gave == 0 => return Ok((used, made)),
                        _ => {}
                    }
                }
                Stage::GzipTrailer => {
                    if rest.len() < 8 {
                        return Ok((used, made));
                    }
                    let crc = u32::from_le_bytes([rest[0], rest[1], rest[2], rest[3]]);
                    let size = u32::from_le_bytes([rest[4], rest[5], rest[6], rest[7]]);
                    if crc != self.crc.sum() || size != self.crc.amount() {
                        return Err(protocol("the gzip body fails its CRC-32/length check"));
                    }
                    used += 8;
                    self.stage = Stage::Done;
                }
            }
        }
    }
}

/// Length of a complete gzip member header at the start of `buf`, `None` if more is needed.
fn gzip_header_len(buf: &[u8]) -> Result<Option<usize>, HttpError> {
    if buf.len() >= 2 && buf[..2] != [0x1f, 0x8b] {
        return Err(protocol("the body is not gzip (bad magic bytes)"));
    }
    if buf.len() < 10 {
        return Ok(None);
    }
    if buf[2] != 8 {
        return Err(protocol("gzip body with an unknown compression method"));
    }
    let flags = buf[3];
    let mut pos = 10;
    if flags & 0x04 != 0 {
        let Some(x) = buf.get(pos..pos + 2) else {
            return Ok(None);
        };
        pos += 2 + usize::from(u16::from_le_bytes([x[0], x[1]]));
    }
    for flag in [0x08, 0x10] {
        if flags & flag != 0 {
            match buf.get(pos..).and_then(|b| b.iter().position(|&c| c == 0)) {
                Some(z) => pos += z + 1,
                None if buf.len() > MAX_GZIP_HEADER => {
                    return Err(protocol("gzip header too long"))
                }
                None => return Ok(None),
            }
        }
    }
    if flags & 0x02 != 0 {
        pos += 2;
    }
    if pos > MAX_GZIP_HEADER {
        return Err(protocol("gzip header too long"));
    }
    Ok((buf.len() >= pos).then_some(pos))
}

#[cfg(test)]
mod tests {
    use super::*;
    use flate2::write::{DeflateEncoder, GzEncoder, ZlibEncoder};
    use flate2::Compression;
    use std::io::Write;

    fn decode_all(
        coding: Coding,
        wire: &[u8],
        in_step: usize,
        out_size: usize,
    ) -> Result<Vec<u8>, HttpError> {
        let mut d = ContentDecoder::new(coding);
        let (mut pending, mut fed, mut out) = (Vec::new(), 0, Vec::new());
        let mut buf = vec![0u8; out_size];
        for _ in 0..1_000_000 {
            let (used, made) = d.decode(&pending, &mut buf)?;
            pending.drain(..used);
            out.extend_from_slice(&buf[..made]);
            if used == 0 && made == 0 {
                if fed == wire.len() {
                    break;
                }
                let n = in_step.min(wire.len() - fed);
                pending.extend_from_slice(&wire[fed..fed + n]);
                fed += n;
            }
        }
        assert!(d.is_done(), "stream not finished");
        Ok(out)
    }

    fn sample() -> Vec<u8> {
        (0..100_000u32)
            .map(|i| b"abcdefghij"[(i % 7 + i / 1000 % 3) as usize])
            .collect()
    }

    #[test]
    fn gzip_zlib_and_raw_deflate_in_any_split() {
        let data = sample();
        let mut gz = GzEncoder::new(Vec::new(), Compression::default());
        gz.write_all(&data).unwrap();
        let gz = gz.finish().unwrap();
        let mut zl = ZlibEncoder::new(Vec::new(), Compression::default());
        zl.write_all(&data).unwrap();
        let zl = zl.finish().unwrap();
        let mut raw = DeflateEncoder::new(Vec::new(), Compression::default());
        raw.write_all(&data).unwrap();
        let raw = raw.finish().unwrap();
        for (coding, wire) in [
            (Coding::Gzip, &gz),
            (Coding::Deflate, &zl),
            (Coding::Deflate, &raw),
        ] {
            for (step, out) in [(1, 7), (13, 1000), (4096, 65536), (wire.len(), 1 << 20)] {
                assert_eq!(
                    decode_all(coding, wire, step, out).unwrap(),
                    data,
                    "{coding:?} step {step}"
                );
            }
        }
    }

    #[test]
    fn corrupt_streams_are_errors() {
        let mut gz = GzEncoder::new(Vec::new(), Compression::default());
        gz.write_all(b"hello hello hello").unwrap();
        let mut gz = gz.finish().unwrap();
        let n = gz.len();
        gz[n - 5] ^= 0xff; // length field
        assert!(decode_all(Coding::Gzip, &gz, 5, 64).is_err());
        assert!(ContentDecoder::new(Coding::Gzip)
            .decode(b"PK\x03\x04", &mut [0; 16])
            .is_err());
        let mut d = ContentDecoder::new(Coding::Deflate);
        assert!(d
            .decode(&[0x78, 0x9c, 0xff, 0xff, 0xff, 0xff], &mut [0; 16])
            .is_err());
    }

    #[test]
    fn output_per_call_is_bounded_by_the_slice() {
        let zeros = vec![0u8; 10_000_000];
        let mut gz = GzEncoder::new(Vec::new(), Compression::best());
        gz.write_all(&zeros).unwrap();
        let wire = gz.finish().unwrap();
        assert!(wire.len() < 20_000);
        let mut d = ContentDecoder::new(Coding::Gzip);
        let mut out = [0u8; 4096];
        let (_, made) = d.decode(&wire, &mut out).unwrap();
        assert!(made <= 4096);
    }
}
