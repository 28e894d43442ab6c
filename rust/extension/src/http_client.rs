//! `RustHTTPClient`: Godot's `HTTPClient` API over `rustnet_core::http::HttpClient`.
//!
//! This file converts types and keeps Godot's names, defaults and `Error` codes; the behaviour
//! lives in the core crate.

use crate::class_enum::class_enum;
use crate::errors::{http_error_code, report};
use crate::panic_guard::{guard, guard_pure, PanicClose};
use crate::project_settings;
use crate::stream_peer_transport::StreamPeerTransport;
use crate::tls_options::{NullableTls, TlsOptionsCache};
use godot::classes::{Engine, IRefCounted, Os, RefCounted, StreamPeer};
use godot::global::Error;
use godot::prelude::*;
use rustnet_core::http::client::BodyBuffer;
use rustnet_core::http::{
    request::{query_string, QueryValue},
    HttpClient,
};

class_enum! {
    /// `HTTPClient.Status`.
    pub struct Status for "RustHTTPClient.Status" {
        /// Not connected: the start state, and the state after [method close].
        STATUS_DISCONNECTED = 0,
        /// Resolving the host name (only while connecting to a name, not an IP address).
        STATUS_RESOLVING = 1,
        /// The host name could not be resolved. Failure state.
        STATUS_CANT_RESOLVE = 2,
        /// Connecting over TCP, and with TLS running the handshake.
        STATUS_CONNECTING = 3,
        /// No address of the host accepted the connection (or [member connect_timeout] passed). Failure state.
        STATUS_CANT_CONNECT = 4,
        /// Connected and idle: ready for [method request], or done reading the previous response.
        STATUS_CONNECTED = 5,
        /// Sending the request and waiting for the response head.
        STATUS_REQUESTING = 6,
        /// The response head has arrived; read the body with [method read_response_body_chunk].
        STATUS_BODY = 7,
        /// The connection failed or the server broke the protocol (RustNet says why in an error message). Failure state.
        STATUS_CONNECTION_ERROR = 8,
        /// The TLS handshake failed: certificate not trusted, wrong host name, pin mismatch, timeout. Failure state.
        STATUS_TLS_HANDSHAKE_ERROR = 9,
    }
}

class_enum! {
    /// `HTTPClient.Method`.
    pub struct Method for "RustHTTPClient.Method" {
        /// HTTP [code]GET[/code]: fetch a resource.
        METHOD_GET = 0,
        /// HTTP [code]HEAD[/code]: like GET, but the response has no body ([method get_response_body_length] is 0).
        METHOD_HEAD = 1,
        /// HTTP [code]POST[/code]: send a body (a form, JSON) to be processed.
        METHOD_POST = 2,
        /// HTTP [code]PUT[/code]: store the body at the URL.
        METHOD_PUT = 3,
        /// HTTP [code]DELETE[/code]: delete the resource.
        METHOD_DELETE = 4,
        /// HTTP [code]OPTIONS[/code]: ask which methods the server allows.
        METHOD_OPTIONS = 5,
        /// HTTP [code]TRACE[/code]: the server echoes the request back.
        METHOD_TRACE = 6,
        /// HTTP [code]CONNECT[/code]: open a tunnel (as used for HTTPS proxies).
        METHOD_CONNECT = 7,
        /// HTTP [code]PATCH[/code]: modify part of the resource.
        METHOD_PATCH = 8,
        /// The number of methods; not a method.
        METHOD_MAX = 9,
    }
}

