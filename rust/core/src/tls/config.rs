//! Godot's `TLSOptions` → a rustls `ClientConfig` (client side) or `ServerConfig`
//! ([`server_config`], for `TLSOptions.server(key, cert)`).
//!
//! | `TLSOptions` | trust anchors | name checked (and sent as SNI) |
//! |---|---|---|
//! | `client()` | the default bundle: Mozilla's roots (`webpki-roots`), or the PEM file of the project setting `network/tls/certificate_bundle_override` | the host given to connect |
//! | `client(ca)` | `ca` only | the host |
//! | `client(ca, name)` | `ca` | `name` |
//! | `client_unsafe()` | none: any certificate is accepted | none |
//! | `client_unsafe(ca)` | `ca`: the chain is verified | none: the hostname is not checked, no SNI |
//!
//! Pins ([`super::pinning`]) are checked on top of whichever of these applies, so a pinned
//! `client_unsafe()` still refuses a certificate whose key isn't pinned. TLS 1.2 and 1.3 are
//! offered; `enable_tls13 = false` (Godot's `network/tls/enable_tls_v1.3`) caps at 1.2.
//! ALPN offers `http/1.1` for HTTP ([`client_config`]); a bare TLS stream
//! ([`stream_client_config`], Godot's `StreamPeerTLS`) offers none, like Godot.
//!
//! Server side ([`server_config`]): the first certificate of the PEM is the server's, any others
//! are sent as its chain; no client certificates are asked for (Godot: `VERIFY_NONE`); the same
//! TLS 1.2/1.3 switch.

use super::pinning::{issuer_of_certificate, pin_of_spki_content, Pin};
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::WebPkiServerVerifier;
use rustls::crypto::{verify_tls12_signature, verify_tls13_signature, CryptoProvider};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};
use rustls::{
    CertificateError, ClientConfig, DigitallySignedStruct, Error, InconsistentKeys, RootCertStore,
    ServerConfig, SignatureScheme,
};
use std::sync::{Arc, OnceLock};

/// What `connect_to_host` was given for TLS (read from Godot's `TLSOptions` by the extension).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TlsClientOptions {
    /// `TLSOptions.server(...)`: not valid for a client.
    pub is_server: bool,
    /// `TLSOptions.client_unsafe(...)`.
    pub unsafe_client: bool,
    /// PEM of `trusted_chain`, if one was given.
    pub trusted_ca_pem: Option<String>,
    pub common_name_override: String,
}

/// Everything that shapes one client TLS session.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TlsSettings {
    pub options: TlsClientOptions,
    /// PEM bundle that replaces the built-in Mozilla roots for `client()` without a CA.
    pub roots_override_pem: Option<String>,
    /// Offer TLS 1.3 (Godot's `network/tls/enable_tls_v1.3`, default true).
    pub enable_tls13: bool,
    /// Public-key pins; empty means no pinning.
    pub pins: Vec<Pin>,
}

impl Default for TlsSettings {
    fn default() -> Self {
        Self {
            options: TlsClientOptions::default(),
            roots_override_pem: None,
            enable_tls13: true,
            pins: Vec::new(),
        }
    }
}

fn provider() -> Arc<CryptoProvider> {
    static PROVIDER: OnceLock<Arc<CryptoProvider>> = OnceLock::new();
    PROVIDER
        .get_or_init(|| Arc::new(rustls::crypto::ring::default_provider()))
        .clone()
}

fn mozilla_roots() -> Arc<RootCertStore> {
    static ROOTS: OnceLock<Arc<RootCertStore>> = OnceLock::new();
    ROOTS
        .get_or_init(|| {
            Arc::new(RootCertStore {
                roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
            })
        })
        .clone()
}

fn roots_from_pem(pem: &str, what: &str) -> Result<Arc<RootCertStore>, String> {
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_slice_iter(pem.as_bytes())
        .collect::<Result<_, _>>()
        .map_err(|e| format!("{what} is not valid PEM: {e}"))?;
    let mut store = RootCertStore::empty();
    let (added, _ignored) = store.add_parsable_certificates(certs);
    if added == 0 {
        return Err(format!("{what} holds no usable certificate"));
    }
    Ok(Arc::new(store))
}

/// Builds the rustls config and the name to verify for an HTTPS connection to `host`.
/// A host that is not a valid TLS name is an error.
pub fn client_config(
    settings: &TlsSettings,
    host: &str,
) -> Result<(Arc<ClientConfig>, ServerName<'static>), String> {
    build_client_config(settings, host, false)
}

/// The client config of a bare TLS stream (Godot's `StreamPeerTLS.connect_to_stream`) for
/// `common_name`: no ALPN, and a name that is not a valid TLS name (empty, `"bad name!"`) is not
/// an error up front: the handshake runs and then fails verification, as Godot's does. With
/// `client_unsafe()` the name is not checked at all.
pub fn stream_client_config(
    settings: &TlsSettings,
    common_name: &str,
) -> Result<(Arc<ClientConfig>, ServerName<'static>), String> {
    build_client_config(settings, common_name, true)
}

