//! The HTTP/HTTPS native limits, against bench-server (its `GET /sized?n=N` route): a plain
//! `std::net::TcpStream` (or a rustls `StreamOwned` over one) reading with `read()` calls of
//! the chunk size, which is what `read_chunk_size` means for the Godot classes.

use crate::util::{median, report, timed_runs, Args, Run};
use rustls::client::Resumption;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName};
use rustls::{ClientConfig, ClientConnection, RootCertStore, StreamOwned};
use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::Arc;
use std::time::Instant;

/// bench-server's body pattern: byte `i` is `PATTERN[i % 36]`.
const PATTERN: &[u8; 36] = b"abcdefghijklmnopqrstuvwxyz0123456789";

fn connect(port: u64) -> Result<TcpStream, String> {
    let s = TcpStream::connect(("127.0.0.1", port as u16)).map_err(|e| format!("connect: {e}"))?;
    s.set_nodelay(true).map_err(|e| e.to_string())?;
    Ok(s)
}

fn tls_config(ca: &str) -> Result<Arc<ClientConfig>, String> {
    let mut roots = RootCertStore::empty();
    for cert in CertificateDer::pem_file_iter(ca).map_err(|e| format!("{ca}: {e}"))? {
        roots
            .add(cert.map_err(|e| format!("{ca}: {e}"))?)
            .map_err(|e| format!("{ca}: {e}"))?;
    }
    let mut config = ClientConfig::builder()
        .with_root_certificates(roots)
        .with_no_client_auth();
    // Every connection a full handshake, as for a new Godot client (no session cache).
    config.resumption = Resumption::disabled();
    Ok(Arc::new(config))
}

type Tls = StreamOwned<ClientConnection, TcpStream>;

fn connect_tls(port: u64, config: &Arc<ClientConfig>) -> Result<Tls, String> {
    let tcp = connect(port)?;
    let name = ServerName::try_from("127.0.0.1").map_err(|e| e.to_string())?;
    let conn = ClientConnection::new(config.clone(), name).map_err(|e| e.to_string())?;
    Ok(StreamOwned::new(conn, tcp))
}

/// One GET of an `n`-byte body on `s`, read `chunk` bytes at a time into `buf`, checking the
/// pattern of the first byte of every read. Returns the body bytes and when the first one came.
fn get_sized(
    s: &mut impl ReadWrite,
    n: u64,
    chunk: usize,
    buf: &mut Vec<u8>,
) -> Result<(u64, Option<Instant>), String> {
    s.write_all(format!("GET /sized?n={n} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n").as_bytes())
        .map_err(|e| format!("write: {e}"))?;
    if buf.len() < chunk {
        buf.resize(chunk, 0);
    }
    // The head: read until the blank line (bench-server's head is ~40 bytes: one read).
    let mut have = 0;
    let head_len = loop {
        if have == buf.len() {
            return Err("response head larger than the read buffer".into());
        }
        let got = s.read(&mut buf[have..]).map_err(|e| format!("read: {e}"))?;
        if got == 0 {
            return Err("connection closed before the response head".into());
        }
        have += got;
        if let Some(p) = buf[..have].windows(4).position(|w| w == b"\r\n\r\n") {
            break p + 4;
        }
    };
    let mut headers = [httparse::EMPTY_HEADER; 16];
    let mut resp = httparse::Response::new(&mut headers);
    resp.parse(&buf[..head_len])
        .map_err(|e| format!("bad head: {e}"))?;
    if resp.code != Some(200) {
        return Err(format!("status {:?}", resp.code));
    }
    let len: u64 = resp
        .headers
        .iter()
        .find(|h| h.name.eq_ignore_ascii_case("content-length"))
        .and_then(|h| std::str::from_utf8(h.value).ok()?.trim().parse().ok())
        .ok_or("no Content-Length")?;
    if len != n {
        return Err(format!("Content-Length {len}, asked for {n}"));
    }
    let mut body = (have - head_len) as u64;
    let mut first = (body > 0).then(Instant::now);
    if body > 0 && buf[head_len] != PATTERN[0] {
        return Err("body byte 0 differs from the pattern".into());
    }
    while body < len {
        let want = chunk.min((len - body) as usize);
        let got = s.read(&mut buf[..want]).map_err(|e| format!("read: {e}"))?;
        if got == 0 {
            return Err(format!("body cut short at {body} of {len} bytes"));
        }
        if buf[0] != PATTERN[(body % 36) as usize] {
            return Err(format!("body byte {body} differs from the pattern"));
        }
        first.get_or_insert_with(Instant::now);
        body += got as u64;
    }
    Ok((body, first))
}

