//! HTTP response head parser (`parse_head`): never panics, and what it decides depends only on
//! the head's own bytes — parsing the head alone, or with anything after it, gives the same
//! result; sizes and counts stay within the configured limits.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rustnet_core::http::response::{parse_head, Framing, HeadParse};
use rustnet_core::HttpLimits;

fuzz_target!(|data: &[u8]| {
    let Some((&flags, buf)) = data.split_first() else {
        return;
    };
    let head_request = flags & 1 == 1;
    let mut limits = HttpLimits::default();
    if flags & 2 == 2 {
        limits.max_head_bytes = 300;
        limits.max_header_count = 4;
    }
    let Ok(parsed) = parse_head(buf, head_request, &limits) else {
        return;
    };
    match parsed {
        HeadParse::Partial => {
            assert!(
                buf.len() <= limits.max_head_bytes,
                "partial head over the limit"
            );
            // A prefix of a partial head is partial too (or already invalid), never final.
            for cut in [0, buf.len() / 2, buf.len().saturating_sub(1)] {
                if let Ok(p) = parse_head(&buf[..cut], head_request, &limits) {
                    assert!(
                        !matches!(p, HeadParse::Final { .. } | HeadParse::Interim { .. }),
                        "prefix {cut} of a partial head parsed as complete"
                    );
                }
            }
        }
        HeadParse::Interim { consumed } => {
            assert!(consumed > 0 && consumed <= buf.len());
            assert_eq!(
                parse_head(&buf[..consumed], head_request, &limits),
                Ok(HeadParse::Interim { consumed })
            );
        }
        HeadParse::Final { head, consumed } => {
            assert!(consumed > 0 && consumed <= buf.len());
            assert!(consumed <= limits.max_head_bytes);
            assert!(head.headers.len() <= limits.max_header_count);
            assert!((200..=999).contains(&head.code) || head.code == 101 || head.code < 100);
            for h in &head.headers {
                assert!(
                    !h.contains(['\r', '\n']),
                    "header line keeps a line break: {h:?}"
                );
            }
            match head.framing {
                Framing::Sized(n) => {
                    assert!(n > 0);
                    assert_eq!(head.body_length, n as i64);
                }
                Framing::Chunked => assert!(head.chunked && head.body_length == -1),
                Framing::Empty => assert!(head.body_length <= 0),
                Framing::UntilClose => {
                    assert_eq!(head.body_length, -1);
                    assert!(
                        !head.keep_alive,
                        "a close-delimited body on a reused connection"
                    );
                }
                Framing::None => {}
            }
            if head_request {
                assert!(matches!(head.framing, Framing::Empty | Framing::None));
            }
            // Bytes after the head never change it.
            let again = parse_head(&buf[..consumed], head_request, &limits);
            assert_eq!(
                again,
                Ok(HeadParse::Final {
                    head: head.clone(),
                    consumed
                })
            );
            let mut longer = buf[..consumed].to_vec();
            longer.extend_from_slice(b"HTTP/1.1 200 OK\r\n\r\n");
            assert_eq!(
                parse_head(&longer, head_request, &limits),
                Ok(HeadParse::Final { head, consumed })
            );
        }
    }
});
