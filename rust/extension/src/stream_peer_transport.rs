//! Any Godot `StreamPeer` as a core [`Transport`], so `set_connection()` works with a stream
//! the script connected itself (Godot's own `set_connection` is unusable: its next `poll()`
//! checks the internal socket and reports CONNECTION_ERROR).

use godot::classes::StreamPeer;
use godot::global::Error;
use godot::obj::{EngineEnum, Gd};
use godot::prelude::*;
use rustnet_core::net::tcp::Transport;
use std::io;

pub struct StreamPeerTransport {
    pub peer: Gd<StreamPeer>,
}

/// `[Error, value]` as StreamPeer's partial calls return it; anything unexpected is `FAILED`.
fn split_result<T: FromGodot + Default>(result: &VarArray) -> (Error, T) {
    let err = result
        .get(0)
        .and_then(|v| v.try_to::<i32>().ok())
        .and_then(Error::try_from_ord)
        .unwrap_or(Error::FAILED);
    let value = result
        .get(1)
        .and_then(|v| v.try_to::<T>().ok())
        .unwrap_or_default();
    (err, value)
}

fn io_err(e: Error) -> io::Error {
    match e {
        Error::ERR_FILE_EOF => io::ErrorKind::UnexpectedEof.into(),
        other => io::Error::other(format!("StreamPeer error {other:?}")),
    }
}

impl Transport for StreamPeerTransport {
    fn read(&mut self, buf: &mut [u8], blocking: bool) -> io::Result<Option<usize>> {
        let want = i32::try_from(buf.len()).unwrap_or(i32::MAX);
        let result = if blocking {
            // Blocking: whatever is available now, or wait for at least one byte.
            let avail = self.peer.get_available_bytes().clamp(1, want);
            self.peer.get_data(avail)
        } else {
            self.peer.get_partial_data(want)
        };
        let (err, data): (Error, PackedByteArray) = split_result(&result);
        let n = data.len().min(buf.len());
        buf[..n].copy_from_slice(&data.as_slice()[..n]);
        match err {
            Error::OK if n == 0 => Ok(None),
            Error::OK => Ok(Some(n)),
            Error::ERR_FILE_EOF if n == 0 => Ok(Some(0)),
            Error::ERR_FILE_EOF => Ok(Some(n)),
            e => Err(io_err(e)),
        }
    }

    fn write(&mut self, buf: &[u8], blocking: bool) -> io::Result<usize> {
        let data = PackedByteArray::from(buf);
        if blocking {
            return match self.peer.put_data(&data) {
                Error::OK => Ok(buf.len()),
                e => Err(io_err(e)),
            };
        }
        let result = self.peer.put_partial_data(&data);
        let (err, sent): (Error, i64) = split_result(&result);
        match err {
            Error::OK => Ok(usize::try_from(sent).unwrap_or(0).min(buf.len())),
            e => Err(io_err(e)),
        }
    }
}

/// A Godot `StreamPeerTCP` or `StreamPeerTLS` (or any other `StreamPeer`) as a WebSocket
/// transport. Godot's own streams only move forward when polled: `StreamPeerTCP.poll()`
/// notices the peer's FIN, and `StreamPeerTLS.poll()` runs the TLS handshake. So each read
/// polls first, and reports "nothing yet" while a TLS handshake is still running.
pub struct PolledStreamPeer {
    io: StreamPeerTransport,
    kind: PeerKind,
}

enum PeerKind {
    Tcp(Gd<godot::classes::StreamPeerTcp>),
    Tls(Gd<godot::classes::StreamPeerTls>),
    Other,
}

impl PolledStreamPeer {
    pub fn new(peer: Gd<StreamPeer>) -> Self {
        use godot::classes::{StreamPeerTcp, StreamPeerTls};
        let kind = match peer.clone().try_cast::<StreamPeerTcp>() {
            Ok(tcp) => PeerKind::Tcp(tcp),
            Err(peer) => match peer.try_cast::<StreamPeerTls>() {
                Ok(tls) => PeerKind::Tls(tls),
                Err(_) => PeerKind::Other,
            },
        };
        Self {
            io: StreamPeerTransport { peer },
            kind,
        }
    }

