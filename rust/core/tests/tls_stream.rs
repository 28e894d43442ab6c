//! `TlsStream` as both ends of a session (`new_server` against `new`) over loopback sockets,
//! and `server_config`'s errors, with the test certificates in `tests/data/` (see its README).
//! Everything is non-blocking and driven from this one thread, the way the Godot classes drive
//! it from `poll()`.

use rustnet_core::net::tcp::{Conn, Transport};
use rustnet_core::tls::config::stream_client_config;
use rustnet_core::tls::{server_config, TlsClientOptions, TlsSettings, TlsStream};
use std::net::{TcpListener, TcpStream};
use std::time::{Duration, Instant};

const CA: &str = include_str!("data/ca.crt");
const LEAF: &str = include_str!("data/localhost.crt");
const KEY: &str = include_str!("data/localhost.key");

/// Two connected non-blocking loopback sockets: (client end, server end).
fn socket_pair() -> (Box<dyn Transport>, Box<dyn Transport>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let client = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
    let (server, _) = listener.accept().unwrap();
    (
        Box::new(Conn::from_stream(client).unwrap()),
        Box::new(Conn::from_stream(server).unwrap()),
    )
}

fn settings(ca: Option<&str>, unsafe_client: bool, tls13: bool) -> TlsSettings {
    TlsSettings {
        options: TlsClientOptions {
            is_server: false,
            unsafe_client,
            trusted_ca_pem: ca.map(str::to_string),
            common_name_override: String::new(),
        },
        enable_tls13: tls13,
        ..TlsSettings::default()
    }
}

/// A client session trusting the test CA, for `name`, and a server session with the test
/// certificate, over a fresh socket pair.
fn sessions(name: &str, settings: &TlsSettings, server_tls13: bool) -> (TlsStream, TlsStream) {
    let (c, s) = socket_pair();
    let (config, server_name) = stream_client_config(settings, name).unwrap();
    let client = TlsStream::new(c, config, server_name).unwrap();
    let server = TlsStream::new_server(s, server_config(LEAF, KEY, server_tls13).unwrap()).unwrap();
    (client, server)
}

/// Steps both handshakes until both finish or one fails; the server side only `pump()`s, as a
/// server reported connected early does. `Err((client, server))` holds each side's error.
fn handshake(
    client: &mut TlsStream,
    server: &mut TlsStream,
) -> Result<(), (Option<String>, Option<String>)> {
    let deadline = Instant::now() + Duration::from_secs(10);
    let (mut c_err, mut s_err) = (None, None);
    while Instant::now() < deadline {
        let c_done = c_err.is_some()
            || match client.handshake() {
                Ok(done) => done,
                Err(e) => {
                    c_err = Some(e.0);
                    true
                }
            };
        if s_err.is_none() {
            if let Err(e) = server.pump() {
                s_err = Some(e.0);
            }
        }
        if c_err.is_some() && (s_err.is_some() || server.transport_ended()) {
            break;
        }
        if c_done && c_err.is_none() && !server.is_handshaking() {
            return Ok(());
        }
        std::thread::yield_now();
    }
    Err((c_err, s_err))
}

/// Reads until `want` bytes arrived or the stream ended (bounded in time).
fn read_exactly(stream: &mut TlsStream, want: usize, other: &mut TlsStream) -> Vec<u8> {
    let mut out = Vec::new();
    let mut buf = vec![0u8; 16384];
    let deadline = Instant::now() + Duration::from_secs(10);
    while out.len() < want && Instant::now() < deadline {
        // Keep the other side's queued records moving too.
        let _ = other.pump();
        match stream.read(&mut buf, false).unwrap() {
            Some(0) => break,
            Some(n) => out.extend_from_slice(&buf[..n]),
            None => std::thread::yield_now(),
        }
    }
    out
}

fn write_all(stream: &mut TlsStream, data: &[u8]) {
    let mut sent = 0;
    while sent < data.len() {
        sent += stream.write(&data[sent..], false).unwrap();
    }
}