class_enum! {
    /// `HTTPClient.ResponseCode`.
    pub struct ResponseCode for "RustHTTPClient.ResponseCode" {
        RESPONSE_CONTINUE = 100, RESPONSE_SWITCHING_PROTOCOLS = 101, RESPONSE_PROCESSING = 102,
        RESPONSE_OK = 200, RESPONSE_CREATED = 201, RESPONSE_ACCEPTED = 202,
        RESPONSE_NON_AUTHORITATIVE_INFORMATION = 203, RESPONSE_NO_CONTENT = 204,
        RESPONSE_RESET_CONTENT = 205, RESPONSE_PARTIAL_CONTENT = 206, RESPONSE_MULTI_STATUS = 207,
        RESPONSE_ALREADY_REPORTED = 208, RESPONSE_IM_USED = 226,
        RESPONSE_MULTIPLE_CHOICES = 300, RESPONSE_MOVED_PERMANENTLY = 301, RESPONSE_FOUND = 302,
        RESPONSE_SEE_OTHER = 303, RESPONSE_NOT_MODIFIED = 304, RESPONSE_USE_PROXY = 305,
        RESPONSE_SWITCH_PROXY = 306, RESPONSE_TEMPORARY_REDIRECT = 307,
        RESPONSE_PERMANENT_REDIRECT = 308,
        RESPONSE_BAD_REQUEST = 400, RESPONSE_UNAUTHORIZED = 401, RESPONSE_PAYMENT_REQUIRED = 402,
        RESPONSE_FORBIDDEN = 403, RESPONSE_NOT_FOUND = 404, RESPONSE_METHOD_NOT_ALLOWED = 405,
        RESPONSE_NOT_ACCEPTABLE = 406, RESPONSE_PROXY_AUTHENTICATION_REQUIRED = 407,
        RESPONSE_REQUEST_TIMEOUT = 408, RESPONSE_CONFLICT = 409, RESPONSE_GONE = 410,
        RESPONSE_LENGTH_REQUIRED = 411, RESPONSE_PRECONDITION_FAILED = 412,
        RESPONSE_REQUEST_ENTITY_TOO_LARGE = 413, RESPONSE_REQUEST_URI_TOO_LONG = 414,
        RESPONSE_UNSUPPORTED_MEDIA_TYPE = 415, RESPONSE_REQUESTED_RANGE_NOT_SATISFIABLE = 416,
        RESPONSE_EXPECTATION_FAILED = 417, RESPONSE_IM_A_TEAPOT = 418,
        RESPONSE_MISDIRECTED_REQUEST = 421, RESPONSE_UNPROCESSABLE_ENTITY = 422,
        RESPONSE_LOCKED = 423, RESPONSE_FAILED_DEPENDENCY = 424, RESPONSE_UPGRADE_REQUIRED = 426,
        RESPONSE_PRECONDITION_REQUIRED = 428, RESPONSE_TOO_MANY_REQUESTS = 429,
        RESPONSE_REQUEST_HEADER_FIELDS_TOO_LARGE = 431, RESPONSE_UNAVAILABLE_FOR_LEGAL_REASONS = 451,
        RESPONSE_INTERNAL_SERVER_ERROR = 500, RESPONSE_NOT_IMPLEMENTED = 501,
        RESPONSE_BAD_GATEWAY = 502, RESPONSE_SERVICE_UNAVAILABLE = 503,
        RESPONSE_GATEWAY_TIMEOUT = 504, RESPONSE_HTTP_VERSION_NOT_SUPPORTED = 505,
        RESPONSE_VARIANT_ALSO_NEGOTIATES = 506, RESPONSE_INSUFFICIENT_STORAGE = 507,
        RESPONSE_LOOP_DETECTED = 508, RESPONSE_NOT_EXTENDED = 510,
        RESPONSE_NETWORK_AUTH_REQUIRED = 511,
    }
}

/// Registers `Status`, `Method` and `ResponseCode` as enums of `RustHTTPClient`.
pub fn register_enums() {
    let class = <RustHttpClient as GodotClass>::class_id();
    Status::register(class);
    Method::register(class);
    ResponseCode::register(class);
}

