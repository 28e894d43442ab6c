## The wire format and the client's id handshake, against plain WebSocket peers.
extends "mp.gd"


## A plain RustWebSocketPeer client gets exactly one 4-byte little-endian id message first.
func test_server_sends_id_first() -> void:
	var sp := RustWebSocketMultiplayerPeer.new()
	var port := listen(sp)
	var server := endpoint("Server", sp)
	var ws := RustWebSocketPeer.new()
	_raw.append(ws)
	ws.connect_to_url("ws://127.0.0.1:%d" % port)
	var got_message := func():
		ws.poll()
		return ws.get_available_packet_count() > 0
	var ok := await until(got_message)
	if not check(ok, "the id message arrived"):
		return
	var msg := ws.get_packet()
	eq(ws.was_string_packet(), false, "binary message")
	eq(msg.size(), 4, "4 bytes")
	var id := msg.decode_s32(0)
	check(id >= 2, "id >= 2: %d" % id)
	eq(server.events, [["connected", id]], "server: peer_connected(id)")
	eq(sp.get_peer(id).get_ready_state(), RustWebSocketPeer.STATE_OPEN, "get_peer(id) is open")
	# Nothing else follows on its own.
	for i in 20:
		ws.poll()
		await frame()
	eq(ws.get_available_packet_count(), 0, "only the id message")
	ws.close()
	var server_saw_close := func():
		ws.poll()
		return server.events.size() >= 2
	check(await until(server_saw_close), "server saw the close")
	eq(server.events.back(), ["disconnected", id], "peer_disconnected(id)")


## The server's first message decides the client's id: only exactly 4 bytes with a value >= 2.
func test_client_checks_id_message() -> void:
	var cases := [
		[PackedByteArray([1, 2, 3]), 0],
		[PackedByteArray([1, 0, 0, 0]), 0],
		[PackedByteArray([0x40, 0xe2, 0x01, 0x00]), 123456],
		[PackedByteArray([1, 2, 3, 4, 5]), 0],
	]
	for c in cases:
		var raw := raw_server()
		var cp := RustWebSocketMultiplayerPeer.new()
		var events: Array = []
		cp.peer_connected.connect(func(id): events.append(id))
		eq(cp.create_client("ws://127.0.0.1:%d" % raw.port), OK, "create_client")
		var sent := [false]
		var payload: PackedByteArray = c[0]
		var decided := func():
			cp.poll()
			poll_raw(raw)
			if raw.ws and not sent[0] and raw.ws.get_ready_state() == RustWebSocketPeer.STATE_OPEN:
				sent[0] = true
				raw.ws.put_packet(payload)
			return cp.get_connection_status() != MultiplayerPeer.CONNECTION_CONNECTING
		var ok := await until(decided)
		check(ok, "client decided for %s" % [c[0]])
		var want_id: int = c[1]
		if want_id == 0:
			eq(cp.get_connection_status(), MultiplayerPeer.CONNECTION_DISCONNECTED, "refused %s" % [c[0]])
			eq(events, [], "no peer_connected for %s" % [c[0]])
		else:
			eq(cp.get_connection_status(), MultiplayerPeer.CONNECTION_CONNECTED, "accepted %s" % [c[0]])
			eq(cp.get_unique_id(), want_id, "unique id")
			eq(events, [1], "peer_connected(1)")
			# After the id, messages are packets from peer 1; text frames count too.
			raw.ws.put_packet(PackedByteArray([9, 8]))
			raw.ws.send_text("hi")
			var two_packets := func():
				cp.poll()
				return cp.get_available_packet_count() >= 2
			await until(two_packets)
			eq(cp.get_packet_peer(), 1, "packet from 1")
			eq(cp.get_packet(), PackedByteArray([9, 8]), "binary packet")
			eq(cp.get_packet(), "hi".to_utf8_buffer(), "text packet as bytes")
			# And the client's packets are binary messages, unchanged.
			eq(cp.put_packet(PackedByteArray([7, 7, 7])), OK, "put_packet")
			var raw_got := func():
				cp.poll()
				raw.ws.poll()
				return raw.ws.get_available_packet_count() > 0
			await until(raw_got)
			eq(raw.ws.get_packet(), PackedByteArray([7, 7, 7]), "raw server got the packet")
			eq(raw.ws.was_string_packet(), false, "as a binary message")
		cp.close()
		raw.server.stop()
		if raw.ws:
			raw.ws.close(-1)


## Godot bug fixed: the client's handshake_timeout also covers the wait for the id.
func test_client_id_timeout() -> void:
	var raw := raw_server()
	var cp := RustWebSocketMultiplayerPeer.new()
	cp.handshake_timeout = 0.5
	var start := Time.get_ticks_msec()
	cp.create_client("ws://127.0.0.1:%d" % raw.port)
	var gave_up := func():
		cp.poll()
		poll_raw(raw)
		return cp.get_connection_status() == MultiplayerPeer.CONNECTION_DISCONNECTED
	var ok := await until(gave_up, 100000, 4000)
	var took := Time.get_ticks_msec() - start
	check(ok, "our client gave up")
	check(raw.ws != null and raw.ws.get_ready_state() != RustWebSocketPeer.STATE_CONNECTING, "the WebSocket had opened")
	check(took >= 450 and took < 2500, "after about handshake_timeout: %d ms" % took)
	cp.close()