    /// Whether the stream is Godot's `StreamPeerTLS` (for `get_requested_url`'s scheme).
    pub fn is_tls(&self) -> bool {
        matches!(self.kind, PeerKind::Tls(_))
    }

    /// Polls the Godot stream. `Ok(true)`: ready for I/O; `Ok(false)`: not yet (TLS
    /// handshake); `Err`: closed or failed.
    fn ready(&mut self) -> io::Result<bool> {
        use godot::classes::stream_peer_tcp::Status as TcpStatus;
        use godot::classes::stream_peer_tls::Status as TlsStatus;
        match &mut self.kind {
            PeerKind::Tcp(tcp) => {
                tcp.poll();
                match tcp.get_status() {
                    TcpStatus::CONNECTED => Ok(true),
                    TcpStatus::CONNECTING => Ok(false),
                    TcpStatus::NONE => Err(io::ErrorKind::UnexpectedEof.into()),
                    _ => Err(io::Error::other("the StreamPeerTCP failed")),
                }
            }
            PeerKind::Tls(tls) => {
                if matches!(
                    tls.get_status(),
                    TlsStatus::HANDSHAKING | TlsStatus::CONNECTED
                ) {
                    tls.poll();
                }
                match tls.get_status() {
                    TlsStatus::CONNECTED => Ok(true),
                    TlsStatus::HANDSHAKING => Ok(false),
                    TlsStatus::DISCONNECTED => Err(io::ErrorKind::UnexpectedEof.into()),
                    _ => Err(io::Error::other("the StreamPeerTLS failed")),
                }
            }
            PeerKind::Other => Ok(true),
        }
    }
}

impl Transport for PolledStreamPeer {
    fn read(&mut self, buf: &mut [u8], blocking: bool) -> io::Result<Option<usize>> {
        match self.ready() {
            Ok(true) => self.io.read(buf, blocking),
            Ok(false) => Ok(None),
            Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => {
                // Bytes that arrived before the FIN are still readable.
                match self.io.read(buf, false) {
                    Ok(Some(n)) if n > 0 => Ok(Some(n)),
                    _ => Ok(Some(0)),
                }
            }
            Err(e) => Err(e),
        }
    }

    fn write(&mut self, buf: &[u8], blocking: bool) -> io::Result<usize> {
        match &self.kind {
            PeerKind::Tls(tls)
                if tls.get_status() == godot::classes::stream_peer_tls::Status::HANDSHAKING =>
            {
                Ok(0)
            }
            _ => self.io.write(buf, blocking),
        }
    }

    fn peer_addr(&self) -> Option<std::net::SocketAddr> {
        let tcp = match &self.kind {
            PeerKind::Tcp(tcp) => tcp.clone(),
            PeerKind::Tls(tls) => tls
                .get_stream()?
                .try_cast::<godot::classes::StreamPeerTcp>()
                .ok()?,
            PeerKind::Other => return None,
        };
        let ip = tcp.get_connected_host().to_string().parse().ok()?;
        let port = u16::try_from(tcp.get_connected_port()).ok()?;
        Some(std::net::SocketAddr::new(ip, port))
    }

    fn set_nodelay(&mut self, enabled: bool) -> bool {
        let tcp = match &self.kind {
            PeerKind::Tcp(tcp) => Some(tcp.clone()),
            PeerKind::Tls(tls) => tls
                .get_stream()
                .and_then(|s| s.try_cast::<godot::classes::StreamPeerTcp>().ok()),
            PeerKind::Other => None,
        };
        match tcp {
            Some(mut tcp) => {
                tcp.set_no_delay(enabled);
                true
            }
            None => false,
        }
    }

    fn shutdown(&mut self) {
        match &mut self.kind {
            PeerKind::Tls(tls) => tls.disconnect_from_stream(),
            PeerKind::Tcp(tcp) => tcp.disconnect_from_host(),
            PeerKind::Other => {}
        }
    }
}
