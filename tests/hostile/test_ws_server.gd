## RustWebSocketPeer as a server (behind RustTCPServer) and RustWebSocketMultiplayerPeer,
## attacked by hostile clients (tests/servers/hostile.py /attack). docs/hostile.md lists them.
extends "../lib/hostile_suite.gd"

const CLOSED := WebSocketPeer.STATE_CLOSED


func _init() -> void:
	ws_side = "server"


func test_unmasked_client_frame() -> void:
	await closed_with("unmasked", 1002)


func test_handshake_endless_headers() -> void:
	await refused("hs_endless_headers")


func test_handshake_header_line_100mb() -> void:
	await refused("hs_100mb_line")


func test_handshake_missing_key() -> void:
	await refused("hs_missing_key")


func test_handshake_wrong_version() -> void:
	await refused("hs_bad_version")


func test_handshake_post() -> void:
	await refused("hs_post")


func test_handshake_random_bytes() -> void:
	await refused("hs_garbage")


func test_handshake_nul_in_header() -> void:
	await refused("hs_nul")


func test_handshake_slowloris_times_out() -> void:
	await refused("hs_slow", {"props": {"handshake_timeout": 0.5}})


func test_reserved_bit() -> void:
	await closed_with("rsv2", 1002)


func test_text_invalid_utf8() -> void:
	await closed_with("bad_utf8", 1007)


func test_close_code_1005_on_the_wire() -> void:
	await closed_with("bad_close_code", 1002)


func test_message_over_inbound_buffer_size() -> void:
	await closed_with("oversized", 1009)


func test_oversized_ping() -> void:
	await closed_with("ping_126", 1002)


func test_compressed_bomb_1gib() -> void:
	await closed_with("bomb", 1009, [], {"props": {"compression_enabled": true}})


func test_ping_flood_client_never_reads_pongs() -> void:
	var r := await ws_server("ping_flood")
	eq(r.state, CLOSED, "ends CLOSED")
	check(r.code != 1000, "not a clean close (code %d)" % r.code)
	finish()


func test_pong_flood() -> void:
	var r := await ws_server("pong_flood", {"seconds": 6.0})
	check(r.packets.has("done"), "the message after the flood arrived (%s)" % [r.packets])
	finish()


func test_client_never_reads_outbound_bounded() -> void:
	var state := {"errs": [], "max_buffered": 0, "sent": 0}
	var payload := PackedByteArray()
	payload.resize(60000)
	# Each frame (poll first) the server sends one more 60 kB message until one is refused.
	var server = track(RustTCPServer.new())
	eq(server.listen(0, HOST), OK, "listen")
	var ws = new_ws()
	await launch_attack("never_reads", server.get_local_port(), "&secs=6")
	var deadline := Time.get_ticks_msec() + 8000
	var accepted := false
	while Time.get_ticks_msec() < deadline:
		if not accepted:
			if tcall(server, &"is_connection_available"):
				accepted = tcall(ws, &"accept_stream", [tcall(server, &"take_connection")]) == OK
			await frame()
			continue
		tcall(ws, &"poll")
		var s: int = tcall(ws, &"get_ready_state")
		if s == WebSocketPeer.STATE_OPEN:
			var err: int = tcall(ws, &"send", [payload])
			state.max_buffered = maxi(state.max_buffered, tcall(ws, &"get_current_outbound_buffered_amount"))
			if err != OK:
				state.errs.append(err)
				break
			state.sent += 1
		elif s == CLOSED:
			break
		await frame()
	eq(state.errs, [ERR_OUT_OF_MEMORY], "a send fails once the buffer is full (after %d sends)" % state.sent)
	check(state.max_buffered <= 65535, "queued bytes stay within outbound_buffer_size (%d)" % state.max_buffered)
	eq(tcall(ws, &"get_ready_state"), WebSocketPeer.STATE_OPEN, "the connection stays OPEN")
	finish()


func test_rst_mid_frame() -> void:
	var r := await ws_server("rst_mid_frame")
	eq(r.state, CLOSED, "final state")
	eq(r.code, -1, "close code")
	check(r.packets == [] or r.packets == ["complete"], "no partial message (%s)" % [r.packets])
	finish()


func test_truncated_frame_then_close() -> void:
	await closed_with("truncated_frame", -1, ["complete"])


# --- RustWebSocketMultiplayerPeer ----------------------------------------------------------

func _mp_server(attack: String, query := "") -> Dictionary:
	var mp = track(ClassDB.instantiate("RustWebSocketMultiplayerPeer"))
	mp.handshake_timeout = 0.5
	var tcp_probe := TCPServer.new()
	tcp_probe.listen(0, HOST)
	var p := tcp_probe.get_local_port()
	tcp_probe.stop()
	eq(tcall(mp, &"create_server", [p, HOST]), OK, "create_server")
	var r := {"connected": [], "disconnected": [], "packets": 0}
	var on_connected := func(id): r.connected.append(id)
	var on_disconnected := func(id): r.disconnected.append(id)
	mp.peer_connected.connect(on_connected)
	mp.peer_disconnected.connect(on_disconnected)
	await launch_attack(attack, p, query)
	var deadline := Time.get_ticks_msec() + 2500
	while Time.get_ticks_msec() < deadline:
		tcall(mp, &"poll")
		while tcall(mp, &"get_available_packet_count") > 0:
			tcall(mp, &"get_packet")
			r.packets += 1
		await frame()
	r.status = tcall(mp, &"get_connection_status")
	mp.peer_connected.disconnect(on_connected)
	mp.peer_disconnected.disconnect(on_disconnected)
	return r


func test_multiplayer_handshake_garbage() -> void:
	var r := await _mp_server("hs_garbage")
	eq(r.connected, [], "no peer from garbage")
	eq(r.status, MultiplayerPeer.CONNECTION_CONNECTED, "the server keeps running")
	finish()


func test_multiplayer_oversized_message() -> void:
	var r := await _mp_server("mp_oversized")
	check(r.connected.size() == r.disconnected.size(), "a peer that sent a 200 kB message is dropped (%s / %s)" % [r.connected, r.disconnected])
	eq(r.status, MultiplayerPeer.CONNECTION_CONNECTED, "the server keeps running")
	finish()


func test_multiplayer_packet_that_is_not_scene_multiplayer() -> void:
	# This layer has no header (godot-behavior.md §4.2): a 1-byte message is delivered as it
	# is, for SceneMultiplayer to judge; the server and the peer keep running.
	var r := await _mp_server("mp_garbage_packet")
	eq(r.status, MultiplayerPeer.CONNECTION_CONNECTED, "the server keeps running")
	eq(r.packets, 1, "packets delivered")
	eq(r.connected.size(), 1, "the peer connected")
	finish()
