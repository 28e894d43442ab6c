//! Security checks (issue 7 part 5, SECURITY.md): nothing a script passes can add or split a
//! request line or header line (CR, LF, NUL, and for request lines any whitespace or control
//! character, are `InvalidParameter`), and error messages never echo header values or URL
//! credentials.

use rustnet_core::http::request::{check_target, verify_headers, Method};
use rustnet_core::http::{HttpClient, HttpError};
use rustnet_core::ws::handshake::{server_response, ClientHandshake};
use rustnet_core::ws::{parse_ws_url, WsError};

const SECRET: &str = "s3cr3t-t0ken";

fn strings(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

#[test]
fn http_host_with_line_breaks_or_controls_is_invalid() {
    for host in [
        "example.com\r\nX-Evil: 1",
        "example.com\n",
        "exa\0mple.com",
        "example .com",
        "example.com\t",
        "http://example.com\r\n",
    ] {
        let mut c = HttpClient::default();
        assert!(
            matches!(
                c.connect_to_host(host, 80, None),
                Err(HttpError::InvalidParameter(_))
            ),
            "{host:?}"
        );
        // Through an HTTP proxy the host would reach the request line and Host header.
        let mut c = HttpClient::default();
        c.set_http_proxy("127.0.0.1", 3128);
        assert!(
            matches!(
                c.connect_to_host(host, 80, None),
                Err(HttpError::InvalidParameter(_))
            ),
            "proxied {host:?}"
        );
    }
}

#[test]
fn http_targets_and_headers_cannot_smuggle_lines() {
    for target in [
        "/a b",
        "/a\r\nX: y",
        "/a\nb",
        "/a\0",
        "/a\tb",
        "/\x0b",
        "/\x7f",
    ] {
        assert!(
            matches!(
                check_target(Method::Get, target),
                Err(HttpError::InvalidParameter(_))
            ),
            "{target:?}"
        );
    }
    for h in [
        "A: b\r\nEvil: 1",
        "A: b\n",
        "A: b\r",
        "A: b\0",
        "A\0: b",
        "A: \r\n\r\nGET / HTTP/1.1",
    ] {
        assert!(
            matches!(verify_headers(&[h]), Err(HttpError::InvalidParameter(_))),
            "{h:?}"
        );
    }
}

#[test]
fn error_messages_never_echo_header_values_or_targets() {
    let bad_headers = [
        format!("Authorization: Bearer {SECRET}\r\n"),
        format!("Bearer {SECRET}"),
    ];
    for h in &bad_headers {
        let e = verify_headers(&[h.as_str()]).unwrap_err();
        assert!(!format!("{e:?}").contains(SECRET), "{e:?}");
        let url = parse_ws_url("ws://h").unwrap();
        let e = ClientHandshake::new(&url, &[], std::slice::from_ref(h), [0; 16]).unwrap_err();
        assert!(!format!("{e:?}").contains(SECRET), "{e:?}");
        let e = server_response("k", None, std::slice::from_ref(h)).unwrap_err();
        assert!(!format!("{e:?}").contains(SECRET), "{e:?}");
    }
    let e = check_target(Method::Get, &format!("api?token={SECRET}")).unwrap_err();
    assert!(!format!("{e:?}").contains(SECRET), "{e:?}");
    let e = check_target(Method::Get, &format!("/api?token={SECRET} x")).unwrap_err();
    assert!(!format!("{e:?}").contains(SECRET), "{e:?}");
}

#[test]
fn ws_url_errors_hide_credentials() {
    for url in [
        format!("ws://user:{SECRET}@[::1"),
        format!("ws://user:{SECRET}@h:99999/"),
        format!("ftp://user:{SECRET}@h/"),
        format!("ws://user:{SECRET}@h/ x"),
        format!("ws://user:{SECRET}@a:b:c/"),
    ] {
        let e = parse_ws_url(&url).unwrap_err();
        assert!(matches!(e, WsError::InvalidParameter(_)), "{url}: {e:?}");
        assert!(!format!("{e:?}").contains(SECRET), "{e:?}");
    }
    let e = parse_ws_url(&format!("ws://user:{SECRET}@h:0/")).unwrap_err();
    assert!(format!("{e}").contains("ws://***@h:0/"), "{e}");
}

#[test]
fn ws_url_host_and_path_cannot_carry_line_breaks() {
    for url in [
        "ws://h/a\r\nX: 1",
        "ws://h\r\nX: 1/",
        "ws://h/\0",
        "ws://h/ a",
    ] {
        assert!(
            matches!(parse_ws_url(url), Err(WsError::InvalidParameter(_))),
            "{url:?}"
        );
    }
    let url = parse_ws_url("ws://h").unwrap();
    let e = ClientHandshake::new(&url, &strings(&["chat\r\nX: 1"]), &[], [0; 16]).unwrap_err();
    assert!(matches!(e, WsError::InvalidParameter(_)));
}