#[test]
fn server_and_client_sessions_handshake_and_carry_data_both_ways() {
    let (mut client, mut server) = sessions("localhost", &settings(Some(CA), false, true), true);
    assert!(server.is_server() && !client.is_server());
    assert!(client.is_handshaking() && server.is_handshaking());
    handshake(&mut client, &mut server).unwrap();
    assert!(!client.is_handshaking() && !server.is_handshaking());
    assert_eq!(client.protocol_version().as_deref(), Some("TLSv1_3"));
    assert_eq!(server.protocol_version().as_deref(), Some("TLSv1_3"));

    write_all(&mut client, b"ping from the client");
    assert_eq!(
        read_exactly(&mut server, 20, &mut client),
        b"ping from the client"
    );
    write_all(&mut server, b"pong");
    assert_eq!(read_exactly(&mut client, 4, &mut server), b"pong");
    // The peer address of the socket underneath shows through.
    assert_eq!(
        client.peer_addr().map(|a| a.ip().to_string()).as_deref(),
        Some("127.0.0.1")
    );
    assert!(server.peer_addr().is_some());
    assert!(client.set_nodelay(true));
}

#[test]
fn pump_reports_buffered_plaintext_without_consuming_it() {
    let (mut client, mut server) = sessions("127.0.0.1", &settings(Some(CA), false, true), true);
    handshake(&mut client, &mut server).unwrap();
    write_all(&mut client, b"12345");
    let deadline = Instant::now() + Duration::from_secs(10);
    while server.available() < 5 && Instant::now() < deadline {
        server.pump().unwrap();
    }
    assert_eq!(server.available(), 5);
    server.pump().unwrap();
    assert_eq!(server.available(), 5, "pump must not consume plaintext");
    let mut buf = [0u8; 3];
    assert_eq!(server.read(&mut buf, false).unwrap(), Some(3));
    assert_eq!(server.available(), 2);
}

#[test]
fn large_transfer_with_partial_writes() {
    let (mut client, mut server) = sessions("localhost", &settings(Some(CA), false, true), true);
    handshake(&mut client, &mut server).unwrap();
    let data: Vec<u8> = (0..1 << 20).map(|i| (i % 251) as u8).collect();
    let mut sent = 0;
    let mut got = Vec::new();
    let mut buf = vec![0u8; 65536];
    let mut partial_writes = 0;
    let deadline = Instant::now() + Duration::from_secs(20);
    while got.len() < data.len() && Instant::now() < deadline {
        if sent < data.len() {
            let n = server.write(&data[sent..], false).unwrap();
            if n < data.len() - sent {
                partial_writes += 1;
            }
            sent += n;
        }
        if let Some(n) = client.read(&mut buf, false).unwrap() {
            assert_ne!(n, 0, "unexpected end of stream");
            got.extend_from_slice(&buf[..n]);
        }
    }
    assert!(got == data, "1 MiB arrived intact ({} bytes)", got.len());
    assert!(partial_writes > 0, "a 1 MiB write is accepted in parts");
}

#[test]
fn close_notify_is_a_clean_end_of_stream_on_the_other_side() {
    let (mut client, mut server) = sessions("localhost", &settings(Some(CA), false, true), true);
    handshake(&mut client, &mut server).unwrap();
    write_all(&mut server, b"last words");
    server.shutdown();
    // The data sent before close_notify is delivered first, then end of stream.
    assert_eq!(read_exactly(&mut client, 10, &mut server), b"last words");
    let mut buf = [0u8; 16];
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut end = None;
    while end.is_none() && Instant::now() < deadline {
        end = client.read(&mut buf, false).unwrap();
    }
    assert_eq!(end, Some(0));
    assert!(client.close_notify_received());

    // And from the client side too.
    let (mut client, mut server) = sessions("localhost", &settings(Some(CA), false, true), true);
    handshake(&mut client, &mut server).unwrap();
    client.shutdown();
    let deadline = Instant::now() + Duration::from_secs(10);
    while !server.close_notify_received() && Instant::now() < deadline {
        server.pump().unwrap();
    }
    assert!(server.close_notify_received());
    assert_eq!(server.read(&mut buf, false).unwrap(), Some(0));
}

