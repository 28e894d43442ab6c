//! Both sides of the opening handshake (godot-behavior.md §2.4, §2.5): exact bytes and
//! Godot's checks, as tables.

use rustnet_core::config::WsLimits;
use rustnet_core::ws::handshake::{
    accept_key, negotiate, parse_client_request, requested_url, server_accept, server_response,
    ClientHandshake, ServerAccepted,
};
use rustnet_core::ws::{parse_ws_url, WsError};

/// RFC 6455 §1.3's example: the nonce "the sample nonce".
const NONCE: [u8; 16] = *b"the sample nonce";
const KEY: &str = "dGhlIHNhbXBsZSBub25jZQ==";
const ACCEPT: &str = "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=";

fn strings(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

fn client(url: &str, protocols: &[&str]) -> ClientHandshake {
    ClientHandshake::new(&parse_ws_url(url).unwrap(), &strings(protocols), &[], NONCE).unwrap()
}

#[test]
fn accept_key_matches_rfc_6455_example() {
    assert_eq!(accept_key(KEY), ACCEPT);
    assert_eq!(client("ws://h", &[]).key(), KEY);
}

#[test]
fn client_request_is_godots_exact_bytes() {
    let hs = ClientHandshake::new(
        &parse_ws_url("ws://Server.Example.com:8080/chat?x=1#f").unwrap(),
        &strings(&[" chat ", "superchat"]),
        &strings(&["X-Token: abc", "Origin: http://o"]),
        NONCE,
    )
    .unwrap();
    assert_eq!(
        String::from_utf8(hs.request().to_vec()).unwrap(),
        "GET /chat?x=1 HTTP/1.1\r\n\
         Host: server.example.com:8080\r\n\
         Upgrade: websocket\r\n\
         Connection: Upgrade\r\n\
         Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\
         Sec-WebSocket-Version: 13\r\n\
         Sec-WebSocket-Protocol: chat,superchat\r\n\
         X-Token: abc\r\n\
         Origin: http://o\r\n\
         \r\n"
    );
    // Default port: no port in Host; no protocols: no header.
    let plain = client("wss://h/", &[]);
    let text = String::from_utf8(plain.request().to_vec()).unwrap();
    assert!(text.starts_with("GET / HTTP/1.1\r\nHost: h\r\n"), "{text}");
    assert!(!text.contains("Sec-WebSocket-Protocol"));
}

#[test]
fn client_refuses_header_injection() {
    let err = ClientHandshake::new(
        &parse_ws_url("ws://h").unwrap(),
        &[],
        &strings(&["X: a\r\nEvil: b"]),
        NONCE,
    )
    .unwrap_err();
    assert!(matches!(err, WsError::InvalidParameter(_)));
}

#[test]
fn client_refuses_cr_lf_nul_in_every_handshake_field() {
    let url = parse_ws_url("ws://h").unwrap();
    let bad_headers = [
        "X: a\r\nEvil: b",
        "X: a\rb",
        "X: a\nb",
        "X: a\0b",
        "X\0: a",
        "",
        "  ",
        "NoColon",
        ": no name",
    ];
    for h in bad_headers {
        let err = ClientHandshake::new(&url, &[], &strings(&[h]), NONCE).unwrap_err();
        assert!(
            matches!(err, WsError::InvalidParameter(_)),
            "{h:?}: {err:?}"
        );
        let err = server_response(KEY, None, &strings(&[h])).unwrap_err();
        assert!(
            matches!(err, WsError::InvalidParameter(_)),
            "server {h:?}: {err:?}"
        );
    }
    for p in ["chat\r\nEvil: 1", "chat\n", "chat\r", "ch\0at"] {
        let err = ClientHandshake::new(&url, &strings(&[p]), &[], NONCE).unwrap_err();
        assert!(
            matches!(err, WsError::InvalidParameter(_)),
            "{p:?}: {err:?}"
        );
    }
    // What stays allowed: Godot's own spellings.
    ClientHandshake::new(
        &url,
        &strings(&[" chat "]),
        &strings(&[" X-A: 1 ", "X-Empty:"]),
        NONCE,
    )
    .unwrap();
}

fn response(status: &str, headers: &[&str]) -> Vec<u8> {
    let mut s = format!("{status}\r\n");
    for h in headers {
        s.push_str(h);
        s.push_str("\r\n");
    }
    s.push_str("\r\n");
    s.into_bytes()
}

const GOOD: &[&str] = &[
    "Upgrade: websocket",
    "Connection: Upgrade",
    "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=",
];

#[test]
fn client_response_checks_table() {
    let limits = WsLimits::default();
    let with = |extra: &[&'static str]| -> Vec<&'static str> {
        let mut v = GOOD.to_vec();
        v.extend_from_slice(extra);
        v
    };
    // (protocols offered, status line, headers, expected selected protocol or error)
    type Row<'a> = (&'a [&'a str], &'a str, Vec<&'a str>, Option<&'a str>);
    let table: Vec<Row> = vec![
        (
            &[],
            "HTTP/1.1 101 Switching Protocols",
            GOOD.to_vec(),
            Some(""),
        ),
        (&[], "HTTP/1.1 101 Whatever", GOOD.to_vec(), Some("")),
        (
            &[],
            "HTTP/1.1 101 OK",
            vec![
                "upgrade: WebSocket",
                "CONNECTION: UPGRADE",
                "sec-websocket-accept:   s3pPLMBiTxaQ9kYGzzhZRbK+xOo=  ",
            ],
            Some(""),
        ),
        (&[], "HTTP/1.0 101 Switching Protocols", GOOD.to_vec(), None),
        (&[], "HTTP/1.1 403 Forbidden", GOOD.to_vec(), None),
        (&[], "HTTP/1.1 200 OK", GOOD.to_vec(), None),
        (
            &[],
            "HTTP/1.1 101 OK",
            vec![
                "Upgrade: websocket",
                "Connection: Upgrade, keep-alive",
                "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=",
            ],
            None,
        ),
        (
            &[],
            "HTTP/1.1 101 OK",
            vec![
                "Upgrade: websocket",
                "Connection: Upgrade",
                "Connection: Upgrade",
                "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=",
            ],
            None, // duplicates are joined: "Upgrade,Upgrade"
        ),
        (
            &[],
            "HTTP/1.1 101 OK",
            vec!["Upgrade: h2c", GOOD[1], GOOD[2]],
            None,
        ),
        (&[], "HTTP/1.1 101 OK", vec![GOOD[0], GOOD[2]], None),
        (&[], "HTTP/1.1 101 OK", vec![GOOD[0], GOOD[1]], None),
        (
            &[],
            "HTTP/1.1 101 OK",
            vec![
                GOOD[0],
                GOOD[1],
                "Sec-WebSocket-Accept: S3PPLMBITXAQ9KYGZZHZRBK+XOO=",
            ],
            None,
        ),
        (
            &[],
            "HTTP/1.1 101 OK",
            with(&["Sec-WebSocket-Protocol: chat"]),
            None,
        ),
        (
            &["a", "b"],
            "HTTP/1.1 101 OK",
            with(&["Sec-WebSocket-Protocol: b"]),
            Some("b"),
        ),
        (
            &["a", "b"],
            "HTTP/1.1 101 OK",
            with(&["Sec-WebSocket-Protocol: c"]),
            None,
        ),
        (
            &["a", "b"],
            "HTTP/1.1 101 OK",
            with(&["Sec-WebSocket-Protocol: a,b"]),
            None,
        ),
        (&["a", "b"], "HTTP/1.1 101 OK", GOOD.to_vec(), None),
    ];
    for (protocols, status, headers, expected) in table {
        let hs = client("ws://h", protocols);
        let bytes = response(status, &headers);
        let got = hs.parse_response(&bytes, &limits);
        match expected {
            Some(p) => assert_eq!(
                got,
                Ok(Some(ServerAccepted {
                    protocol: p.to_string(),
                    consumed: bytes.len(),
                    extensions: String::new(),
                })),
                "{status} {headers:?}"
            ),
            None => assert!(
                matches!(got, Err(WsError::Handshake(_))),
                "{status} {headers:?}: {got:?}"
            ),
        }
    }
}

#[test]
fn client_response_short_input_and_size_limit() {
    let limits = WsLimits::default();
    let hs = client("ws://h", &[]);
    let mut full = response("HTTP/1.1 101 Switching Protocols", GOOD);
    for cut in 0..full.len() {
        assert_eq!(
            hs.parse_response(&full[..cut], &limits),
            Ok(None),
            "cut {cut}"
        );
    }
    // Frames after the head are not part of it.
    let head_len = full.len();
    full.extend_from_slice(&[0x81, 0x00]);
    assert_eq!(
        hs.parse_response(&full, &limits).unwrap().unwrap().consumed,
        head_len
    );
    // A head of exactly 4096 bytes is fine, one more byte is not.
    let pad = |n: usize| {
        let mut h = GOOD.to_vec();
        let filler = format!("X-Pad: {}", "p".repeat(n));
        h.push(Box::leak(filler.into_boxed_str()));
        response("HTTP/1.1 101 Switching Protocols", &h)
    };
    let base = pad(0).len();
    let exact = pad(4096 - base);
    assert_eq!(exact.len(), 4096);
    assert!(hs.parse_response(&exact, &limits).unwrap().is_some());
    let over = pad(4097 - base);
    assert!(matches!(
        hs.parse_response(&over, &limits),
        Err(WsError::LimitExceeded(_))
    ));
    // Never-ending head: an error once 4096 bytes are in, not "need more" forever.
    let endless = vec![b'a'; 5000];
    assert!(hs.parse_response(&endless, &limits).is_err());
    let endless_head = [b"HTTP/1.1 101 OK\r\nX: ".as_slice(), &[b'a'; 5000]].concat();
    assert!(matches!(
        hs.parse_response(&endless_head, &limits),
        Err(WsError::LimitExceeded(_))
    ));
}

fn request(line: &str, headers: &[&str]) -> Vec<u8> {
    response(line, headers)
}

const REQ: &[&str] = &[
    "Host: example.com:1234",
    "Upgrade: websocket",
    "Connection: Upgrade",
    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==",
    "Sec-WebSocket-Version: 13",
];

#[test]
fn server_request_checks_table() {
    let limits = WsLimits::default();
    let replace = |i: usize, with: &'static str| -> Vec<&'static str> {
        let mut v = REQ.to_vec();
        v[i] = with;
        v
    };
    let without = |i: usize| -> Vec<&'static str> {
        let mut v = REQ.to_vec();
        v.remove(i);
        v
    };
    let table: Vec<(&str, Vec<&str>, bool)> = vec![
        ("GET /p?q=1 HTTP/1.1", REQ.to_vec(), true),
        (
            "GET / HTTP/1.1",
            replace(2, "Connection: keep-alive, Upgrade"),
            true,
        ),
        ("GET / HTTP/1.1", replace(2, "Connection: close"), true), // value not checked
        ("GET / HTTP/1.1", replace(1, "Upgrade: WebSocket"), true),
        ("GET / HTTP/1.1", without(0), true), // Host not required
        ("GET / HTTP/1.0", REQ.to_vec(), false),
        ("POST / HTTP/1.1", REQ.to_vec(), false),
        ("GET / HTTP/1.1", replace(1, "Upgrade: h2c"), false),
        ("GET / HTTP/1.1", without(1), false),
        ("GET / HTTP/1.1", without(2), false),
        ("GET / HTTP/1.1", without(3), false),
        (
            "GET / HTTP/1.1",
            replace(4, "Sec-WebSocket-Version: 8"),
            false,
        ),
        ("GET / HTTP/1.1", without(4), false),
    ];
    for (line, headers, accepted) in table {
        let got = parse_client_request(&request(line, &headers), &limits);
        if accepted {
            assert!(matches!(got, Ok(Some(_))), "{line} {headers:?}: {got:?}");
        } else {
            assert!(
                matches!(got, Err(WsError::Handshake(_))),
                "{line} {headers:?}: {got:?}"
            );
        }
    }
    let req = parse_client_request(&request("GET /p?q=1 HTTP/1.1", REQ), &limits)
        .unwrap()
        .unwrap();
    assert_eq!(req.target, "/p?q=1");
    assert_eq!(req.host, "example.com:1234");
    assert_eq!(req.key, KEY);
    assert_eq!(req.protocols, None);
    // Short input needs more; an endless head is an error at 4096 bytes.
    let bytes = request("GET / HTTP/1.1", REQ);
    for cut in 0..bytes.len() {
        assert_eq!(parse_client_request(&bytes[..cut], &limits), Ok(None));
    }
    let endless = [b"GET / HTTP/1.1\r\nX: ".as_slice(), &[b'a'; 5000]].concat();
    assert!(matches!(
        parse_client_request(&endless, &limits),
        Err(WsError::LimitExceeded(_))
    ));
}

#[test]
fn negotiation_table() {
    // (client offers, server supports, chosen or error)
    type Row<'a> = (
        Option<&'a [&'a str]>,
        &'a [&'a str],
        Result<Option<&'a str>, WsError>,
    );
    let table: &[Row] = &[
        (None, &[], Ok(None)),
        (None, &["a"], Err(WsError::NoCommonProtocol)),
        (
            Some(&["beta", "alpha"]),
            &["alpha", "beta"],
            Ok(Some("beta")),
        ),
        (Some(&["x", "alpha"]), &[" alpha "], Ok(Some("alpha"))),
        (Some(&["x"]), &["alpha"], Err(WsError::NoCommonProtocol)),
        // Godot: an offer with nothing supported matches nothing.
        (Some(&["x"]), &[], Err(WsError::NoCommonProtocol)),
    ];
    for (offered, supported, expected) in table {
        let offered = offered.map(strings);
        let got = negotiate(offered.as_deref(), &strings(supported));
        let expected = expected.clone().map(|o| o.map(str::to_string));
        assert_eq!(got, expected, "{offered:?} vs {supported:?}");
    }
    // The header's list is split on ',' and trimmed.
    let limits = WsLimits::default();
    let mut headers = REQ.to_vec();
    headers.push("Sec-WebSocket-Protocol: beta , alpha");
    let req = parse_client_request(&request("GET / HTTP/1.1", &headers), &limits)
        .unwrap()
        .unwrap();
    assert_eq!(req.protocols, Some(strings(&["beta", "alpha"])));
}

