//! A non-blocking TCP listener with Godot's `TCPServer` rules, and the stream sockets it hands
//! out (or that connect themselves) with Godot's `StreamPeerTCP` semantics ([`TcpPeer`]).
//!
//! Nothing here blocks unless a blocking read or write is asked for (Godot's `get_data` /
//! `put_data`, which block by contract).

use super::tcp::Conn;
use socket2::{Domain, Protocol, SockRef, Socket, Type};
use std::io::{self, Read, Write};
use std::net::{IpAddr, Ipv6Addr, SocketAddr, TcpListener, TcpStream};
use std::time::{Duration, Instant};

/// Listen backlog: the usual OS maximum (Linux `SOMAXCONN`), not Godot's 8, so bursts of
/// connections are not refused before the game gets to accept them.
pub const BACKLOG: i32 = 4096;

/// Why a listen or bind failed, named after the Godot `Error` it maps to.
#[derive(Debug)]
pub enum NetError {
    /// `ERR_INVALID_PARAMETER`: bad address or port.
    InvalidParameter(String),
    /// `ERR_ALREADY_IN_USE`: already listening/open, or the address is taken.
    AlreadyInUse(String),
    /// `ERR_CANT_CREATE`: no socket.
    CantCreate(io::Error),
    /// `ERR_CANT_RESOLVE`: the host name did not resolve.
    CantResolve(String),
    /// `FAILED`.
    Failed(String),
}

/// Godot's bind-address rules: `"*"` is every interface (`None`), otherwise an IP literal.
pub fn parse_bind_address(addr: &str) -> Result<Option<IpAddr>, NetError> {
    if addr == "*" {
        return Ok(None);
    }
    addr.parse::<IpAddr>()
        .map(Some)
        .map_err(|_| NetError::InvalidParameter(format!("invalid bind address: {addr:?}")))
}

/// Opens a non-blocking TCP socket for `ip` (`None`: dual-stack IPv6, falling back to IPv4
/// where the system has no IPv6), with `SO_REUSEADDR` as Godot sets it.
fn open_socket(ip: Option<IpAddr>) -> Result<(Socket, SocketAddr), NetError> {
    let open = |domain: Domain| -> io::Result<Socket> {
        let s = Socket::new(domain, Type::STREAM, Some(Protocol::TCP))?;
        s.set_nonblocking(true)?;
        Ok(s)
    };
    match ip {
        Some(ip) => {
            let addr = SocketAddr::new(ip, 0);
            let s = open(Domain::for_address(addr)).map_err(NetError::CantCreate)?;
            if ip.is_ipv6() {
                let _ = s.set_only_v6(true);
            }
            Ok((s, addr))
        }
        None => match open(Domain::IPV6) {
            Ok(s) => {
                let _ = s.set_only_v6(false);
                Ok((s, SocketAddr::new(IpAddr::V6(Ipv6Addr::UNSPECIFIED), 0)))
            }
            Err(_) => {
                let s = open(Domain::IPV4).map_err(NetError::CantCreate)?;
                Ok((s, SocketAddr::new(IpAddr::from([0, 0, 0, 0]), 0)))
            }
        },
    }
}

/// A listening socket. Dropping it stops listening.
pub struct Listener {
    listener: TcpListener,
    /// A connection accepted by [`Listener::is_connection_available`], handed out next.
    pending: Option<(TcpStream, SocketAddr)>,
}

impl Listener {
    /// Listens on `port` (0: an ephemeral port) at `bind_address` (`"*"` or an IP literal).
    pub fn bind(port: u16, bind_address: &str) -> Result<Listener, NetError> {
        let ip = parse_bind_address(bind_address)?;
        let (socket, mut addr) = open_socket(ip)?;
        addr.set_port(port);
        let _ = socket.set_reuse_address(true);
        socket
            .bind(&addr.into())
            .map_err(|e| NetError::AlreadyInUse(format!("cannot bind {addr}: {e}")))?;
        socket
            .listen(BACKLOG)
            .map_err(|e| NetError::Failed(format!("cannot listen on {addr}: {e}")))?;
        Ok(Listener {
            listener: socket.into(),
            pending: None,
        })
    }

    /// The port actually listened on (the ephemeral one after `bind(0, …)`).
    pub fn local_port(&self) -> u16 {
        self.listener.local_addr().map(|a| a.port()).unwrap_or(0)
    }

