//! `WsDriver` end to end over loopback TCP: a client driver and a server driver, polled in
//! turn, through connect, upgrade, messages, close handshakes, failures and timeouts. Every
//! wait is a bounded poll loop (no sleeps as synchronisation).

use rustnet_core::net::listener::Listener;
use rustnet_core::net::tcp::{Conn, Transport};
use rustnet_core::tls::TlsSettings;
use rustnet_core::ws::{ReadyState, SendError, WsConfig, WsDriver};
use std::io::{Read, Write};
use std::time::{Duration, Instant};

const MAX_POLLS: usize = 20_000;

fn config() -> WsConfig {
    WsConfig::default()
}

/// Polls `drivers` until `done` holds (panics after MAX_POLLS rounds).
fn poll_until(drivers: &mut [&mut WsDriver], mut done: impl FnMut(&[&mut WsDriver]) -> bool) {
    for _ in 0..MAX_POLLS {
        for d in drivers.iter_mut() {
            d.poll(Instant::now());
        }
        if done(drivers) {
            return;
        }
        std::thread::yield_now();
    }
    panic!("condition not reached after {MAX_POLLS} polls");
}

/// A listener, a client driver connecting to it, and the accepted server driver, both OPEN.
fn open_pair(client_cfg: WsConfig, server_cfg: WsConfig) -> (WsDriver, WsDriver) {
    let mut listener = Listener::bind(0, "127.0.0.1").expect("bind");
    let port = listener.local_port();
    let mut client = WsDriver::new();
    client
        .connect(
            &format!("ws://127.0.0.1:{port}/chat?room=1"),
            TlsSettings::default(),
            client_cfg,
            Instant::now(),
        )
        .expect("connect");
    assert_eq!(client.ready_state(), ReadyState::Connecting);
    let mut server = WsDriver::new();
    for _ in 0..MAX_POLLS {
        client.poll(Instant::now());
        if let Some(peer) = listener.accept() {
            let conn = peer.into_conn().expect("conn");
            server
                .accept(Box::new(conn), false, server_cfg, Instant::now())
                .expect("accept");
            break;
        }
        std::thread::yield_now();
    }
    poll_until(&mut [&mut client, &mut server], |d| {
        d.iter().all(|d| d.ready_state() == ReadyState::Open)
    });
    (client, server)
}

#[test]
fn messages_both_ways_and_a_clean_close() {
    let (mut client, mut server) = open_pair(config(), config());
    assert_eq!(
        server.requested_url(),
        format!(
            "ws://127.0.0.1:{}/chat?room=1",
            client.peer_addr().unwrap().port()
        )
    );
    assert_eq!(client.selected_protocol(), "");
    client.send(b"hello", true).unwrap();
    client.send(&[1, 2, 3], false).unwrap();
    client.send(b"", false).unwrap();
    poll_until(&mut [&mut client, &mut server], |d| {
        d[1].available_messages() == 3
    });
    assert_eq!(server.next_message(), Some((b"hello".to_vec(), true)));
    assert_eq!(server.next_message(), Some((vec![1, 2, 3], false)));
    assert_eq!(server.next_message(), Some((vec![], false)));
    server.send(&vec![9u8; 60_000], false).unwrap();
    poll_until(&mut [&mut client, &mut server], |d| {
        d[0].available_messages() == 1
    });
    assert_eq!(client.next_message().unwrap().0.len(), 60_000);

    client.close(4001, "bye-é");
    assert_eq!(client.ready_state(), ReadyState::Closing);
    poll_until(&mut [&mut client, &mut server], |d| {
        d.iter().all(|d| d.ready_state() == ReadyState::Closed)
    });
    for d in [&client, &server] {
        assert_eq!(d.close_code(), 4001);
        assert_eq!(d.close_reason(), "bye-é");
        assert!(d.peer_addr().is_none());
    }
}

#[test]
fn subprotocol_negotiated_in_client_order() {
    let mut c = config();
    c.protocols = vec!["beta".into(), " alpha ".into()];
    let mut s = config();
    s.protocols = vec!["alpha".into(), "beta".into()];
    let (client, server) = open_pair(c, s);
    assert_eq!(client.selected_protocol(), "beta");
    assert_eq!(server.selected_protocol(), "beta");
}

