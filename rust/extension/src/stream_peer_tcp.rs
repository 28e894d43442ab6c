//! `RustStreamPeerTCP`: Godot's `StreamPeerTCP` API over `rustnet_core::net::listener::TcpPeer`.
//!
//! It extends `StreamPeerExtension`, so every inherited `StreamPeer` method (`put_u32`,
//! `get_utf8_string`, `get_var`, …) runs natively on top of the raw-pointer virtuals below.

use crate::class_enum::class_enum;
use crate::panic_guard::{guard, PanicClose};
use crate::project_settings;
use godot::classes::{IStreamPeerExtension, StreamPeerExtension};
use godot::global::{godot_error, Error};
use godot::meta::conv::RawPtr;
use godot::prelude::*;
use rustnet_core::net::listener::{godot_ip_string, IoStatus, NetError, PeerStatus, TcpPeer};

const CLASS: &str = "RustStreamPeerTCP";

class_enum! {
    /// `StreamPeerTCP.Status` (declared on `StreamPeerSocket` since Godot 4.6).
    pub struct Status for "RustStreamPeerTCP.Status" {
        /// Not connected.
        STATUS_NONE = 0,
        /// Connecting: call [method poll] until the status changes.
        STATUS_CONNECTING = 1,
        /// Connected: data can be sent and received.
        STATUS_CONNECTED = 2,
        /// The connection failed or was lost.
        STATUS_ERROR = 3,
    }
}

/// Registers `Status` as an enum of `RustStreamPeerTCP`.
pub fn register_enums() {
    Status::register(<RustStreamPeerTcp as GodotClass>::class_id());
}

/// Godot `Error` for a core socket error, with Godot's error print.
pub(crate) fn net_error(class: &str, e: NetError) -> Error {
    let (code, msg) = match e {
        NetError::InvalidParameter(m) => (Error::ERR_INVALID_PARAMETER, m),
        NetError::AlreadyInUse(m) => (Error::ERR_ALREADY_IN_USE, m),
        NetError::CantCreate(e) => (Error::ERR_CANT_CREATE, e.to_string()),
        NetError::CantResolve(_) => return Error::ERR_CANT_RESOLVE, // Godot prints nothing
        NetError::Failed(m) => (Error::FAILED, m),
    };
    godot_error!("{class}: {msg}");
    code
}

fn io_error(s: IoStatus) -> Error {
    match s {
        IoStatus::Ok => Error::OK,
        IoStatus::Eof => Error::ERR_FILE_EOF,
        IoStatus::Failed => Error::FAILED,
    }
}

/// A drop-in twin of Godot's [StreamPeerTCP], written in Rust: the same methods, status
/// values and [code]Error[/code] codes. It is a [StreamPeer], so [method StreamPeer.put_u32],
/// [method StreamPeer.get_var] and the other helpers work on it; [RustTCPServer] hands these
/// out from [method RustTCPServer.take_connection].
///
/// [method connect_to_host] resolves a host name synchronously (it blocks), exactly like the
/// built-in; pass an IP address to avoid that. [method get_data] and [method put_data] block until
/// done, as in Godot; [method get_partial_data] and [method put_partial_data] never block.
///
/// [codeblock]
/// var tcp := RustStreamPeerTCP.new()
/// tcp.connect_to_host("127.0.0.1", 4242)
/// # each frame:
/// tcp.poll()
/// if tcp.get_status() == RustStreamPeerTCP.STATUS_CONNECTED:
///     tcp.put_utf8_string("hello")
///     if tcp.get_available_bytes() > 0:
///         print(tcp.get_utf8_string(tcp.get_available_bytes()))
/// [/codeblock]
///
/// Difference from the built-in: [method get_local_port] on a peer accepted by
/// [RustTCPServer] reports the real local port (Godot's reports 0).
#[derive(GodotClass)]
#[class(tool, base = StreamPeerExtension, rename = RustStreamPeerTCP)]
pub struct RustStreamPeerTcp {
    peer: TcpPeer,
    base: Base<StreamPeerExtension>,
}

#[godot_api]
impl IStreamPeerExtension for RustStreamPeerTcp {
    fn init(base: Base<StreamPeerExtension>) -> Self {
        Self {
            peer: TcpPeer::new(),
            base,
        }
    }

