## WebSocketPeer parity, closing: close(code, reason) from each side and what each side reports
## (godot-behavior.md §2.8), defaults, code 0, close(-1), simultaneous and repeated closes, and
## what the API does in CLOSING/CLOSED. Built-in pairing first; every other pairing must observe
## the same. Behaviour our class deliberately changes is in test_fixes.gd.
extends "../lib/ws_suite.gd"


## Opens a pair, has `who` ("client"/"server") call close(args), polls both to CLOSED, and
## returns the transcript: state right after close(), send/get results in CLOSING, the state
## sequences of initiator and receiver, and both sides' final [state, code, reason].
func _close_from(p: Array, who: String, args: Array) -> Array:
	var r := await open_pair(p)
	var a = r.cws if who == "client" else r.sws
	var b = r.sws if who == "client" else r.cws
	a.callv("close", args)
	var t := [[who, args, "right after close()", close_info(a)]]
	t.append(["in that state", a.send_text("x"), a.get_packet(), a.get_packet_error(), a.get_available_packet_count(),
		a.get_current_outbound_buffered_amount()])
	var seqs: Array = await poll_closed([a, b])
	t.append(["sequences", seqs])
	t.append(["initiator", close_info(a), "receiver", close_info(b)])
	t.append(["closed", a.send_text("x"), a.get_packet_error(), b.send_text("y"), b.get_packet(), b.get_packet_error(),
		b.get_available_packet_count(), a.get_connected_host(), a.get_connected_port()])
	# close() in CLOSED changes nothing.
	a.close(4999, "late")
	b.close(-1)
	t.append(["late close", close_info(a), close_info(b)])
	return t


func _close_codes_scenario(p: Array) -> Array:
	var t := []
	var label := pname(p)
	var cases := [
		["client", [4100, "client reason"], [4100, "client reason"], [4100, "client reason"]],
		["server", [4001, "bye-é"], [4001, "bye-é"], [4001, "bye-é"]],
		["client", [], [1000, ""], [1000, ""]],
		["server", [], [1000, ""], [1000, ""]],
		["client", [1001, "going away"], [1001, "going away"], [1001, "going away"]],
		["server", [3000, ""], [3000, ""], [3000, ""]],
		["client", [0], [0, ""], [0, ""]],
		["server", [0, "ignored with code 0"], [0, ""], [0, ""]],
		["client", [4000, "x".repeat(123)], [4000, "x".repeat(123)], [4000, "x".repeat(123)]],
	]
	for k in cases:
		var tr := await _close_from(p, k[0], k[1])
		t.append(tr)
		eq(tr[0][3][0], CLOSING, "%s: %s close%s: CLOSING at once" % [label, k[0], k[1]])
		eq(tr[3], ["initiator", [CLOSED] + k[2], "receiver", [CLOSED] + k[3]], "%s: %s close%s" % [label, k[0], k[1]])
		teardown()
	return t


func test_close_codes_and_reasons() -> void:
	await compare(_close_codes_scenario)


func _close_negative_scenario(p: Array) -> Array:
	var t := []
	for who in ["client", "server"]:
		var tr := await _close_from(p, who, [-1, "not sent"])
		t.append(tr)
		eq(tr[0][3], [CLOSED, -1, ""], "%s: %s close(-1) is CLOSED at once" % [pname(p), who])
		eq(tr[3], ["initiator", [CLOSED, -1, ""], "receiver", [CLOSED, -1, ""]], "%s: %s close(-1)" % [pname(p), who])
		teardown()
	return t


func test_close_negative_drops_at_once() -> void:
	await compare(_close_negative_scenario)


## Both call close before either polls: each reports the other side's code and reason.
func _simultaneous_scenario(p: Array) -> Array:
	var r := await open_pair(p)
	r.cws.close(4001, "c")
	r.sws.close(4002, "s")
	var t := [["after", close_info(r.cws), close_info(r.sws)]]
	var seqs: Array = await poll_closed([r.cws, r.sws])
	t.append(["sequences", seqs, close_info(r.cws), close_info(r.sws)])
	eq([close_info(r.cws), close_info(r.sws)], [[CLOSED, 4002, "s"], [CLOSED, 4001, "c"]], pname(p) + ": simultaneous close")
	return t


func test_simultaneous_close() -> void:
	await compare(_simultaneous_scenario)


## A second close() while CLOSING is ignored (even close(-1)? no: that one drops at once).
func _repeated_scenario(p: Array) -> Array:
	var t := []
	var r := await open_pair(p)
	r.cws.close(4100, "first")
	r.cws.close(4200, "second")
	r.cws.close()
	t.append(["client after three closes", close_info(r.cws)])
	var seqs: Array = await poll_closed([r.cws, r.sws])
	t.append(["sequences", seqs, close_info(r.cws), close_info(r.sws)])
	eq([close_info(r.cws), close_info(r.sws)], [[CLOSED, 4100, "first"], [CLOSED, 4100, "first"]], pname(p) + ": repeated close in CLOSING")
	teardown()
	# close(-1) while CLOSING drops the connection at once.
	r = await open_pair(p)
	r.sws.close(4100, "first")
	r.sws.close(-1)
	t.append(["server close then close(-1)", close_info(r.sws)])
	seqs = await poll_closed([r.cws, r.sws])
	t.append(["sequences", seqs, close_info(r.cws), close_info(r.sws)])
	return t


func test_repeated_close_in_closing() -> void:
	await compare(_repeated_scenario)


