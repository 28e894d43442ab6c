//! [`TlsStream`]: a TLS session (client or server side) over any [`Transport`], itself a
//! [`Transport`].
//!
//! ```text
//!  plaintext ──write()──▶ rustls ──write_tls──▶ inner transport (socket)
//!  plaintext ◀──read()─── rustls ◀──read_tls─── inner transport
//! ```
//! Non-blocking: the handshake advances inside [`TlsStream::handshake`] or [`TlsStream::pump`]
//! calls (the owner's `poll()`), and every `read` first flushes pending TLS output (alerts, key
//! updates, bytes rustls buffered when the socket was full), so nothing waits for a later write.
//! Reads also advance a handshake that is still running (a server reported connected early, as
//! Godot's `StreamPeerTLS.accept_stream` does).
//!
//! ```text
//!   new / new_server ──▶ handshaking ──(handshake()/pump()/read())──▶ established
//!        │                   │ error: TlsError (a fatal alert is sent when possible)
//!        ▼                   ▼
//!   shutdown(): close_notify queued and flushed as far as the socket takes it
//!   peer close_notify: read() → Ok(Some(0)) and close_notify_received() == true
//!   inner EOF without close_notify: read() → Ok(Some(0)), close_notify_received() == false
//! ```

use super::config::describe;
use crate::net::tcp::Transport;
use rustls::pki_types::ServerName;
use rustls::{ClientConfig, ClientConnection, Connection, ServerConfig, ServerConnection};
use std::io::{self, Read, Write};
use std::net::SocketAddr;
use std::sync::Arc;

/// Most TLS records read and processed in one `handshake()` or `pump()` call, to keep the call
/// bounded.
const HANDSHAKE_STEPS_PER_CALL: usize = 16;

/// `pump()` reads records until this much plaintext waits (rustls's receive buffer limit).
const PUMP_PLAINTEXT: usize = 16 * 1024;

/// `std::io` view of a non-blocking [`Transport`] for rustls.
struct Io<'a> {
    inner: &'a mut dyn Transport,
    blocking: bool,
}

impl Read for Io<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self.inner.read(buf, self.blocking)? {
            Some(n) => Ok(n),
            None => Err(io::ErrorKind::WouldBlock.into()),
        }
    }
}

impl Write for Io<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self.inner.write(buf, self.blocking)? {
            0 if !buf.is_empty() => Err(io::ErrorKind::WouldBlock.into()),
            n => Ok(n),
        }
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// A TLS session, client or server side, over another transport.
pub struct TlsStream {
    inner: Box<dyn Transport>,
    conn: Connection,
    /// The inner transport reached end of stream.
    inner_eof: bool,
    /// The peer sent close_notify (as of the last records processed).
    peer_closed: bool,
    /// Decrypted bytes waiting in rustls for a read.
    plaintext: usize,
}

/// A handshake or session failure, with a readable reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsError(pub String);

impl TlsStream {
    /// Starts a client session (nothing is sent until [`TlsStream::handshake`]).
    pub fn new(
        inner: Box<dyn Transport>,
        config: Arc<ClientConfig>,
        name: ServerName<'static>,
    ) -> Result<TlsStream, TlsError> {
        let conn = ClientConnection::new(config, name).map_err(|e| TlsError(describe(&e)))?;
        Ok(Self::with_connection(inner, conn.into()))
    }

    /// Starts a server session: it waits for the client's hello, read by the next
    /// [`TlsStream::handshake`], [`TlsStream::pump`] or read.
    pub fn new_server(
        inner: Box<dyn Transport>,
        config: Arc<ServerConfig>,
    ) -> Result<TlsStream, TlsError> {
        let conn = ServerConnection::new(config).map_err(|e| TlsError(describe(&e)))?;
        Ok(Self::with_connection(inner, conn.into()))
    }

    fn with_connection(inner: Box<dyn Transport>, conn: Connection) -> TlsStream {
        TlsStream {
            inner,
            conn,
            inner_eof: false,
            peer_closed: false,
            plaintext: 0,
        }
    }

