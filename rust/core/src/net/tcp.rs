//! Non-blocking TCP connect and a connected stream that switches between non-blocking and
//! blocking I/O on demand (Godot's `blocking_mode_enabled`).

use socket2::{Domain, Protocol, Socket, Type};
use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpStream};

use super::readiness::Registration;

#[cfg(unix)]
fn registration_of(stream: &TcpStream) -> Option<Registration> {
    use std::os::fd::AsRawFd;
    Registration::new(stream.as_raw_fd())
}

#[cfg(not(unix))]
fn registration_of(_stream: &TcpStream) -> Option<Registration> {
    None
}

/// A connect in progress.
pub struct Connecting {
    /// `None` once handed over as a [`Conn`].
    socket: Option<Socket>,
}

/// What [`Connecting::poll`] found.
pub enum ConnectProgress {
    Pending,
    Connected(Conn),
    Failed(io::Error),
}

impl Connecting {
    /// Starts a non-blocking connect. An error here is synchronous (bad address, no socket).
    pub fn start(addr: SocketAddr) -> io::Result<Connecting> {
        let socket = Socket::new(Domain::for_address(addr), Type::STREAM, Some(Protocol::TCP))?;
        socket.set_nonblocking(true)?;
        match socket.connect(&addr.into()) {
            Ok(()) => {}
            #[cfg(unix)]
            Err(e) if e.raw_os_error() == Some(libc::EINPROGRESS) => {}
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
            Err(e) => return Err(e),
        }
        Ok(Connecting {
            socket: Some(socket),
        })
    }

    /// Checks whether the connect finished, without blocking (two syscalls).
    pub fn poll(&mut self) -> ConnectProgress {
        let Some(socket) = self.socket.as_ref() else {
            return ConnectProgress::Failed(io::ErrorKind::NotConnected.into());
        };
        match socket.take_error() {
            Ok(Some(e)) => return ConnectProgress::Failed(e),
            Err(e) => return ConnectProgress::Failed(e),
            Ok(None) => {}
        }
        match socket.peer_addr() {
            Ok(_) => {
                let Some(s) = self.socket.take() else {
                    return ConnectProgress::Failed(io::ErrorKind::NotConnected.into());
                };
                // Requests are small and latency matters more than packet count.
                let _ = s.set_nodelay(true);
                ConnectProgress::Connected(Conn {
                    readiness: Readiness::NotAsked,
                    stream: TcpStream::from(s),
                    nonblocking: true,
                })
            }
            Err(e) if e.kind() == io::ErrorKind::NotConnected => ConnectProgress::Pending,
            Err(e) => ConnectProgress::Failed(e),
        }
    }
}

/// A byte pipe the HTTP driver talks through: a TCP socket, a TLS session over one, or (in the
/// extension) any Godot `StreamPeer`. Non-blocking unless `blocking` is asked for.
pub trait Transport {
    /// One read. `Ok(None)`: nothing pending (non-blocking). `Ok(Some(0))`: end of stream.
    fn read(&mut self, buf: &mut [u8], blocking: bool) -> io::Result<Option<usize>>;
    /// One write. `Ok(0)`: the send buffer is full (non-blocking).
    fn write(&mut self, buf: &[u8], blocking: bool) -> io::Result<usize>;
    /// The remote address of the TCP connection underneath, when there is one we own
    /// (`get_connected_host/port`). Wrappers forward it.
    fn peer_addr(&self) -> Option<SocketAddr> {
        None
    }
    /// Switches Nagle's algorithm off (`true`) or on for the TCP connection underneath.
    /// `false` when there is no socket we own. Wrappers forward it.
    fn set_nodelay(&mut self, _enabled: bool) -> bool {
        false
    }
    /// Whether a non-blocking read may find something (data, end of stream, an error).
    /// `false`: certainly nothing new since this thread's last readiness refresh, so the read
    /// can be skipped (see [`crate::net::readiness`]). Anything without a socket of its own to
    /// watch answers `true`.
    fn may_have_input(&mut self) -> bool {
        true
    }
    /// Bytes a read could return right now without waiting (`FIONREAD`), when the transport
    /// knows: `None` for anything that buffers on its own (TLS) or has no socket.
    fn readable_now(&self) -> Option<usize> {
        None
    }
    /// Ends the stream politely before it is dropped (TLS: queue and try to send
    /// close_notify), best effort and without blocking. A plain socket needs nothing: dropping
    /// it closes it.
    fn shutdown(&mut self) {}
    /// Whether the end of stream (a read of 0) was the peer's deliberate end rather than a
    /// connection someone cut: TLS needs the peer's close_notify for that. A plain socket has
    /// no way to tell, so `true`. A body that only the close delimits is complete only then.
    fn end_is_authenticated(&self) -> bool {
        true
    }
}

/// A connected TCP stream.
pub struct Conn {
    /// The socket's place in its thread's readiness registry, made at the first
    /// [`Transport::may_have_input`]. Declared before `stream` so it is dropped first: the
    /// registry must forget the descriptor before it is closed and its number reused.
    readiness: Readiness,
    stream: TcpStream,
    nonblocking: bool,
}

enum Readiness {
    NotAsked,
    Registered(Registration),
    /// No registry (other systems, or registering failed): read every time.
    Unavailable,
}

impl Conn {
    /// Wraps an already connected stream (switched to non-blocking).
    pub fn from_stream(stream: TcpStream) -> io::Result<Conn> {
        stream.set_nonblocking(true)?;
        Ok(Conn {
            readiness: Readiness::NotAsked,
            stream,
            nonblocking: true,
        })
    }

    fn set_blocking(&mut self, blocking: bool) -> io::Result<()> {
        if self.nonblocking == blocking {
            self.stream.set_nonblocking(!blocking)?;
            self.nonblocking = !blocking;
        }
        Ok(())
    }
}

impl Transport for Conn {
    #[cfg(unix)]
    fn readable_now(&self) -> Option<usize> {
        use std::os::fd::AsRawFd;
        let mut n: libc::c_int = 0;
        // SAFETY: FIONREAD writes one int.
        let rc = unsafe { libc::ioctl(self.stream.as_raw_fd(), libc::FIONREAD, &mut n) };
        (rc == 0).then_some(n.max(0) as usize)
    }

    fn may_have_input(&mut self) -> bool {
        match &mut self.readiness {
            Readiness::Registered(r) => r.may_have_input(),
            Readiness::Unavailable => true,
            Readiness::NotAsked => {
                self.readiness = match registration_of(&self.stream) {
                    Some(r) => Readiness::Registered(r),
                    None => Readiness::Unavailable,
                };
                true
            }
        }
    }

    fn peer_addr(&self) -> Option<SocketAddr> {
        self.stream.peer_addr().ok()
    }

    fn set_nodelay(&mut self, enabled: bool) -> bool {
        self.stream.set_nodelay(enabled).is_ok()
    }

    fn read(&mut self, buf: &mut [u8], blocking: bool) -> io::Result<Option<usize>> {
        self.set_blocking(blocking)?;
        loop {
            match self.stream.read(buf) {
                Ok(n) => return Ok(Some(n)),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Ok(None),
                Err(e) => return Err(e),
            }
        }
    }

    fn write(&mut self, buf: &[u8], blocking: bool) -> io::Result<usize> {
        self.set_blocking(blocking)?;
        loop {
            match self.stream.write(buf) {
                Ok(0) if !buf.is_empty() => return Err(io::ErrorKind::WriteZero.into()),
                Ok(n) => return Ok(n),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Ok(0),
                Err(e) => return Err(e),
            }
        }
    }
}