/// A drop-in twin of Godot's [HTTPClient], written in Rust: the same methods, properties,
/// constants, defaults, `Error` codes and status transitions, so a script written for
/// `HTTPClient` runs unchanged after renaming the class.
///
/// [codeblock]
/// var http := RustHTTPClient.new()
/// http.connect_to_host("example.com", 80)
/// while http.get_status() in [RustHTTPClient.STATUS_RESOLVING, RustHTTPClient.STATUS_CONNECTING]:
///     http.poll()
///     await get_tree().process_frame
/// http.request(RustHTTPClient.METHOD_GET, "/", [])
/// while http.get_status() == RustHTTPClient.STATUS_REQUESTING:
///     http.poll()
///     await get_tree().process_frame
/// var body := PackedByteArray()
/// while http.get_status() == RustHTTPClient.STATUS_BODY:
///     body += http.read_response_body_chunk()
///     await get_tree().process_frame
/// [/codeblock]
///
/// Differences from the built-in (Godot bugs, fixed): interim [code]1xx[/code] responses are
/// skipped instead of being taken as the final response; [code]Transfer-Encoding[/code] is matched
/// case-insensitively and chunk extensions are accepted; a response without any length is read
/// until the server closes instead of leaving its bytes to corrupt the next response; a garbage
/// status line, bytes past the end of a body, conflicting lengths or a body cut short are reported
/// as [constant STATUS_CONNECTION_ERROR] with an error message (Godot reports success or code 200);
/// duplicate headers are joined with [code]"; "[/code] in [method get_response_headers_as_dictionary]
/// as documented; CR, LF or NUL in a header or URL is refused with [constant ERR_INVALID_PARAMETER];
/// [method set_connection] works; the CONNECT request to an HTTPS proxy names the target in its
/// [code]Host[/code] header (Godot sends [code]Host: :-1[/code]).
///
/// HTTPS uses rustls (TLS 1.2 and 1.3) with Godot's [TLSOptions] semantics. Beyond the built-in,
/// all off by default: [member tls_pinned_public_keys], [member connect_timeout],
/// [member tls_handshake_timeout], [member response_timeout] and [member accept_gzip].
#[derive(GodotClass)]
#[class(base = RefCounted, rename = RustHTTPClient)]
pub struct RustHttpClient {
    client: HttpClient,
    /// If [code]true[/code], reads and writes after the connection is up block until done
    /// (resolving and connecting never block). Default [code]false[/code].
    #[var(get = is_blocking_mode_enabled, set = set_blocking_mode, usage_flags = [DEFAULT])]
    blocking_mode_enabled: bool,
    /// The most bytes [method read_response_body_chunk] returns for a body that is not chunked.
    /// 256 to 16777216; default 65536.
    #[var(get = get_read_chunk_size, set = set_read_chunk_size, usage_flags = [DEFAULT])]
    read_chunk_size: i32,
    /// The [StreamPeer] set with [method set_connection], or [code]null[/code].
    #[var(get = get_connection, set = set_connection)]
    connection: Option<Gd<StreamPeer>>,
    /// [i]RustNet only.[/i] Certificate pinning: base64 SHA-256 hashes of public keys
    /// ([code]SubjectPublicKeyInfo[/code]), optionally prefixed [code]sha256/[/code] — what
    /// [code]openssl x509 -pubkey -noout | openssl pkey -pubin -outform der | openssl dgst -sha256 -binary | base64[/code]
    /// prints. When not empty, a TLS handshake fails with [constant STATUS_TLS_HANDSHAKE_ERROR] unless a
    /// certificate the server presents (leaf or chain) matches a pin — on top of the normal
    /// verification, and even with [method TLSOptions.client_unsafe]. Applies from the next connect.
    /// [codeblock]
    /// http.tls_pinned_public_keys = ["sha256/47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="]
    /// http.connect_to_host("example.com", 443, TLSOptions.client())
    /// [/codeblock]
    #[var(get = get_tls_pinned_public_keys, set = set_tls_pinned_public_keys, usage_flags = [DEFAULT])]
    tls_pinned_public_keys: PackedStringArray,
    /// [i]RustNet only.[/i] Seconds a TCP connect may take before the next address is tried and,
    /// after the last, [constant STATUS_CANT_CONNECT]. [code]0[/code] (default): Godot's project
    /// setting [code]network/limits/tcp/connect_timeout_seconds[/code] (30 s).
    #[var(get = get_connect_timeout, set = set_connect_timeout, usage_flags = [DEFAULT])]
    connect_timeout: f64,
    /// [i]RustNet only.[/i] Seconds the TLS handshake may take; past it, [method poll] returns
    /// [constant ERR_TIMEOUT] and the status is [constant STATUS_TLS_HANDSHAKE_ERROR].
    /// [code]0[/code] (default): no limit, as in Godot (whose handshake can wait forever).
    #[var(get = get_tls_handshake_timeout, set = set_tls_handshake_timeout, usage_flags = [DEFAULT])]
    tls_handshake_timeout: f64,
    /// [i]RustNet only.[/i] Seconds allowed between the request being sent and the complete
    /// response head; past it, [method poll] returns [constant ERR_TIMEOUT] and the status is
    /// [constant STATUS_CONNECTION_ERROR]. [code]0[/code] (default): no limit, as in Godot.
    /// [codeblock]
    /// http.response_timeout = 10.0
    /// [/codeblock]
    #[var(get = get_response_timeout, set = set_response_timeout, usage_flags = [DEFAULT])]
    response_timeout: f64,
    /// [i]RustNet only.[/i] If [code]true[/code], requests carry
    /// [code]Accept-Encoding: gzip, deflate[/code] (unless the script sets its own) and
    /// [code]gzip[/code]/[code]deflate[/code] bodies are decoded: [method read_response_body_chunk]
    /// returns the decoded bytes (up to [member read_chunk_size] per call) and
    /// [method get_response_body_length] is [code]-1[/code] for them. Default [code]false[/code]
    /// (Godot's HTTPClient never decodes; only HTTPRequest does).
    #[var(get = is_accept_gzip, set = set_accept_gzip, usage_flags = [DEFAULT])]
    accept_gzip: bool,
    tls_cache: TlsOptionsCache,
    base: Base<RefCounted>,
}