    unsafe fn get_data_rawptr(
        &mut self,
        r_buffer: RawPtr<*mut u8>,
        r_bytes: i32,
        r_received: RawPtr<*mut i32>,
    ) -> Error {
        guard(
            self,
            "RustStreamPeerTCP.get_data",
            || {
                unsafe { set_out(r_received, 0) };
                Error::ERR_BUG
            },
            |this| {
                // SAFETY: Godot passes a buffer of r_bytes bytes and a valid out-pointer.
                unsafe { this.read_raw(r_buffer, r_bytes, r_received, true) }
            },
        )
    }

    unsafe fn get_partial_data_rawptr(
        &mut self,
        r_buffer: RawPtr<*mut u8>,
        r_bytes: i32,
        r_received: RawPtr<*mut i32>,
    ) -> Error {
        guard(
            self,
            "RustStreamPeerTCP.get_partial_data",
            || {
                unsafe { set_out(r_received, 0) };
                Error::ERR_BUG
            },
            |this| {
                // SAFETY: as above.
                unsafe { this.read_raw(r_buffer, r_bytes, r_received, false) }
            },
        )
    }

    unsafe fn put_data_rawptr(
        &mut self,
        p_data: RawPtr<*const u8>,
        p_bytes: i32,
        r_sent: RawPtr<*mut i32>,
    ) -> Error {
        guard(
            self,
            "RustStreamPeerTCP.put_data",
            || {
                unsafe { set_out(r_sent, 0) };
                Error::ERR_BUG
            },
            |this| {
                // SAFETY: Godot passes p_bytes readable bytes and a valid out-pointer.
                unsafe { this.write_raw(p_data, p_bytes, r_sent, true) }
            },
        )
    }

    unsafe fn put_partial_data_rawptr(
        &mut self,
        p_data: RawPtr<*const u8>,
        p_bytes: i32,
        r_sent: RawPtr<*mut i32>,
    ) -> Error {
        guard(
            self,
            "RustStreamPeerTCP.put_partial_data",
            || {
                unsafe { set_out(r_sent, 0) };
                Error::ERR_BUG
            },
            |this| {
                // SAFETY: as above.
                unsafe { this.write_raw(p_data, p_bytes, r_sent, false) }
            },
        )
    }

    fn get_available_bytes(&self) -> i32 {
        match self.peer.available_bytes() {
            Some(n) => i32::try_from(n).unwrap_or(i32::MAX),
            None => {
                godot_error!("{CLASS}: get_available_bytes(): the socket is not open");
                -1
            }
        }
    }
}

/// # Safety
/// `ptr` must be valid for `len` bytes of writes (or `len <= 0`).
pub(crate) unsafe fn out_buffer<'a>(ptr: RawPtr<*mut u8>, len: i32) -> &'a mut [u8] {
    let len = usize::try_from(len).unwrap_or(0);
    if len == 0 || ptr.ptr().is_null() {
        return &mut [];
    }
    unsafe { std::slice::from_raw_parts_mut(ptr.ptr(), len) }
}

/// # Safety
/// `ptr` must be valid for `len` bytes of reads (or `len <= 0`).
pub(crate) unsafe fn in_buffer<'a>(ptr: RawPtr<*const u8>, len: i32) -> &'a [u8] {
    let len = usize::try_from(len).unwrap_or(0);
    if len == 0 || ptr.ptr().is_null() {
        return &[];
    }
    unsafe { std::slice::from_raw_parts(ptr.ptr(), len) }
}

/// # Safety
/// `ptr` must be null or valid for one `i32` write.
pub(crate) unsafe fn set_out(ptr: RawPtr<*mut i32>, n: usize) {
    if !ptr.ptr().is_null() {
        unsafe { *ptr.ptr() = i32::try_from(n).unwrap_or(i32::MAX) };
    }
}

impl RustStreamPeerTcp {
    /// A connected peer accepted by `RustTCPServer`.
    pub(crate) fn from_peer(peer: TcpPeer) -> Gd<Self> {
        Gd::from_init_fn(|base| Self { peer, base })
    }

    /// Moves the connected socket out, for a protocol layered on top that owns it from now on
    /// (`RustStreamPeerTLS.accept_stream`, `RustWebSocketPeer.accept_stream`). This object is
    /// left disconnected (status NONE). `None`, and this object untouched, when it is not
    /// connected.
    pub(crate) fn take_conn(&mut self) -> Option<rustnet_core::net::tcp::Conn> {
        if self.peer.status() != PeerStatus::Connected {
            return None;
        }
        std::mem::replace(&mut self.peer, TcpPeer::new()).into_conn()
    }
}

