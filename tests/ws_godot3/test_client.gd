## RustWebSocketClient: Godot 3's WebSocketClient signal sequence, against a loopback
## RustTCPServer + RustWebSocketPeer server run by the test. Each case records the signals in
## the order poll() emitted them and compares the whole sequence.
extends "../lib/suite.gd"

var _server: RustTCPServer
var _speer: RustWebSocketPeer
var _client: RustWebSocketClient
var _events: Array = []


func setup() -> void:
	_events = []
	_speer = null
	_client = RustWebSocketClient.new()
	_client.connection_established.connect(func(p): _events.append(["connection_established", p]))
	_client.connection_error.connect(func(): _events.append(["connection_error"]))
	_client.connection_closed.connect(func(clean): _events.append(["connection_closed", clean]))
	_client.server_close_request.connect(func(c, r): _events.append(["server_close_request", c, r]))
	_client.data_received.connect(_on_data)


func teardown() -> void:
	if _server:
		_server.stop()
	_server = null
	if _speer:
		_speer.close(-1)
	_speer = null
	# The client's signal handlers hold this suite: drop the client to break the cycle.
	_client = null


## data_received: the message is readable on get_peer(1) when the signal fires.
func _on_data() -> void:
	var peer: RustWebSocketPeer = _client.get_peer(1)
	_events.append(["data_received", peer.get_packet().get_string_from_utf8()])


func _listen() -> int:
	_server = RustTCPServer.new()
	_server.listen(0, "127.0.0.1")
	return _server.get_local_port()


## Polls client and server until `done` holds (bounded).
func _run(done: Callable, max_frames := 3000) -> bool:
	for i in max_frames:
		_client.poll()
		if _speer == null and _server and _server.is_connection_available():
			_speer = RustWebSocketPeer.new()
			_speer.supported_protocols = PackedStringArray(["chat"])
			_speer.accept_stream(_server.take_connection())
		if _speer:
			_speer.poll()
		if done.call():
			return true
		await frame()
	return false


func _open(protocols := PackedStringArray(["chat"])) -> bool:
	var port := _listen()
	eq(_client.connect_to_url("ws://127.0.0.1:%d/g3" % port, protocols), OK, "connect_to_url")
	eq(_client.get_connection_status(), 1, "CONNECTING after connect_to_url")
	return await _run(func(): return _events.size() > 0 and _speer != null and _speer.get_ready_state() == WebSocketPeer.STATE_OPEN)


func test_normal_session() -> void:
	if not check(await _open(), "connection established"):
		return
	eq(_client.get_connection_status(), 2, "CONNECTED")
	eq(_client.get_connected_host(), "127.0.0.1", "get_connected_host")
	eq(_client.get_connected_port(), _server.get_local_port(), "get_connected_port")
	_client.get_peer(1).send_text("ping")
	await _run(func(): return _speer.get_available_packet_count() > 0)
	var got := _speer.get_packet().get_string_from_utf8()
	_speer.send_text(got + " 1")
	_speer.send_text(got + " 2")
	await _run(func(): return _events.size() >= 3)
	_client.disconnect_from_host(4000, "bye")
	await _run(func(): return _events.size() >= 4)
	eq(_events, [
		["connection_established", "chat"],
		["data_received", "ping 1"],
		["data_received", "ping 2"],
		["connection_closed", true],
	], "Godot 3 signal sequence")
	eq([_speer.get_close_code(), _speer.get_close_reason()], [4000, "bye"], "the server got our close")
	eq(_client.get_connection_status(), 0, "DISCONNECTED at the end")


func test_refused_connection() -> void:
	var port := _listen()
	_server.stop()
	_server = null
	eq(_client.connect_to_url("ws://127.0.0.1:%d/" % port), OK, "connect_to_url")
	await _run(func(): return _events.size() > 0)
	eq(_events, [["connection_error"]], "only connection_error")
	eq(_client.get_connection_status(), 0, "DISCONNECTED")


func test_server_initiated_close() -> void:
	if not check(await _open(), "connection established"):
		return
	_speer.send_text("last")
	_speer.close(4001, "server bye")
	await _run(func(): return _events.size() >= 4)
	eq(_events, [
		["connection_established", "chat"],
		["data_received", "last"],
		["server_close_request", 4001, "server bye"],
		["connection_closed", true],
	], "Godot 3 signal sequence")


func test_dropped_connection() -> void:
	if not check(await _open(), "connection established"):
		return
	_speer.close(-1)
	await _run(func(): return _events.size() >= 2)
	eq(_events, [["connection_established", "chat"], ["connection_closed", false]], "an unclean close")


func test_api_details() -> void:
	eq(_client.verify_ssl_enabled, true, "verify_ssl_enabled default")
	eq(_client.trusted_ssl_certificate, null, "trusted_ssl_certificate default")
	eq(_client.get_connection_status(), 0, "fresh client DISCONNECTED")
	eq(_client.get_peer(1) is RustWebSocketPeer, true, "get_peer(1) is the WebSocket peer")
	check(_client is MultiplayerPeer, "a MultiplayerPeer, as Godot 3's WebSocketClient")
	eq(_client.compression_enabled, false, "compression_enabled default")
	eq(_client.connect_to_url(""), ERR_INVALID_PARAMETER, "empty URL")
	var sigs := ClassDB.class_get_signal_list("RustWebSocketClient", true).map(func(s): return [s.name, s.args.map(func(a): return a.name)])
	sigs.sort()
	eq(sigs, [
		["connection_closed", ["was_clean_close"]],
		["connection_error", []],
		["connection_established", ["protocol"]],
		["connection_failed", []],
		["connection_succeeded", []],
		["data_received", []],
		["server_close_request", ["code", "reason"]],
	], "Godot 3's signals")