/// Read + Write, for a plain or a TLS stream.
trait ReadWrite: Read + Write {}
impl<T: Read + Write> ReadWrite for T {}

/// One timed GET of `bytes` on the open `s`: its `mbps`.
fn timed_download(
    s: &mut impl ReadWrite,
    bytes: u64,
    chunk: usize,
    buf: &mut Vec<u8>,
) -> Result<Run, String> {
    let t0 = Instant::now();
    let (got, _) = get_sized(s, bytes, chunk, buf)?;
    Ok(vec![(
        "mbps",
        got as f64 / t0.elapsed().as_secs_f64() / 1e6,
    )])
}

/// `http-download` / `https-download`: `--bytes` of body in reads of `--chunk`, one
/// connection made before the clock. Key `mbps`.
pub fn download(args: &Args, tls: bool) -> Result<(), String> {
    let port = args.num("port", None)?;
    let bytes = args.num("bytes", Some(100_000_000))?;
    let chunk = args.num("chunk", Some(65536))? as usize;
    let mut buf = Vec::new();
    let runs = if tls {
        let config = tls_config(args.str("ca")?)?;
        timed_runs(args.runs()?, || {
            let mut s = connect_tls(port, &config)?;
            while s.conn.is_handshaking() {
                s.conn
                    .complete_io(&mut s.sock)
                    .map_err(|e| format!("handshake: {e}"))?;
            }
            timed_download(&mut s, bytes, chunk, &mut buf)
        })?
    } else {
        timed_runs(args.runs()?, || {
            let mut s = connect(port)?;
            timed_download(&mut s, bytes, chunk, &mut buf)
        })?
    };
    report(
        args,
        if tls {
            "https-download"
        } else {
            "http-download"
        },
        &runs,
        &[],
    )
}

/// `http-keepalive`: `--requests` sequential GETs of `--size` bytes on one connection. Key
/// `rate` (requests/s).
pub fn keepalive(args: &Args) -> Result<(), String> {
    let port = args.num("port", None)?;
    let requests = args.num("requests", Some(10_000))?;
    let size = args.num("size", Some(100))?;
    let mut buf = Vec::new();
    let runs = timed_runs(args.runs()?, || {
        let mut s = connect(port)?;
        let t0 = Instant::now();
        for _ in 0..requests {
            get_sized(&mut s, size, 65536, &mut buf)?;
        }
        Ok(vec![("rate", requests as f64 / t0.elapsed().as_secs_f64())])
    })?;
    report(args, "http-keepalive", &runs, &[])
}

/// `tls-first-byte`: per run, `--connections` new connections one after the other, each timed
/// from the TCP connect to the first body byte of a 100-byte GET. Key `ms` (their median).
pub fn first_byte(args: &Args) -> Result<(), String> {
    let port = args.num("port", None)?;
    let connections = args.num("connections", Some(10))?.max(1);
    let config = tls_config(args.str("ca")?)?;
    let mut buf = Vec::new();
    let runs = timed_runs(args.runs()?, || {
        let mut times = Vec::new();
        for _ in 0..connections {
            let t0 = Instant::now();
            let mut s = connect_tls(port, &config)?;
            let (_, first) = get_sized(&mut s, 100, 65536, &mut buf)?;
            let first = first.ok_or("no body byte")?;
            times.push((first - t0).as_secs_f64() * 1000.0);
        }
        Ok(vec![("ms", median(&mut times))])
    })?;
    report(args, "tls-first-byte", &runs, &[])
}
