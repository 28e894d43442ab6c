//! Host-name resolution off the caller's thread.
//!
//! `getaddrinfo` blocks, and a game's main thread must not, so each look-up runs on a short-lived
//! thread and the caller polls [`Resolve::poll`]. The number of look-ups in flight in the whole
//! process is capped ([`crate::HttpLimits::max_concurrent_resolves`]); a look-up abandoned by
//! its caller finishes in the background and its answer is dropped.

use std::io;
use std::net::{IpAddr, ToSocketAddrs};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{self, Receiver, TryRecvError};

static IN_FLIGHT: AtomicUsize = AtomicUsize::new(0);

/// The state of one look-up.
#[derive(Debug, PartialEq, Eq)]
pub enum ResolveState {
    Pending,
    /// Addresses in the resolver's order (no duplicates).
    Done(Vec<IpAddr>),
    Failed(String),
}

/// A look-up in progress.
pub struct Resolve {
    rx: Receiver<io::Result<Vec<IpAddr>>>,
}

/// Releases the in-flight slot when the worker ends, however it ends.
struct Slot;
impl Drop for Slot {
    fn drop(&mut self) {
        IN_FLIGHT.fetch_sub(1, Ordering::AcqRel);
    }
}

impl Resolve {
    /// Starts resolving `host`. Fails at once when `max_in_flight` look-ups are already running
    /// or no thread can be started.
    pub fn start(host: &str, max_in_flight: usize) -> io::Result<Resolve> {
        let previous = IN_FLIGHT.fetch_add(1, Ordering::AcqRel);
        let slot = Slot;
        if previous >= max_in_flight {
            return Err(io::Error::other("too many host-name look-ups in flight"));
        }
        let (tx, rx) = mpsc::channel();
        let host = host.to_string();
        std::thread::Builder::new()
            .name("rustnet-dns".into())
            .spawn(move || {
                let _slot = slot;
                let result = (host.as_str(), 0u16).to_socket_addrs().map(|addrs| {
                    let mut ips: Vec<IpAddr> = Vec::new();
                    for a in addrs {
                        if !ips.contains(&a.ip()) {
                            ips.push(a.ip());
                        }
                    }
                    ips
                });
                let _ = tx.send(result);
            })?;
        Ok(Resolve { rx })
    }

    /// Checks for the answer without blocking.
    pub fn poll(&mut self) -> ResolveState {
        match self.rx.try_recv() {
            Ok(Ok(ips)) if ips.is_empty() => ResolveState::Failed("no addresses".into()),
            Ok(Ok(ips)) => ResolveState::Done(ips),
            Ok(Err(e)) => ResolveState::Failed(e.to_string()),
            Err(TryRecvError::Empty) => ResolveState::Pending,
            Err(TryRecvError::Disconnected) => ResolveState::Failed("resolver thread ended".into()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wait(mut r: Resolve) -> ResolveState {
        for _ in 0..1000 {
            match r.poll() {
                ResolveState::Pending => std::thread::sleep(std::time::Duration::from_millis(5)),
                other => return other,
            }
        }
        panic!("resolver did not answer in 5 s");
    }

    #[test]
    fn resolves_localhost_and_fails_invalid() {
        match wait(Resolve::start("localhost", 64).unwrap()) {
            ResolveState::Done(ips) => assert!(ips.iter().all(|ip| ip.is_loopback())),
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            wait(Resolve::start("nonexistent.invalid", 64).unwrap()),
            ResolveState::Failed(_)
        ));
    }
}
