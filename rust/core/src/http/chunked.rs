//! Decoder for the chunked transfer coding (RFC 9112 §7.1).
//!
//! Stateless over the unconsumed receive buffer: [`decode_next`] looks at the bytes from the
//! start and says what the next complete unit is. Godot's `read_response_body_chunk` returns one
//! whole chunk per call, so a chunk is only reported once its data and CRLF have all arrived.
//!
//! ```text
//!  ┌──────────── size line ───────────┐        ┌─ data ─┐
//!  "1a;name=value" CRLF ─────────────────────▶ 26 bytes CRLF ──▶ (next size line)
//!  "0" CRLF ──▶ trailer-line CRLF ... CRLF ──▶ End
//! ```
//! Differences from Godot (deliberate): chunk extensions and upper-case hex are accepted, a bare
//! LF ends a line, and the size line may be up to `max_chunk_line_bytes` long. Errors (not hex,
//! a size over `max_chunk_size`, data not followed by CRLF, trailers over `max_trailer_bytes`)
//! end the response with a clear message.

use super::error::{protocol, HttpError};
use crate::config::HttpLimits;
use std::ops::Range;

/// The next complete unit at the start of the buffer.
#[derive(Debug, PartialEq, Eq)]
pub enum ChunkStep {
    /// Not enough bytes yet; `buffered_needed` is the buffer length that would surely make
    /// progress, when known (a chunk's full size), so the reader can size its reads.
    NeedMore { buffered_needed: Option<usize> },
    /// One chunk: its data is `buf[data]`, and `consumed` bytes (size line, data, CRLF) are used.
    Chunk { data: Range<usize>, consumed: usize },
    /// The last chunk and the trailers, `consumed` bytes in all. The body is complete.
    End { consumed: usize },
}

/// Finds the next line ending at or after `from`: returns (end of content, index after LF).
fn line_at(buf: &[u8], from: usize) -> Option<(usize, usize)> {
    let lf = buf[from..].iter().position(|&b| b == b'\n')? + from;
    let content_end = if lf > from && buf[lf - 1] == b'\r' {
        lf - 1
    } else {
        lf
    };
    Some((content_end, lf + 1))
}

/// Decodes the next unit at the start of `buf`.
pub fn decode_next(buf: &[u8], limits: &HttpLimits) -> Result<ChunkStep, HttpError> {
    let Some((line_end, data_start)) = line_at(buf, 0) else {
        if buf.len() > limits.max_chunk_line_bytes {
            return Err(HttpError::LimitExceeded(format!(
                "chunk-size line longer than {} bytes",
                limits.max_chunk_line_bytes
            )));
        }
        return Ok(ChunkStep::NeedMore {
            buffered_needed: None,
        });
    };
    if line_end > limits.max_chunk_line_bytes {
        return Err(HttpError::LimitExceeded(format!(
            "chunk-size line longer than {} bytes",
            limits.max_chunk_line_bytes
        )));
    }
    let size = parse_size_line(&buf[..line_end], limits)?;
    if size == 0 {
        return decode_trailers(buf, data_start, limits);
    }
    let data_end = data_start + size;
    // The data must be followed by CRLF (or a bare LF).
    if buf.len() < data_end + 1 {
        return Ok(ChunkStep::NeedMore {
            buffered_needed: Some(data_end + 2),
        });
    }
    let consumed = match buf[data_end] {
        b'\n' => data_end + 1,
        b'\r' if buf.len() < data_end + 2 => {
            return Ok(ChunkStep::NeedMore {
                buffered_needed: Some(data_end + 2),
            })
        }
        b'\r' if buf[data_end + 1] == b'\n' => data_end + 2,
        _ => return Err(protocol("chunk data is not followed by CRLF")),
    };
    Ok(ChunkStep::Chunk {
        data: data_start..data_end,
        consumed,
    })
}

/// `1*HEXDIG [ BWS ";" extensions ]`, extensions ignored.
fn parse_size_line(line: &[u8], limits: &HttpLimits) -> Result<usize, HttpError> {
    let digits = line.iter().take_while(|b| b.is_ascii_hexdigit()).count();
    if digits == 0 {
        return Err(protocol(format!(
            "chunk size '{}' is not hexadecimal",
            String::from_utf8_lossy(&line[..line.len().min(40)])
        )));
    }
    let rest = &line[digits..];
    let rest_trimmed = rest
        .iter()
        .skip_while(|b| **b == b' ' || **b == b'\t')
        .copied()
        .collect::<Vec<u8>>();
    if !rest_trimmed.is_empty() && rest_trimmed[0] != b';' {
        return Err(protocol("chunk size line has trailing garbage"));
    }
    if rest.iter().any(|&b| (b < 0x20 && b != b'\t') || b == 0x7f) {
        return Err(protocol("chunk extension contains control characters"));
    }
    let mut size: u64 = 0;
    for &b in &line[..digits] {
        let v = (b as char).to_digit(16).unwrap_or(0) as u64;
        size = size
            .checked_mul(16)
            .and_then(|s| s.checked_add(v))
            .ok_or_else(|| HttpError::LimitExceeded("chunk size overflows 64 bits".into()))?;
    }
    if size > limits.max_chunk_size as u64 {
        return Err(HttpError::LimitExceeded(format!(
            "chunk of {size} bytes is larger than the {} byte limit",
            limits.max_chunk_size
        )));
    }
    Ok(size as usize)
}

