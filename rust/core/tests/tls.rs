//! TLS through the `HttpClient` state machine against a rustls server on loopback, with the
//! test certificates in `tests/data/` (see its README). Covers Godot's `TLSOptions` modes,
//! public-key pins and the handshake timeout.

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::{ServerConfig, ServerConnection, StreamOwned};
use rustnet_core::http::{HttpClient, HttpError, Status};
use rustnet_core::tls::pinning::Pin;
use rustnet_core::tls::TlsClientOptions;
use std::io::{Read, Write};
use std::net::TcpListener;
use std::sync::Arc;
use std::thread;
use std::time::Duration;

const CA: &str = include_str!("data/ca.crt");
const LEAF: &str = include_str!("data/localhost.crt");
const KEY: &str = include_str!("data/localhost.key");
const PIN: &str = include_str!("data/localhost.pin");

/// A TLS server answering every request on its one connection with `body`.
fn tls_server(body: &'static [u8]) -> u16 {
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_slice_iter(LEAF.as_bytes())
        .collect::<Result<_, _>>()
        .unwrap();
    let key = PrivateKeyDer::from_pem_slice(KEY.as_bytes()).unwrap();
    let config =
        ServerConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_no_client_auth()
            .with_single_cert(certs, key)
            .unwrap();
    let config = Arc::new(config);
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    thread::spawn(move || {
        let Ok((tcp, _)) = listener.accept() else {
            return;
        };
        let Ok(conn) = ServerConnection::new(config) else {
            return;
        };
        let mut tls = StreamOwned::new(conn, tcp);
        loop {
            let mut head = Vec::new();
            let mut byte = [0u8; 1];
            while !head.ends_with(b"\r\n\r\n") {
                match tls.read(&mut byte) {
                    Ok(1) => head.push(byte[0]),
                    _ => return,
                }
            }
            let response = format!("HTTP/1.1 200 OK\r\nContent-Length: {}\r\n\r\n", body.len());
            if tls
                .write_all(response.as_bytes())
                .and_then(|_| tls.write_all(body))
                .is_err()
            {
                return;
            }
        }
    });
    port
}

/// A server that accepts and never says anything.
fn silent_server() -> (u16, TcpListener) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    (listener.local_addr().unwrap().port(), listener)
}

fn options(ca: Option<&str>, unsafe_client: bool, name: &str) -> TlsClientOptions {
    TlsClientOptions {
        is_server: false,
        unsafe_client,
        trusted_ca_pem: ca.map(str::to_string),
        common_name_override: name.to_string(),
    }
}

/// Connects and polls until the status leaves CONNECTING; returns it and the last error.
fn connect(
    client: &mut HttpClient,
    host: &str,
    port: u16,
    opts: TlsClientOptions,
) -> (Status, Option<HttpError>) {
    client
        .connect_to_host(host, i64::from(port), Some(opts))
        .unwrap();
    let mut last = None;
    for _ in 0..20_000 {
        if !matches!(client.status(), Status::Connecting | Status::Resolving) {
            break;
        }
        if let Err(e) = client.poll() {
            last = Some(e);
        }
        thread::sleep(Duration::from_micros(250));
    }
    (client.status(), last)
}

fn get(client: &mut HttpClient) -> Vec<u8> {
    client.request(0, "/", &[] as &[&str], b"").unwrap();
    for _ in 0..20_000 {
        if client.status() != Status::Requesting {
            break;
        }
        client.poll().unwrap();
        thread::sleep(Duration::from_micros(250));
    }
    let mut body = Vec::new();
    for _ in 0..20_000 {
        if client.status() != Status::Body {
            break;
        }
        let mut chunk = Vec::new();
        client.read_response_body_chunk(&mut chunk).unwrap();
        body.extend_from_slice(&chunk);
        if chunk.is_empty() {
            thread::sleep(Duration::from_micros(250));
        }
    }
    body
}

#[test]
fn pin_of_the_test_certificate_matches_openssl() {
    let der = CertificateDer::from_pem_slice(LEAF.as_bytes()).unwrap();
    assert_eq!(
        Pin::of_certificate(der.as_ref()),
        Some(Pin::parse(PIN).unwrap())
    );
}

#[test]
fn trusted_ca_by_ip_and_by_name_with_keep_alive() {
    for host in ["127.0.0.1", "localhost"] {
        let port = tls_server(b"secret");
        let mut client = HttpClient::default();
        let (status, err) = connect(&mut client, host, port, options(Some(CA), false, ""));
        assert_eq!(status, Status::Connected, "{host}: {err:?}");
        assert_eq!(get(&mut client), b"secret");
        assert_eq!(
            get(&mut client),
            b"secret",
            "second request on the same TLS session"
        );
    }
}

#[test]
fn verification_failures_are_handshake_errors() {
    let cases = [
        (options(None, false, ""), "unknown issuer"),
        (
            options(Some(CA), false, "wrong.example"),
            "another host name",
        ),
    ];
    for (opts, why) in cases {
        let port = tls_server(b"x");
        let mut client = HttpClient::default();
        let (status, err) = connect(&mut client, "127.0.0.1", port, opts);
        assert_eq!(status, Status::TlsHandshakeError);
        let msg = err.and_then(|e| e.message()).unwrap_or_default();
        assert!(msg.contains(why), "{msg}");
        assert_eq!(
            client.poll(),
            Err(HttpError::Connection(String::new())),
            "later polls: silent ERR_CONNECTION_ERROR"
        );
    }
}

