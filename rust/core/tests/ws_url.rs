//! Godot's `parse_url` + `connect_to_url` rules (godot-behavior.md §2.3), as a table.

use rustnet_core::ws::{parse_ws_url, WsError, WsUrl};

fn ok(tls: bool, host: &str, port: u16, path: &str) -> Result<WsUrl, ()> {
    Ok(WsUrl {
        tls,
        host: host.into(),
        port,
        path: path.into(),
    })
}

#[test]
fn url_table() {
    const ERR: Result<WsUrl, ()> = Err(());
    let table: &[(&str, Result<WsUrl, ()>)] = &[
        ("ws://example.com", ok(false, "example.com", 80, "/")),
        ("wss://example.com", ok(true, "example.com", 443, "/")),
        (
            "WS://Example.COM/Chat",
            ok(false, "example.com", 80, "/Chat"),
        ),
        ("WsS://h:8443/p", ok(true, "h", 8443, "/p")),
        (
            "127.0.0.1:29200/echo",
            ok(false, "127.0.0.1", 29200, "/echo"),
        ),
        ("example.com", ok(false, "example.com", 80, "/")),
        ("ws://h/p?q=1&r=2", ok(false, "h", 80, "/p?q=1&r=2")),
        ("ws://h:1/?x=1", ok(false, "h", 1, "/?x=1")),
        ("ws://h/p#frag", ok(false, "h", 80, "/p")),
        ("ws://h#frag", ok(false, "h", 80, "/")),
        ("ws://user:pass@h:81/p", ok(false, "h", 81, "/p")),
        ("ws://user@h", ok(false, "h", 80, "/")),
        ("ws://[::1]:9000/x", ok(false, "::1", 9000, "/x")),
        ("ws://[FE80::1]", ok(false, "fe80::1", 80, "/")),
        ("wss://h:443/", ok(true, "h", 443, "/")),
        ("ws://h:+81", ok(false, "h", 81, "/")),
        ("ws://h:65535", ok(false, "h", 65535, "/")),
        // A query without a path: the port text becomes "1?x=1".
        ("ws://h:1?x=1", ERR),
        ("", ERR),
        ("ws://h:0", ERR),
        ("ws://h:65536", ERR),
        ("ws://h:-1", ERR),
        ("ws://h:", ERR),
        ("ws://h:abc", ERR),
        ("ws://h:99999999999999999999999", ERR),
        ("ws://", ERR),
        ("ws:///path", ERR),
        ("ws://:80", ERR),
        ("ws://::1/x", ERR),
        ("ws://[::1", ERR),
        ("http://h", ERR),
        ("ftp://h", ERR),
        ("ws://user@", ERR),
    ];
    for (input, expected) in table {
        let got = parse_ws_url(input).map_err(|e| {
            assert!(
                matches!(e, WsError::InvalidParameter(_)),
                "{input}: wrong error kind {e:?}"
            );
        });
        assert_eq!(&got, expected, "input {input:?}");
    }
}

#[test]
fn host_header_omits_default_port_and_keeps_ipv6_bare() {
    let h = |u: &str| parse_ws_url(u).unwrap().host_header();
    assert_eq!(h("ws://h"), "h");
    assert_eq!(h("ws://h:80"), "h");
    assert_eq!(h("ws://h:443"), "h:443");
    assert_eq!(h("wss://h:443"), "h");
    assert_eq!(h("wss://h:80"), "h:80");
    assert_eq!(h("ws://[::1]:9000"), "::1:9000");
}

#[test]
fn spaces_and_control_characters_never_reach_the_request_line() {
    for url in [
        "ws://h/ a",
        "ws://h/a\r\nEvil: 1",
        "ws://h/a\0",
        "ws://h\r\nEvil: 1/",
        "ws://h\t/",
        "ws://h /",
        "ws://h/\x7f",
    ] {
        assert!(
            matches!(parse_ws_url(url), Err(WsError::InvalidParameter(_))),
            "{url:?}"
        );
    }
}