#[godot_api]
impl RustStreamPeerTcp {
    /// Opens the socket and binds it to [param port] at [param host] ([code]"*"[/code]: every
    /// interface) before [method connect_to_host].
    #[func]
    fn bind(&mut self, port: i32, #[opt(default = "*")] host: GString) -> Error {
        guard(
            self,
            "RustStreamPeerTCP.bind",
            || Error::ERR_BUG,
            |this| match this.peer.bind(port.into(), &host.to_string()) {
                Ok(()) => Error::OK,
                Err(e) => net_error(CLASS, e),
            },
        )
    }

    /// Starts connecting to [param host] (an IP, or a name resolved synchronously) at
    /// [param port]; [method poll] finishes it.
    #[func]
    fn connect_to_host(&mut self, host: GString, port: i32) -> Error {
        guard(
            self,
            "RustStreamPeerTCP.connect_to_host",
            || Error::ERR_BUG,
            |this| match this.peer.connect(
                &host.to_string(),
                port.into(),
                project_settings::connect_timeout(),
            ) {
                Ok(()) => Error::OK,
                Err(e) => net_error(CLASS, e),
            },
        )
    }

    /// Updates the status: finishes a connect, or notices that the peer closed.
    #[func]
    fn poll(&mut self) -> Error {
        guard(
            self,
            "RustStreamPeerTCP.poll",
            || Error::ERR_BUG,
            |this| match this.peer.poll() {
                Ok(()) => Error::OK,
                Err(()) => Error::ERR_CONNECTION_ERROR,
            },
        )
    }

    /// The connection status.
    #[func]
    fn get_status(&self) -> Status {
        Status(match self.peer.status() {
            PeerStatus::None => 0,
            PeerStatus::Connecting => 1,
            PeerStatus::Connected => 2,
            PeerStatus::Error => 3,
        })
    }

    /// The remote IP, or [code]""[/code] when not connected.
    #[func]
    fn get_connected_host(&self) -> GString {
        match self.peer.peer_addr() {
            Some(a) => GString::from(godot_ip_string(a.ip()).as_str()),
            None => GString::new(),
        }
    }

    /// The remote port, or 0.
    #[func]
    fn get_connected_port(&self) -> i32 {
        self.peer
            .peer_addr()
            .map(|a| i32::from(a.port()))
            .unwrap_or(0)
    }

    /// The local port of the socket, or 0.
    #[func]
    fn get_local_port(&self) -> i32 {
        i32::from(self.peer.local_port())
    }

    /// [code]TCP_NODELAY[/code]: send small writes at once instead of coalescing them.
    #[func]
    fn set_no_delay(&mut self, enabled: bool) {
        if !self.peer.set_no_delay(enabled) {
            godot_error!("{CLASS}: set_no_delay(): the socket is not open");
        }
    }

    /// Closes the connection: status [constant STATUS_NONE], host and port cleared.
    #[func]
    fn disconnect_from_host(&mut self) {
        self.peer.disconnect();
    }
}

impl RustStreamPeerTcp {
    /// The StreamPeer read virtuals: `get_data` (blocking) and `get_partial_data`.
    ///
    /// # Safety
    /// `r_buffer` must hold `r_bytes` writable bytes and `r_received` must be a valid out-pointer.
    unsafe fn read_raw(
        &mut self,
        r_buffer: RawPtr<*mut u8>,
        r_bytes: i32,
        r_received: RawPtr<*mut i32>,
        blocking: bool,
    ) -> Error {
        let buf = unsafe { out_buffer(r_buffer, r_bytes) };
        let (status, n) = self.peer.read(buf, blocking);
        if blocking {
            // Godot returns the whole buffer; make the unfilled tail zeros rather than garbage.
            buf[n..].fill(0);
        }
        unsafe { set_out(r_received, n) };
        io_error(status)
    }

    /// The StreamPeer write virtuals: `put_data` (blocking) and `put_partial_data`.
    ///
    /// # Safety
    /// `p_data` must hold `p_bytes` readable bytes and `r_sent` must be a valid out-pointer.
    unsafe fn write_raw(
        &mut self,
        p_data: RawPtr<*const u8>,
        p_bytes: i32,
        r_sent: RawPtr<*mut i32>,
        blocking: bool,
    ) -> Error {
        let data = unsafe { in_buffer(p_data, p_bytes) };
        if data.is_empty() {
            unsafe { set_out(r_sent, 0) };
            return Error::OK;
        }
        let (status, n) = self.peer.write(data, blocking);
        unsafe { set_out(r_sent, n) };
        io_error(status)
    }
}

impl PanicClose for RustStreamPeerTcp {
    fn close_after_panic(&mut self) {
        self.peer = TcpPeer::new();
    }
}
