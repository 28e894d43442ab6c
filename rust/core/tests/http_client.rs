//! Scenario tests of the `HttpClient` state machine over real loopback sockets.
//!
//! Each row of a table scripts what a server sends back; the test drives the client like a
//! script does (`poll()` until the head is in, `read_response_body_chunk()` until the body
//! ends) and asserts the distinct statuses seen, the code, the body and the chunks returned.
//! Polling loops are bounded by iteration count; the only sleeps pace the dripping server.

use rustnet_core::http::{HttpClient, HttpError, Status};
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::thread;
use std::time::Duration;

/// What the scripted server does with each accepted connection, in order.
#[derive(Clone)]
enum Reply {
    /// Read one request head, send these bytes, keep the connection open until the client goes.
    Send(&'static [u8]),
    /// Read one request head, send these bytes, then close.
    SendClose(&'static [u8]),
    /// Read one request head, send these bytes one at a time, keep the connection open.
    Drip(&'static [u8]),
}

/// Starts a server that answers each request on the first connection with the next reply.
fn serve(replies: Vec<Reply>) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    thread::spawn(move || {
        let Ok((mut s, _)) = listener.accept() else {
            return;
        };
        s.set_nodelay(true).ok();
        for reply in replies {
            if read_head(&mut s).is_none() {
                return;
            }
            match reply {
                Reply::Send(b) => s.write_all(b).unwrap(),
                Reply::SendClose(b) => {
                    s.write_all(b).unwrap();
                    return; // dropping the stream closes it
                }
                Reply::Drip(b) => {
                    for byte in b {
                        if s.write_all(&[*byte]).is_err() {
                            return;
                        }
                        thread::sleep(Duration::from_millis(1));
                    }
                }
            }
        }
        // Keep the connection open until the client closes it.
        let mut sink = [0u8; 1024];
        while matches!(s.read(&mut sink), Ok(n) if n > 0) {}
    });
    port
}

fn read_head(s: &mut TcpStream) -> Option<Vec<u8>> {
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        match s.read(&mut byte) {
            Ok(1) => head.push(byte[0]),
            _ => return None,
        }
    }
    Some(head)
}

/// Everything a script observes from one exchange.
#[derive(Debug, Default, PartialEq)]
struct Seen {
    statuses: Vec<Status>,
    code: i32,
    body: Vec<u8>,
    chunks: Vec<usize>,
    error: Option<String>,
}

impl Seen {
    fn note(&mut self, s: Status) {
        if self.statuses.last() != Some(&s) {
            self.statuses.push(s);
        }
    }
}

const MAX_POLLS: usize = 20_000;

fn connect(client: &mut HttpClient, port: u16, seen: &mut Seen) {
    client
        .connect_to_host("127.0.0.1", i64::from(port), None)
        .unwrap();
    seen.note(client.status());
    for _ in 0..MAX_POLLS {
        if client.status() != Status::Connecting {
            break;
        }
        let _ = client.poll();
        seen.note(client.status());
        thread::sleep(Duration::from_micros(200));
    }
}

fn exchange(client: &mut HttpClient, method: i64, seen: &mut Seen) {
    client.request(method, "/", &["X-Test: 1"], b"").unwrap();
    seen.note(client.status());
    for _ in 0..MAX_POLLS {
        if client.status() != Status::Requesting {
            break;
        }
        if let Err(e) = client.poll() {
            seen.error = e.message();
        }
        seen.note(client.status());
        thread::sleep(Duration::from_micros(200));
    }
    seen.code = client.response_code();
    for _ in 0..MAX_POLLS {
        if client.status() != Status::Body {
            break;
        }
        let mut chunk = Vec::new();
        if let Err(e) = client.read_response_body_chunk(&mut chunk) {
            seen.error = e.message();
        }
        seen.note(client.status());
        if chunk.is_empty() {
            thread::sleep(Duration::from_micros(200));
        } else {
            seen.chunks.push(chunk.len());
            seen.body.extend_from_slice(&chunk);
        }
    }
}

fn run(replies: Vec<Reply>, method: i64) -> Seen {
    let port = serve(replies);
    let mut client = HttpClient::default();
    let mut seen = Seen::default();
    connect(&mut client, port, &mut seen);
    exchange(&mut client, method, &mut seen);
    seen
}

use Status::*;
const GET: i64 = 0;
const HEAD: i64 = 1;

/// One row: server reply, method, statuses, code, body, chunks (empty: not checked).
type Row = (Reply, i64, Vec<Status>, i32, &'static [u8], Vec<usize>);

#[test]
fn status_sequences_by_response_kind() {
    let table: Vec<Row> = vec![
        (
            Reply::Send(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello"),
            GET,
            vec![Connecting, Connected, Requesting, Body, Connected],
            200,
            b"hello",
            vec![5],
        ),
        (
            Reply::Send(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"),
            GET,
            vec![Connecting, Connected, Requesting, Body, Connected],
            200,
            b"",
            vec![],
        ),
        (
            Reply::Send(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n"),
            HEAD,
            vec![Connecting, Connected, Requesting, Body, Connected],
            200,
            b"",
            vec![],
        ),
        (
            Reply::Send(b"HTTP/1.1 204 No Content\r\n\r\n"),
            GET,
            vec![Connecting, Connected, Requesting, Connected],
            204,
            b"",
            vec![],
        ),
        (
            Reply::Send(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n1;x=y\r\n!\r\n0\r\nT: 1\r\n\r\n"),
            GET,
            vec![Connecting, Connected, Requesting, Body, Connected],
            200,
            b"hello!",
            vec![5, 1],
        ),
        (
            Reply::SendClose(b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nuntil close"),
            GET,
            vec![Connecting, Connected, Requesting, Body, Disconnected],
            200,
            b"until close",
            vec![],
        ),
        (
            Reply::Send(b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"),
            GET,
            vec![Connecting, Connected, Requesting, Body, Connected],
            200,
            b"ok",
            vec![2],
        ),
        (
            Reply::Drip(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n"),
            GET,
            vec![Connecting, Connected, Requesting, Body, Connected],
            200,
            b"abc",
            vec![3],
        ),
        (
            Reply::SendClose(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort"),
            GET,
            vec![Connecting, Connected, Requesting, Body, ConnectionError],
            200,
            b"short",
            vec![],
        ),
        (
            Reply::SendClose(b"garbage\r\n\r\n"),
            GET,
            vec![Connecting, Connected, Requesting, ConnectionError],
            0,
            b"",
            vec![],
        ),
        (
            Reply::SendClose(b"HTTP/1.1 200 OK\r\nContent-"),
            GET,
            vec![Connecting, Connected, Requesting, ConnectionError],
            0,
            b"",
            vec![],
        ),
    ];
    for (i, (reply, method, statuses, code, body, chunks)) in table.into_iter().enumerate() {
        let seen = run(vec![reply], method);
        assert_eq!(
            seen.statuses, statuses,
            "row {i}: statuses ({:?})",
            seen.error
        );
        assert_eq!(seen.code, code, "row {i}: code");
        assert_eq!(seen.body, body, "row {i}: body");
        if !chunks.is_empty() {
            assert_eq!(seen.chunks, chunks, "row {i}: chunks");
        }
    }
}

#[test]
fn errors_carry_a_readable_message() {
    let seen = run(
        vec![Reply::SendClose(
            b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort",
        )],
        GET,
    );
    let msg = seen.error.expect("an error message");
    assert!(
        msg.contains("5 bytes before the end of a 10-byte body"),
        "{msg}"
    );
}

#[test]
fn keep_alive_carries_several_requests_then_detects_close() {
    let port = serve(vec![
        Reply::Send(b"HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\na"),
        Reply::Send(b"HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nb"),
        Reply::SendClose(b"HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nc"),
    ]);
    let mut client = HttpClient::default();
    let mut seen = Seen::default();
    connect(&mut client, port, &mut seen);
    for _ in 0..3 {
        exchange(&mut client, GET, &mut seen);
    }
    assert_eq!(seen.body, b"abc");
    // The server closed after the third response: the idle poll notices.
    let mut result = Ok(());
    for _ in 0..MAX_POLLS {
        result = client.poll();
        if result.is_err() {
            break;
        }
        thread::sleep(Duration::from_micros(200));
    }
    assert!(
        matches!(result, Err(HttpError::Connection(_))),
        "{result:?}"
    );
    assert_eq!(client.status(), ConnectionError);
    assert!(matches!(
        client.request(GET, "/", &[] as &[&str], b""),
        Err(HttpError::InvalidParameter(_))
    ));
}

#[test]
fn bytes_after_a_body_poison_the_connection() {
    let port = serve(vec![Reply::Send(
        b"HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\naHTTP/1.1 200 OK\r\n",
    )]);
    let mut client = HttpClient::default();
    let mut seen = Seen::default();
    connect(&mut client, port, &mut seen);
    exchange(&mut client, GET, &mut seen);
    assert_eq!(seen.body, b"a");
    assert_eq!(client.status(), Connected);
    let err = client.poll().unwrap_err();
    assert!(
        err.message().unwrap().contains("belong to no request"),
        "{err}"
    );
    assert_eq!(client.status(), ConnectionError);
}

#[test]
fn bytes_after_a_body_are_not_the_next_response() {
    // The script sends its next request straight after the body, without an idle poll: the
    // stray response already buffered must not be taken as that request's answer.
    let port = serve(vec![Reply::Send(
        b"HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\naHTTP/1.1 200 OK\r\nContent-Length: 8\r\n\r\ninjected",
    )]);
    let mut client = HttpClient::default();
    let mut seen = Seen::default();
    connect(&mut client, port, &mut seen);
    exchange(&mut client, GET, &mut seen);
    assert_eq!(seen.body, b"a");
    assert_eq!(client.status(), Connected);
    client.request(GET, "/next", &[] as &[&str], b"").unwrap();
    let err = client.poll().unwrap_err();
    assert!(
        err.message().unwrap().contains("belong to no request"),
        "{err}"
    );
    assert_eq!(client.status(), ConnectionError);
}

#[test]
fn fresh_client_and_argument_errors_match_godot() {
    let mut client = HttpClient::default();
    assert_eq!(client.status(), Disconnected);
    assert_eq!(client.poll(), Err(HttpError::Unconfigured));
    assert_eq!(client.response_body_length(), -1);
    assert!(matches!(
        client.connect_to_host("a.b", 80, None),
        Err(HttpError::InvalidParameter(_))
    ));
    assert_eq!(client.status(), Disconnected);
    assert!(matches!(
        client.connect_to_host("127.0.0.1", 0, None),
        Err(HttpError::InvalidParameter(_))
    ));
    assert_eq!(client.status(), CantConnect);
    assert!(matches!(
        client.request(GET, "/", &[] as &[&str], b""),
        Err(HttpError::InvalidParameter(_))
    ));
    assert!(client.set_read_chunk_size(255).is_err());
    assert!(client.set_read_chunk_size(1 << 25).is_err());
    assert_eq!(client.read_chunk_size(), 65536);
}

#[test]
fn refused_connection_ends_in_cant_connect() {
    // Bind then drop to get a port nobody listens on.
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut client = HttpClient::default();
    let mut seen = Seen::default();
    connect(&mut client, port, &mut seen);
    assert_eq!(seen.statuses, vec![Connecting, CantConnect]);
    assert!(
        matches!(client.poll(), Err(HttpError::CantConnect(m)) if m.is_empty()),
        "repeat is silent"
    );
}

#[test]
fn blocking_mode_reads_the_head_in_one_poll() {
    let port = serve(vec![Reply::Drip(
        b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nxyz",
    )]);
    let mut client = HttpClient::default();
    let mut seen = Seen::default();
    connect(&mut client, port, &mut seen);
    client.set_blocking(true);
    client.request(GET, "/", &[] as &[&str], b"").unwrap();
    client.poll().unwrap();
    assert_eq!(client.status(), Body);
    let mut out = Vec::new();
    client.read_response_body_chunk(&mut out).unwrap();
    assert_eq!(out, b"xyz", "a blocking read waits for the whole piece");
    assert_eq!(client.status(), Connected);
}
