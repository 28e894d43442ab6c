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
