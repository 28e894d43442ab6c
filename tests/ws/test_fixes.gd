## Godot WebSocketPeer bugs that RustWebSocketPeer deliberately fixes (godot-behavior.md §6).
## Each case asserts each class's own behaviour: the built-in's measured bug, our fix.
## Cases for our class run only once it is registered (ws_suite.pairings() enforces that it is
## once the Rust sources define it).
extends "../lib/ws_suite.gd"

const UPGRADE := "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: %s\r\n\r\n"


## [client ws, raw server-side connection] with the client OPEN.
func _raw_server_pair(rust: bool) -> Array:
	var s := raw_server()
	var ws = new_ws(rust)
	ws.connect_to_url("ws://127.0.0.1:%d/" % s.get_local_port())
	var conn := await raw_accept(s, ws)
	if conn == null:
		return [ws, null]
	var head := await raw_read_head(conn, ws)
	conn.put_data((UPGRADE % accept_key(head_headers(head).get("sec-websocket-key", ""))).to_utf8_buffer())
	await poll_until([ws], func(): return ws.get_ready_state() != CONNECTING)
	return [ws, conn]


## [server-side ws, raw client connection] with the server peer OPEN.
func _raw_client_pair(server_tcp_rust: bool, ws_rust: bool) -> Array:
	var server = new_server(server_tcp_rust)
	server.listen(0, HOST)
	var ws = new_ws(ws_rust)
	var conn := StreamPeerTCP.new()
	_objs.append(conn)
	conn.connect_to_host(HOST, server.get_local_port())
	for i in 1000:
		conn.poll()
		if server.is_connection_available():
			ws.accept_stream(server.take_connection())
			break
		await frame()
	conn.put_data(("GET / HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
		+ "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n").to_utf8_buffer())
	await poll_until([ws], func(): return ws.get_ready_state() != CONNECTING)
	await raw_read_head(conn, ws)
	return [ws, conn]


static func _trailing_frames(masked: bool) -> PackedByteArray:
	var b := frame_bytes(1, "last1".to_utf8_buffer(), masked)
	b.append_array(frame_bytes(2, PackedByteArray([9, 8]), masked))
	b.append_array(frame_bytes(8, close_payload(1001, "going"), masked))
	return b


## (a) godotengine/godot#107442: messages processed in the same poll() as a close frame. The
## built-in stops counting them once past OPEN and clears them on CLOSED, so they are lost;
## ours keeps them readable in CLOSING and CLOSED.
func _check_trailing(ws, rust: bool, label: String) -> void:
	var seq := [ws.get_ready_state()]
	await poll_until([ws], func(): return ws.get_ready_state() == CLOSED, 1000, [seq])
	eq(close_info(ws), [CLOSED, 1001, "going"], label + ": close code and reason")
	if rust:
		eq(ws.get_available_packet_count(), 2, label + ": ours counts the trailing messages in CLOSED")
		var a: PackedByteArray = ws.get_packet()
		eq([a.get_string_from_utf8(), ws.was_string_packet(), ws.get_packet_error()], ["last1", true, OK], label + ": first trailing message")
		var b: PackedByteArray = ws.get_packet()
		eq([b, ws.was_string_packet(), ws.get_packet_error()], [PackedByteArray([9, 8]), false, OK], label + ": second trailing message")
		eq(ws.get_available_packet_count(), 0, label + ": then nothing")
		ws.get_packet()
		eq(ws.get_packet_error(), FAILED, label + ": get_packet on an empty queue when not OPEN")
	else:
		# The measured bug: nothing is delivered.
		eq(ws.get_available_packet_count(), 0, label + ": built-in shows no packets past OPEN")
		var pkt: PackedByteArray = ws.get_packet()
		eq([pkt, ws.get_packet_error()], [PackedByteArray(), FAILED], label + ": built-in get_packet in CLOSED")


func test_messages_with_close_in_one_write_client_side() -> void:
	for rust in [false] + ([true] if have_ours() else []):
		var pr := await _raw_server_pair(rust)
		var ws = pr[0]
		if not check(pr[1] != null and ws.get_ready_state() == OPEN, "%s client: OPEN" % rust):
			continue
		pr[1].put_data(_trailing_frames(false))
		await _check_trailing(ws, rust, "%s client" % ("Rust" if rust else "built-in"))
		teardown()
	pairings()


func test_messages_with_close_in_one_write_server_side() -> void:
	var sides := [[false, false]]
	if have_ours():
		sides += [[true, true], [false, true]]
	for side in sides:
		var pr := await _raw_client_pair(side[0], side[1])
		var ws = pr[0]
		var label := pname(side + [false]).get_slice(" /", 0)
		if not check(ws.get_ready_state() == OPEN, label + ": OPEN"):
			continue
		pr[1].put_data(_trailing_frames(true))
		await _check_trailing(ws, side[1], label)
		teardown()
	pairings()


