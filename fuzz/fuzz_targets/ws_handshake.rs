//! Both WebSocket handshake sides. Server side: `parse_client_request` on arbitrary bytes, and
//! a request accepted must also be accepted, identically, with its head alone and with frames
//! after it. Client side: `ClientHandshake::parse_response` against a request built from
//! fuzzed protocols and headers; the 101 it accepts carries the right accept key and one of
//! the offered protocols. Round trip: the request `ClientHandshake::new` builds (when it accepts
//! the fuzzed headers) parses on the server side with the same key, target and protocols.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rustnet_core::config::WsLimits;
use rustnet_core::ws::handshake::{
    accept_key, parse_client_request, server_response, ClientHandshake,
};
use rustnet_core::ws::WsUrl;

fn fields(s: &[u8]) -> Vec<String> {
    s.split(|&b| b == 0xff)
        .filter(|p| !p.is_empty())
        .map(|p| String::from_utf8_lossy(p).into_owned())
        .collect()
}

/// A header line a strict parser takes as it is: a token name, then visible characters; and
/// not one of the handshake's own fields (a script may send a second `Upgrade` or
/// `Sec-WebSocket-Version`, as with Godot, and the server then rightly refuses the request).
fn plain_header(h: &str) -> bool {
    let Some((name, value)) = h.split_once(':') else {
        return false;
    };
    let lower = name.to_ascii_lowercase();
    let own = ["host", "upgrade", "connection"].contains(&lower.as_str())
        || lower.starts_with("sec-websocket-");
    !own && !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
        && value
            .bytes()
            .all(|b| b == b'\t' || (0x20..0x7f).contains(&b) || b >= 0x80)
}

fuzz_target!(|data: &[u8]| {
    let Some((&flags, data)) = data.split_first() else {
        return;
    };
    let mut limits = WsLimits::default();
    if flags & 1 != 0 {
        limits.max_handshake_bytes = 256;
        limits.max_handshake_headers = 4;
    }
    // Part before the first 0xfe: protocols and extra headers for the client side; after it:
    // the peer's bytes.
    let (config, peer) = match data.iter().position(|&b| b == 0xfe) {
        Some(i) => (&data[..i], &data[i + 1..]),
        None => (&[][..], data),
    };
    let (protos, extra) = match config.iter().position(|&b| b == 0xfd) {
        Some(i) => (&config[..i], &config[i + 1..]),
        None => (config, &[][..]),
    };
    let protocols = fields(protos);
    let extra_headers = fields(extra);

    // Server side.
    if let Ok(Some(req)) = parse_client_request(peer, &limits) {
        assert!(req.consumed <= peer.len() && req.consumed <= limits.max_handshake_bytes);
        let head = &peer[..req.consumed];
        assert_eq!(parse_client_request(head, &limits), Ok(Some(req.clone())));
        let mut longer = head.to_vec();
        longer.extend_from_slice(&[0x81, 0x80, 1, 2, 3, 4]);
        assert_eq!(
            parse_client_request(&longer, &limits),
            Ok(Some(req.clone()))
        );
        if let Ok(resp) = server_response(&req.key, None, &extra_headers) {
            assert!(resp.ends_with(b"\r\n\r\n"));
        }
    }

    // Client side.
    let url = WsUrl {
        tls: flags & 2 != 0,
        host: "example.com".into(),
        port: 8080,
        path: "/chat?x=1".into(),
    };
    let Ok(client) = ClientHandshake::new(&url, &protocols, &extra_headers, [7; 16]) else {
        return;
    };
    let request = client.request();
    // Whatever was accepted, the request is one head with exactly the lines we meant: no NUL,
    // no bare CR or LF, no early blank line, no smuggled extra line.
    assert!(!request.contains(&0), "NUL in the request");
    for (i, &b) in request.iter().enumerate() {
        if b == b'\n' {
            assert!(i > 0 && request[i - 1] == b'\r', "bare LF in the request");
        }
        if b == b'\r' {
            assert_eq!(request.get(i + 1), Some(&b'\n'), "bare CR in the request");
        }
    }
    let lines = request.windows(2).filter(|w| w == b"\r\n").count();
    let expected = 6 + usize::from(!protocols.is_empty()) + extra_headers.len() + 1;
    assert_eq!(lines, expected, "request has extra lines");
    assert!(request.ends_with(b"\r\n\r\n"));
    assert_eq!(
        request.windows(4).position(|w| w == b"\r\n\r\n"),
        Some(request.len() - 4),
        "request head ends early"
    );
    let plain = extra_headers.iter().all(|h| plain_header(h))
        && protocols
            .iter()
            .all(|p| p.bytes().all(|b| (0x21..0x7f).contains(&b) || b == b' '));
    if plain && extra_headers.len() < 8 {
        // The server side reads back what the client sent.
        let roomy = WsLimits {
            max_handshake_bytes: 1 << 16,
            ..WsLimits::default()
        };
        let req = parse_client_request(request, &roomy)
            .expect("our own request parses")
            .expect("our own request is complete");
        assert_eq!(req.key, client.key());
        assert_eq!(req.target, url.path);
        assert_eq!(req.consumed, request.len());
    }
    match client.parse_response(peer, &limits) {
        Ok(Some(acc)) => {
            assert!(acc.consumed <= peer.len());
            let head = String::from_utf8_lossy(&peer[..acc.consumed]).to_ascii_lowercase();
            assert!(head.contains(&accept_key(client.key()).to_ascii_lowercase()));
            if protocols.iter().all(|p| p.trim().is_empty()) {
                assert_eq!(acc.protocol, "");
            } else {
                assert!(protocols.iter().any(|p| p.trim() == acc.protocol));
            }
        }
        Ok(None) => assert!(peer.len() <= limits.max_handshake_bytes),
        Err(_) => {}
    }
});