#[test]
fn messages_sent_with_the_close_stay_readable() {
    let (mut client, mut server) = open_pair(config(), config());
    server.send(b"last1", true).unwrap();
    server.send(b"last2", true).unwrap();
    server.close(1001, "going");
    poll_until(&mut [&mut client, &mut server], |d| {
        d.iter().all(|d| d.ready_state() == ReadyState::Closed)
    });
    assert_eq!(client.close_code(), 1001);
    assert_eq!(client.available_messages(), 2, "Godot #107442 loses these");
    assert_eq!(client.next_message().unwrap().0, b"last1");
    assert_eq!(client.next_message().unwrap().0, b"last2");
}

#[test]
fn close_minus_one_drops_the_connection_and_the_peer_sees_minus_one() {
    let (mut client, mut server) = open_pair(config(), config());
    client.close(-1, "");
    assert_eq!(client.ready_state(), ReadyState::Closed);
    assert_eq!(client.close_code(), -1);
    poll_until(&mut [&mut server], |d| {
        d[0].ready_state() == ReadyState::Closed
    });
    assert_eq!(server.close_code(), -1);
    assert_eq!(client.send(b"x", false), Err(SendError::NotOpen));
}

#[test]
fn refused_connection_ends_closed_with_minus_one() {
    // Bind then drop a listener: its port refuses connections.
    let port = Listener::bind(0, "127.0.0.1").unwrap().local_port();
    let mut client = WsDriver::new();
    client
        .connect(
            &format!("ws://127.0.0.1:{port}/"),
            TlsSettings::default(),
            config(),
            Instant::now(),
        )
        .unwrap();
    poll_until(&mut [&mut client], |d| {
        d[0].ready_state() == ReadyState::Closed
    });
    assert_eq!(client.close_code(), -1);
}

#[test]
fn server_handshake_times_out_when_the_client_is_silent() {
    let mut listener = Listener::bind(0, "127.0.0.1").unwrap();
    let port = listener.local_port();
    let _silent = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    let mut server = WsDriver::new();
    let mut cfg = config();
    cfg.handshake_timeout = Some(Duration::from_millis(200));
    let start = Instant::now();
    let mut accepted = false;
    for _ in 0..MAX_POLLS {
        if let Some(peer) = listener.accept() {
            server
                .accept(
                    Box::new(peer.into_conn().unwrap()),
                    false,
                    cfg.clone(),
                    start,
                )
                .unwrap();
            accepted = true;
            break;
        }
        std::thread::yield_now();
    }
    assert!(accepted);
    assert!(
        server.poll(start).is_none(),
        "no timeout before the deadline"
    );
    assert_eq!(server.ready_state(), ReadyState::Connecting);
    let notice = server.poll(start + Duration::from_millis(250));
    assert!(notice.is_some_and(|n| n.0.contains("handshake_timeout")));
    assert_eq!(server.ready_state(), ReadyState::Closed);
    assert_eq!(server.close_code(), -1);
}

/// A raw TCP "server" that answers the upgrade with `response` (after reading the request).
fn fake_server_answer(response: &'static str) -> (u16, std::thread::JoinHandle<String>) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let handle = std::thread::spawn(move || {
        let (mut s, _) = listener.accept().unwrap();
        s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        let mut req = Vec::new();
        let mut buf = [0u8; 1024];
        while !req.ends_with(b"\r\n\r\n") {
            let n = s.read(&mut buf).unwrap();
            if n == 0 {
                break;
            }
            req.extend_from_slice(&buf[..n]);
        }
        s.write_all(response.as_bytes()).unwrap();
        let _ = s.read(&mut buf); // wait for the client to drop us
        String::from_utf8_lossy(&req).into_owned()
    });
    (port, handle)
}

#[test]
fn a_403_answer_fails_with_a_message_and_minus_one() {
    let (port, server) = fake_server_answer("HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n");
    let mut client = WsDriver::new();
    let mut cfg = config();
    cfg.extra_headers = vec!["X-Token: abc".into()];
    client
        .connect(
            &format!("ws://localhost:{port}/p"),
            TlsSettings::default(),
            cfg,
            Instant::now(),
        )
        .unwrap();
    let mut notice = None;
    for _ in 0..MAX_POLLS {
        if let Some(n) = client.poll(Instant::now()) {
            notice = Some(n);
        }
        if client.ready_state() == ReadyState::Closed {
            break;
        }
        std::thread::yield_now();
    }
    assert_eq!(client.ready_state(), ReadyState::Closed);
    assert_eq!(client.close_code(), -1);
    assert!(notice.is_some_and(|n| n.0.contains("403")));
    let request = server.join().unwrap();
    assert!(
        request.starts_with("GET /p HTTP/1.1\r\nHost: localhost:"),
        "{request}"
    );
    assert!(request.contains("\r\nX-Token: abc\r\n"), "{request}");
}