#[godot_api]
impl IRefCounted for RustHttpClient {
    fn init(base: Base<RefCounted>) -> Self {
        let mut client = HttpClient::default();
        client.set_user_agent(&godot_user_agent());
        Self {
            client,
            blocking_mode_enabled: false,
            read_chunk_size: 65536,
            connection: None,
            tls_pinned_public_keys: PackedStringArray::new(),
            connect_timeout: 0.0,
            tls_handshake_timeout: 0.0,
            response_timeout: 0.0,
            accept_gzip: false,
            tls_cache: TlsOptionsCache::default(),
            base,
        }
    }
}

/// Godot's own User-Agent: `GodotEngine/<full version> (<OS>)`.
fn godot_user_agent() -> String {
    let info = Engine::singleton().get_version_info();
    let get = |k: &str| {
        info.get(k)
            .map(|v| v.stringify().to_string())
            .unwrap_or_default()
    };
    let patch: i64 = info
        .get("patch")
        .and_then(|v| v.try_to::<i64>().ok())
        .unwrap_or(0);
    let mut version = format!("{}.{}", get("major"), get("minor"));
    if patch != 0 {
        version.push_str(&format!(".{patch}"));
    }
    format!(
        "GodotEngine/{version}.{}.{} ({})",
        get("status"),
        get("build"),
        Os::singleton().get_name()
    )
}

/// A timeout property's value: `None` for 0 (off), negative or not finite.
fn seconds(value: f64) -> Option<std::time::Duration> {
    (value.is_finite() && value > 0.0)
        .then(|| std::time::Duration::from_secs_f64(value.min(86_400.0)))
}

/// `PackedByteArray` as the core's body buffer: socket reads land in Godot's memory directly.
struct PackedBuf(PackedByteArray);

impl BodyBuffer for PackedBuf {
    fn resize(&mut self, len: usize) {
        self.0.resize(len);
    }
    fn as_mut_slice(&mut self) -> &mut [u8] {
        self.0.as_mut_slice()
    }
}

const CLASS: &str = "RustHTTPClient";

#[godot_api]
impl RustHttpClient {
    /// Connects to [param host] on [param port] ([code]-1[/code]: 80, or 443 with TLS). Returns
    /// [constant OK] and goes to [constant STATUS_RESOLVING] or [constant STATUS_CONNECTING];
    /// call [method poll] until [constant STATUS_CONNECTED]. An [code]http://[/code] prefix is
    /// stripped; [code]https://[/code] turns TLS on ([code]TLSOptions.client()[/code] when
    /// [param tls_options] is null). With TLS, the handshake runs inside [method poll] (status
    /// [constant STATUS_CONNECTING]); a failure gives [constant STATUS_TLS_HANDSHAKE_ERROR] and an
    /// error message naming the reason. A host shorter than 4 characters or server-side
    /// [TLSOptions] give [constant ERR_INVALID_PARAMETER].
    /// [codeblock]
    /// var err := http.connect_to_host("127.0.0.1", 8080)
    /// [/codeblock]
    #[func]
    fn connect_to_host(
        &mut self,
        host: GString,
        #[opt(default = -1)] port: i32,
        #[opt(default = NullableTls(None))] tls_options: NullableTls,
    ) -> Error {
        guard(
            self,
            "RustHTTPClient.connect_to_host",
            || Error::ERR_BUG,
            |this| {
                let tls = tls_options.0.as_ref().map(|opts| this.tls_cache.read(opts));
                this.connection = None;
                this.client.limits_mut().connect_timeout = project_settings::connect_timeout();
                if tls.is_some()
                    || host
                        .to_string()
                        .to_ascii_lowercase()
                        .starts_with("https://")
                {
                    let (bundle, tls13) = project_settings::tls_defaults(CLASS);
                    this.client.set_tls_defaults(bundle, tls13);
                }
                let result = this
                    .client
                    .connect_to_host(&host.to_string(), i64::from(port), tls);
                report(CLASS, result)
            },
        )
    }

