## RustWebSocketMultiplayerPeer's API against Godot's WebSocketMultiplayerPeer: the same
## defaults, signatures and Error codes, checked side by side.
extends "mp.gd"


func _both() -> Array:
	return [WebSocketMultiplayerPeer.new(), RustWebSocketMultiplayerPeer.new()]


func _sig(cls: String, method: String) -> Array:
	for m in ClassDB.class_get_method_list(cls, true):
		if m.name == method:
			return [m.args.map(func(a): return [a.name, a.type]), m.default_args, m.return.type]
	return []


func test_signatures() -> void:
	for m in ["create_server", "create_client", "get_peer_address", "get_peer_port", "get_peer",
			"set_handshake_timeout", "get_handshake_timeout", "set_max_queued_packets"]:
		var want := _sig("WebSocketMultiplayerPeer", m)
		var got := _sig("RustWebSocketMultiplayerPeer", m)
		if m == "get_peer":
			# Returns an object (a RustWebSocketPeer) either way.
			want = want.slice(0, 2)
			got = got.slice(0, 2)
		eq(got, want, m)
	check(RustWebSocketMultiplayerPeer.new() is MultiplayerPeer, "is a MultiplayerPeer")


func test_defaults() -> void:
	var pair := _both()
	for prop in ["supported_protocols", "handshake_headers", "inbound_buffer_size",
			"outbound_buffer_size", "max_queued_packets", "handshake_timeout"]:
		eq(pair[1].get(prop), pair[0].get(prop), prop)
	for p in pair:
		var cls: String = p.get_class()
		eq(p.get_connection_status(), MultiplayerPeer.CONNECTION_DISCONNECTED, cls + " status")
		eq(p.get_unique_id(), 0, cls + " id")
		eq(p.is_server_relay_supported(), true, cls + " relay")
		eq(p.get_packet_channel(), 0, cls + " channel")
		eq(p.get_packet_mode(), MultiplayerPeer.TRANSFER_MODE_RELIABLE, cls + " mode")
		eq(p.transfer_mode, MultiplayerPeer.TRANSFER_MODE_RELIABLE, cls + " transfer_mode")
		eq(p.transfer_channel, 0, cls + " transfer_channel")
		eq(p.refuse_new_connections, false, cls + " refuse_new_connections")
		p.handshake_timeout = 0.0
		eq(p.handshake_timeout, 3.0, cls + " handshake_timeout 0 ignored")
		p.handshake_timeout = -1.0
		eq(p.handshake_timeout, 3.0, cls + " handshake_timeout < 0 ignored")
		p.handshake_timeout = 1.5
		eq(p.handshake_timeout, 1.5, cls + " handshake_timeout set")
		p.inbound_buffer_size = 1000
		eq(p.inbound_buffer_size, 1000, cls + " inbound_buffer_size set")


func test_error_codes() -> void:
	for p in _both():
		var cls: String = p.get_class()
		eq(p.put_packet(PackedByteArray([1])), ERR_UNCONFIGURED, cls + " put_packet while disconnected")
		eq(p.get_packet_peer(), 1, cls + " get_packet_peer with nothing queued")
		check(p.get_peer(5) == null, cls + " get_peer(unknown) is null")
		eq(p.get_peer_port(5), 0, cls + " get_peer_port(unknown)")
		eq(p.create_server(0, "*", TLSOptions.client()), ERR_INVALID_PARAMETER, cls + " client TLS options")
		eq(listen(p) != 0, true, cls + " create_server")
		eq(p.get_connection_status(), MultiplayerPeer.CONNECTION_CONNECTED, cls + " server CONNECTED")
		eq(p.get_unique_id(), 1, cls + " server id")
		eq(p.create_server(0), ERR_ALREADY_IN_USE, cls + " create_server twice")
		eq(p.create_client("ws://127.0.0.1:1"), ERR_ALREADY_IN_USE, cls + " create_client on a server")
		eq(p.put_packet(PackedByteArray([1])), OK, cls + " broadcast with no peers")
		p.set_target_peer(7)
		eq(p.put_packet(PackedByteArray([1])), ERR_INVALID_PARAMETER, cls + " unknown target peer")
		p.set_target_peer(0)
		eq(p.get_available_packet_count(), 0, cls + " no packets")
		p.close()
		eq(p.get_connection_status(), MultiplayerPeer.CONNECTION_DISCONNECTED, cls + " closed")
		eq(p.get_unique_id(), 0, cls + " id after close")
		eq(p.create_client("ws://127.0.0.1:1", TLSOptions.server(CryptoKey.new(), X509Certificate.new())), ERR_INVALID_PARAMETER, cls + " server TLS options for a client")
		eq(p.create_client("ws://127.0.0.1:1"), OK, cls + " create_client")
		eq(p.get_connection_status(), MultiplayerPeer.CONNECTION_CONNECTING, cls + " CONNECTING")
		eq(p.get_unique_id(), 0, cls + " client id before the server's")
		eq(p.put_packet(PackedByteArray([1])), ERR_UNCONFIGURED, cls + " put_packet while connecting")
		eq(p.create_client("ws://127.0.0.1:1"), ERR_ALREADY_IN_USE, cls + " create_client twice")
		# Nothing listens on port 1: the client ends DISCONNECTED, without peer_connected.
		var done := func():
			p.poll()
			return p.get_connection_status() == MultiplayerPeer.CONNECTION_DISCONNECTED
		check(await until(done), cls + " refused connection ends DISCONNECTED")
		p.close()