#[test]
fn unsafe_modes_match_godot() {
    // client_unsafe(): anything goes. client_unsafe(ca): chain checked, name not.
    for opts in [
        options(None, true, ""),
        options(Some(CA), true, "wrong.example"),
    ] {
        let port = tls_server(b"ok");
        let mut client = HttpClient::default();
        let (status, err) = connect(&mut client, "127.0.0.1", port, opts);
        assert_eq!(status, Status::Connected, "{err:?}");
        assert_eq!(get(&mut client), b"ok");
    }
}

#[test]
fn pins_are_enforced_on_top_of_verification() {
    let right = Pin::parse(PIN).unwrap();
    let wrong = Pin([0; 32]);
    let ca_der = CertificateDer::from_pem_slice(CA.as_bytes()).unwrap();
    let ca_pin = Pin::of_certificate(ca_der.as_ref()).unwrap();
    let cases = [
        // The server sends only its leaf: the CA's pin matches through the trust anchor.
        (
            vec![ca_pin],
            options(Some(CA), false, ""),
            Status::Connected,
        ),
        // ... but not when nothing was verified (client_unsafe without a CA).
        (
            vec![ca_pin],
            options(None, true, ""),
            Status::TlsHandshakeError,
        ),
        (vec![right], options(Some(CA), false, ""), Status::Connected),
        (
            vec![wrong, right],
            options(Some(CA), false, ""),
            Status::Connected,
        ),
        (
            vec![wrong],
            options(Some(CA), false, ""),
            Status::TlsHandshakeError,
        ),
        (
            vec![wrong],
            options(None, true, ""),
            Status::TlsHandshakeError,
        ),
        (vec![right], options(None, true, ""), Status::Connected),
    ];
    for (pins, opts, want) in cases {
        let port = tls_server(b"p");
        let mut client = HttpClient::default();
        client.set_pinned_public_keys(pins.clone());
        let (status, err) = connect(&mut client, "127.0.0.1", port, opts);
        assert_eq!(status, want, "{pins:?}: {err:?}");
    }
}

#[test]
fn handshake_timeout_ends_a_silent_server() {
    let (port, _listener) = silent_server();
    let mut client = HttpClient::default();
    client.set_tls_handshake_timeout(Some(Duration::from_millis(100)));
    let (status, err) = connect(&mut client, "127.0.0.1", port, options(Some(CA), false, ""));
    assert_eq!(status, Status::TlsHandshakeError);
    assert!(matches!(err, Some(HttpError::Timeout(_))), "{err:?}");
}

/// A TLS server that answers one request with a body delimited only by the close, then
/// closes: after close_notify when `notify`, or by dropping the TCP stream without it.
fn close_delimited_server(notify: bool) -> u16 {
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_slice_iter(LEAF.as_bytes())
        .collect::<Result<_, _>>()
        .unwrap();
    let key = PrivateKeyDer::from_pem_slice(KEY.as_bytes()).unwrap();
    let config =
        ServerConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_no_client_auth()
            .with_single_cert(certs, key)
            .unwrap();
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    thread::spawn(move || {
        let Ok((tcp, _)) = listener.accept() else {
            return;
        };
        let Ok(conn) = ServerConnection::new(Arc::new(config)) else {
            return;
        };
        let mut tls = StreamOwned::new(conn, tcp);
        let mut head = Vec::new();
        let mut byte = [0u8; 1];
        while !head.ends_with(b"\r\n\r\n") {
            match tls.read(&mut byte) {
                Ok(1) => head.push(byte[0]),
                _ => return,
            }
        }
        let _ = tls.write_all(b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nhello");
        if notify {
            tls.conn.send_close_notify();
            let _ = tls.flush();
        }
        let _ = tls.sock.shutdown(std::net::Shutdown::Both);
    });
    port
}

/// Reads a close-delimited body; returns the body, the final status and the last error.
fn read_close_delimited(notify: bool) -> (Vec<u8>, Status, Option<HttpError>) {
    let port = close_delimited_server(notify);
    let mut client = HttpClient::default();
    let (status, err) = connect(&mut client, "localhost", port, options(Some(CA), false, ""));
    assert_eq!(status, Status::Connected, "{err:?}");
    client.request(0, "/", &[] as &[&str], b"").unwrap();
    let mut body = Vec::new();
    let mut last = None;
    for _ in 0..20_000 {
        match client.status() {
            Status::Requesting => {
                if let Err(e) = client.poll() {
                    last = Some(e);
                }
            }
            Status::Body => {
                let mut chunk = Vec::new();
                if let Err(e) = client.read_response_body_chunk(&mut chunk) {
                    last = Some(e);
                }
                body.extend_from_slice(&chunk);
            }
            _ => break,
        }
        thread::sleep(Duration::from_micros(250));
    }
    (body, client.status(), last)
}

#[test]
fn close_delimited_body_needs_close_notify() {
    let (body, status, err) = read_close_delimited(true);
    assert_eq!(body, b"hello");
    assert_eq!(status, Status::Disconnected, "{err:?}");

    // Without close_notify the body may have been cut: the bytes that came, then an error.
    let (body, status, err) = read_close_delimited(false);
    assert_eq!(body, b"hello");
    assert_eq!(status, Status::ConnectionError);
    let err = err.expect("an error");
    assert!(
        err.message().unwrap_or_default().contains("close_notify"),
        "{err}"
    );
}