fn decode_trailers(
    buf: &[u8],
    mut pos: usize,
    limits: &HttpLimits,
) -> Result<ChunkStep, HttpError> {
    let trailers_start = pos;
    loop {
        match line_at(buf, pos) {
            None => {
                if buf.len() - trailers_start > limits.max_trailer_bytes {
                    return Err(HttpError::LimitExceeded(format!(
                        "chunked trailers longer than {} bytes",
                        limits.max_trailer_bytes
                    )));
                }
                return Ok(ChunkStep::NeedMore {
                    buffered_needed: None,
                });
            }
            Some((end, next)) => {
                if next - trailers_start > limits.max_trailer_bytes {
                    return Err(HttpError::LimitExceeded(format!(
                        "chunked trailers longer than {} bytes",
                        limits.max_trailer_bytes
                    )));
                }
                if end == pos {
                    return Ok(ChunkStep::End { consumed: next });
                }
                pos = next;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Decodes a whole body, feeding it in slices of `step` bytes, as the driver does.
    fn decode_all(wire: &[u8], step: usize) -> Result<Vec<Vec<u8>>, HttpError> {
        let limits = HttpLimits::default();
        let (mut buf, mut fed, mut chunks) = (Vec::new(), 0, Vec::new());
        loop {
            match decode_next(&buf, &limits)? {
                ChunkStep::NeedMore { .. } => {
                    assert!(fed < wire.len(), "ran out of input");
                    let n = step.min(wire.len() - fed);
                    buf.extend_from_slice(&wire[fed..fed + n]);
                    fed += n;
                }
                ChunkStep::Chunk { data, consumed } => {
                    chunks.push(buf[data].to_vec());
                    buf.drain(..consumed);
                }
                ChunkStep::End { consumed } => {
                    assert_eq!(consumed, buf.len(), "bytes left after the body");
                    assert_eq!(fed, wire.len());
                    return Ok(chunks);
                }
            }
        }
    }

    #[test]
    fn whole_chunks_in_any_split() {
        let wire = b"5\r\nhello\r\n1\r\n \r\nA\r\n0123456789\r\n0\r\n\r\n";
        for step in 1..wire.len() {
            assert_eq!(
                decode_all(wire, step).unwrap(),
                vec![b"hello".to_vec(), b" ".to_vec(), b"0123456789".to_vec()],
                "step {step}"
            );
        }
    }

    #[test]
    fn extensions_trailers_uppercase_and_bare_lf_are_accepted() {
        let wire = b"5;foo=bar\r\nhello\r\nA ; x\r\n0123456789\r\n0;last\r\nX-Trailer: yes\r\nX-Other: 2\r\n\r\n";
        assert_eq!(
            decode_all(wire, 3).unwrap(),
            vec![b"hello".to_vec(), b"0123456789".to_vec()]
        );
        assert_eq!(
            decode_all(b"3\nabc\n0\n\n", 1).unwrap(),
            vec![b"abc".to_vec()]
        );
        let zeros = format!("{}5\r\nhello\r\n0\r\n\r\n", "0".repeat(100));
        assert_eq!(
            decode_all(zeros.as_bytes(), 7).unwrap(),
            vec![b"hello".to_vec()]
        );
    }

    #[test]
    fn malformed_chunks_are_errors() {
        let limits = HttpLimits::default();
        let bad: &[&[u8]] = &[
            b"zz\r\n",
            b"\r\n",
            b"5 x\r\nhello\r\n",
            b"ffffffffffffffff\r\n",
            b"1ffffffffffffffff\r\n",
            b"1000001\r\n",
            b"5\r\nhelloXX",
            b"5;a\x01b\r\n",
        ];
        for b in bad {
            assert!(
                decode_next(b, &limits).is_err(),
                "{:?}",
                String::from_utf8_lossy(b)
            );
        }
    }

    #[test]
    fn endless_lines_hit_limits() {
        let limits = HttpLimits {
            max_chunk_line_bytes: 16,
            max_trailer_bytes: 32,
            ..HttpLimits::default()
        };
        assert!(matches!(
            decode_next(&[b'0'; 17], &limits),
            Err(HttpError::LimitExceeded(_))
        ));
        let mut trailers = b"0\r\n".to_vec();
        trailers.extend(std::iter::repeat_n(b"X: y\r\n".as_slice(), 10).flatten());
        assert!(matches!(
            decode_next(&trailers, &limits),
            Err(HttpError::LimitExceeded(_))
        ));
    }
}