#[test]
fn connect_argument_errors() {
    let mut d = WsDriver::new();
    let now = Instant::now();
    assert!(d
        .connect("", TlsSettings::default(), config(), now)
        .is_err());
    assert!(d
        .connect("http://x/", TlsSettings::default(), config(), now)
        .is_err());
    let mut server_opts = TlsSettings::default();
    server_opts.options.is_server = true;
    assert!(d
        .connect("ws://127.0.0.1:9/", server_opts, config(), now)
        .is_err());
    let mut bad = config();
    bad.extra_headers = vec!["X: a\r\nInjected: b".into()];
    assert!(d
        .connect("ws://127.0.0.1:9/", TlsSettings::default(), bad, now)
        .is_err());
    assert_eq!(d.ready_state(), ReadyState::Closed);
}

#[test]
fn inbound_backpressure_loses_nothing() {
    let mut small = config();
    small.limits.max_queued_packets = 16;
    let (mut client, mut server) = open_pair(config(), small);
    let total = 500;
    let mut sent = 0;
    let mut received = Vec::new();
    for _ in 0..MAX_POLLS {
        while sent < total && client.send(&(sent as u32).to_le_bytes(), false).is_ok() {
            sent += 1;
        }
        client.poll(Instant::now());
        server.poll(Instant::now());
        assert!(server.available_messages() <= 16, "the queue is capped");
        // Drain only every other round, so the queue fills up.
        if received.len() % 2 == 0 {
            while let Some((m, _)) = server.next_message() {
                received.push(u32::from_le_bytes(m.try_into().unwrap()));
            }
        } else if let Some((m, _)) = server.next_message() {
            received.push(u32::from_le_bytes(m.try_into().unwrap()));
        }
        if received.len() == total {
            break;
        }
    }
    assert_eq!(received, (0..total as u32).collect::<Vec<_>>());
}

#[test]
fn driver_accepts_any_transport() {
    // A transport that is not a socket: the server side over an in-process pipe would need a
    // second thread; here we only check that accept() takes a plain Conn and reports its peer.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let client = std::net::TcpStream::connect(addr).unwrap();
    let (accepted, _) = listener.accept().unwrap();
    let conn = Conn::from_stream(accepted).unwrap();
    assert_eq!(conn.peer_addr(), client.local_addr().ok());
    let mut server = WsDriver::new();
    server
        .accept(Box::new(conn), false, config(), Instant::now())
        .unwrap();
    assert_eq!(server.peer_addr(), client.local_addr().ok());
    assert_eq!(server.ready_state(), ReadyState::Connecting);
}

/// A raw TCP "server" that completes the upgrade properly, then sends `frames` verbatim and
/// returns everything the client sent after the upgrade (until the client closes).
fn fake_server_after_upgrade(frames: Vec<u8>) -> (u16, std::thread::JoinHandle<Vec<u8>>) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let handle = std::thread::spawn(move || {
        let (mut s, _) = listener.accept().unwrap();
        s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        let mut req = Vec::new();
        let mut buf = [0u8; 4096];
        while !req.windows(4).any(|w| w == b"\r\n\r\n") {
            let n = s.read(&mut buf).unwrap();
            assert!(n > 0, "client closed during the upgrade");
            req.extend_from_slice(&buf[..n]);
        }
        let text = String::from_utf8_lossy(&req).into_owned();
        let key = text
            .lines()
            .find_map(|l| l.strip_prefix("Sec-WebSocket-Key: "))
            .unwrap()
            .trim()
            .to_string();
        let accept = rustnet_core::ws::handshake::accept_key(&key);
        let head = format!(
            "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
             Sec-WebSocket-Accept: {accept}\r\n\r\n"
        );
        s.write_all(head.as_bytes()).unwrap();
        s.write_all(&frames).unwrap();
        let mut after = Vec::new();
        loop {
            match s.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => after.extend_from_slice(&buf[..n]),
            }
        }
        after
    });
    (port, handle)
}