    /// Whether this is the server side of the session.
    pub fn is_server(&self) -> bool {
        matches!(self.conn, Connection::Server(_))
    }

    /// The handshake is not complete yet.
    pub fn is_handshaking(&self) -> bool {
        self.conn.is_handshaking()
    }

    /// The negotiated protocol version, once known ("TLSv1_3", …).
    pub fn protocol_version(&self) -> Option<String> {
        self.conn.protocol_version().map(|v| format!("{v:?}"))
    }

    /// Decrypted bytes a read returns at once, without touching the transport.
    pub fn available(&self) -> usize {
        self.plaintext
    }

    /// The peer ended the session with close_notify. Reads return end of stream once
    /// [`TlsStream::available`] is 0.
    pub fn close_notify_received(&self) -> bool {
        self.peer_closed
    }

    /// The transport underneath ended (with or without close_notify).
    pub fn transport_ended(&self) -> bool {
        self.inner_eof
    }

    /// A readable reason for a rustls error, naming the peer correctly on the server side.
    fn describe(&self, err: &rustls::Error) -> String {
        match err {
            rustls::Error::AlertReceived(alert) if self.is_server() => {
                format!("the client sent the TLS alert {alert:?}")
            }
            rustls::Error::InvalidMessage(m) if self.is_server() => {
                format!("the client sent something that is not TLS ({m:?})")
            }
            other => describe(other),
        }
    }

    fn who_else(&self) -> &'static str {
        if self.is_server() {
            "the client"
        } else {
            "the server"
        }
    }

    /// Sends what rustls has queued. `Ok(true)` when everything went out.
    fn flush_tls(&mut self, blocking: bool) -> io::Result<bool> {
        while self.conn.wants_write() {
            let mut io = Io {
                inner: self.inner.as_mut(),
                blocking,
            };
            match self.conn.write_tls(&mut io) {
                Ok(_) => {}
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Ok(false),
                Err(e) => return Err(e),
            }
        }
        Ok(true)
    }

    /// Reads one batch of TLS records and processes them. `Ok(false)`: nothing was available.
    /// On a protocol error the fatal alert rustls queued is sent if the socket takes it.
    fn pull_tls(&mut self, blocking: bool) -> Result<bool, TlsError> {
        let mut io = Io {
            inner: self.inner.as_mut(),
            blocking,
        };
        match self.conn.read_tls(&mut io) {
            Ok(0) => {
                self.inner_eof = true;
                Ok(true)
            }
            Ok(_) => match self.conn.process_new_packets() {
                Ok(state) => {
                    self.plaintext = state.plaintext_bytes_to_read();
                    self.peer_closed = state.peer_has_closed();
                    Ok(true)
                }
                Err(e) => {
                    let _ = self.flush_tls(false);
                    Err(TlsError(self.describe(&e)))
                }
            },
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => Ok(false),
            Err(e) => Err(TlsError(format!("the connection failed during TLS: {e}"))),
        }
    }

    /// Advances the handshake without blocking. `Ok(true)` once it is complete.
    pub fn handshake(&mut self) -> Result<bool, TlsError> {
        for _ in 0..HANDSHAKE_STEPS_PER_CALL {
            let flushed = self
                .flush_tls(false)
                .map_err(|e| TlsError(format!("sending the TLS handshake failed: {e}")))?;
            if !self.conn.is_handshaking() {
                return Ok(flushed);
            }
            if self.inner_eof {
                return Err(TlsError(format!(
                    "{} closed the connection during the TLS handshake",
                    self.who_else()
                )));
            }
            if !self.pull_tls(false)? {
                return Ok(false);
            }
        }
        Ok(false)
    }

    /// Moves the session along without blocking and without consuming plaintext: sends what
    /// is queued, then reads and processes records until about 16 KiB of decrypted data waits
    /// or the peer closed. Bounded work per call. Also finishes a
    /// handshake still in progress. Errors are fatal for the session.
    pub fn pump(&mut self) -> Result<(), TlsError> {
        for _ in 0..HANDSHAKE_STEPS_PER_CALL {
            self.flush_tls(false)
                .map_err(|e| TlsError(format!("sending TLS data failed: {e}")))?;
            if self.inner_eof {
                if self.conn.is_handshaking() {
                    return Err(TlsError(format!(
                        "{} closed the connection during the TLS handshake",
                        self.who_else()
                    )));
                }
                return Ok(());
            }
            // rustls itself stops wanting records once any plaintext waits; keep reading up to
            // its buffer limit so `available()` covers more than one record.
            let more = self.conn.wants_read()
                || (self.plaintext > 0 && self.plaintext < PUMP_PLAINTEXT && !self.peer_closed);
            if !more || !self.pull_tls(false)? {
                return Ok(());
            }
        }
        Ok(())
    }
}

