//! # rustnet — the Godot extension
//!
//! Godot-facing classes only: each converts Godot types, keeps Godot's exact names, defaults and
//! `Error` codes, and delegates the behaviour to `rustnet-core`.
//!
//! | class | twin of | module |
//! |---|---|---|
//! | `RustHTTPClient` | `HTTPClient` | [`http_client`] |
//! | `RustTCPServer` | `TCPServer` | [`tcp_server`] |
//! | `RustStreamPeerTCP` | `StreamPeerTCP` | [`stream_peer_tcp`] |
//! | `RustWebSocketPeer` | `WebSocketPeer` | [`websocket_peer`] |
//! | `RustWebSocketMultiplayerPeer` | `WebSocketMultiplayerPeer` | [`websocket_multiplayer_peer`] |
//! | `RustWebSocketClient` | Godot 3's `WebSocketClient` | [`websocket_client`] |
//! | `RustStreamPeerTLS` | `StreamPeerTLS` | [`stream_peer_tls`] |

mod class_enum;
#[cfg(feature = "docs")]
mod docs;
mod errors;
pub mod http_client;
pub(crate) mod panic_guard;
mod project_settings;
pub mod stream_peer_tcp;
pub mod stream_peer_tls;
mod stream_peer_transport;
pub mod tcp_server;
mod tls_options;
pub mod websocket_client;
pub mod websocket_multiplayer_peer;
pub mod websocket_peer;

use godot::init::{gdextension, ExtensionLibrary, InitStage};

struct RustNet;

#[gdextension]
unsafe impl ExtensionLibrary for RustNet {
    fn on_stage_init(stage: InitStage) {
        // Classes are registered automatically before the Scene stage runs this hook.
        if stage == InitStage::Scene {
            panic_guard::init();
            http_client::register_enums();
            stream_peer_tcp::register_enums();
            websocket_peer::register_enums();
            stream_peer_tls::register_enums();
            #[cfg(feature = "docs")]
            docs::dump_if_asked();
        }
        // gdext loaded its docs XML just before this hook; ours adds the class enums.
        #[cfg(feature = "docs")]
        if stage == InitStage::Editor {
            docs::register_in_editor();
        }
    }
}
