//! A readiness check shared by every connection polled on one thread, so that `poll()` on an
//! idle connection costs no system call.
//!
//! Godot scripts poll every peer every frame. Without this, each poll of an idle WebSocket
//! peer is one `recv()` answered `EAGAIN`: 1,000 idle peers, 1,000 system calls per frame.
//! With it, each thread has one epoll instance (level-triggered, Linux) holding the sockets of
//! its open connections; one `epoll_wait(.., 0)` per *epoch* lists the sockets with something
//! to read (data, EOF, an error), and a connection whose socket is not in the list skips its
//! read.
//!
//! ```text
//!            epoch e                                  epoch e+1
//!   refresh ──────────────────────────────▶ refresh ─────────────────────────▶
//!   (epoll_wait: ready = {B})   A: skip     (A polls again in epoch e:
//!                               B: read      first, a new epoch)      A: skip, B: read ...
//!                               C: skip
//! ```
//!
//! **When the list is refreshed.** A connection remembers the epoch of its last check. When a
//! connection checks again in the same epoch, a new pass over the peers has begun (a new
//! frame), so the list is refreshed first. A game that polls every peer once per frame pays
//! one `epoll_wait` per frame; a loop that polls one peer over and over pays one per poll, as
//! a `recv()` would.
//!
//! **Why nothing is lost.** The epoll instance is level-triggered: a socket with unread bytes
//! is listed at every refresh until they are read, so a connection that stopped reading early
//! (its read budget, a full receive queue) is listed again. Bytes that arrive after a refresh
//! are found at the next one, one pass (frame) later at most. A connection's first check, and
//! every check from a thread other than the one it registered on, answers "maybe ready" (the
//! caller reads, as without this module). If `epoll_wait` fills its whole event array, more
//! sockets may be ready than it could say: everyone counts as ready for that epoch. Where there
//! is no epoll (other systems) or registering fails, [`Registration::new`] returns `None` and
//! the caller reads every time.
//!
//! Only plain TCP sockets are registered: a TLS session can hold decrypted bytes that no
//! socket event announces.

#[cfg(target_os = "linux")]
pub use linux::Registration;

#[cfg(not(target_os = "linux"))]
pub use other::Registration;

/// Most events one refresh takes from the kernel: 1,024. More ready sockets than that in one
/// refresh and every connection counts as ready for the epoch (one `recv()` each, as without
/// the registry): the limit only bounds the stack-free buffer each thread keeps.
pub const MAX_EVENTS: usize = 1024;

#[cfg(target_os = "linux")]
mod linux {
    use super::MAX_EVENTS;
    use std::cell::RefCell;
    use std::os::fd::RawFd;
    use std::sync::Arc;

    /// An epoll file descriptor, closed with the last reference (the thread's registry and
    /// every registration made on it share it, so a registration can always deregister from
    /// the right instance, even after its thread ended).
    struct EpollFd(RawFd);

    impl Drop for EpollFd {
        fn drop(&mut self) {
            // SAFETY: we own the descriptor.
            unsafe { libc::close(self.0) };
        }
    }

    /// The per-thread state: the epoll instance, the current epoch and its ready list.
    struct Registry {
        epoll: Arc<EpollFd>,
        epoch: u64,
        /// Ready descriptors of this epoch, sorted (binary search; usually few).
        ready: Vec<RawFd>,
        /// The last refresh filled the event array: everyone counts as ready.
        overflow: bool,
        events: Vec<libc::epoll_event>,
        /// [`MAX_EVENTS`]; smaller in tests of the overflow rule.
        max_events: usize,
    }

    impl Registry {
        fn new() -> Option<Registry> {
            // SAFETY: plain syscall.
            let fd = unsafe { libc::epoll_create1(libc::EPOLL_CLOEXEC) };
            (fd >= 0).then(|| Registry {
                epoll: Arc::new(EpollFd(fd)),
                epoch: 1,
                ready: Vec::new(),
                overflow: false,
                events: Vec::new(),
                max_events: MAX_EVENTS,
            })
        }