    fn accept_raw(&mut self) -> Option<(TcpStream, SocketAddr)> {
        if let Some(p) = self.pending.take() {
            return Some(p);
        }
        // Bounded: a few retries for EINTR / connections reset before accept.
        for _ in 0..8 {
            match self.listener.accept() {
                Ok(p) => return Some(p),
                Err(e)
                    if matches!(
                        e.kind(),
                        io::ErrorKind::Interrupted | io::ErrorKind::ConnectionAborted
                    ) =>
                {
                    continue
                }
                Err(_) => return None,
            }
        }
        None
    }

    /// Whether a connection is waiting (it is accepted from the kernel and kept for
    /// [`Listener::accept`]). Never blocks.
    pub fn is_connection_available(&mut self) -> bool {
        if self.pending.is_none() {
            self.pending = self.accept_raw();
        }
        self.pending.is_some()
    }

    /// The next waiting connection as a connected, non-blocking peer, or `None`. `TCP_NODELAY`
    /// stays off, as on Godot's accepted peers.
    pub fn accept(&mut self) -> Option<TcpPeer> {
        let (stream, addr) = self.accept_raw()?;
        if stream.set_nonblocking(true).is_err() {
            return None;
        }
        Some(TcpPeer::from_accepted(stream, addr))
    }
}

/// `StreamPeerSocket.Status`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PeerStatus {
    None = 0,
    Connecting = 1,
    Connected = 2,
    Error = 3,
}

/// The result of a read or write, as Godot's `StreamPeerSocket::read/write` returns it.
#[derive(Debug, PartialEq, Eq, Clone, Copy)]
pub enum IoStatus {
    /// `OK`.
    Ok,
    /// `ERR_FILE_EOF`: the peer closed (the peer is now disconnected).
    Eof,
    /// `FAILED`: not connected, or a socket error (the peer is now disconnected).
    Failed,
}

enum Sock {
    Closed,
    /// Opened by `bind()` (and maybe connecting).
    Open(Socket),
    Stream(TcpStream),
}

/// A TCP stream socket with Godot's `StreamPeerTCP` state machine: connect, poll, status, and
/// reads/writes with Godot's EOF and error rules.
pub struct TcpPeer {
    sock: Sock,
    status: PeerStatus,
    peer: Option<SocketAddr>,
    deadline: Option<Instant>,
}

impl Default for TcpPeer {
    fn default() -> Self {
        TcpPeer::new()
    }
}

/// IPv4-mapped IPv6 addresses (from a dual-stack listener) shown as IPv4, as Godot's
/// `IPAddress` does.
fn unmap(addr: SocketAddr) -> SocketAddr {
    match addr {
        SocketAddr::V6(v6) => match v6.ip().to_ipv4_mapped() {
            Some(v4) => SocketAddr::new(IpAddr::V4(v4), v6.port()),
            None => addr,
        },
        a => a,
    }
}

/// An IP as Godot's `IPAddress` prints it: dotted IPv4, or eight uncompressed lowercase hex
/// groups for IPv6 (`0:0:0:0:0:0:0:1`).
pub fn godot_ip_string(ip: IpAddr) -> String {
    match ip {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => v4.to_string(),
            None => v6
                .segments()
                .iter()
                .map(|s| format!("{s:x}"))
                .collect::<Vec<_>>()
                .join(":"),
        },
    }
}

impl TcpPeer {
    /// A closed peer (`STATUS_NONE`).
    pub fn new() -> TcpPeer {
        TcpPeer {
            sock: Sock::Closed,
            status: PeerStatus::None,
            peer: None,
            deadline: None,
        }
    }

    fn from_accepted(stream: TcpStream, addr: SocketAddr) -> TcpPeer {
        TcpPeer {
            sock: Sock::Stream(stream),
            status: PeerStatus::Connected,
            peer: Some(unmap(addr)),
            deadline: None,
        }
    }

    pub fn status(&self) -> PeerStatus {
        self.status
    }

    /// The remote address while connecting or connected.
    pub fn peer_addr(&self) -> Option<SocketAddr> {
        self.peer
    }

