//! The Godot project settings RustNet obeys, read in one place.

use godot::classes::{FileAccess, ProjectSettings};
use godot::prelude::*;

/// Godot's `network/limits/tcp/connect_timeout_seconds` (default 30), which its sockets obey.
pub fn connect_timeout() -> std::time::Duration {
    let seconds = ProjectSettings::singleton()
        .get_setting("network/limits/tcp/connect_timeout_seconds")
        .try_to::<f64>()
        .ok()
        .filter(|s| s.is_finite() && *s > 0.0)
        .unwrap_or(30.0);
    std::time::Duration::from_secs_f64(seconds.min(86_400.0))
}

/// Godot's TLS project settings, read at each TLS connect as Godot does: the PEM bundle named
/// by `network/tls/certificate_bundle_override` (replacing the default roots) and
/// `network/tls/enable_tls_v1.3`.
pub fn tls_defaults(class: &str) -> (Option<String>, bool) {
    let settings = ProjectSettings::singleton();
    let tls13 = tls13_enabled();
    let path = settings
        .get_setting("network/tls/certificate_bundle_override")
        .try_to::<GString>()
        .unwrap_or_default();
    let bundle = if path.is_empty() {
        None
    } else {
        match FileAccess::get_file_as_string(&path) {
            pem if !pem.is_empty() => Some(pem.to_string()),
            _ => {
                godot_error!("{class}: can't read the certificate bundle override '{path}'");
                None
            }
        }
    };
    (bundle, tls13)
}

/// Godot's `network/tls/enable_tls_v1.3` (default true): false caps TLS at 1.2, for clients and
/// servers alike. Read at each TLS setup, as Godot does.
pub fn tls13_enabled() -> bool {
    ProjectSettings::singleton()
        .get_setting("network/tls/enable_tls_v1.3")
        .try_to::<bool>()
        .unwrap_or(true)
}
