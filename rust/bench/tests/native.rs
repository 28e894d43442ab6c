//! Runs every `bench-native` subcommand briefly, on loopback, against the real `bench-server`
//! and `bench-native ws-echo-server`, and checks its JSON line; and that the load generator
//! refuses an echo server that corrupts a message.

mod common;

use std::io::{Read, Write};
use std::net::TcpListener;
use std::process::{Child, Command};
use std::thread;

/// A server binary started with a piped stdin (closing it ends the server) and its first line.
struct Server {
    child: Child,
    line: String,
}

impl Server {
    fn start(bin: &str, args: &[&str]) -> Self {
        let (child, line) = common::spawn_server(bin, args);
        Self { child, line }
    }

    fn number(&self, key: &str) -> u64 {
        self.line
            .split(&format!("\"{key}\":"))
            .nth(1)
            .and_then(|rest| rest.trim_start().split([',', '}']).next())
            .and_then(|p| p.trim().parse().ok())
            .unwrap_or_else(|| panic!("no {key} in {:?}", self.line))
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        drop(self.child.stdin.take());
        let _ = self.child.wait();
    }
}

/// Runs bench-native with `args`; returns (success, stdout, stderr).
fn native(args: &[String]) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_bench-native"))
        .args(args)
        .output()
        .unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Runs a subcommand that must succeed; returns its one JSON line after checking its shape:
/// `runs` runs, each with `keys` and wall_s/cpu_s.
fn ok(args: &[String], runs: usize, keys: &[&str]) -> String {
    let (success, stdout, stderr) = native(args);
    assert!(success, "{args:?} failed: {stderr}");
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 1, "one JSON line: {stdout}");
    let line = lines[0];
    let name = &args[0];
    assert!(
        line.starts_with(&format!("{{\"name\":\"{name}\",\"runs\":[")),
        "{line}"
    );
    assert_eq!(line.matches("\"wall_s\":").count(), runs, "{line}");
    assert_eq!(line.matches("\"cpu_s\":").count(), runs, "{line}");
    for k in keys {
        assert_eq!(
            line.matches(&format!("\"{k}\":")).count(),
            runs,
            "{k} in {line}"
        );
    }
    line.to_string()
}

fn a(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| s.to_string()).collect()
}

#[test]
fn http_subcommands_against_bench_server() {
    let server = Server::start(env!("CARGO_BIN_EXE_bench-server"), &[]);
    let port = format!("--port={}", server.number("port"));
    let tls13 = format!("--port={}", server.number("tls13_port"));
    let tls12 = format!("--port={}", server.number("tls12_port"));
    let ca = format!(
        "--ca={}/../core/tests/data/ca.crt",
        env!("CARGO_MANIFEST_DIR")
    );
    ok(
        &a(&[
            "http-download",
            &port,
            "--bytes=300000",
            "--chunk=4096",
            "--runs=2",
        ]),
        2,
        &["mbps"],
    );
    ok(
        &a(&[
            "https-download",
            &tls13,
            &ca,
            "--bytes=300000",
            "--chunk=65536",
            "--runs=1",
        ]),
        1,
        &["mbps"],
    );
    ok(
        &a(&[
            "http-keepalive",
            &port,
            "--requests=50",
            "--size=100",
            "--runs=2",
        ]),
        2,
        &["rate"],
    );
    ok(
        &a(&["tls-first-byte", &tls12, &ca, "--connections=3", "--runs=1"]),
        1,
        &["ms"],
    );
    // A body that is not there is an error, not a number.
    let (success, _, stderr) = native(&a(&["http-download", "--port=1", "--bytes=10", "--runs=1"]));
    assert!(!success && stderr.contains("connect"), "{stderr}");
}

#[test]
fn websocket_pair_subcommands() {
    ok(
        &a(&["ws-roundtrip", "--count=200", "--size=64", "--runs=2"]),
        2,
        &["rate"],
    );
    ok(
        &a(&["ws-pipeline", "--count=300", "--size=1024", "--runs=1"]),
        1,
        &["rate", "mbps"],
    );
    ok(
        &a(&["ws-pipeline", "--count=3", "--size=1048576", "--runs=1"]),
        1,
        &["mbps"],
    );
}

#[test]
fn load_generators_against_the_echo_server() {
    let server = Server::start(env!("CARGO_BIN_EXE_bench-native"), &["ws-echo-server"]);
    let port = format!("--port={}", server.number("port"));
    let dir = std::env::temp_dir().join(format!("bench-native-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let out = dir.join("echo.json");
    let line = ok(
        &a(&[
            "ws-echo-load",
            &port,
            "--clients=5",
            "--size=64",
            "--window=4",
            "--seconds=1",
            "--runs=1",
            &format!("--out={}", out.display()),
        ]),
        1,
        &["rate", "echoes"],
    );
    assert_eq!(
        std::fs::read_to_string(&out).unwrap().trim(),
        line,
        "--out holds the same line"
    );
    assert!(line.ends_with(",\"clients\":5}"), "{line}");
    let burst = ok(
        &a(&["ws-connect-burst", &port, "--clients=50", "--timeout=10"]),
        1,
        &["open", "ms", "refused"],
    );
    assert!(
        burst.contains("\"open\":50,"),
        "every client upgraded: {burst}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_corrupted_echo_fails_the_load_generator() {
    // An echo server that flips one payload byte of the third message it echoes.
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    thread::spawn(move || {
        let (stream, _) = listener.accept().unwrap();
        let mut ws = tungstenite::accept(stream).unwrap();
        let mut n = 0;
        while let Ok(msg) = ws.read() {
            if let tungstenite::Message::Binary(b) = msg {
                let mut v = b.to_vec();
                n += 1;
                if n == 3 {
                    v[20] ^= 0xff;
                }
                if ws.send(tungstenite::Message::Binary(v.into())).is_err() {
                    break;
                }
            }
        }
    });
    let (success, _, stderr) = native(&a(&[
        "ws-echo-load",
        &format!("--port={port}"),
        "--clients=1",
        "--window=1",
        "--seconds=1",
        "--runs=1",
    ]));
    assert!(!success, "a corrupted echo must fail the run");
    assert!(stderr.contains("corrupted"), "{stderr}");
}

#[test]
fn a_server_that_does_not_upgrade_fails_the_burst() {
    // Answers every connection with a plain 200: no client may count as open.
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut s) = stream else { break };
            let mut buf = [0u8; 1024];
            let _ = s.read(&mut buf);
            let _ = s.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
        }
    });
    let line = ok(
        &a(&[
            "ws-connect-burst",
            &format!("--port={port}"),
            "--clients=5",
            "--timeout=5",
        ]),
        1,
        &["open"],
    );
    assert!(
        line.contains("\"open\":0,") && line.contains("\"refused\":5,"),
        "{line}"
    );
}