    /// Uses [param connection], a [StreamPeer] the script has already connected, for the next
    /// requests, and moves to [constant STATUS_CONNECTED]. (Godot's own version of this is
    /// unusable; this one works.)
    #[func]
    fn set_connection(&mut self, connection: Option<Gd<StreamPeer>>) {
        guard(
            self,
            "RustHTTPClient.set_connection",
            || (),
            |this| {
                let Some(peer) = connection else {
                    godot_error!(
                        "{CLASS}: Connection is not a reference to a valid StreamPeer object."
                    );
                    return;
                };
                this.connection = Some(peer.clone());
                this.client
                    .set_connection(Box::new(StreamPeerTransport { peer }));
            },
        )
    }

    /// The [StreamPeer] given to [method set_connection], or [code]null[/code].
    #[func]
    fn get_connection(&self) -> Option<Gd<StreamPeer>> {
        self.connection.clone()
    }

    /// Queues a request; it is sent by the following [method poll] calls. Only valid in
    /// [constant STATUS_CONNECTED] (else [constant ERR_INVALID_PARAMETER]). [param url] is
    /// the path ([code]"/index.html?x=1"[/code]). [param headers] are sent first, in order; then
    /// [code]Host[/code], [code]Content-Length[/code] (non-empty body only),
    /// [code]User-Agent[/code] and [code]Accept[/code] unless already given.
    /// [codeblock]
    /// var fields := {"user": "me", "score": 10}
    /// var body := http.query_string_from_dict(fields)
    /// http.request(RustHTTPClient.METHOD_POST, "/submit", ["Content-Type: application/x-www-form-urlencoded"], body)
    /// [/codeblock]
    #[func]
    fn request(
        &mut self,
        method: Method,
        url: GString,
        headers: PackedStringArray,
        #[opt(default = "")] body: GString,
    ) -> Error {
        guard(
            self,
            "RustHTTPClient.request",
            || Error::ERR_BUG,
            |this| {
                let body = body.to_string();
                this.request_bytes(method, url, headers, body.as_bytes())
            },
        )
    }

    /// Like [method request], with a raw byte body sent unchanged.
    #[func]
    fn request_raw(
        &mut self,
        method: Method,
        url: GString,
        headers: PackedStringArray,
        body: PackedByteArray,
    ) -> Error {
        guard(
            self,
            "RustHTTPClient.request_raw",
            || Error::ERR_BUG,
            |this| this.request_bytes(method, url, headers, body.as_slice()),
        )
    }

    /// Closes the connection and forgets the response. Settings are kept.
    #[func]
    fn close(&mut self) {
        self.client.close();
        self.connection = None;
    }

    /// Advances the connection: resolving, connecting, sending the request, reading the
    /// response head. Returns [constant OK], or the error of the current failure state
    /// ([constant ERR_UNCONFIGURED] when disconnected). Never blocks unless
    /// [member blocking_mode_enabled] is set and a request is being sent or read.
    #[func]
    fn poll(&mut self) -> Error {
        guard(
            self,
            "RustHTTPClient.poll",
            || Error::ERR_BUG,
            |this| {
                let result = this.client.poll();
                report(CLASS, result)
            },
        )
    }

    /// The current [enum Status].
    #[func]
    fn get_status(&self) -> Status {
        Status(self.client.status() as i64)
    }

    /// [code]true[/code] while the last response's headers have not been taken.
    #[func]
    fn has_response(&self) -> bool {
        self.client.has_response()
    }

    /// [code]true[/code] if the last response used chunked transfer coding.
    #[func]
    fn is_response_chunked(&self) -> bool {
        self.client.is_response_chunked()
    }

    /// The last response's status code (e.g. 200), or 0.
    #[func]
    fn get_response_code(&self) -> i32 {
        self.client.response_code()
    }