fn build_client_config(
    settings: &TlsSettings,
    host: &str,
    stream: bool,
) -> Result<(Arc<ClientConfig>, ServerName<'static>), String> {
    let opts = &settings.options;
    let name_text = if opts.common_name_override.is_empty() {
        host
    } else {
        &opts.common_name_override
    };
    let name_text = name_text.trim_start_matches('[').trim_end_matches(']');
    let (server_name, name_unusable) = match ServerName::try_from(name_text.to_string()) {
        Ok(name) => (name, false),
        // A placeholder that is never sent (no SNI) nor accepted (the verifier refuses).
        Err(_) if stream => (
            ServerName::try_from("invalid").map_err(|e| e.to_string())?,
            true,
        ),
        Err(_) => return Err(format!("'{name_text}' is not a valid TLS server name")),
    };

    let provider = provider();
    let roots: Option<Arc<RootCertStore>> = match (&opts.trusted_ca_pem, opts.unsafe_client) {
        (None, true) => None,
        (Some(pem), _) => Some(roots_from_pem(pem, "the trusted CA chain")?),
        (None, false) => Some(match &settings.roots_override_pem {
            Some(pem) => roots_from_pem(pem, "the certificate bundle override")?,
            None => mozilla_roots(),
        }),
    };
    // With pins, remember each anchor's subject and pin: a pin may name the CA that issued the
    // chain even when the server doesn't send that CA's certificate.
    let anchor_pins = match (&roots, settings.pins.is_empty()) {
        (Some(store), false) => store
            .roots
            .iter()
            .map(|a| {
                (
                    a.subject.as_ref().to_vec(),
                    pin_of_spki_content(a.subject_public_key_info.as_ref()),
                )
            })
            .collect(),
        _ => Vec::new(),
    };
    let chain_verifier = match roots {
        Some(store) => Some(webpki_verifier(store, &provider)?),
        None => None,
    };
    let verifier = Arc::new(GodotVerifier {
        chain: chain_verifier,
        check_name: !opts.unsafe_client,
        name_unusable,
        pins: settings.pins.clone(),
        anchor_pins,
        provider: provider.clone(),
    });
    let versions: &[&rustls::SupportedProtocolVersion] = if settings.enable_tls13 {
        &[&rustls::version::TLS13, &rustls::version::TLS12]
    } else {
        &[&rustls::version::TLS12]
    };
    let mut config = ClientConfig::builder_with_provider(provider)
        .with_protocol_versions(versions)
        .map_err(|e| format!("TLS setup failed: {e}"))?
        .dangerous()
        .with_custom_certificate_verifier(verifier)
        .with_no_client_auth();
    if !stream {
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
    }
    // Godot sends no SNI when it doesn't check the name.
    config.enable_sni = !opts.unsafe_client && !name_unusable;
    Ok((Arc::new(config), server_name))
}

/// The rustls config of a TLS server (Godot's `TLSOptions.server(key, certificate)`):
/// `cert_chain_pem` holds the server's certificate first, then any chain to send with it;
/// `key_pem` its private key (PKCS#1, PKCS#8 or SEC1 PEM). No client certificates are asked
/// for. TLS 1.2 and 1.3, or 1.2 only when `enable_tls13` is false.
pub fn server_config(
    cert_chain_pem: &str,
    key_pem: &str,
    enable_tls13: bool,
) -> Result<Arc<ServerConfig>, String> {
    let certs: Vec<CertificateDer<'static>> =
        CertificateDer::pem_slice_iter(cert_chain_pem.as_bytes())
            .collect::<Result<_, _>>()
            .map_err(|e| format!("the server certificate is not valid PEM: {e}"))?;
    if certs.is_empty() {
        return Err("the server certificate holds no certificate".into());
    }
    let key = PrivateKeyDer::from_pem_slice(key_pem.as_bytes()).map_err(|e| match e {
        rustls::pki_types::pem::Error::NoItemsFound => {
            "the private key holds no private key (a public key only?)".to_string()
        }
        e => format!("the private key is not valid PEM: {e}"),
    })?;
    let versions: &[&rustls::SupportedProtocolVersion] = if enable_tls13 {
        &[&rustls::version::TLS13, &rustls::version::TLS12]
    } else {
        &[&rustls::version::TLS12]
    };
    let config = ServerConfig::builder_with_provider(provider())
        .with_protocol_versions(versions)
        .map_err(|e| format!("TLS setup failed: {e}"))?
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .map_err(|e| match e {
            Error::InconsistentKeys(InconsistentKeys::KeyMismatch) => {
                "the private key does not match the server certificate".to_string()
            }
            e => format!("the server certificate or key is unusable: {e}"),
        })?;
    Ok(Arc::new(config))
}

