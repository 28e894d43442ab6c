//! Godot's `TLSOptions` in, `rustnet_core` TLS options out, plus the `= null` default.

use godot::builtin::GString;
use godot::classes::TlsOptions;
use godot::meta::error::ConvertError;
use godot::meta::shape::GodotShape;
use godot::meta::{FromGodot, GodotConvert, ToGodot};
use godot::obj::Gd;
use rustnet_core::tls::TlsClientOptions;

/// A `TLSOptions` argument whose default is `null`, as in `connect_to_host(host, port = -1,
/// tls_options = null)`. gdext's `#[opt]` only takes immutable types, so this newtype vouches
/// for the one value it is ever given as a default: `None`.
#[derive(Clone, Debug)]
pub struct NullableTls(pub Option<Gd<TlsOptions>>);

impl GodotConvert for NullableTls {
    type Via = Option<Gd<TlsOptions>>;
    fn godot_shape() -> GodotShape {
        <Option<Gd<TlsOptions>> as GodotConvert>::godot_shape()
    }
}

impl ToGodot for NullableTls {
    type Pass = godot::meta::conv::ByValue;
    fn to_godot(&self) -> Option<Gd<TlsOptions>> {
        self.0.clone()
    }
}

impl FromGodot for NullableTls {
    fn try_from_godot(v: Option<Gd<TlsOptions>>) -> Result<Self, ConvertError> {
        Ok(Self(v))
    }
}

// SAFETY: used only as `#[opt(default = NullableTls(None))]`; `None` holds no object, so the
// default can't be mutated or shared.
unsafe impl godot::meta::GodotImmutable for NullableTls {}

/// Godot 4.6's `save_to_string()` ends in a stray U+FFFD (gdext notes §5); rustls wants clean PEM.
fn clean_pem(pem: GString) -> String {
    pem.to_string()
        .trim_end_matches(['\u{FFFD}', '\0'])
        .to_string()
}

/// Reads what the core needs from a `TLSOptions` (Godot 4.3+ getters).
pub fn to_core(options: &Gd<TlsOptions>) -> TlsClientOptions {
    let trusted_ca_pem = options
        .get_trusted_ca_chain()
        .map(|mut chain| clean_pem(chain.save_to_string()));
    TlsClientOptions {
        is_server: options.is_server(),
        unsafe_client: options.is_unsafe_client(),
        trusted_ca_pem,
        common_name_override: options.get_common_name_override().to_string(),
    }
}

/// The last `TLSOptions` read, by instance. Reading one calls Godot's
/// `X509Certificate.save_to_string()`, which logs a spurious Unicode error each time, so a
/// script that reconnects with the same options object reads it once.
#[derive(Default)]
pub struct TlsOptionsCache(Option<(godot::obj::InstanceId, TlsClientOptions)>);

impl TlsOptionsCache {
    /// `to_core(options)`, from the cache when `options` is the object read last time.
    pub fn read(&mut self, options: &Gd<TlsOptions>) -> TlsClientOptions {
        let id = options.instance_id();
        if let Some((cached_id, cached)) = &self.0 {
            if *cached_id == id {
                return cached.clone();
            }
        }
        let core = to_core(options);
        self.0 = Some((id, core.clone()));
        core
    }
}

/// The PEM of a `TLSOptions.server(key, certificate)`: `(certificate chain, private key)`.
/// `Err` names what is missing (Godot: `ERR_INVALID_PARAMETER`).
pub fn server_pems(options: &Gd<TlsOptions>) -> Result<(String, String), String> {
    let Some(mut key) = options.get_private_key() else {
        return Err("the server options have no private key".into());
    };
    let Some(mut cert) = options.get_own_certificate() else {
        return Err("the server options have no certificate".into());
    };
    if key.is_public_only() {
        return Err("the server options' key is a public key only".into());
    }
    // Every certificate of the object: the server's first, then the chain it sends.
    let chain = clean_pem(cert.save_to_string());
    let key = clean_pem(key.save_to_string_ex().public_only(false).done());
    Ok((chain, key))
}

/// `tls_pinned_public_keys` entries as core pins; `Err` names the first entry that is not a
/// base64 SHA-256 hash.
pub fn parse_pins(
    pins: &godot::builtin::PackedStringArray,
) -> Result<Vec<rustnet_core::tls::pinning::Pin>, String> {
    pins.as_slice()
        .iter()
        .map(|p| rustnet_core::tls::pinning::Pin::parse(&p.to_string()))
        .collect()
}