impl Transport for TlsStream {
    fn read(&mut self, buf: &mut [u8], blocking: bool) -> io::Result<Option<usize>> {
        loop {
            self.flush_tls(false)?;
            match self.conn.reader().read(buf) {
                Ok(n) => {
                    // 0: the peer sent close_notify
                    self.plaintext = self.plaintext.saturating_sub(n);
                    return Ok(Some(n));
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
                // The TCP stream ended without close_notify: report end of stream; the layer
                // above decides whether that is an error (`close_notify_received()` tells) —
                // HTTP's framing catches truncation.
                Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => return Ok(Some(0)),
                Err(e) => return Err(e),
            }
            if self.inner_eof {
                return Ok(Some(0));
            }
            match self.pull_tls(blocking) {
                Ok(true) => {}
                Ok(false) => return Ok(None),
                Err(TlsError(msg)) => return Err(io::Error::new(io::ErrorKind::InvalidData, msg)),
            }
        }
    }

    fn write(&mut self, buf: &[u8], blocking: bool) -> io::Result<usize> {
        if blocking {
            // Plaintext written during the handshake would only be buffered; a blocking write
            // finishes the handshake first, so it returns once the bytes are on the wire.
            while self.conn.is_handshaking() {
                while !self.flush_tls(true)? {}
                if !self.conn.is_handshaking() {
                    break;
                }
                if self.inner_eof {
                    return Err(io::Error::new(
                        io::ErrorKind::UnexpectedEof,
                        format!(
                            "{} closed the connection during the TLS handshake",
                            self.who_else()
                        ),
                    ));
                }
                self.pull_tls(true)
                    .map_err(|TlsError(msg)| io::Error::new(io::ErrorKind::InvalidData, msg))?;
            }
        }
        // Accept what fits in rustls's buffer; push records to the socket as far as it takes them.
        let n = self.conn.writer().write(buf)?;
        if blocking {
            while !self.flush_tls(true)? {}
        } else {
            self.flush_tls(false)?;
        }
        Ok(n)
    }

    fn peer_addr(&self) -> Option<SocketAddr> {
        self.inner.peer_addr()
    }

    fn set_nodelay(&mut self, enabled: bool) -> bool {
        self.inner.set_nodelay(enabled)
    }

    fn end_is_authenticated(&self) -> bool {
        self.close_notify_received()
    }

    /// Queues close_notify and sends it as far as the transport takes it now (never blocks).
    fn shutdown(&mut self) {
        self.conn.send_close_notify();
        let _ = self.flush_tls(false);
        // A socket closed with unread input sends RST instead of FIN, and an RST can make the
        // peer lose the close_notify: drop what has already arrived (bounded, non-blocking).
        let mut scratch = [0u8; 4096];
        for _ in 0..16 {
            match self.inner.read(&mut scratch, false) {
                Ok(Some(n)) if n > 0 => {}
                _ => break,
            }
        }
        self.inner.shutdown();
    }
}