## Messages sent before close() arrive before the close (the receiver drains while OPEN).
func _messages_then_close_scenario(p: Array) -> Array:
	var r := await open_pair(p)
	r.cws.send_text("one")
	r.cws.send(PackedByteArray([2]))
	await wait_packets(r, r.sws, 2)
	var got := drain(r.sws)
	r.cws.close(4005, "done")
	var seqs: Array = await poll_closed([r.cws, r.sws])
	var t := [["got", got], ["sequences", seqs, close_info(r.cws), close_info(r.sws)]]
	eq(got.size(), 2, pname(p) + ": messages before close")
	return t


func test_messages_then_close() -> void:
	await compare(_messages_then_close_scenario)


## The peer vanishes (TCP drop without a close frame): the other side ends CLOSED -1.
func _tcp_drop_scenario(p: Array) -> Array:
	var t := []
	var s := raw_server()
	var ws = new_ws(p[2])
	ws.connect_to_url("ws://127.0.0.1:%d/" % s.get_local_port())
	var conn := await raw_accept(s, ws)
	if not check(conn != null, "no connection"):
		return t
	var head := await raw_read_head(conn, ws)
	conn.put_data(("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: %s\r\n\r\n"
		% accept_key(head_headers(head).get("sec-websocket-key", ""))).to_utf8_buffer())
	await poll_until([ws], func(): return ws.get_ready_state() != CONNECTING)
	t.append(["open", close_info(ws)])
	# A close frame with no payload, then EOF.
	conn.put_data(frame_bytes(8, PackedByteArray()))
	var seq := [ws.get_ready_state()]
	await poll_until([ws], func(): return ws.get_ready_state() == CLOSED, 1000, [seq])
	t.append(["empty close frame", seq, close_info(ws)])
	eq(close_info(ws), [CLOSED, 0, ""], pname(p) + ": an empty close frame reports 0")
	var echo := await raw_collect(conn, null, 3)
	t.append(["echo", echo.slice(0, 2), echo.size()])
	teardown()
	# EOF without a close frame.
	s = raw_server()
	ws = new_ws(p[2])
	ws.connect_to_url("ws://127.0.0.1:%d/" % s.get_local_port())
	conn = await raw_accept(s, ws)
	head = await raw_read_head(conn, ws)
	conn.put_data(("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: %s\r\n\r\n"
		% accept_key(head_headers(head).get("sec-websocket-key", ""))).to_utf8_buffer())
	await poll_until([ws], func(): return ws.get_ready_state() != CONNECTING)
	conn.disconnect_from_host()
	seq = [ws.get_ready_state()]
	await poll_until([ws], func(): return ws.get_ready_state() == CLOSED, 1000, [seq])
	t.append(["eof", seq, close_info(ws)])
	eq(close_info(ws), [CLOSED, -1, ""], pname(p) + ": EOF without a close frame")
	teardown()
	# A close frame and EOF right behind it (the peer does not wait for our echo).
	s = raw_server()
	ws = new_ws(p[2])
	ws.connect_to_url("ws://127.0.0.1:%d/" % s.get_local_port())
	conn = await raw_accept(s, ws)
	head = await raw_read_head(conn, ws)
	conn.put_data(("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: %s\r\n\r\n"
		% accept_key(head_headers(head).get("sec-websocket-key", ""))).to_utf8_buffer())
	await poll_until([ws], func(): return ws.get_ready_state() != CONNECTING)
	conn.put_data(frame_bytes(8, close_payload(4100, "first")))
	conn.disconnect_from_host()
	seq = [ws.get_ready_state()]
	await poll_until([ws], func(): return ws.get_ready_state() == CLOSED, 1000, [seq])
	t.append(["close frame then eof", seq, close_info(ws)])
	eq(close_info(ws), [CLOSED, 4100, "first"], pname(p) + ": a close frame followed by EOF keeps the received code")
	return t


func test_close_frame_without_payload_and_eof() -> void:
	await compare(_tcp_drop_scenario)


## The script still holds the server's StreamPeerTCP it handed to accept_stream(). Godot's
## WebSocketPeer disconnects that stream itself when it closes (close(-1), a failed handshake),
## so the client sees EOF at once; a peer that merely drops its reference leaves the socket
## open while the script's reference lives.
func _held_stream_scenario(p: Array) -> Array:
	var t := []
	for what in ["close(-1)", "failed negotiation"]:
		var server = new_server(p[0])
		server.listen(0, HOST)
		var cws = new_ws(p[2])
		var sws = new_ws(p[1])
		if what == "failed negotiation":
			sws.supported_protocols = PackedStringArray(["only-this"])
		cws.connect_to_url("ws://127.0.0.1:%d/" % server.get_local_port())
		var held = null
		await poll_until([cws], func(): return server.is_connection_available())
		held = server.take_connection()
		_objs.append(held)
		sws.accept_stream(held)
		await poll_until([cws, sws], func(): return sws.get_ready_state() != CONNECTING and cws.get_ready_state() != CONNECTING, 300)
		if what == "close(-1)":
			sws.close(-1)
		var seqs: Array = await poll_closed([cws, sws], 300)
		t.append([what, seqs, close_info(cws), close_info(sws), held.get_status()])
		eq(close_info(cws), [CLOSED, -1, ""], "%s: %s with the stream still referenced: the client sees the drop" % [pname(p), what])
		teardown()
	return t


func test_close_disconnects_a_stream_the_script_holds() -> void:
	await compare(_held_stream_scenario)
