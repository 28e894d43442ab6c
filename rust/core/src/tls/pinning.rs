//! Public-key pinning: a pin is the SHA-256 of a certificate's DER `SubjectPublicKeyInfo`,
//! base64-encoded — what `openssl x509 -pubkey | openssl pkey -pubin -outform der | openssl dgst
//! -sha256 -binary | base64` and browsers print (HPKP's `pin-sha256`). A handshake passes when
//! any certificate the server presents (leaf or chain) matches any pin, after the normal checks.

use std::fmt;

/// One SHA-256 SPKI pin.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Pin(pub [u8; 32]);

impl fmt::Debug for Pin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "sha256/{}", base64_encode(&self.0))
    }
}

impl Pin {
    /// Parses `sha256/<base64>` or bare `<base64>` (44 characters for 32 bytes).
    pub fn parse(text: &str) -> Result<Pin, String> {
        let t = text.trim();
        let b64 = t.strip_prefix("sha256/").unwrap_or(t);
        let bytes = base64_decode(b64).ok_or_else(|| format!("pin '{t}' is not base64"))?;
        let arr: [u8; 32] = bytes.try_into().map_err(|v: Vec<u8>| {
            format!("pin '{t}' has {} bytes, a SHA-256 pin has 32", v.len())
        })?;
        Ok(Pin(arr))
    }

    /// The pin of a DER certificate, or `None` if its SPKI can't be found.
    pub fn of_certificate(cert_der: &[u8]) -> Option<Pin> {
        let spki = spki_of_certificate(cert_der)?;
        let digest = ring::digest::digest(&ring::digest::SHA256, spki);
        let mut out = [0u8; 32];
        out.copy_from_slice(digest.as_ref());
        Some(Pin(out))
    }
}

/// The pin of a trust anchor, whose `SubjectPublicKeyInfo` webpki keeps without its outer
/// `SEQUENCE` header (`TrustAnchor::subject_public_key_info`).
pub fn pin_of_spki_content(content: &[u8]) -> Pin {
    let mut der = vec![0x30];
    let len = content.len();
    if len < 0x80 {
        der.push(len as u8);
    } else {
        let bytes: Vec<u8> = len
            .to_be_bytes()
            .iter()
            .copied()
            .skip_while(|b| *b == 0)
            .collect();
        der.push(0x80 | bytes.len() as u8);
        der.extend_from_slice(&bytes);
    }
    der.extend_from_slice(content);
    let digest = ring::digest::digest(&ring::digest::SHA256, &der);
    let mut out = [0u8; 32];
    out.copy_from_slice(digest.as_ref());
    Pin(out)
}

/// The contents of a certificate's issuer `Name` (comparable with `TrustAnchor::subject`).
pub fn issuer_of_certificate(cert_der: &[u8]) -> Option<&[u8]> {
    let cert = der_tlv(cert_der).filter(|t| t.tag == 0x30)?;
    let mut tbs = der_tlv(cert.content).filter(|t| t.tag == 0x30)?.content;
    if tbs.first() == Some(&0xa0) {
        tbs = der_tlv(tbs)?.rest;
    }
    // serial, signature
    for _ in 0..2 {
        tbs = der_tlv(tbs)?.rest;
    }
    Some(der_tlv(tbs).filter(|t| t.tag == 0x30)?.content)
}

/// One DER element split out of a buffer.
struct Tlv<'a> {
    tag: u8,
    content: &'a [u8],
    /// The whole element, header included.
    whole: &'a [u8],
    rest: &'a [u8],
}

/// The DER element at the start of `input`.
fn der_tlv(input: &[u8]) -> Option<Tlv<'_>> {
    let tag = *input.first()?;
    let first = *input.get(1)? as usize;
    let (len, header) = if first < 0x80 {
        (first, 2)
    } else {
        let n = first & 0x7f;
        if n == 0 || n > 4 {
            return None;
        }
        let mut len = 0usize;
        for i in 0..n {
            len = (len << 8) | *input.get(2 + i)? as usize;
        }
        (len, 2 + n)
    };
    let end = header.checked_add(len)?;
    if end > input.len() {
        return None;
    }
    Some(Tlv {
        tag,
        content: &input[header..end],
        whole: &input[..end],
        rest: &input[end..],
    })
}

/// The DER `SubjectPublicKeyInfo` inside an X.509 certificate:
/// `Certificate ::= SEQUENCE { tbsCertificate SEQUENCE { [0] version?, serial, signature,
/// issuer, validity, subject, subjectPublicKeyInfo, … }, … }`.
pub fn spki_of_certificate(cert_der: &[u8]) -> Option<&[u8]> {
    let cert = der_tlv(cert_der).filter(|t| t.tag == 0x30)?;
    let mut tbs = der_tlv(cert.content).filter(|t| t.tag == 0x30)?.content;
    // Optional explicit version [0].
    if tbs.first() == Some(&0xa0) {
        tbs = der_tlv(tbs)?.rest;
    }
    // serial, signature, issuer, validity, subject
    for _ in 0..5 {
        tbs = der_tlv(tbs)?.rest;
    }
    let spki = der_tlv(tbs).filter(|t| t.tag == 0x30)?;
    Some(spki.whole)
}

const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

fn base64_encode(data: &[u8]) -> String {
    let mut out = String::new();
    for chunk in data.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(B64[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

fn base64_decode(text: &str) -> Option<Vec<u8>> {
    let text = text.trim_end_matches('=');
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    let (mut acc, mut bits) = (0u32, 0u32);
    for c in text.bytes() {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' | b'-' => 62,
            b'/' | b'_' => 63,
            _ => return None,
        };
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_both_pin_forms_and_rejects_bad_ones() {
        let b64 = base64_encode(&[7u8; 32]);
        assert_eq!(b64.len(), 44);
        assert_eq!(Pin::parse(&b64).unwrap(), Pin([7; 32]));
        assert_eq!(Pin::parse(&format!("sha256/{b64}")).unwrap(), Pin([7; 32]));
        assert!(Pin::parse("not base64!").is_err());
        assert!(Pin::parse("AAAA").is_err());
    }

    #[test]
    fn base64_round_trips() {
        for n in 0..40 {
            let data: Vec<u8> = (0..n).map(|i| (i * 37) as u8).collect();
            assert_eq!(base64_decode(&base64_encode(&data)).unwrap(), data);
        }
    }

    #[test]
    fn der_walk_survives_garbage() {
        assert_eq!(spki_of_certificate(&[]), None);
        assert_eq!(
            spki_of_certificate(&[0x30, 0x84, 0xff, 0xff, 0xff, 0xff]),
            None
        );
        assert_eq!(spki_of_certificate(&[0x30, 0x03, 0x30, 0x01, 0x00]), None);
        for len in 0..64u8 {
            let junk: Vec<u8> = (0..len).map(|i| i.wrapping_mul(91) ^ 0x30).collect();
            let _ = spki_of_certificate(&junk);
        }
    }
}