## (a, continued) A message that arrives while we are CLOSING (we sent a close, the peer had a
## message in flight): ours counts and returns it in CLOSING; the built-in counts 0 there.
func test_message_received_while_closing() -> void:
	for rust in [false] + ([true] if have_ours() else []):
		var label := "Rust" if rust else "built-in"
		var pr := await _raw_server_pair(rust)
		var ws = pr[0]
		var conn: StreamPeerTCP = pr[1]
		if not check(conn != null and ws.get_ready_state() == OPEN, label + " client OPEN"):
			continue
		ws.close(4000, "bye")
		var bytes := frame_bytes(1, "in flight".to_utf8_buffer())
		conn.put_data(bytes)
		await poll_until([ws], func(): return ws.get_available_packet_count() > 0, 100 if not rust else 1000)
		eq(ws.get_ready_state(), CLOSING, label + ": still CLOSING (the peer has not answered the close)")
		if rust:
			eq(ws.get_available_packet_count(), 1, "Rust: the message is counted in CLOSING")
			var pkt: PackedByteArray = ws.get_packet()
			eq([pkt.get_string_from_utf8(), ws.was_string_packet(), ws.get_packet_error()], ["in flight", true, OK], "Rust: get_packet in CLOSING")
		else:
			eq(ws.get_available_packet_count(), 0, "built-in: nothing counted in CLOSING")
		# The peer answers the close: CLOSED with the echoed code.
		conn.put_data(frame_bytes(8, close_payload(4000, "bye")))
		await poll_until([ws], func(): return ws.get_ready_state() == CLOSED, 1000)
		eq(close_info(ws), [CLOSED, 4000, "bye"], label + ": closed by the echo")
		teardown()
	pairings()


## (b) A reason over 123 bytes: wslay refuses the frame, the built-in still goes CLOSING and
## never sends anything (stuck until the peer drops the socket). Ours truncates the reason at a
## UTF-8 character boundary (at most 123 bytes) and closes normally.
func test_long_close_reason() -> void:
	var long_reason := "é".repeat(70)  # 140 bytes
	var want := "é".repeat(61)  # 122 bytes: the 62nd é would straddle byte 123
	# Built-in: stays CLOSING, the peer hears nothing.
	var r := await open_pair(BUILTIN)
	r.cws.close(4000, long_reason)
	eq(r.cws.get_ready_state(), CLOSING, "built-in: CLOSING after close() with a long reason")
	var start := Time.get_ticks_msec()
	await poll_until([r.cws, r.sws], func(): return Time.get_ticks_msec() - start > 300 or r.sws.get_ready_state() != OPEN)
	eq([close_info(r.cws), close_info(r.sws)], [[CLOSING, -1, ""], [OPEN, -1, ""]], "built-in: nothing sent, still CLOSING")
	teardown()
	for p in pairings():
		if p == BUILTIN:
			continue
		for who in ["client", "server"]:
			if not (p[2] if who == "client" else p[1]):
				continue  # the initiator is the built-in
			for reason in [long_reason, "x".repeat(200), "ab" + "€".repeat(50)]:
				r = await open_pair(p)
				var a = r.cws if who == "client" else r.sws
				var b = r.sws if who == "client" else r.cws
				a.close(4000, reason)
				await poll_closed([a, b], 1000)
				var label := "%s: %s closes with a %d-byte reason" % [pname(p), who, reason.to_utf8_buffer().size()]
				# "€" is 3 bytes: "ab" + 40 × "€" = 122 bytes.
				var expect: String = want if reason == long_reason else ("x".repeat(123) if reason.begins_with("x") else "ab" + "€".repeat(40))
				eq(close_info(b), [CLOSED, 4000, expect], label + ": receiver")
				eq(close_info(a), [CLOSED, 4000, expect], label + ": initiator (echo)")
				teardown()


## (c) Close codes that must not be sent on the wire (RFC 6455 §7.4: only 1000-1003, 1007-1011,
## 3000-4999). The built-in sends them as given; ours sends a close frame with no payload, which
## the peer reports as 0.
const BAD_CODES := [999, 1004, 1005, 1006, 1012, 1015, 2999, 5000, 65535]