## The built-in waits for the id past its handshake_timeout (briefly checked: 1 s vs 0.3 s).
func test_builtin_ignores_id_timeout() -> void:
	var raw := raw_server()
	var cp := WebSocketMultiplayerPeer.new()
	cp.handshake_timeout = 0.3
	cp.create_client("ws://127.0.0.1:%d" % raw.port)
	var start := Time.get_ticks_msec()
	var one_second := func():
		cp.poll()
		poll_raw(raw)
		return Time.get_ticks_msec() - start > 1000
	await until(one_second, 100000, 3000)
	check(raw.ws != null and raw.ws.get_ready_state() == RustWebSocketPeer.STATE_OPEN, "the WebSocket is open")
	eq(cp.get_connection_status(), MultiplayerPeer.CONNECTION_CONNECTING, "built-in still CONNECTING after 1 s")
	cp.close()


## refuse_new_connections: no new peer gets through (ours and the built-in alike); turning it
## off lets the next client in. (The refused client's request waited in the listen backlog;
## once accepted, our server may complete its handshake before it sees that client gone, so a
## peer_connected / peer_disconnected pair for it may come first: only the new client is checked.)
func test_refuse_new_connections() -> void:
	for server_class in [WebSocketMultiplayerPeer, RustWebSocketMultiplayerPeer]:
		var sp = server_class.new()
		var port := listen(sp)
		var cls: String = sp.get_class()
		var events: Array = []
		sp.peer_connected.connect(func(id): events.append(id))
		sp.refuse_new_connections = true
		eq(sp.refuse_new_connections, true, cls + " refuse_new_connections set")
		var cp := RustWebSocketMultiplayerPeer.new()
		cp.handshake_timeout = 0.5
		cp.create_client("ws://127.0.0.1:%d" % port)
		var refused := func():
			sp.poll()
			cp.poll()
			return cp.get_connection_status() == MultiplayerPeer.CONNECTION_DISCONNECTED
		check(await until(refused, 100000, 4000), cls + ": refused client gave up")
		eq(events, [], cls + ": no peer_connected while refusing")
		sp.refuse_new_connections = false
		var cp2 := RustWebSocketMultiplayerPeer.new()
		cp2.create_client("ws://127.0.0.1:%d" % port)
		var admitted := func():
			sp.poll()
			cp2.poll()
			return cp2.get_connection_status() == MultiplayerPeer.CONNECTION_CONNECTED and events.has(cp2.get_unique_id())
		check(await until(admitted), cls + ": client admitted after refuse_new_connections = false")
		# The client that gave up while refused must not turn up later as a peer: poll on
		# until the server has seen the admitted client's first packet (a round trip after
		# any stale connection was accepted) and check it was the only peer_connected.
		cp2.put_packet(PackedByteArray([7]))
		var got_packet := func():
			sp.poll()
			cp2.poll()
			return sp.get_available_packet_count() > 0
		check(await until(got_packet), cls + ": packet from the admitted client")
		for i in 30:
			sp.poll()
			await frame()
		eq(events, [cp2.get_unique_id()], cls + ": only the admitted client connected (no ghost of the refused one)")
		cp.close()
		cp2.close()
		sp.close()


## The server drops a connection that does not finish the WebSocket handshake in
## handshake_timeout (ours and the built-in alike).
func test_server_handshake_timeout() -> void:
	for server_class in [WebSocketMultiplayerPeer, RustWebSocketMultiplayerPeer]:
		var sp = server_class.new()
		sp.handshake_timeout = 0.5
		var port := listen(sp)
		var cls: String = sp.get_class()
		var tcp := StreamPeerTCP.new()
		tcp.connect_to_host("127.0.0.1", port)
		var start := Time.get_ticks_msec()
		var dropped := func():
			sp.poll()
			tcp.poll()
			if tcp.get_status() == StreamPeerTCP.STATUS_CONNECTED:
				tcp.get_partial_data(1)  # notices the close
			return Time.get_ticks_msec() - start > 200 and tcp.get_status() != StreamPeerTCP.STATUS_CONNECTED
		check(await until(dropped, 100000, 4000), cls + ": silent connection dropped")
		var took := Time.get_ticks_msec() - start
		check(took >= 400 and took < 3000, cls + ": after about handshake_timeout: %d ms" % took)
		tcp.disconnect_from_host()
		sp.close()


## The largest packet: outbound_buffer_size bytes go through (ours and the built-in alike, each
## pairing), one more is ERR_OUT_OF_MEMORY. (MultiplayerPeer.get_max_packet_size() is not
## exposed to scripts; both classes compute outbound_buffer_size - 9 for it internally.)
func test_largest_packet() -> void:
	var classes := [WebSocketMultiplayerPeer, RustWebSocketMultiplayerPeer]
	for server_class in classes:
		for client_class in classes:
			var sp = server_class.new()
			var port := listen(sp)
			var cp = client_class.new()
			cp.create_client("ws://127.0.0.1:%d" % port)
			var what := "%s <- %s" % [sp.get_class(), cp.get_class()]
			var up := func():
				sp.poll()
				cp.poll()
				return cp.get_connection_status() == MultiplayerPeer.CONNECTION_CONNECTED
			if not check(await until(up), what + ": connected"):
				sp.close()
				continue
			var big := PackedByteArray()
			big.resize(65536)
			eq(cp.put_packet(big), ERR_OUT_OF_MEMORY, what + ": 65536 bytes refused")
			big.resize(65535)
			big[65534] = 7
			eq(cp.put_packet(big), OK, what + ": 65535 bytes accepted")
			var got := func():
				sp.poll()
				cp.poll()
				return sp.get_available_packet_count() > 0
			if check(await until(got), what + ": the packet arrived"):
				eq(sp.get_packet(), big, what + ": intact")
			cp.close()
			sp.close()
