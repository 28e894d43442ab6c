## Shared by the Autobahn testees (client.gd, server.gd): which classes to test, the limits
## Autobahn needs, and an echo pump that sends every message back with its own type.
extends RefCounted

## Autobahn's case 9 sends messages of up to 16 MiB; leave headroom for a frame header.
const BIG_BUFFER := 32 * 1024 * 1024
const MAX_QUEUED_PACKETS := 16384
const STATE_OPEN := 1
const STATE_CLOSED := 3


## The WebSocket class under test: RUSTNET_WS_CLASS, else RustWebSocketPeer when the addon has
## it, else the built-in WebSocketPeer.
static func ws_class() -> String:
	var c := OS.get_environment("RUSTNET_WS_CLASS")
	if c == "":
		c = "RustWebSocketPeer" if ClassDB.class_exists("RustWebSocketPeer") else "WebSocketPeer"
	return c


## The listener paired with it: built-in WebSocketPeer only accepts built-in StreamPeerTCPs, so
## the built-in class gets TCPServer and ours gets RustTCPServer (RUSTNET_TCP_CLASS overrides).
static func tcp_server_class(ws_cls: String) -> String:
	var c := OS.get_environment("RUSTNET_TCP_CLASS")
	if c == "":
		c = "TCPServer" if ws_cls == "WebSocketPeer" else "RustTCPServer"
	return c


## A peer of class `cls` with limits big enough for every Autobahn case (1-13).
static func new_peer(cls: String):
	var ws = ClassDB.instantiate(cls)
	ws.inbound_buffer_size = BIG_BUFFER
	ws.outbound_buffer_size = BIG_BUFFER
	ws.max_queued_packets = MAX_QUEUED_PACKETS
	# scripts/autobahn.sh turns permessage-deflate on (RustNet's compression_enabled) for the
	# compression cases 12.* and 13.*; the built-in class has no such property.
	if OS.get_environment("RUSTNET_WS_COMPRESSION") == "1" and "compression_enabled" in ws:
		ws.set("compression_enabled", true)
	return ws


## Polls one peer and echoes what it received. Messages the peer cannot take yet
## (ERR_OUT_OF_MEMORY: outbound buffer or queue full) wait in `pending`, in order.
class Echo:
	var ws
	var pending: Array = []
	var echoed := 0

	func _init(peer) -> void:
		ws = peer

	func closed() -> bool:
		return ws.get_ready_state() == STATE_CLOSED

	## Returns true when something moved, so idle loops know when to sleep.
	func pump() -> bool:
		ws.poll()
		var moved := false
		while ws.get_available_packet_count() > 0:
			var p: PackedByteArray = ws.get_packet()
			pending.append([p, 0 if ws.was_string_packet() else 1])
			moved = true
		while not pending.is_empty() and ws.get_ready_state() == STATE_OPEN:
			var err: int = ws.send(pending[0][0], pending[0][1])
			if err == ERR_OUT_OF_MEMORY:
				break
			pending.pop_front()
			echoed += 1
			moved = true
		return moved