    fn sock_ref(&self) -> Option<SockRef<'_>> {
        match &self.sock {
            Sock::Closed => None,
            Sock::Open(s) => Some(SockRef::from(s)),
            Sock::Stream(s) => Some(SockRef::from(s)),
        }
    }

    /// Whether a socket is open (bound, connecting or connected).
    pub fn is_open(&self) -> bool {
        !matches!(self.sock, Sock::Closed)
    }

    /// The local port of the open socket, else 0.
    pub fn local_port(&self) -> u16 {
        self.sock_ref()
            .and_then(|s| s.local_addr().ok())
            .and_then(|a| a.as_socket())
            .map(|a| a.port())
            .unwrap_or(0)
    }

    /// `TCP_NODELAY`. `false` when no socket is open.
    pub fn set_no_delay(&self, enabled: bool) -> bool {
        self.sock_ref()
            .map(|s| s.set_nodelay(enabled).is_ok())
            .unwrap_or(false)
    }

    /// Opens and binds the socket before [`TcpPeer::connect`] (Godot's `bind(port, host)`).
    /// A failed bind leaves the socket open, as in Godot.
    pub fn bind(&mut self, port: i64, host: &str) -> Result<(), NetError> {
        if self.is_open() {
            return Err(NetError::AlreadyInUse("the socket is already open".into()));
        }
        let port = u16::try_from(port).map_err(|_| {
            NetError::InvalidParameter(
                "The local port number must be between 0 and 65535 (inclusive).".into(),
            )
        })?;
        let ip = parse_bind_address(host);
        let (socket, mut addr) = open_socket(ip.as_ref().ok().copied().flatten())?;
        self.sock = Sock::Open(socket);
        ip?;
        addr.set_port(port);
        if let Sock::Open(s) = &self.sock {
            s.bind(&addr.into())
                .map_err(|e| NetError::AlreadyInUse(format!("cannot bind {addr}: {e}")))?;
        }
        Ok(())
    }

    /// Resolves `host` (synchronously, like Godot) unless it is an IP literal, then starts a
    /// non-blocking connect. `connect_timeout` is checked by [`TcpPeer::poll`].
    pub fn connect(
        &mut self,
        host: &str,
        port: i64,
        connect_timeout: Duration,
    ) -> Result<(), NetError> {
        let ip = match host.parse::<IpAddr>() {
            Ok(ip) => ip,
            Err(_) => resolve_first(host)
                .ok_or_else(|| NetError::CantResolve(format!("cannot resolve {host:?}")))?,
        };
        if self.status != PeerStatus::None {
            return Err(NetError::AlreadyInUse(
                "already connecting or connected".into(),
            ));
        }
        let port = u16::try_from(port)
            .ok()
            .filter(|p| *p != 0)
            .ok_or_else(|| {
                NetError::InvalidParameter(
                    "The remote port number must be between 1 and 65535 (inclusive).".into(),
                )
            })?;
        let addr = SocketAddr::new(ip, port);
        let socket = match std::mem::replace(&mut self.sock, Sock::Closed) {
            Sock::Open(s) => s,
            Sock::Stream(s) => Socket::from(s),
            Sock::Closed => {
                let s = Socket::new(Domain::for_address(addr), Type::STREAM, Some(Protocol::TCP))
                    .map_err(|e| NetError::Failed(e.to_string()))?;
                s.set_nonblocking(true)
                    .map_err(|e| NetError::Failed(e.to_string()))?;
                s
            }
        };
        let connected = match socket.connect(&addr.into()) {
            Ok(()) => true,
            #[cfg(unix)]
            Err(e) if e.raw_os_error() == Some(libc::EINPROGRESS) => false,
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => false,
            Err(e) => {
                self.disconnect();
                return Err(NetError::Failed(format!(
                    "Connection to remote host failed: {e}"
                )));
            }
        };
        self.sock = Sock::Stream(socket.into());
        self.status = if connected {
            PeerStatus::Connected
        } else {
            PeerStatus::Connecting
        };
        self.peer = Some(addr);
        self.deadline = Instant::now().checked_add(connect_timeout);
        Ok(())
    }

    /// Closes the socket: `STATUS_NONE`, no peer address.
    pub fn disconnect(&mut self) {
        self.sock = Sock::Closed;
        self.status = PeerStatus::None;
        self.peer = None;
        self.deadline = None;
    }

    fn fail(&mut self) {
        self.disconnect();
        self.status = PeerStatus::Error;
    }

    fn stream(&self) -> Option<&TcpStream> {
        match &self.sock {
            Sock::Stream(s) => Some(s),
            _ => None,
        }
    }

    /// Godot's `poll()`: finishes a connect, or notices the peer's FIN. `Err(())` is Godot's
    /// `ERR_CONNECTION_ERROR` (the status is then `Error`). Two syscalls at most.
    #[allow(clippy::result_unit_err)]
    pub fn poll(&mut self) -> Result<(), ()> {
        match self.status {
            PeerStatus::Connected => {
                let Some(stream) = self.stream() else {
                    return Ok(());
                };
                let mut b = [0u8; 1];
                match stream.peek(&mut b) {
                    Ok(0) => self.disconnect(),
                    Ok(_) => {}
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                    Err(_) => {
                        self.fail();
                        return Err(());
                    }
                }
                Ok(())
            }
            PeerStatus::Connecting => {
                let Some(stream) = self.stream() else {
                    self.fail();
                    return Err(());
                };
                match stream.take_error() {
                    Ok(None) => {}
                    _ => {
                        self.fail();
                        return Err(());
                    }
                }
                match stream.peer_addr() {
                    Ok(_) => {
                        self.status = PeerStatus::Connected;
                        Ok(())
                    }
                    Err(e) if e.kind() == io::ErrorKind::NotConnected => {
                        if self.deadline.is_some_and(|d| Instant::now() > d) {
                            self.fail();
                            return Err(());
                        }
                        Ok(())
                    }
                    Err(_) => {
                        self.fail();
                        Err(())
                    }
                }
            }
            _ => Ok(()),
        }
    }

    /// Bytes readable now (`FIONREAD`), or `None` when no socket is open.
    pub fn available_bytes(&self) -> Option<usize> {
        let s = self.sock_ref()?;
        Some(available(&s))
    }

    /// Godot's `StreamPeerSocket::read`: non-blocking = at most one successful `recv`;
    /// blocking = until `buf` is full or EOF. Returns the status and the byte count.
    pub fn read(&mut self, buf: &mut [u8], blocking: bool) -> (IoStatus, usize) {
        if self.status != PeerStatus::Connected {
            return (IoStatus::Failed, 0);
        }
        let mut total = 0;
        while total < buf.len() {
            let Some(mut stream) = self.stream() else {
                return (IoStatus::Failed, total);
            };
            match stream.read(&mut buf[total..]) {
                Ok(0) => {
                    self.disconnect();
                    return (IoStatus::Eof, total);
                }
                Ok(n) => {
                    total += n;
                    if !blocking {
                        break;
                    }
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    if !blocking || !wait(stream, false) {
                        if !blocking {
                            break;
                        }
                        self.disconnect();
                        return (IoStatus::Failed, total);
                    }
                }
                Err(_) => {
                    self.disconnect();
                    return (IoStatus::Failed, total);
                }
            }
        }
        (IoStatus::Ok, total)
    }

    /// Godot's `StreamPeerSocket::write`: non-blocking = as much as the send buffer takes;
    /// blocking = everything. A write error (the peer closed) disconnects: `FAILED`.
    pub fn write(&mut self, data: &[u8], blocking: bool) -> (IoStatus, usize) {
        if self.status != PeerStatus::Connected {
            return (IoStatus::Failed, 0);
        }
        let mut total = 0;
        while total < data.len() {
            let Some(mut stream) = self.stream() else {
                return (IoStatus::Failed, total);
            };
            // std's TcpStream::write sends with MSG_NOSIGNAL: no SIGPIPE on a closed peer.
            match stream.write(&data[total..]) {
                Ok(0) => {
                    self.disconnect();
                    return (IoStatus::Failed, total);
                }
                Ok(n) => total += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    if !blocking {
                        break;
                    }
                    if !wait(stream, true) {
                        self.disconnect();
                        return (IoStatus::Failed, total);
                    }
                }
                Err(_) => {
                    self.disconnect();
                    return (IoStatus::Failed, total);
                }
            }
        }
        (IoStatus::Ok, total)
    }

    /// Hands the connected socket over (for protocols layered on top), or `None`.
    pub fn into_stream(mut self) -> Option<TcpStream> {
        match std::mem::replace(&mut self.sock, Sock::Closed) {
            Sock::Stream(s) if self.status == PeerStatus::Connected => Some(s),
            _ => None,
        }
    }

    /// The connected socket as the non-blocking [`Conn`] the HTTP and WebSocket drivers use
    /// (e.g. a server-side WebSocket on an accepted connection), or `None`.
    pub fn into_conn(self) -> Option<Conn> {
        Conn::from_stream(self.into_stream()?).ok()
    }
}

