//! `bench-native`: the native-limit column and the load generators of `scripts/bench.sh`.
//!
//! Every workload of the benchmark that has a Godot-free equivalent is here as a plain Rust
//! program, so the table can say what this machine allows without Godot in the way, next to
//! what the built-in class and RustNet's class reach. And the two server rows need clients
//! that are not themselves the bottleneck: `ws-echo-load` and `ws-connect-burst` are those,
//! one thread each, epoll, no per-message allocation.
//!
//! ```text
//! bench-native <subcommand> [--name=value ...] [--runs=N] [--out=PATH]
//!
//!   http-download   --port --bytes --chunk     GET /sized from bench-server, read() of `chunk`
//!   https-download  --port --ca --bytes --chunk  the same through a rustls client (TLS 1.3 port)
//!   http-keepalive  --port --requests --size    sequential GETs on one connection
//!   tls-first-byte  --port --ca --connections   new TLS connection to first body byte (median)
//!   ws-roundtrip    --count --size              tungstenite client + server, one in flight
//!   ws-pipeline     --count --size              tungstenite client -> server, as fast as possible
//!   ws-echo-server  [--port]                    single-threaded echo server (until stdin EOF)
//!   ws-echo-load    --port --clients --size --window --seconds   saturating echo clients
//!   ws-connect-burst --port --clients --timeout [--hold]   N connects + upgrades at once
//! ```
//!
//! Each subcommand (but `ws-echo-server`) prints ONE JSON line on stdout at the end,
//! `{"name": ..., "runs": [{...}, ...]}`, and with `--out=PATH` also writes it to PATH
//! (atomically: PATH.tmp, then a rename). Every run has `wall_s` (the timed part) and `cpu_s`
//! (this process's CPU time, all threads, over the same interval: `getrusage`), plus the
//! subcommand's own keys (`mbps`, `rate`, `ms`, `open`, ...). `--runs=N` (default 5) times the
//! workload N times after one untimed warm-up run. Progress and errors go to stderr; any error
//! (a short body, a corrupted echo, a refused connection) exits 1.
//!
//! Fairness: the HTTP clients read with the chunk size the Godot benchmark gives
//! `read_chunk_size` and talk to the same bench-server; the WebSocket pair uses tungstenite,
//! the field's standard crate, in two threads with blocking sockets and `TCP_NODELAY` (the
//! simplest fast design; Godot's benchmark has both ends in one thread, so this is an upper
//! bound); the echo server is one thread, like Godot's loop. Not shipped with the addon.

mod http;
mod load;
mod util;
mod ws;

use std::process::ExitCode;
use util::Args;

fn main() -> ExitCode {
    let mut argv = std::env::args().skip(1);
    let Some(cmd) = argv.next() else {
        eprintln!("{}", USAGE);
        return ExitCode::from(2);
    };
    if cmd == "--help" || cmd == "-h" {
        println!("{}", USAGE);
        return ExitCode::SUCCESS;
    }
    let args = match Args::parse(argv) {
        Ok(a) => a,
        Err(e) => {
            eprintln!("bench-native: {e}");
            return ExitCode::from(2);
        }
    };
    let result = match cmd.as_str() {
        "http-download" => http::download(&args, false),
        "https-download" => http::download(&args, true),
        "http-keepalive" => http::keepalive(&args),
        "tls-first-byte" => http::first_byte(&args),
        "ws-roundtrip" => ws::roundtrip(&args),
        "ws-pipeline" => ws::pipeline(&args),
        "ws-echo-server" => load::echo_server(&args),
        "ws-echo-load" => load::echo_load(&args),
        "ws-connect-burst" => load::connect_burst(&args),
        other => Err(format!("unknown subcommand '{other}'\n{USAGE}")),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("bench-native {cmd}: {e}");
            ExitCode::FAILURE
        }
    }
}

const USAGE: &str = "\
Usage: bench-native <subcommand> [--name=value ...] [--runs=N] [--out=PATH]
  http-download    --port=P --bytes=N --chunk=C      (bench-server's plain port)
  https-download   --port=P --ca=PEM --bytes=N --chunk=C   (bench-server's TLS 1.3 port)
  http-keepalive   --port=P --requests=N --size=B
  tls-first-byte   --port=P --ca=PEM --connections=N       (bench-server's TLS 1.2 port)
  ws-roundtrip     --count=N --size=B
  ws-pipeline      --count=N --size=B
  ws-echo-server   [--port=0]   prints {\"port\":P,\"pid\":PID}, serves until stdin closes
  ws-echo-load     --port=P --clients=N --size=B --window=W --seconds=S
  ws-connect-burst --port=P --clients=N --timeout=S [--hold]
Each prints one JSON line {\"name\":...,\"runs\":[...]} (and writes it to --out).
--runs=N (default 5) timed runs after one untimed warm-up.";