        fn refresh(&mut self) {
            if self.events.len() != self.max_events {
                self.events = vec![libc::epoll_event { events: 0, u64: 0 }; self.max_events];
            }
            // SAFETY: the buffer holds `max_events` entries.
            let n = unsafe {
                libc::epoll_wait(
                    self.epoll.0,
                    self.events.as_mut_ptr(),
                    self.max_events as i32,
                    0,
                )
            };
            self.ready.clear();
            // An error (EINTR) is treated like a full array: read everything this epoch.
            self.overflow = n < 0 || n as usize == self.max_events;
            if n > 0 {
                self.ready
                    .extend(self.events[..n as usize].iter().map(|e| e.u64 as RawFd));
                self.ready.sort_unstable();
            }
            self.epoch += 1;
        }
    }

    thread_local! {
        static REGISTRY: RefCell<Option<Registry>> = const { RefCell::new(None) };
    }

    /// Tests of the overflow rule shrink this thread's event array.
    #[cfg(test)]
    pub(super) fn set_max_events_for_test(n: usize) {
        REGISTRY.with(|cell| {
            let mut slot = cell.borrow_mut();
            if slot.is_none() {
                *slot = Registry::new();
            }
            if let Some(reg) = slot.as_mut() {
                reg.max_events = n;
            }
        });
    }

    /// One socket in its thread's registry. Dropping it removes the socket (do that before
    /// the socket itself is closed, or let the close remove it: epoll forgets closed sockets).
    pub struct Registration {
        fd: RawFd,
        epoll: Arc<EpollFd>,
        /// The epoch of the last check; 0 before the first.
        last_epoch: u64,
    }

    impl Registration {
        /// Adds `fd` to this thread's registry (made on first use). `None` if epoll is not
        /// available: the caller then reads every time.
        pub fn new(fd: RawFd) -> Option<Registration> {
            REGISTRY
                .try_with(|cell| {
                    let mut slot = cell.try_borrow_mut().ok()?;
                    if slot.is_none() {
                        *slot = Registry::new();
                    }
                    let reg = slot.as_ref()?;
                    let mut ev = libc::epoll_event {
                        events: (libc::EPOLLIN | libc::EPOLLRDHUP) as u32,
                        u64: fd as u64,
                    };
                    // SAFETY: `ev` is valid for the call; the kernel copies it.
                    let rc =
                        unsafe { libc::epoll_ctl(reg.epoll.0, libc::EPOLL_CTL_ADD, fd, &mut ev) };
                    (rc == 0).then(|| Registration {
                        fd,
                        epoll: reg.epoll.clone(),
                        last_epoch: 0,
                    })
                })
                .ok()
                .flatten()
        }

        /// Whether the socket may have something to read (data, end of stream, an error).
        /// `false` means: certainly nothing since this thread's last refresh, skip the read.
        pub fn may_have_input(&mut self) -> bool {
            REGISTRY
                .try_with(|cell| {
                    let Ok(mut slot) = cell.try_borrow_mut() else {
                        return true;
                    };
                    let Some(reg) = slot.as_mut() else {
                        return true;
                    };
                    // Registered on another thread's instance: no answer here.
                    if !Arc::ptr_eq(&reg.epoll, &self.epoll) {
                        return true;
                    }
                    if self.last_epoch == 0 {
                        // First check: the ready list predates this socket.
                        self.last_epoch = reg.epoch;
                        return true;
                    }
                    if self.last_epoch == reg.epoch {
                        reg.refresh();
                    }
                    self.last_epoch = reg.epoch;
                    reg.overflow || reg.ready.binary_search(&self.fd).is_ok()
                })
                .unwrap_or(true)
        }
    }

    impl Drop for Registration {
        fn drop(&mut self) {
            let mut ev = libc::epoll_event { events: 0, u64: 0 };
            // SAFETY: plain syscall; a socket already closed (and so already forgotten by
            // epoll) makes it fail harmlessly.
            unsafe { libc::epoll_ctl(self.epoll.0, libc::EPOLL_CTL_DEL, self.fd, &mut ev) };
        }
    }
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::Registration;
    use std::io::{Read, Write};
    use std::os::fd::AsRawFd;
    use std::os::unix::net::UnixStream;

    /// A registered socket and its other end; the first check (always "maybe") is done.
    fn registered() -> (Registration, UnixStream, UnixStream) {
        let (ours, theirs) = UnixStream::pair().unwrap();
        ours.set_nonblocking(true).unwrap();
        let mut r = Registration::new(ours.as_raw_fd()).expect("epoll");
        assert!(r.may_have_input(), "the first check reads");
        (r, ours, theirs)
    }

