## The new-user check: run by scripts/test.sh inside an empty Godot project into which the package
## zip was unzipped as the Asset Library would, after one import. Uses every RustNet class once,
## the way the README's quick start does, against loopback peers only.
##
## Prints one line per check, "NEWUSER PASS <name>" or "NEWUSER FAIL <name>: <why>", then
## "NEWUSER DONE". Every wait is bounded by frames and time. Needs RUSTNET_HTTP_PORT (a scenario
## server from tests/servers/http_scenarios.py).
extends SceneTree

const CLASSES := [
	"RustHTTPClient", "RustTCPServer", "RustStreamPeerTCP", "RustStreamPeerTLS",
	"RustWebSocketPeer", "RustWebSocketClient", "RustWebSocketMultiplayerPeer",
]

var _keep: Array = []


func _initialize() -> void:
	_run.call_deferred()


func report(name: String, ok: bool, why := "") -> void:
	if ok:
		print("NEWUSER PASS ", name)
	else:
		print("NEWUSER FAIL ", name, ": ", why)


## Calls `step` every frame until it returns true (bounded). Returns whether it did.
func until(step: Callable, max_msec := 10000) -> bool:
	var start := Time.get_ticks_msec()
	while Time.get_ticks_msec() - start < max_msec:
		if step.call():
			return true
		await process_frame
	return false


func _run() -> void:
	for c in CLASSES:
		report("class " + c, ClassDB.class_exists(c), "ClassDB has no " + c)
	await _http_get()
	await _websocket_echo()
	await _stream_peers()
	await _godot3_client()
	await _multiplayer()
	_keep.clear()
	print("NEWUSER DONE")
	quit()


## RustHTTPClient: GET a 5000-byte body from the loopback scenario server.
func _http_get() -> void:
	var port := int(OS.get_environment("RUSTNET_HTTP_PORT"))
	var http := RustHTTPClient.new()
	var err := http.connect_to_host("127.0.0.1", port)
	var connected := await until(func():
		http.poll()
		return http.get_status() not in [RustHTTPClient.STATUS_RESOLVING, RustHTTPClient.STATUS_CONNECTING])
	if err != OK or not connected or http.get_status() != RustHTTPClient.STATUS_CONNECTED:
		report("RustHTTPClient GET", false, "connect: err %d, status %d" % [err, http.get_status()])
		return
	http.request(RustHTTPClient.METHOD_GET, "/sized?n=5000", ["Accept: */*"])
	await until(func():
		http.poll()
		return http.get_status() != RustHTTPClient.STATUS_REQUESTING)
	var body := PackedByteArray()
	await until(func():
		http.poll()
		if http.get_status() != RustHTTPClient.STATUS_BODY:
			return true
		body.append_array(http.read_response_body_chunk())
		return false)
	report("RustHTTPClient GET", http.get_response_code() == 200 and body.size() == 5000,
		"code %d, %d body bytes" % [http.get_response_code(), body.size()])
	http.close()


## RustTCPServer + RustWebSocketPeer on both sides: a text and a binary message echoed back.
func _websocket_echo() -> void:
	var server := RustTCPServer.new()
	if server.listen(0, "127.0.0.1") != OK:
		report("RustWebSocketPeer echo", false, "RustTCPServer.listen failed")
		return
	var client := RustWebSocketPeer.new()
	client.connect_to_url("ws://127.0.0.1:%d" % server.get_local_port())
	var speer: Array = [null]
	var got: Array = []
	var sent := [false]
	var done := await until(func():
		client.poll()
		if speer[0] == null and server.is_connection_available():
			speer[0] = RustWebSocketPeer.new()
			speer[0].accept_stream(server.take_connection())
		if speer[0]:
			speer[0].poll()
			while speer[0].get_available_packet_count() > 0:
				var pkt: PackedByteArray = speer[0].get_packet()
				if speer[0].was_string_packet():
					speer[0].send_text(pkt.get_string_from_utf8())
				else:
					speer[0].put_packet(pkt)
		if client.get_ready_state() == RustWebSocketPeer.STATE_OPEN and not sent[0]:
			sent[0] = true
			client.send_text("hello")
			client.put_packet(PackedByteArray([1, 2, 3]))
		while client.get_available_packet_count() > 0:
			got.append([client.get_packet(), client.was_string_packet()])
		return got.size() >= 2)
	var ok: bool = done and got[0] == [("hello").to_utf8_buffer(), true] and got[1] == [PackedByteArray([1, 2, 3]), false]
	report("RustWebSocketPeer echo through RustTCPServer", ok, "got %s" % [got])
	client.close(1000, "bye")
	var closed := await until(func():
		client.poll()
		if speer[0]:
			speer[0].poll()
		return client.get_ready_state() == RustWebSocketPeer.STATE_CLOSED)
	report("RustWebSocketPeer close code", closed and client.get_close_code() == 1000,
		"state %d, code %d" % [client.get_ready_state(), client.get_close_code()])
	server.stop()