    /// The last response's header lines ([code]"Name: value"[/code]), in order, duplicates
    /// kept. As in Godot, this hands them over: a second call returns an empty array.
    #[func]
    fn get_response_headers(&mut self) -> PackedStringArray {
        guard(
            self,
            "RustHTTPClient.get_response_headers",
            PackedStringArray::new,
            |this| {
                this.client
                    .take_response_headers()
                    .iter()
                    .map(|h| GString::from(h.as_str()))
                    .collect()
            },
        )
    }

    /// The last response's headers as [code]{ "Name": "value" }[/code], names with their case.
    /// Repeated names are joined with [code]"; "[/code] (as Godot documents; Godot itself keeps
    /// only the last). Like [method get_response_headers], this hands them over.
    #[func]
    fn get_response_headers_as_dictionary(&mut self) -> VarDictionary {
        guard(
            self,
            "RustHTTPClient.get_response_headers_as_dictionary",
            VarDictionary::new,
            |this| {
                let mut pairs: Vec<(String, String)> = Vec::new();
                for line in this.client.take_response_headers() {
                    let Some((name, value)) = line.split_once(':') else {
                        continue;
                    };
                    let (name, value) = (name.trim(), value.trim());
                    match pairs.iter_mut().find(|(n, _)| n == name) {
                        Some((_, v)) => {
                            v.push_str("; ");
                            v.push_str(value);
                        }
                        None => pairs.push((name.to_string(), value.to_string())),
                    }
                }
                let mut dict = VarDictionary::new();
                for (name, value) in pairs {
                    dict.set(
                        &GString::from(name.as_str()),
                        &GString::from(value.as_str()),
                    );
                }
                dict
            },
        )
    }

    /// The body length from [code]Content-Length[/code], 0 for HEAD, or -1 when unknown
    /// (chunked or read until the server closes).
    #[func]
    fn get_response_body_length(&self) -> i64 {
        self.client.response_body_length()
    }

    /// Reads the next piece of the body (possibly empty while data is in flight). Up to
    /// [member read_chunk_size] bytes, or one whole HTTP chunk for chunked bodies. Moves to
    /// [constant STATUS_CONNECTED] when the body is complete ([constant STATUS_DISCONNECTED] if
    /// the server closed to end it), or [constant STATUS_CONNECTION_ERROR] if it was cut short.
    #[func]
    fn read_response_body_chunk(&mut self) -> PackedByteArray {
        guard(
            self,
            "RustHTTPClient.read_response_body_chunk",
            PackedByteArray::new,
            |this| {
                let mut out = PackedBuf(PackedByteArray::new());
                let result = this.client.read_response_body_chunk(&mut out);
                if let Err(e) = &result {
                    if http_error_code(e) == Error::ERR_UNCONFIGURED {
                        godot_error!("{CLASS}: read_response_body_chunk() needs STATUS_BODY");
                    } else {
                        report(CLASS, result);
                    }
                }
                out.0
            },
        )
    }

    /// See [member read_chunk_size].
    #[func]
    fn set_read_chunk_size(&mut self, bytes: i32) {
        match self.client.set_read_chunk_size(i64::from(bytes)) {
            Ok(()) => self.read_chunk_size = bytes,
            Err(e) => godot_error!("{CLASS}: {e}"),
        }
    }

    /// See [member read_chunk_size].
    #[func]
    fn get_read_chunk_size(&self) -> i32 {
        self.read_chunk_size
    }

    /// See [member blocking_mode_enabled].
    #[func]
    fn set_blocking_mode(&mut self, enabled: bool) {
        self.blocking_mode_enabled = enabled;
        self.client.set_blocking(enabled);
    }

    /// See [member blocking_mode_enabled].
    #[func]
    fn is_blocking_mode_enabled(&self) -> bool {
        self.blocking_mode_enabled
    }

    /// Sends plain-HTTP requests through the proxy at [param host]:[param port] (absolute
    /// request URLs). An empty host or port -1 turns it off. Applies from the next
    /// [method connect_to_host].
    #[func]
    fn set_http_proxy(&mut self, host: GString, port: i32) {
        self.client
            .set_http_proxy(&host.to_string(), i64::from(port));
    }

