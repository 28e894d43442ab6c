//! Starts the real `bench-server` binary, fetches bodies over one keep-alive connection, and
//! checks that closing its stdin ends it.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const PATTERN: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";

/// Reads one response: returns (head, body). Needs a `Content-Length`.
fn read_response(conn: &mut BufReader<TcpStream>, head_only: bool) -> (String, Vec<u8>) {
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

#[test]
fn serves_sized_bodies_with_keep_alive_and_exits_on_stdin_eof() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_bench-server"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let port: u16 = line
        .split("\"port\": ")
        .nth(1)
        .and_then(|rest| rest.split([',', '}']).next())
        .and_then(|p| p.trim().parse().ok())
        .unwrap_or_else(|| panic!("no port in {line:?}"));
    assert!(line.contains(&format!("\"pid\": {}", child.id())), "{line}");

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