/// Godot's `IP.resolve_hostname` (first address, resolver order). Blocks.
fn resolve_first(host: &str) -> Option<IpAddr> {
    use std::net::ToSocketAddrs;
    if host.is_empty() {
        return None;
    }
    (host, 0).to_socket_addrs().ok()?.next().map(|a| a.ip())
}

#[cfg(unix)]
fn available(s: &SockRef<'_>) -> usize {
    use std::os::fd::AsRawFd;
    let mut n: libc::c_int = 0;
    // SAFETY: FIONREAD writes one c_int through the pointer; the fd is open for the call.
    let r = unsafe { libc::ioctl(s.as_raw_fd(), libc::FIONREAD, &mut n) };
    if r < 0 {
        0
    } else {
        usize::try_from(n).unwrap_or(0)
    }
}

#[cfg(not(unix))]
fn available(s: &SockRef<'_>) -> usize {
    let mut buf = [std::mem::MaybeUninit::<u8>::uninit(); 65536];
    s.peek(&mut buf).unwrap_or(0)
}

/// Blocks until the socket is readable (or writable). `false` on a poll error.
#[cfg(unix)]
fn wait(stream: &TcpStream, write: bool) -> bool {
    use std::os::fd::AsRawFd;
    let mut pfd = libc::pollfd {
        fd: stream.as_raw_fd(),
        events: if write { libc::POLLOUT } else { libc::POLLIN },
        revents: 0,
    };
    loop {
        // SAFETY: one valid pollfd for the duration of the call.
        let r = unsafe { libc::poll(&mut pfd, 1, -1) };
        if r >= 0 {
            return true;
        }
        if io::Error::last_os_error().kind() != io::ErrorKind::Interrupted {
            return false;
        }
    }
}

