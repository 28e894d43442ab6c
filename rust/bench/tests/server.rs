//! Starts the real `bench-server` binary, fetches bodies over one keep-alive connection (plain,
//! and over TLS 1.3 and TLS 1.2), and checks that closing its stdin ends it.

mod common;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName};
use rustls::{ClientConfig, ClientConnection, ProtocolVersion, RootCertStore, StreamOwned};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::Child;
use std::sync::Arc;
use std::time::{Duration, Instant};

const PATTERN: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";

/// Reads one response: returns (head, body). Needs a `Content-Length`.
fn read_response<R: Read>(conn: &mut BufReader<R>, head_only: bool) -> (String, Vec<u8>) {
    let mut head = String::new();
    loop {
        let mut line = String::new();
        assert!(conn.read_line(&mut line).unwrap() > 0, "EOF in the head");
        head.push_str(&line);
        if line == "\r\n" {
            break;
        }
    }
    let len: usize = head
        .lines()
        .find_map(|l| l.strip_prefix("Content-Length: "))
        .expect("Content-Length")
        .parse()
        .unwrap();
    let mut body = vec![0; if head_only { 0 } else { len }];
    conn.read_exact(&mut body).unwrap();
    (head, body)
}

/// The number after `"key": ` in bench-server's JSON line.
fn json_port(line: &str, key: &str) -> u16 {
    line.split(&format!("\"{key}\": "))
        .nth(1)
        .and_then(|rest| rest.split([',', '}']).next())
        .and_then(|p| p.trim().parse().ok())
        .unwrap_or_else(|| panic!("no {key} in {line:?}"))
}

/// Starts bench-server and returns it with its JSON line.
fn start_server() -> (Child, String) {
    let (child, line) = common::spawn_server(env!("CARGO_BIN_EXE_bench-server"), &[]);
    assert!(line.contains(&format!("\"pid\": {}", child.id())), "{line}");
    (child, line)
}

/// Closes the server's stdin and checks that it exits, with status 0, soon after.
fn stop_server(mut child: Child) {
    drop(child.stdin.take());
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            assert!(status.success(), "{status}");
            break;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("bench-server still runs 10 s after its stdin closed");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn serves_https_with_only_the_announced_tls_version() {
    let (child, line) = start_server();
    let mut roots = RootCertStore::empty();
    let ca = include_str!("../../core/tests/data/ca.crt");
    roots
        .add(CertificateDer::from_pem_slice(ca.as_bytes()).unwrap())
        .unwrap();
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = Arc::new(
        ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_root_certificates(roots)
            .with_no_client_auth(),
    );
    for (key, version) in [
        ("tls13_port", ProtocolVersion::TLSv1_3),
        ("tls12_port", ProtocolVersion::TLSv1_2),
    ] {
        let port = json_port(&line, key);
        let name = ServerName::try_from("localhost").unwrap();
        let conn = ClientConnection::new(Arc::clone(&config), name).unwrap();
        let tcp = TcpStream::connect(("127.0.0.1", port)).unwrap();
        let mut tls = BufReader::new(StreamOwned::new(conn, tcp));
        for n in [10_000_000usize, 100] {
            write!(
                tls.get_mut(),
                "GET /sized?n={n} HTTP/1.1\r\nHost: localhost\r\n\r\n"
            )
            .unwrap();
            let (head, body) = read_response(&mut tls, false);
            assert!(head.starts_with("HTTP/1.1 200 OK\r\n"), "{head}");
            assert_eq!(body.len(), n);
            assert!(body
                .iter()
                .enumerate()
                .all(|(i, &b)| b == PATTERN[i % PATTERN.len()]));
        }
        assert_eq!(
            tls.get_ref().conn.protocol_version(),
            Some(version),
            "{key}"
        );
    }
    stop_server(child);
}

#[test]
fn serves_sized_bodies_with_keep_alive_and_exits_on_stdin_eof() {
    let (child, line) = start_server();
    let port = json_port(&line, "port");

    let stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
    let mut writer = stream.try_clone().unwrap();
    let mut conn = BufReader::new(stream);
    // Bigger than the 9 MiB block, so the pattern must continue across writes.
    for n in [100usize, 10_000_000, 0, 65_537] {
        write!(writer, "GET /sized?n={n} HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
        let (head, body) = read_response(&mut conn, false);
        assert!(head.starts_with("HTTP/1.1 200 OK\r\n"), "{head}");
        assert_eq!(body.len(), n);
        assert!(
            body.iter()
                .enumerate()
                .all(|(i, &b)| b == PATTERN[i % PATTERN.len()]),
            "body of {n} bytes is not the pattern"
        );
    }
    write!(writer, "GET /sized?n=3&pad=10 HTTP/1.1\r\n\r\n").unwrap();
    let (head, body) = read_response(&mut conn, false);
    assert!(head.contains("\r\nX-Pad: pppppppppp\r\n"), "{head}");
    assert_eq!(body, b"abc");
    // Pipelined: HEAD then a 404, both answered on the same connection.
    writer
        .write_all(b"HEAD /sized?n=5 HTTP/1.1\r\n\r\nGET /nope HTTP/1.1\r\n\r\n")
        .unwrap();
    let (head, body) = read_response(&mut conn, true);
    assert!(head.contains("Content-Length: 5\r\n") && body.is_empty());
    let (head, body) = read_response(&mut conn, false);
    assert!(head.starts_with("HTTP/1.1 404"), "{head}");
    assert_eq!(body, b"not found\n");

    stop_server(child);
}
