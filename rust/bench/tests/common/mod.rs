//! What the integration tests of rust/bench share: starting one of the crate's server binaries.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

/// Starts `bin` with `args`, stdin and stdout piped (closing stdin ends either server), and
/// returns it with the first line it printed (its JSON line with the ports).
pub fn spawn_server(bin: &str, args: &[&str]) -> (Child, String) {
    let mut child = Command::new(bin)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    (child, line)
}