#[test]
fn a_transport_closed_without_close_notify_is_not_a_clean_end() {
    let (mut client, mut server) = sessions("localhost", &settings(Some(CA), false, true), true);
    handshake(&mut client, &mut server).unwrap();
    // Let the client take in everything the server sent (session tickets too): a socket closed
    // with unread input sends RST instead of FIN.
    write_all(&mut server, b"x");
    assert_eq!(read_exactly(&mut client, 1, &mut server), b"x");
    drop(client);
    let mut buf = [0u8; 16];
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut end = None;
    while end.is_none() && Instant::now() < deadline {
        end = server.read(&mut buf, false).unwrap();
    }
    assert_eq!(end, Some(0));
    assert!(server.transport_ended());
    assert!(!server.close_notify_received());
}

#[test]
fn tls12_only_server_negotiates_tls12() {
    let (mut client, mut server) = sessions("localhost", &settings(Some(CA), false, true), false);
    handshake(&mut client, &mut server).unwrap();
    assert_eq!(client.protocol_version().as_deref(), Some("TLSv1_2"));
    write_all(&mut client, b"tls12");
    assert_eq!(read_exactly(&mut server, 5, &mut client), b"tls12");
}

#[test]
fn wrong_name_and_untrusted_ca_fail_on_both_sides() {
    for (name, ca) in [
        ("wrong.example", CA),
        ("", CA),
        ("bad name!", CA),
        ("localhost", LEAF),
    ] {
        let (mut client, mut server) = sessions(name, &settings(Some(ca), false, true), true);
        let (c_err, s_err) = handshake(&mut client, &mut server).unwrap_err();
        let c_err = c_err.unwrap_or_else(|| panic!("{name}: the client accepted"));
        if ca == CA {
            assert!(c_err.contains("another host name"), "{name}: {c_err}");
        } else {
            assert!(!c_err.is_empty());
        }
        // The client's fatal alert reaches the server.
        let s_err = s_err.unwrap_or_else(|| panic!("{name}: the server saw no error"));
        assert!(s_err.contains("the client sent the TLS alert"), "{s_err}");
    }
    // client_unsafe() checks neither, whatever the name.
    for name in ["wrong.example", ""] {
        let (mut client, mut server) = sessions(name, &settings(None, true, true), true);
        handshake(&mut client, &mut server).unwrap();
    }
}

#[test]
fn bad_server_key_or_certificate_is_a_readable_error() {
    let err = server_config("not a certificate", KEY, true).unwrap_err();
    assert!(err.contains("holds no certificate"), "{err}");
    let err = server_config("-----BEGIN CERTIFICATE-----\nnot base64!\n", KEY, true).unwrap_err();
    assert!(err.contains("not valid PEM"), "{err}");
    let err = server_config(LEAF, "", true).unwrap_err();
    assert!(err.contains("no private key"), "{err}");
    let err = server_config(LEAF, LEAF, true).unwrap_err();
    assert!(err.contains("no private key"), "{err}");
    // The CA's certificate with the server's key: they don't belong together.
    let err = server_config(CA, KEY, true).unwrap_err();
    assert!(err.contains("does not match"), "{err}");
    // A chain (leaf then CA) is fine.
    assert!(server_config(&format!("{LEAF}{CA}"), KEY, true).is_ok());
}

#[test]
fn the_client_hello_of_plain_garbage_fails_the_server() {
    let (c, s) = socket_pair();
    let mut raw = c;
    let mut server = TlsStream::new_server(s, server_config(LEAF, KEY, true).unwrap()).unwrap();
    assert_eq!(
        raw.write(b"GET / HTTP/1.1\r\n\r\n", false).unwrap(),
        18,
        "plain text sent"
    );
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut err = None;
    while err.is_none() && Instant::now() < deadline {
        err = server.pump().err();
    }
    let err = err.expect("the server rejects a plain-text hello").0;
    assert!(
        err.contains("the client sent something that is not TLS"),
        "{err}"
    );
}