/// Unmasks client frames (header parsing for payloads < 126 bytes).
fn client_frames(mut bytes: &[u8]) -> Vec<(u8, Vec<u8>)> {
    let mut out = Vec::new();
    while bytes.len() >= 6 {
        let opcode = bytes[0] & 0x0f;
        let len = usize::from(bytes[1] & 0x7f);
        assert!(len < 126 && bytes[1] & 0x80 != 0);
        let mask = [bytes[2], bytes[3], bytes[4], bytes[5]];
        let payload = bytes[6..6 + len]
            .iter()
            .enumerate()
            .map(|(i, b)| b ^ mask[i % 4])
            .collect();
        out.push((opcode, payload));
        bytes = &bytes[6 + len..];
    }
    out
}

fn connect_to_fake(port: u16) -> WsDriver {
    let mut client = WsDriver::new();
    client
        .connect(
            &format!("ws://127.0.0.1:{port}/"),
            TlsSettings::default(),
            config(),
            Instant::now(),
        )
        .unwrap();
    client
}

#[test]
fn a_reserved_bit_is_a_protocol_error_closed_with_1002_and_reported_once() {
    // A text frame "hi" with RSV1 set.
    let (port, server) = fake_server_after_upgrade(vec![0xc1, 0x02, b'h', b'i']);
    let mut client = connect_to_fake(port);
    let mut notices = Vec::new();
    for _ in 0..MAX_POLLS {
        notices.extend(client.poll(Instant::now()));
        if client.ready_state() == ReadyState::Closing || client.ready_state() == ReadyState::Closed
        {
            break;
        }
        std::thread::yield_now();
    }
    for _ in 0..100 {
        notices.extend(client.poll(Instant::now()));
    }
    assert_eq!(notices.len(), 1, "{notices:?}");
    assert!(notices[0].0.contains("1002"), "{notices:?}");
    assert_eq!(
        client.available_messages(),
        0,
        "the bad frame is not delivered"
    );
    client.close(-1, "");
    let sent = client_frames(&server.join().unwrap());
    assert_eq!(sent, vec![(0x8, 1002u16.to_be_bytes().to_vec())]);
}

#[test]
fn long_reasons_are_cut_and_bad_codes_sent_without_a_code() {
    let (port, server) = fake_server_after_upgrade(Vec::new());
    let mut client = connect_to_fake(port);
    poll_until(&mut [&mut client], |d| {
        d[0].ready_state() == ReadyState::Open
    });
    // 'é' is two bytes: 61 of them is 122 bytes, one more would cross 123.
    let reason = "é".repeat(70);
    client.close(4000, &reason);
    assert_eq!(client.ready_state(), ReadyState::Closing);
    client.close(-1, "");
    let sent = client_frames(&server.join().unwrap());
    let mut want = 4000u16.to_be_bytes().to_vec();
    want.extend_from_slice("é".repeat(61).as_bytes());
    assert_eq!(sent, vec![(0x8, want)]);

    let (port, server) = fake_server_after_upgrade(Vec::new());
    let mut client = connect_to_fake(port);
    poll_until(&mut [&mut client], |d| {
        d[0].ready_state() == ReadyState::Open
    });
    client.close(5000, "not on the wire");
    client.close(-1, "");
    assert_eq!(client_frames(&server.join().unwrap()), vec![(0x8, vec![])]);
}

#[test]
fn permessage_deflate_is_negotiated_when_both_ends_enable_it() {
    let mut on = config();
    on.deflate.enabled = true;
    let (mut client, mut server) = open_pair(on.clone(), on.clone());
    assert!(client.compression_agreed() && server.compression_agreed());
    let text = "compress me ".repeat(1000);
    client.send(text.as_bytes(), true).unwrap();
    server.send(&[7; 3000], false).unwrap();
    poll_until(&mut [&mut client, &mut server], |d| {
        d[0].available_messages() == 1 && d[1].available_messages() == 1
    });
    assert_eq!(server.next_message(), Some((text.into_bytes(), true)));
    assert_eq!(client.next_message(), Some((vec![7; 3000], false)));

    // Only one end wants it: no compression, messages still flow.
    for (c, s) in [(on.clone(), config()), (config(), on)] {
        let (mut client, mut server) = open_pair(c, s);
        assert!(!client.compression_agreed() && !server.compression_agreed());
        client.send(b"plain", true).unwrap();
        poll_until(&mut [&mut client, &mut server], |d| {
            d[1].available_messages() == 1
        });
        assert_eq!(server.next_message(), Some((b"plain".to_vec(), true)));
    }
}