func test_invalid_close_codes_on_the_wire() -> void:
	for rust in [false] + ([true] if have_ours() else []):
		var who := "Rust" if rust else "built-in"
		for code in BAD_CODES:
			var pr := await _raw_server_pair(rust)
			var ws = pr[0]
			var conn: StreamPeerTCP = pr[1]
			if not check(conn != null and ws.get_ready_state() == OPEN, "%s client OPEN" % who):
				continue
			ws.close(code, "why")
			var got := PackedByteArray()
			for i in 500:
				ws.poll()
				conn.poll()
				if conn.get_available_bytes() > 0:
					got.append_array(conn.get_partial_data(conn.get_available_bytes())[1])
				if got.size() >= 6 and got.size() >= 6 + (got[1] & 0x7f):
					break
				await frame()
			if not check(got.size() >= 6, "%s: close(%d) sent no frame" % [who, code]):
				teardown()
				continue
			var n: int = got[1] & 0x7f
			var payload := PackedByteArray()
			for i in n:
				payload.append(got[6 + i] ^ got[2 + (i % 4)])
			eq(got[0], 0x88, "%s: close(%d) frame opcode" % [who, code])
			if rust:
				eq(payload, PackedByteArray(), "Rust: close(%d) sends no payload" % code)
			else:
				eq(payload, close_payload(code, "why"), "built-in: close(%d) sent as given" % code)
			teardown()
	pairings()


func test_invalid_close_codes_peer_reports_zero() -> void:
	for p in pairings():
		if p == BUILTIN:
			continue
		for who in ["client", "server"]:
			if not (p[2] if who == "client" else p[1]):
				continue
			for code in [999, 1005, 5000]:
				var r := await open_pair(p)
				var a = r.cws if who == "client" else r.sws
				var b = r.sws if who == "client" else r.cws
				a.close(code, "why")
				eq(a.get_ready_state(), CLOSING, "%s: %s close(%d): CLOSING" % [pname(p), who, code])
				await poll_closed([a, b], 1000)
				eq(close_info(b), [CLOSED, 0, ""], "%s: %s close(%d): receiver" % [pname(p), who, code])
				eq(close_info(a), [CLOSED, 0, ""], "%s: %s close(%d): initiator (empty echo)" % [pname(p), who, code])
				teardown()
	# The built-in pairing, for the record: the invalid code is sent and rejected by the peer.
	var r := await open_pair(BUILTIN)
	r.cws.close(5000, "why")
	await poll_closed([r.cws, r.sws], 1000)
	check(r.sws.get_close_code() != 0, "built-in receiver of close(5000) does not report 0 (got %d)" % r.sws.get_close_code())


## (d) A server-side peer whose client never sends a handshake: the built-in stays CONNECTING
## forever; ours gives up after `handshake_timeout` seconds (default 10.0) and ends CLOSED -1.
func test_server_handshake_timeout() -> void:
	var sides := [[false, false]]
	if have_ours():
		sides += [[true, true], [false, true]]
	var peers := []
	var conns := []
	for side in sides:
		var server = new_server(side[0])
		server.listen(0, HOST)
		var ws = new_ws(side[1])
		if side[1]:
			eq([ws.handshake_timeout, typeof(ws.handshake_timeout)], [10.0, TYPE_FLOAT], "Rust: handshake_timeout default")
			ws.handshake_timeout = 0.3
		var conn := StreamPeerTCP.new()
		_objs.append(conn)
		conn.connect_to_host(HOST, server.get_local_port())
		for i in 1000:
			conn.poll()
			if server.is_connection_available():
				eq(ws.accept_stream(server.take_connection()), OK, "accept_stream")
				break
			await frame()
		peers.append(ws)
		conns.append(conn)
	var start := Time.get_ticks_msec()
	var ours := peers.slice(1)
	await poll_until(peers, func(): return ours.all(func(w): return w.get_ready_state() == CLOSED) and Time.get_ticks_msec() - start > 400, 5000)
	var ms := Time.get_ticks_msec() - start
	eq(peers[0].get_ready_state(), CONNECTING, "built-in: still CONNECTING (no handshake timeout)")
	for k in range(1, peers.size()):
		eq(close_info(peers[k]), [CLOSED, -1, ""], pname(sides[k] + [false]) + ": timed out")
	check(ms < 2000, "took %d ms" % ms)
	if peers.size() > 1:
		# Not before the timeout: re-run one with a timer to see when it closed.
		var server = new_server(true)
		server.listen(0, HOST)
		var ws = new_ws(true)
		ws.handshake_timeout = 0.3
		var conn := StreamPeerTCP.new()
		_objs.append(conn)
		conn.connect_to_host(HOST, server.get_local_port())
		await poll_until([conn], func(): return server.is_connection_available())
		ws.accept_stream(server.take_connection())
		var t0 := Time.get_ticks_msec()
		await poll_until([ws], func(): return ws.get_ready_state() == CLOSED, 5000)
		var took := Time.get_ticks_msec() - t0
		check(took >= 250 and took < 1500, "Rust: closed after %d ms with handshake_timeout 0.3" % took)
	pairings()