fn webpki_verifier(
    roots: Arc<RootCertStore>,
    provider: &Arc<CryptoProvider>,
) -> Result<Arc<WebPkiServerVerifier>, String> {
    WebPkiServerVerifier::builder_with_provider(roots, provider.clone())
        .build()
        .map_err(|e| format!("TLS trust setup failed: {e}"))
}

/// Godot's verification rules (see the module table) plus pins.
#[derive(Debug)]
struct GodotVerifier {
    /// `None`: accept any chain (`client_unsafe()` without a CA).
    chain: Option<Arc<WebPkiServerVerifier>>,
    /// `false`: a chain valid for another name is fine (`client_unsafe(ca)`).
    check_name: bool,
    /// The name asked for is not a valid TLS name: no certificate can match it.
    name_unusable: bool,
    pins: Vec<Pin>,
    /// (subject, pin) of each trust anchor, when pins are set.
    anchor_pins: Vec<(Vec<u8>, Pin)>,
    provider: Arc<CryptoProvider>,
}

impl ServerCertVerifier for GodotVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, Error> {
        if let Some(chain) = &self.chain {
            match chain.verify_server_cert(
                end_entity,
                intermediates,
                server_name,
                ocsp_response,
                now,
            ) {
                Ok(_) => {}
                Err(Error::InvalidCertificate(CertificateError::NotValidForName))
                | Err(Error::InvalidCertificate(CertificateError::NotValidForNameContext {
                    ..
                })) if !self.check_name => {}
                Err(e) => return Err(e),
            }
        }
        if self.name_unusable && self.check_name {
            return Err(Error::InvalidCertificate(CertificateError::NotValidForName));
        }
        if !self.pins.is_empty() {
            let presented = std::iter::once(end_entity)
                .chain(intermediates.iter())
                .filter_map(|c| Pin::of_certificate(c.as_ref()))
                .any(|p| self.pins.contains(&p));
            // The anchor that issued the top of the chain (only trusted when the chain verified).
            let top = intermediates.last().unwrap_or(end_entity);
            let anchor = issuer_of_certificate(top.as_ref()).is_some_and(|issuer| {
                self.anchor_pins
                    .iter()
                    .any(|(subject, pin)| subject == issuer && self.pins.contains(pin))
            });
            let matched = presented || (self.chain.is_some() && anchor);
            if !matched {
                return Err(Error::General(
                    "no certificate of the server matches a pinned public key (tls_pinned_public_keys)".into(),
                ));
            }
        }
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, Error> {
        verify_tls12_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, Error> {
        verify_tls13_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
    }
}

/// A readable reason for a handshake failure, for the user's error message.
pub fn describe(err: &Error) -> String {
    match err {
        Error::InvalidCertificate(CertificateError::UnknownIssuer) => {
            "the server's certificate is not signed by a trusted CA (unknown issuer)".into()
        }
        Error::InvalidCertificate(CertificateError::Expired)
        | Error::InvalidCertificate(CertificateError::ExpiredContext { .. }) => {
            "the server's certificate has expired".into()
        }
        Error::InvalidCertificate(CertificateError::NotValidYet)
        | Error::InvalidCertificate(CertificateError::NotValidYetContext { .. }) => {
            "the server's certificate is not valid yet".into()
        }
        Error::InvalidCertificate(CertificateError::NotValidForName)
        | Error::InvalidCertificate(CertificateError::NotValidForNameContext { .. }) => {
            "the server's certificate is for another host name".into()
        }
        Error::AlertReceived(alert) => format!("the server sent the TLS alert {alert:?}"),
        Error::InvalidMessage(m) => format!("the server sent something that is not TLS ({m:?})"),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn configs_for_each_godot_option() {
        let mut s = TlsSettings::default();
        let (cfg, name) = client_config(&s, "example.com").unwrap();
        assert!(cfg.enable_sni);
        assert_eq!(name, ServerName::try_from("example.com").unwrap());
        s.options.common_name_override = "other.example".into();
        assert_eq!(
            client_config(&s, "127.0.0.1").unwrap().1,
            ServerName::try_from("other.example").unwrap()
        );
        s.options = TlsClientOptions {
            unsafe_client: true,
            ..Default::default()
        };
        assert!(!client_config(&s, "example.com").unwrap().0.enable_sni);
        s.options.trusted_ca_pem = Some("not pem".into());
        assert!(client_config(&s, "example.com").is_err());
        assert!(client_config(&TlsSettings::default(), "bad name!").is_err());
        assert_eq!(
            client_config(&TlsSettings::default(), "[::1]").unwrap().1,
            ServerName::try_from("::1").unwrap()
        );
    }
}
