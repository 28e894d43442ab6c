## Makes the multiplayer peer for a given class choice, shared by the dots demo (dots.gd) and
## the multi-process multiplayer test (tests/mp_processes/node.gd), which start the same
## three kinds of client from their command lines.
extends RefCounted


## A client peer connecting to `url`: `kind` "builtin" (WebSocketMultiplayerPeer), "godot3"
## (RustWebSocketClient with gd_mp_api) or anything else (RustWebSocketMultiplayerPeer);
## `compress` turns on compression_enabled for RustNet's peers. Returns [peer, error].
static func client(kind: String, url: String, compress: bool) -> Array:
	match kind:
		"builtin":
			var b := WebSocketMultiplayerPeer.new()
			return [b, b.create_client(url)]
		"godot3":
			var g := RustWebSocketClient.new()
			g.compression_enabled = compress
			return [g, g.connect_to_url(url, PackedStringArray(), true)]
		_:
			var r := RustWebSocketMultiplayerPeer.new()
			r.compression_enabled = compress
			return [r, r.create_client(url)]
