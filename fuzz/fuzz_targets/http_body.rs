//! A whole HTTP exchange through `HttpClient` over a scripted transport: the response bytes
//! (head, then a sized, chunked or close-delimited body, maybe gzip-encoded) arrive in random
//! splits with "nothing yet" reads in between. Checked: the client always reaches an end
//! (CONNECTED, DISCONNECTED or CONNECTION_ERROR) within a bounded number of calls; each body
//! piece respects its size limit; a Sized body that ends well has exactly its length; and the
//! status code, headers, body bytes and ending are the same whatever the split.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rustnet_core::http::{HttpClient, Status};
use rustnet_core::HttpLimits;
use rustnet_fuzz::{seed_and_rest, Cut, Scripted, Splits};

/// Stop collecting decoded output past this (a small gzip input can inflate a lot).
const BODY_CAP: usize = 1 << 22;

#[derive(Debug, PartialEq, Eq)]
struct Outcome {
    code: i32,
    headers: Vec<String>,
    body: Vec<u8>,
    truncated: bool,
    /// `None` when the client failed, else its final status.
    end: Option<Status>,
}

struct Setup {
    head: bool,
    gzip: bool,
    read_chunk_size: i64,
    limits: HttpLimits,
}

fn run(setup: &Setup, resp: &[u8], cut: Cut) -> Outcome {
    let mut c = HttpClient::new(setup.limits.clone());
    c.set_read_chunk_size(setup.read_chunk_size).unwrap();
    c.set_accept_gzip(setup.gzip);
    c.set_connection(Box::new(Scripted::new(resp, cut)));
    let method = if setup.head { 1 } else { 0 };
    c.request(method, "/", &[] as &[&str], b"").unwrap();
    let mut out = Outcome {
        code: 0,
        headers: Vec::new(),
        body: Vec::new(),
        truncated: false,
        end: None,
    };
    let mut chunk: Vec<u8> = Vec::new();
    let stall_budget = 4 * resp.len() + 64;
    let mut stalls = 0;
    let mut seen_head = false;
    while stalls < stall_budget {
        stalls += 1;
        let status = c.status();
        if !seen_head && matches!(status, Status::Body | Status::Connected) {
            seen_head = true;
            out.code = c.response_code();
            out.headers = c.take_response_headers();
        }
        match status {
            Status::Requesting => {
                let _ = c.poll();
            }
            Status::Body => {
                let _ = c.poll();
                let length = c.response_body_length();
                let r = c.read_response_body_chunk(&mut chunk);
                let limit = if c.is_response_chunked() && !setup.gzip {
                    setup.limits.max_chunk_size
                } else {
                    setup.read_chunk_size as usize
                };
                assert!(chunk.len() <= limit, "body piece {} > {limit}", chunk.len());
                if !chunk.is_empty() {
                    stalls = 0;
                }
                out.body.extend_from_slice(&chunk);
                if r.is_ok() && length >= 0 && c.status() == Status::Connected {
                    assert_eq!(out.body.len() as i64, length, "sized body length");
                }
                if out.body.len() > BODY_CAP {
                    out.truncated = true;
                    return out;
                }
            }
            Status::Connected | Status::Disconnected => {
                out.end = Some(status);
                return out;
            }
            Status::ConnectionError => return out,
            other => panic!("unexpected status {other:?}"),
        }
    }
    panic!("the client made no progress in {stall_budget} calls");
}

fuzz_target!(|data: &[u8]| {
    let Some((&flags, data)) = data.split_first() else {
        return;
    };
    let Some((seed, resp)) = seed_and_rest(data) else {
        return;
    };
    let mut limits = HttpLimits::default();
    if flags & 0x20 != 0 {
        limits.max_head_bytes = 512;
        limits.max_header_count = 8;
        limits.max_chunk_size = 300;
        limits.max_chunk_line_bytes = 64;
        limits.max_trailer_bytes = 128;
        limits.head_read_size = 64;
    }
    let setup = Setup {
        head: flags & 1 != 0,
        gzip: flags & 2 != 0,
        read_chunk_size: [256, 300, 1024, 4096, 65536, 256, 512, 1 << 24]
            [(flags >> 2 & 7) as usize],
        limits,
    };
    let max_read = 1 + (seed as usize >> 8) * 4;
    let whole = run(&setup, resp, Cut::Whole);
    let split = run(&setup, resp, Cut::Random(Splits::new(seed, max_read)));
    if whole.truncated || split.truncated {
        let n = whole.body.len().min(split.body.len());
        assert_eq!(whole.body[..n], split.body[..n]);
        return;
    }
    if whole.end.is_none() || split.end.is_none() {
        // A failed body: both fail, and neither handed out a byte the other disagrees with
        // (one may stop earlier, e.g. a decoder error drops what the same call decoded).
        assert_eq!(
            (whole.code, &whole.headers, whole.end),
            (split.code, &split.headers, split.end),
            "outcome depends on how the bytes were split"
        );
        let n = whole.body.len().min(split.body.len());
        assert_eq!(whole.body[..n], split.body[..n]);
        return;
    }
    assert_eq!(whole, split, "outcome depends on how the bytes were split");
});