    /// A new pass over the peers: `r` checks twice, the second check refreshes.
    fn next_pass(r: &mut Registration) -> bool {
        r.may_have_input();
        r.may_have_input()
    }

    #[test]
    fn idle_until_data_arrives_then_until_it_is_read() {
        let (mut r, mut ours, mut theirs) = registered();
        assert!(!next_pass(&mut r), "nothing sent: skip the read");
        assert!(!next_pass(&mut r), "still nothing");
        theirs.write_all(b"hello").unwrap();
        assert!(next_pass(&mut r), "data is announced at the next refresh");
        assert!(next_pass(&mut r), "level-triggered: announced until read");
        let mut buf = [0u8; 16];
        assert_eq!(ours.read(&mut buf).unwrap(), 5);
        assert!(!next_pass(&mut r), "read: idle again");
    }

    #[test]
    fn end_of_stream_is_announced() {
        let (mut r, _ours, theirs) = registered();
        assert!(!next_pass(&mut r));
        drop(theirs);
        assert!(next_pass(&mut r), "EOF must reach the reader");
    }

    #[test]
    fn one_refresh_serves_every_peer_of_the_pass() {
        let (mut a, _a_ours, mut a_theirs) = registered();
        let (mut b, _b_ours, _b_theirs) = registered();
        // A pass: a then b; data for a arrives before the next pass.
        assert!(!next_pass(&mut a));
        assert!(!b.may_have_input());
        a_theirs.write_all(b"x").unwrap();
        // Next pass: a's second check of the epoch refreshes, b uses that refresh.
        assert!(a.may_have_input(), "a sees its data");
        assert!(!b.may_have_input(), "b has none");
    }

    #[test]
    fn a_check_from_another_thread_always_reads() {
        let (mut r, _ours, _theirs) = registered();
        assert!(!next_pass(&mut r));
        let answers = std::thread::spawn(move || (r.may_have_input(), r.may_have_input()))
            .join()
            .unwrap();
        assert_eq!(answers, (true, true), "no registry of its own there: read");
    }

    #[test]
    fn a_reused_descriptor_is_watched_for_its_new_socket() {
        let (r, ours, _theirs) = registered();
        let fd = ours.as_raw_fd();
        // Deregister first (Conn's field order guarantees it), then the descriptor number
        // gets a new socket: dup2 replaces it atomically (other tests open sockets meanwhile,
        // so waiting for the kernel to hand the number out again would be a race).
        drop(r);
        let (new_ours, mut new_theirs) = UnixStream::pair().unwrap();
        // SAFETY: `fd` is ours (owned by `ours`, which now refers to the new socket).
        assert_eq!(unsafe { libc::dup2(new_ours.as_raw_fd(), fd) }, fd);
        drop(new_ours);
        ours.set_nonblocking(true).unwrap();
        let mut r2 = Registration::new(fd).expect("registers again");
        assert!(r2.may_have_input());
        assert!(!next_pass(&mut r2), "the new socket is idle");
        new_theirs.write_all(b"y").unwrap();
        assert!(next_pass(&mut r2), "the new socket's data is announced");
        drop(r2);
        drop(ours);
    }

    #[test]
    fn a_full_event_array_makes_everyone_ready() {
        super::linux::set_max_events_for_test(2);
        let mut peers: Vec<_> = (0..3).map(|_| registered()).collect();
        for (_, _, theirs) in peers.iter_mut() {
            theirs.write_all(b"z").unwrap();
        }
        let (quiet, _q_ours, _q_theirs) = registered();
        let mut quiet = quiet;
        assert!(next_pass(&mut peers[0].0));
        assert!(
            quiet.may_have_input(),
            "more ready sockets than events: everyone reads"
        );
        super::linux::set_max_events_for_test(super::MAX_EVENTS);
    }
}

#[cfg(not(target_os = "linux"))]
mod other {
    /// No shared readiness on this system: connections read on every poll.
    pub struct Registration;

    impl Registration {
        pub fn new(_fd: i32) -> Option<Registration> {
            None
        }

        pub fn may_have_input(&mut self) -> bool {
            true
        }
    }
}
