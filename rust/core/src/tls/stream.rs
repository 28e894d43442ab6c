//! [`TlsStream`]: a TLS client session over any [`Transport`], itself a [`Transport`].
//!
//! ```text
//!  plaintext ──write()──▶ rustls ──write_tls──▶ inner transport (socket)
//!  plaintext ◀──read()─── rustls ◀──read_tls─── inner transport
//! ```
//! Non-blocking: the handshake advances inside [`TlsStream::handshake`] calls (the HTTP
//! client's `poll()`), and every `read` first flushes pending TLS output (alerts, key updates,
//! request bytes rustls buffered when the socket was full), so nothing waits for a later write.

use super::config::describe;
use crate::net::tcp::Transport;
use rustls::pki_types::ServerName;
use rustls::{ClientConfig, ClientConnection};
use std::io::{self, Read, Write};
use std::sync::Arc;

/// Most TLS records read and processed in one `handshake()` call, to keep the call bounded.
const HANDSHAKE_STEPS_PER_CALL: usize = 16;

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

/// A client TLS session over another transport.
pub struct TlsStream {
    inner: Box<dyn Transport>,
    conn: ClientConnection,
    /// The inner transport reached end of stream.
    inner_eof: bool,
}

/// A handshake failure, with a readable reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsError(pub String);

impl TlsStream {
    /// Starts a session (nothing is sent until [`TlsStream::handshake`]).
    pub fn new(
        inner: Box<dyn Transport>,
        config: Arc<ClientConfig>,
        name: ServerName<'static>,
    ) -> Result<TlsStream, TlsError> {
        let conn = ClientConnection::new(config, name).map_err(|e| TlsError(describe(&e)))?;
        Ok(TlsStream {
            inner,
            conn,
            inner_eof: false,
        })
    }

    /// The negotiated protocol version, once known ("TLSv1_3", …).
    pub fn protocol_version(&self) -> Option<String> {
        self.conn.protocol_version().map(|v| format!("{v:?}"))
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
            Ok(_) => {
                self.conn
                    .process_new_packets()
                    .map_err(|e| TlsError(describe(&e)))?;
                Ok(true)
            }
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
                return Err(TlsError(
                    "the server closed the connection during the TLS handshake".into(),
                ));
            }
            if !self.pull_tls(false)? {
                return Ok(false);
            }
        }
        Ok(false)
    }
}

impl Transport for TlsStream {
    fn read(&mut self, buf: &mut [u8], blocking: bool) -> io::Result<Option<usize>> {
        loop {
            self.flush_tls(false)?;
            match self.conn.reader().read(buf) {
                Ok(n) => return Ok(Some(n)), // 0: the server sent close_notify
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
                // The TCP stream ended without close_notify: report end of stream; the HTTP
                // layer decides whether the body was complete (its framing catches truncation).
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
        // Accept what fits in rustls's buffer; push records to the socket as far as it takes them.
        let n = self.conn.writer().write(buf)?;
        if blocking {
            while !self.flush_tls(true)? {}
        } else {
            self.flush_tls(false)?;
        }
        Ok(n)
    }
}