#[cfg(not(unix))]
fn wait(_stream: &TcpStream, _write: bool) -> bool {
    std::thread::sleep(Duration::from_millis(1));
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    fn connect_pair(listener: &mut Listener) -> (TcpPeer, TcpPeer) {
        let mut client = TcpPeer::new();
        client
            .connect(
                "127.0.0.1",
                listener.local_port().into(),
                Duration::from_secs(5),
            )
            .unwrap();
        let start = Instant::now();
        let server = loop {
            if let Some(p) = listener.accept() {
                break p;
            }
            assert!(start.elapsed() < Duration::from_secs(5), "no connection");
            std::thread::sleep(Duration::from_millis(1));
        };
        while client.status() == PeerStatus::Connecting {
            client.poll().unwrap();
            std::thread::sleep(Duration::from_millis(1));
        }
        assert_eq!(client.status(), PeerStatus::Connected);
        (client, server)
    }

    #[test]
    fn bind_address_rules() {
        assert!(matches!(parse_bind_address("*"), Ok(None)));
        assert!(matches!(parse_bind_address("::1"), Ok(Some(_))));
        assert!(matches!(
            parse_bind_address("not-an-ip"),
            Err(NetError::InvalidParameter(_))
        ));
        assert!(matches!(
            parse_bind_address(""),
            Err(NetError::InvalidParameter(_))
        ));
    }

    #[test]
    fn listen_ephemeral_and_port_in_use() {
        let l = Listener::bind(0, "127.0.0.1").unwrap();
        let port = l.local_port();
        assert_ne!(port, 0);
        assert!(matches!(
            Listener::bind(port, "127.0.0.1"),
            Err(NetError::AlreadyInUse(_))
        ));
        let any = Listener::bind(0, "*").unwrap();
        assert_ne!(any.local_port(), 0);
    }

    #[test]
    fn accept_and_exchange_both_ways() {
        let mut l = Listener::bind(0, "*").unwrap();
        assert!(!l.is_connection_available());
        assert!(l.accept().is_none());
        let (mut client, mut server) = connect_pair(&mut l);
        assert_eq!(server.status(), PeerStatus::Connected);
        assert_eq!(
            server.peer_addr().unwrap().ip(),
            IpAddr::from([127, 0, 0, 1])
        );
        assert_eq!(server.peer_addr().unwrap().port(), client.local_port());
        // Nagle stays on for accepted peers, like Godot's.
        let nodelay = SockRef::from(server.stream().unwrap()).nodelay().unwrap();
        assert!(!nodelay);
        assert_eq!(client.write(b"hello", true), (IoStatus::Ok, 5));
        let mut buf = [0u8; 5];
        assert_eq!(server.read(&mut buf, true), (IoStatus::Ok, 5));
        assert_eq!(&buf, b"hello");
        assert_eq!(server.write(b"hi", false), (IoStatus::Ok, 2));
        let start = Instant::now();
        while client.available_bytes() != Some(2) {
            assert!(start.elapsed() < Duration::from_secs(5));
            std::thread::sleep(Duration::from_millis(1));
        }
        let mut buf = [0u8; 8];
        assert_eq!(client.read(&mut buf, false), (IoStatus::Ok, 2));
        assert_eq!(client.read(&mut buf, false), (IoStatus::Ok, 0));
    }

    #[test]
    fn fin_gives_none_after_data_is_read_and_eof() {
        let mut l = Listener::bind(0, "127.0.0.1").unwrap();
        let (mut client, mut server) = connect_pair(&mut l);
        client.write(b"xy", true);
        client.disconnect();
        std::thread::sleep(Duration::from_millis(20));
        server.poll().unwrap();
        assert_eq!(
            server.status(),
            PeerStatus::Connected,
            "unread data keeps it up"
        );
        let mut buf = [0u8; 4];
        assert_eq!(server.read(&mut buf, false), (IoStatus::Ok, 2));
        assert_eq!(server.read(&mut buf, false), (IoStatus::Eof, 0));
        assert_eq!(server.status(), PeerStatus::None);
        assert!(server.peer_addr().is_none());
    }

    #[test]
    fn poll_notices_fin() {
        let mut l = Listener::bind(0, "127.0.0.1").unwrap();
        let (mut client, mut server) = connect_pair(&mut l);
        client.disconnect();
        std::thread::sleep(Duration::from_millis(20));
        server.poll().unwrap();
        assert_eq!(server.status(), PeerStatus::None);
        let mut buf = [0u8; 4];
        assert_eq!(server.read(&mut buf, false), (IoStatus::Failed, 0));
    }

    #[test]
    fn refused_connect_is_error() {
        let port = Listener::bind(0, "127.0.0.1").unwrap().local_port();
        let mut c = TcpPeer::new();
        c.connect("127.0.0.1", port.into(), Duration::from_secs(5))
            .unwrap();
        let start = Instant::now();
        while c.status() == PeerStatus::Connecting && start.elapsed() < Duration::from_secs(5) {
            let _ = c.poll();
            std::thread::sleep(Duration::from_millis(1));
        }
        assert_eq!(c.status(), PeerStatus::Error);
        assert!(matches!(
            c.connect("127.0.0.1", port.into(), Duration::from_secs(1)),
            Err(NetError::AlreadyInUse(_))
        ));
    }

    #[test]
    fn connect_argument_checks() {
        let mut c = TcpPeer::new();
        assert!(matches!(
            c.connect("127.0.0.1", 0, Duration::from_secs(1)),
            Err(NetError::InvalidParameter(_))
        ));
        assert!(matches!(
            c.connect("127.0.0.1", 70000, Duration::from_secs(1)),
            Err(NetError::InvalidParameter(_))
        ));
        assert!(matches!(
            c.connect("", 80, Duration::from_secs(1)),
            Err(NetError::CantResolve(_))
        ));
        assert_eq!(c.status(), PeerStatus::None);
        assert_eq!(c.available_bytes(), None);
    }

    #[test]
    fn accepted_peer_becomes_a_conn() {
        use super::super::tcp::Transport;
        let mut l = Listener::bind(0, "127.0.0.1").unwrap();
        let (mut client, server) = connect_pair(&mut l);
        let mut conn = server.into_conn().expect("a connected peer");
        assert_eq!(client.write(b"ws", true), (IoStatus::Ok, 2));
        let mut buf = [0u8; 2];
        assert_eq!(conn.read(&mut buf, true).unwrap(), Some(2));
        assert_eq!(&buf, b"ws");
        assert!(TcpPeer::new().into_conn().is_none());
    }

    #[test]
    fn many_connections() {
        let mut l = Listener::bind(0, "127.0.0.1").unwrap();
        let port = l.local_port();
        let clients: Vec<TcpStream> = (0..300)
            .map(|_| TcpStream::connect(("127.0.0.1", port)).unwrap())
            .collect();
        let mut accepted = 0;
        let start = Instant::now();
        while accepted < clients.len() {
            assert!(start.elapsed() < Duration::from_secs(10));
            match l.accept() {
                Some(_) => accepted += 1,
                None => std::thread::sleep(Duration::from_millis(1)),
            }
        }
    }

    #[test]
    fn ipv6_strings_like_godot() {
        assert_eq!(godot_ip_string("::1".parse().unwrap()), "0:0:0:0:0:0:0:1");
        assert_eq!(
            godot_ip_string("::ffff:127.0.0.1".parse().unwrap()),
            "127.0.0.1"
        );
    }
}