## RustStreamPeerTCP (raw bytes) and RustStreamPeerTLS (a self-signed certificate) over it.
func _stream_peers() -> void:
	var server := RustTCPServer.new()
	server.listen(0, "127.0.0.1")
	var port := server.get_local_port()
	var tcp := RustStreamPeerTCP.new()
	tcp.connect_to_host("127.0.0.1", port)
	var accepted: Array = [null]
	var connected := await until(func():
		tcp.poll()
		if accepted[0] == null and server.is_connection_available():
			accepted[0] = server.take_connection()
		return accepted[0] != null and tcp.get_status() == StreamPeerTCP.STATUS_CONNECTED)
	if not connected:
		report("RustStreamPeerTCP", false, "no connection, status %d" % tcp.get_status())
		server.stop()
		return
	tcp.put_u32(0xC0FFEE)
	var got := [0]
	await until(func():
		accepted[0].poll()
		if accepted[0].get_available_bytes() >= 4:
			got[0] = accepted[0].get_u32()
			return true
		return false)
	report("RustStreamPeerTCP put_u32/get_u32", got[0] == 0xC0FFEE, "got %x" % got[0])
	tcp.disconnect_from_host()

	# TLS over a second connection: server and client both RustStreamPeerTLS.
	var crypto := Crypto.new()
	var key := crypto.generate_rsa(2048)
	var cert := crypto.generate_self_signed_certificate(key, "CN=localhost")
	var raw := RustStreamPeerTCP.new()
	raw.connect_to_host("127.0.0.1", port)
	var srv_raw: Array = [null]
	await until(func():
		raw.poll()
		if srv_raw[0] == null and server.is_connection_available():
			srv_raw[0] = server.take_connection()
		return srv_raw[0] != null and raw.get_status() == StreamPeerTCP.STATUS_CONNECTED)
	var stls := RustStreamPeerTLS.new()
	var ctls := RustStreamPeerTLS.new()
	var e1 := stls.accept_stream(srv_raw[0], TLSOptions.server(key, cert))
	# A self-signed certificate without a subject alternative name: accept it unverified.
	var e2 := ctls.connect_to_stream(raw, "localhost", TLSOptions.client_unsafe())
	var line := [""]
	var shook := await until(func():
		stls.poll()
		ctls.poll()
		if ctls.get_status() == StreamPeerTLS.STATUS_CONNECTED and line[0] == "":
			line[0] = "sent"
			ctls.put_data("over tls".to_utf8_buffer())
		if stls.get_status() == StreamPeerTLS.STATUS_CONNECTED and stls.get_available_bytes() >= 8:
			line[0] = stls.get_utf8_string(8)
			return true
		return false)
	report("RustStreamPeerTLS handshake and data", e1 == OK and e2 == OK and shook and line[0] == "over tls",
		"errors %d/%d, statuses %d/%d, got '%s'" % [e1, e2, stls.get_status(), ctls.get_status(), line[0]])
	ctls.disconnect_from_stream()
	stls.disconnect_from_stream()
	server.stop()


## RustWebSocketClient (Godot 3's API): connection_established, then data_received for an echo.
func _godot3_client() -> void:
	var server := RustTCPServer.new()
	server.listen(0, "127.0.0.1")
	var client := RustWebSocketClient.new()
	var events: Array = []
	client.connection_established.connect(func(_p): events.append("established"))
	# This handler holds the client: disconnected at the end, or the two would keep each other.
	var on_data := func():
		events.append(client.get_peer(1).get_packet().get_string_from_utf8())
	client.data_received.connect(on_data)
	var err := client.connect_to_url("ws://127.0.0.1:%d" % server.get_local_port())
	var speer: Array = [null]
	var sent := [false]
	var done := await until(func():
		client.poll()
		if speer[0] == null and server.is_connection_available():
			speer[0] = RustWebSocketPeer.new()
			speer[0].accept_stream(server.take_connection())
		if speer[0]:
			speer[0].poll()
			while speer[0].get_available_packet_count() > 0:
				speer[0].send_text(speer[0].get_packet().get_string_from_utf8())
		if events.has("established") and not sent[0]:
			sent[0] = true
			client.get_peer(1).put_packet("godot 3".to_utf8_buffer())
		return events.has("godot 3"))
	report("RustWebSocketClient signals", err == OK and done, "err %d, events %s" % [err, events])
	client.disconnect_from_host()
	client.data_received.disconnect(on_data)
	server.stop()


## RustWebSocketMultiplayerPeer: a client joins a server; both see each other.
func _multiplayer() -> void:
	var sp := RustWebSocketMultiplayerPeer.new()
	var port := 0
	for i in 50:
		var p := 20000 + randi() % 30000
		if sp.create_server(p, "127.0.0.1") == OK:
			port = p
			break
	var cp := RustWebSocketMultiplayerPeer.new()
	var seen: Array = []
	sp.peer_connected.connect(func(id): seen.append(["server saw", id]))
	cp.peer_connected.connect(func(id): seen.append(["client saw", id]))
	var err := cp.create_client("ws://127.0.0.1:%d" % port)
	var done := await until(func():
		sp.poll()
		cp.poll()
		return seen.size() >= 2)
	report("RustWebSocketMultiplayerPeer connect", port != 0 and err == OK and done
		and cp.get_connection_status() == MultiplayerPeer.CONNECTION_CONNECTED,
		"port %d, err %d, seen %s" % [port, err, seen])
	cp.close()
	sp.close()