#[test]
fn server_response_is_godots_exact_bytes() {
    assert_eq!(
        String::from_utf8(server_response(KEY, Some("chat"), &strings(&["X-A: 1"])).unwrap())
            .unwrap(),
        "HTTP/1.1 101 Switching Protocols\r\n\
         Upgrade: websocket\r\n\
         Connection: Upgrade\r\n\
         Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\
         Sec-WebSocket-Protocol: chat\r\n\
         X-A: 1\r\n\
         \r\n"
    );
    assert_eq!(
        String::from_utf8(server_response(KEY, None, &[]).unwrap()).unwrap(),
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
         Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n"
    );
}

#[test]
fn requested_url_is_built_from_host() {
    assert_eq!(
        requested_url(false, "example.com:1234", "/p?q=1"),
        "ws://example.com:1234/p?q=1"
    );
    assert_eq!(
        requested_url(true, "localhost:29302", "/secure?x=1"),
        "wss://localhost:29302/secure?x=1"
    );
    assert_eq!(requested_url(false, "", "/"), "ws:///");
}

#[test]
fn client_and_server_agree() {
    let limits = WsLimits::default();
    let hs = ClientHandshake::new(
        &parse_ws_url("ws://example.com:1234/p?q=1").unwrap(),
        &strings(&["beta", "alpha"]),
        &[],
        NONCE,
    )
    .unwrap();
    let acc = server_accept(
        hs.request(),
        &strings(&["alpha", "beta"]),
        &[],
        false,
        &limits,
    )
    .unwrap()
    .unwrap();
    assert_eq!(acc.protocol, "beta");
    assert_eq!(acc.requested_url, "ws://example.com:1234/p?q=1");
    assert_eq!(acc.consumed, hs.request().len());
    let got = hs.parse_response(&acc.response, &limits).unwrap().unwrap();
    assert_eq!(got.protocol, "beta");
    // No common protocol: the server refuses (silent close in Godot).
    assert_eq!(
        server_accept(hs.request(), &strings(&["gamma"]), &[], false, &limits),
        Err(WsError::NoCommonProtocol)
    );
}