    /// Sends HTTPS connections through the proxy at [param host]:[param port]: a
    /// [code]CONNECT[/code] tunnel, then TLS with the target through it. A proxy answer other than
    /// 200 gives [constant STATUS_CANT_CONNECT]. An empty host or port -1 turns it off. Applies
    /// from the next [method connect_to_host].
    #[func]
    fn set_https_proxy(&mut self, host: GString, port: i32) {
        self.client
            .set_https_proxy(&host.to_string(), i64::from(port));
    }

    /// See [member tls_pinned_public_keys]. An entry that is not a base64 SHA-256 hash is
    /// reported and the pins are left unchanged.
    #[func]
    fn set_tls_pinned_public_keys(&mut self, pins: PackedStringArray) {
        guard(
            self,
            "RustHTTPClient.set_tls_pinned_public_keys",
            || (),
            |this| match crate::tls_options::parse_pins(&pins) {
                Ok(list) => {
                    this.client.set_pinned_public_keys(list);
                    this.tls_pinned_public_keys = pins;
                }
                Err(e) => godot_error!("{CLASS}: tls_pinned_public_keys: {e}"),
            },
        )
    }

    /// See [member tls_pinned_public_keys].
    #[func]
    fn get_tls_pinned_public_keys(&self) -> PackedStringArray {
        self.tls_pinned_public_keys.clone()
    }

    /// See [member connect_timeout].
    #[func]
    fn set_connect_timeout(&mut self, value: f64) {
        self.connect_timeout = value.max(0.0);
        self.client.set_connect_timeout(seconds(value));
    }

    /// See [member connect_timeout].
    #[func]
    fn get_connect_timeout(&self) -> f64 {
        self.connect_timeout
    }

    /// See [member tls_handshake_timeout].
    #[func]
    fn set_tls_handshake_timeout(&mut self, value: f64) {
        self.tls_handshake_timeout = value.max(0.0);
        self.client.set_tls_handshake_timeout(seconds(value));
    }

    /// See [member tls_handshake_timeout].
    #[func]
    fn get_tls_handshake_timeout(&self) -> f64 {
        self.tls_handshake_timeout
    }

    /// See [member response_timeout].
    #[func]
    fn set_response_timeout(&mut self, value: f64) {
        self.response_timeout = value.max(0.0);
        self.client.set_response_timeout(seconds(value));
    }

    /// See [member response_timeout].
    #[func]
    fn get_response_timeout(&self) -> f64 {
        self.response_timeout
    }

    /// See [member accept_gzip].
    #[func]
    fn set_accept_gzip(&mut self, enabled: bool) {
        self.accept_gzip = enabled;
        self.client.set_accept_gzip(enabled);
    }

    /// See [member accept_gzip].
    #[func]
    fn is_accept_gzip(&self) -> bool {
        self.accept_gzip
    }

    /// Encodes a dictionary as a URL query string, byte for byte as Godot does:
    /// [code]{"a": 1, "b": null, "c": [2, 3]}[/code] gives [code]"a=1&b&c=2&c=3"[/code].
    #[func]
    fn query_string_from_dict(&self, fields: VarDictionary) -> GString {
        guard_pure(
            "RustHTTPClient.query_string_from_dict",
            GString::new,
            || {
                let fields: Vec<(String, QueryValue)> = fields
                    .iter_shared()
                    .map(|(key, value)| {
                        let value = match value.get_type() {
                            VariantType::NIL => QueryValue::Nil,
                            VariantType::ARRAY => match value.try_to::<VarArray>() {
                                Ok(items) => QueryValue::List(
                                    items
                                        .iter_shared()
                                        .map(|i| i.stringify().to_string())
                                        .collect(),
                                ),
                                Err(_) => QueryValue::List(Vec::new()),
                            },
                            _ => QueryValue::One(value.stringify().to_string()),
                        };
                        (key.stringify().to_string(), value)
                    })
                    .collect();
                GString::from(query_string(&fields).as_str())
            },
        )
    }
}

impl RustHttpClient {
    /// `TLSOptions` → core options, converted once per `TLSOptions` object.
    fn request_bytes(
        &mut self,
        method: Method,
        url: GString,
        headers: PackedStringArray,
        body: &[u8],
    ) -> Error {
        let headers: Vec<String> = headers.as_slice().iter().map(|h| h.to_string()).collect();
        let result = self
            .client
            .request(method.0, &url.to_string(), &headers, body);
        report(CLASS, result)
    }
}

impl PanicClose for RustHttpClient {
    fn close_after_panic(&mut self) {
        self.close();
    }
}
