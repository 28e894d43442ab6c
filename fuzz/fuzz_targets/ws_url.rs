//! `connect_to_url` URL parsing (`parse_ws_url`): never panics; an accepted URL has a host,
//! a port, a path starting with `/`, no control characters, spaces or NUL anywhere that reaches
//! the request line or the Host header; and the URL rebuilt from the result parses to the same.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rustnet_core::ws::parse_ws_url;

fuzz_target!(|data: &[u8]| {
    let Ok(url) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(parsed) = parse_ws_url(url) else {
        return;
    };
    assert!(!parsed.host.is_empty());
    assert!(parsed.port >= 1);
    assert!(parsed.path.starts_with('/'));
    for part in [&parsed.host, &parsed.path, &parsed.host_header()] {
        assert!(
            !part.chars().any(|c| c.is_control() || c == ' '),
            "control character or space in {part:?} from {url:?}"
        );
    }
    let host = if parsed.host.contains(':') {
        format!("[{}]", parsed.host)
    } else {
        parsed.host.clone()
    };
    let scheme = if parsed.tls { "wss" } else { "ws" };
    let rebuilt = format!("{scheme}://{host}:{}{}", parsed.port, parsed.path);
    // Godot keeps odd hosts (`a@[`, `h?x`) verbatim; rebuild only plain host names.
    let plain_host = parsed
        .host
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_' | ':'));
    if plain_host {
        assert_eq!(
            parse_ws_url(&rebuilt).as_ref(),
            Ok(&parsed),
            "rebuilt {rebuilt:?}"
        );
    }
});
