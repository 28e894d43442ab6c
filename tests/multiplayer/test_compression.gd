## compression_enabled on RustWebSocketMultiplayerPeer and RustWebSocketClient: permessage-deflate
## is agreed per connection, so compressed sessions work ours <-> ours and Godot's own
## WebSocketMultiplayerPeer (no compression) still joins, uncompressed.
extends "mp.gd"


## A large, very compressible RPC argument (bigger than most frames, to make deflate matter).
func _state_text() -> String:
	var parts: PackedStringArray = []
	for i in 200:
		parts.append('{"id":%d,"name":"player_%d","pos":[%d,%d],"hp":100,"team":"blue"}' % [i, i, i * 3, i * 7])
	return "[" + ",".join(parts) + "]"


## Server and client of the given classes, compression set as given on each side (on the
## classes that have it); checks the agreement on both ends and RPCs both ways.
func _session(server_class, server_compress: bool, client_class, client_compress: bool, want_agreed: bool) -> void:
	var sp = server_class.new()
	if server_compress:
		sp.compression_enabled = true
	var port := listen(sp)
	if port == 0:
		return
	var server := endpoint("Server", sp)
	var cp = client_class.new()
	if client_compress:
		cp.compression_enabled = true
	if cp is RustWebSocketClient:
		eq(cp.connect_to_url("ws://127.0.0.1:%d" % port, PackedStringArray(), true), OK, "connect_to_url")
	else:
		eq(cp.create_client("ws://127.0.0.1:%d" % port), OK, "create_client")
	var client := endpoint("Client", cp)
	var ok := await until(func(): return cp.get_connection_status() == MultiplayerPeer.CONNECTION_CONNECTED \
			and server.events.size() >= 1 and client.events.size() >= 1)
	var what := "%s(compress %s) <- %s(compress %s)" % [sp.get_class(), server_compress, cp.get_class(), client_compress]
	if not check(ok, "connected: " + what):
		return
	var cid: int = cp.get_unique_id()
	# Our ends report what the handshake agreed.
	if sp is RustWebSocketMultiplayerPeer:
		eq(sp.get_peer(cid).is_compression_agreed(), want_agreed, "server side agreed: " + what)
	if cp is RustWebSocketMultiplayerPeer or cp is RustWebSocketClient:
		eq(cp.get_peer(1).is_compression_agreed(), want_agreed, "client side agreed: " + what)
	var text := _state_text()
	server.game.hello.rpc_id(cid, text, 1)
	client.game.hello.rpc_id(1, text, 2)
	ok = await until(func(): return client.game.got.size() > 0 and server.game.got.size() > 0)
	check(ok, "RPCs both ways: " + what)
	eq(client.game.got, [[1, text, 1]], "server -> client intact: " + what)
	eq(server.game.got, [[cid, text, 2]], "client -> server intact: " + what)
	teardown()


func test_ours_compressed_both_ends() -> void:
	await _session(RustWebSocketMultiplayerPeer, true, RustWebSocketMultiplayerPeer, true, true)


func test_one_end_only_is_uncompressed() -> void:
	await _session(RustWebSocketMultiplayerPeer, true, RustWebSocketMultiplayerPeer, false, false)
	await _session(RustWebSocketMultiplayerPeer, false, RustWebSocketMultiplayerPeer, true, false)


func test_builtin_client_joins_compressing_server() -> void:
	await _session(RustWebSocketMultiplayerPeer, true, WebSocketMultiplayerPeer, false, false)


func test_compressing_client_joins_builtin_server() -> void:
	await _session(WebSocketMultiplayerPeer, false, RustWebSocketMultiplayerPeer, true, false)


func test_godot3_client_compressed() -> void:
	await _session(RustWebSocketMultiplayerPeer, true, RustWebSocketClient, true, true)
	await _session(WebSocketMultiplayerPeer, false, RustWebSocketClient, true, false)


func test_property() -> void:
	var p := RustWebSocketMultiplayerPeer.new()
	eq(p.compression_enabled, false, "default off")
	p.compression_enabled = true
	eq(p.is_compression_enabled(), true, "set")
	eq(RustWebSocketClient.new().compression_enabled, false, "RustWebSocketClient default off")
