//! Editor help (F1): gdext's `register-docs` XML for every class, completed with the class
//! enums' enumerators.
//!
//! gdext turns the `///` text of structs, `#[func]`s, `#[signal]`s, `#[constant]`s and `#[var]`s
//! into one XML document per class and loads it at `InitStage::Editor`, before our own stage
//! hook runs. Our named enums (`RustHTTPClient.Status`, …) are registered by `class_enum!`
//! through a lower-level API that gdext's docs don't see, so this module adds their
//! `<constant … enum="…">` entries and loads the completed XML again (Godot's doc store replaces
//! a class's entry on each load).
//!
//! Compiled with the cargo feature `docs` only: that is the editor library of the package. The
//! game library goes without (gdext warns when `register-docs` is in an exported game).
//!
//! The docs test (`tests/docs/`) compares this XML with `ClassDB`; it gets the XML from the file
//! named by the environment variable `RUSTNET_DOCS_XML_DUMP`, written at `InitStage::Scene`.

use crate::{http_client, stream_peer_tcp, stream_peer_tls, websocket_peer};

/// One enum's enumerators: (name, value, `///` text), as `class_enum!` records them.
type EnumDocs = &'static [(&'static str, i64, &'static str)];

/// The text of an enumerator without `///` text, from its name and value.
type Fallback = fn(&str, i64) -> String;

/// The class enums of each class: (class, enum name, enumerators, text for an undocumented one).
fn class_enums() -> Vec<(&'static str, &'static str, EnumDocs, Fallback)> {
    vec![
        (
            "RustHTTPClient",
            http_client::Status::enum_name(),
            http_client::Status::DOCS,
            no_text,
        ),
        (
            "RustHTTPClient",
            http_client::Method::enum_name(),
            http_client::Method::DOCS,
            no_text,
        ),
        (
            "RustHTTPClient",
            http_client::ResponseCode::enum_name(),
            http_client::ResponseCode::DOCS,
            response_code_text,
        ),
        (
            "RustStreamPeerTCP",
            stream_peer_tcp::Status::enum_name(),
            stream_peer_tcp::Status::DOCS,
            no_text,
        ),
        (
            "RustStreamPeerTLS",
            stream_peer_tls::Status::enum_name(),
            stream_peer_tls::Status::DOCS,
            no_text,
        ),
        (
            "RustWebSocketPeer",
            websocket_peer::WriteMode::enum_name(),
            websocket_peer::WriteMode::DOCS,
            no_text,
        ),
        (
            "RustWebSocketPeer",
            websocket_peer::State::enum_name(),
            websocket_peer::State::DOCS,
            no_text,
        ),
    ]
}

fn no_text(_name: &str, _value: i64) -> String {
    String::new()
}

/// `RESPONSE_NOT_FOUND = 404` → "HTTP status code 404 (Not Found) …": the names already say
/// everything, as in Godot's own `HTTPClient.ResponseCode` docs.
fn response_code_text(name: &str, value: i64) -> String {
    let phrase: Vec<String> = name
        .trim_start_matches("RESPONSE_")
        .split('_')
        .map(|w| {
            let mut c = w.chars();
            match c.next() {
                Some(f) => f.to_string() + &c.as_str().to_lowercase(),
                None => String::new(),
            }
        })
        .collect();
    format!(
        "HTTP status code {value} ({}), the same value as [code]HTTPClient.{name}[/code]. Compare it with [method get_response_code].",
        phrase.join(" ")
    )
}

/// `///` text → the editor's BBCode: `code` spans become [code]; lines of a paragraph join.
fn to_bbcode(text: &str) -> String {
    let mut out = String::new();
    for (i, part) in text.split('`').enumerate() {
        let escaped = part
            .replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;");
        if i % 2 == 1 {
            out.push_str("[code]");
            out.push_str(&escaped);
            out.push_str("[/code]");
        } else {
            out.push_str(&escaped);
        }
    }
    out.lines()
        .map(str::trim)
        .collect::<Vec<_>>()
        .join(" ")
        .trim()
        .to_string()
}

/// The `<constant>` entries of every class enum of `class`.
fn enum_constants_xml(class: &str) -> String {
    let mut xml = String::new();
    for (owner, enum_name, docs, fallback) in class_enums() {
        if owner != class {
            continue;
        }
        for &(name, value, text) in docs {
            let text = if text.trim().is_empty() {
                fallback(name, value)
            } else {
                to_bbcode(text)
            };
            xml.push_str(&format!(
                r#"<constant name="{name}" value="{value}" enum="{enum_name}">{text}</constant>"#
            ));
        }
    }
    xml
}

/// One XML document per class: gdext's, with the enumerators added.
pub fn class_xmls() -> Vec<String> {
    let mut xmls: Vec<String> = godot::docs::__gather_xml_docs()
        .map(|xml| {
            let class = xml
                .split_once("<class name=\"")
                .and_then(|(_, rest)| rest.split_once('"'))
                .map(|(name, _)| name.to_string())
                .unwrap_or_default();
            let extra = enum_constants_xml(&class);
            if extra.is_empty() {
                xml
            } else if xml.contains("<constants>") {
                xml.replacen("<constants>", &format!("<constants>{extra}"), 1)
            } else {
                xml.replacen(
                    "<members>",
                    &format!("<constants>{extra}</constants>\n<members>"),
                    1,
                )
            }
        })
        .collect();
    xmls.sort();
    xmls
}

/// Loads the completed XML into the editor help (at `InitStage::Editor`, after gdext's own load).
pub fn register_in_editor() {
    for xml in class_xmls() {
        // SAFETY: called on the main thread during Editor init, when the binding is initialized;
        // the pointer and length describe valid UTF-8 that outlives the call.
        unsafe {
            godot::sys::interface_fn!(editor_help_load_xml_from_utf8_chars_and_len)(
                xml.as_ptr() as *const std::ffi::c_char,
                xml.len() as i64,
            );
        }
    }
}

/// For the docs test: writes every class's XML to `$RUSTNET_DOCS_XML_DUMP` when it is set.
pub fn dump_if_asked() {
    let Some(path) = std::env::var_os("RUSTNET_DOCS_XML_DUMP") else {
        return;
    };
    let all = class_xmls().join("\n");
    if let Err(e) = std::fs::write(&path, all) {
        godot::global::godot_error!("RustNet: cannot write the docs XML to {path:?}: {e}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn response_code_text_names_the_phrase() {
        let t = response_code_text("RESPONSE_NOT_FOUND", 404);
        assert!(t.starts_with("HTTP status code 404 (Not Found)"), "{t}");
    }

    #[test]
    fn bbcode_code_spans_and_escapes() {
        assert_eq!(
            to_bbcode("a `b<c`\n  d & e\n"),
            "a [code]b&lt;c[/code] d &amp; e"
        );
    }
}
