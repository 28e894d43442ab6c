## WebSocketPeer parity, data: message kinds both ways, put_var/get_var, get_packet errors, the
## 64 KiB limits (inbound 1009 close, outbound ERR_OUT_OF_MEMORY), backpressure without loss,
## and the heartbeat. Built-in pairing first; every other pairing must observe the same.
extends "../lib/ws_suite.gd"


func _messages_scenario(p: Array) -> Array:
	var t := []
	var r := await open_pair(p)
	var label := pname(p)
	for dir in [[r.cws, r.sws, "c->s"], [r.sws, r.cws, "s->c"]]:
		var tx = dir[0]
		var rx = dir[1]
		t.append([dir[2], "empty queue", rx.get_packet(), rx.get_packet_error(), rx.get_available_packet_count()])
		eq(rx.get_packet_error(), ERR_UNAVAILABLE, label + ": get_packet with nothing queued")
		var sends := [
			tx.send_text("héllo wörld ✓"),
			tx.send_text(""),
			tx.send(PackedByteArray([0, 1, 2, 255])),
			tx.send(PackedByteArray()),
			tx.send("as text".to_utf8_buffer(), WebSocketPeer.WRITE_MODE_TEXT),
			tx.send(PackedByteArray([7]), WebSocketPeer.WRITE_MODE_BINARY),
			tx.put_packet("via put_packet".to_utf8_buffer()),
			tx.put_var({"a": [1, 2.5, "x"], "b": Vector2(3, 4)}),
			tx.put_var("s"),
		]
		t.append([dir[2], "sends", sends, tx.get_current_outbound_buffered_amount()])
		eq(sends, [OK, OK, OK, OK, OK, OK, OK, OK, OK], label + ": send results " + dir[2])
		await wait_packets(r, rx, 9)
		t.append([dir[2], "count", rx.get_available_packet_count()])
		var got := []
		for i in 7:
			var pkt: PackedByteArray = rx.get_packet()
			got.append([pkt, rx.was_string_packet(), rx.get_packet_error()])
		got.append([rx.get_var(), rx.was_string_packet(), rx.get_packet_error()])
		got.append([rx.get_var(), rx.was_string_packet(), rx.get_packet_error()])
		t.append([dir[2], "got", got])
		eq(got[0][0].get_string_from_utf8(), "héllo wörld ✓", label + ": text " + dir[2])
		eq([got[0][1], got[1][1], got[2][1], got[3][1], got[4][1], got[5][1], got[6][1]], [true, true, false, false, true, false, false],
			label + ": was_string_packet " + dir[2])
		eq([got[1][0].size(), got[3][0].size()], [0, 0], label + ": empty messages delivered " + dir[2])
		eq(got[7][0], {"a": [1, 2.5, "x"], "b": Vector2(3, 4)}, label + ": get_var " + dir[2])
		t.append([dir[2], "after", rx.get_packet(), rx.get_packet_error(), rx.was_string_packet(), rx.get_available_packet_count()])
	return t


func test_messages_both_ways() -> void:
	await compare(_messages_scenario)


static func _bytes(n: int) -> PackedByteArray:
	var b := PackedByteArray()
	b.resize(n)
	for i in n:
		b[i] = i % 253
	return b


func _limits_scenario(p: Array) -> Array:
	var t := []
	var label := pname(p)
	for dir in ["c->s", "s->c"]:
		# The sender's outbound limit is lifted before the handshake, so the 65536-byte message
		# goes out and the receiver's (default) inbound limit is what stops it.
		var r := await open_pair(p, {"configure": _unlimited_sender.bind(dir)})
		var tx = r.cws if dir == "c->s" else r.sws
		var rx = r.sws if dir == "c->s" else r.cws
		var at_limit := _bytes(65535)
		var over := _bytes(65536)
		t.append([dir, "65535", tx.send(at_limit)])
		await wait_packets(r, rx, 1)
		var pkt: PackedByteArray = rx.get_packet()
		t.append([dir, "65535 received", pkt.size(), pkt == at_limit])
		eq(pkt == at_limit, true, label + ": 65535-byte message arrives " + dir)
		# Changing the receiver's limit now does not change the live connection's limit.
		rx.inbound_buffer_size = 1 << 20
		t.append([dir, "65536 sent", tx.send(over), tx.get_ready_state()])
		var seqs: Array = await poll_closed([tx, rx], 500)
		t.append([dir, "closed by receiver", seqs, close_info(tx), close_info(rx), rx.get_available_packet_count()])
		eq(close_info(rx), [CLOSED, 1009, "Message too big"], label + ": receiver of 65536 bytes " + dir)
		teardown()
	# Default outbound limit: one message over 65535 bytes is refused, the connection stays OPEN;
	# the limit is read at each send, so lifting it on the live connection takes effect.
	var r1 := await open_pair(p)
	var over := _bytes(65536)
	for side in [["client", r1.cws], ["server", r1.sws]]:
		var e = side[1].send(over)
		t.append([side[0], "65536 outbound", e, side[1].get_ready_state(), side[1].get_current_outbound_buffered_amount()])
		eq(e, ERR_OUT_OF_MEMORY, "%s: 65536-byte send from the %s" % [label, side[0]])
	r1.sws.inbound_buffer_size = 1 << 20  # too late to matter: the client's message closes with 1009
	r1.cws.outbound_buffer_size = 0
	var e2 = r1.cws.send(over)
	t.append(["client lifts outbound_buffer_size on the live connection", e2, r1.cws.get_ready_state()])
	eq(e2, OK, label + ": outbound_buffer_size = 0 set while OPEN applies to the next send")
	teardown()
	# A limit set before the handshake counts; outbound_buffer_size = 0 lifts the send limit.
	var big := _bytes(300000)
	var r2 := await open_pair(p, {"configure": _raise_limits})
	t.append(["300000 with limits raised", r2.cws.send(big), r2.sws.send(big)])
	await wait_packets(r2, r2.sws, 1)
	await wait_packets(r2, r2.cws, 1)
	var a: PackedByteArray = r2.sws.get_packet()
	var b: PackedByteArray = r2.cws.get_packet()
	t.append(["300000 received", a.size(), a == big, b == big, close_info(r2.cws), close_info(r2.sws)])
	eq([a == big, b == big], [true, true], label + ": 300000-byte messages with raised limits")
	return t


static func _unlimited_sender(ws, is_server: bool, dir: String) -> void:
	if is_server == (dir == "s->c"):
		ws.outbound_buffer_size = 0


static func _raise_limits(ws, _is_server: bool) -> void:
	ws.inbound_buffer_size = 400000
	ws.outbound_buffer_size = 0


func test_message_size_limits() -> void:
	await compare(_limits_scenario)


## 5000 small messages with nobody draining: the receiver stops reading (queue full) instead of
## dropping; once drained, all 5000 arrive in order, without the sender sending anything else.
func _backpressure_scenario(p: Array) -> Array:
	var t := []
	for dir in ["c->s", "s->c"]:
		var r := await open_pair(p)
		var tx = r.cws if dir == "c->s" else r.sws
		var rx = r.sws if dir == "c->s" else r.cws
		var errs := {}
		for i in 5000:
			var e = tx.send_text("m%d" % i)
			errs[e] = errs.get(e, 0) + 1
		t.append([dir, "send errors", errs])
		var peak := 0
		for i in 30:
			r.cws.poll()
			r.sws.poll()
			peak = maxi(peak, rx.get_available_packet_count())
			await frame()
		t.append([dir, "undrained peak", peak, rx.get_ready_state()])
		var got := 0
		var in_order := true
		for i in 300:
			r.cws.poll()
			r.sws.poll()
			while rx.get_available_packet_count() > 0:
				var s: String = rx.get_packet().get_string_from_utf8()
				if s != "m%d" % got:
					in_order = false
				got += 1
			if got >= 5000:
				break
			await frame()
		t.append([dir, "drained", got, in_order, close_info(rx)])
		eq([got, in_order], [5000, true], "%s: all 5000 messages, in order, %s" % [pname(p), dir])
		if got < 5000:
			# Diagnose: do the rest arrive once the sender sends something more?
			tx.send_text("more")
			var next := []
			var collect := func():
				while rx.get_available_packet_count() > 0:
					next.append(rx.get_packet().get_string_from_utf8())
				return next.has("more")
			await poll_until([r.cws, r.sws], collect, 300)
			t.append([dir, "after one more message from the sender", next.size(), next.slice(0, 2)])
		teardown()
	return t


func test_backpressure_loses_nothing() -> void:
	await compare(_backpressure_scenario)


## Pings answered keep the connection OPEN over several intervals; a peer that never answers
## is dropped (code -1). Property type: INT in the class's property list, float in value.
func _heartbeat_scenario(p: Array) -> Array:
	var t := []
	var label := pname(p)
	for side in ["client", "server"]:
		var r := await open_pair(p)
		var hb = r.cws if side == "client" else r.sws
		hb.heartbeat_interval = 0.04
		var start := Time.get_ticks_msec()
		var states := {}
		while Time.get_ticks_msec() - start < 250:
			r.cws.poll()
			r.sws.poll()
			states[r.cws.get_ready_state()] = true
			states[r.sws.get_ready_state()] = true
			await frame()
		t.append([side, "answered", states.keys(), close_info(r.cws), close_info(r.sws)])
		eq(states.keys(), [OPEN], "%s: %s heartbeat answered stays OPEN" % [label, side])
		r.cws.send_text("still here")
		await wait_packets(r, r.sws, 1)
		t.append([side, "message after", drain(r.sws)])
		teardown()
	# A hand-written server that never answers pings (client side only).
	var s := raw_server()
	var ws = new_ws(p[2])
	ws.heartbeat_interval = 0.05
	ws.connect_to_url("ws://127.0.0.1:%d/" % s.get_local_port())
	var conn := await raw_accept(s, ws)
	if conn != null:
		var head := await raw_read_head(conn, ws)
		conn.put_data(("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: %s\r\n\r\n"
			% accept_key(head_headers(head).get("sec-websocket-key", ""))).to_utf8_buffer())
		var seq := [ws.get_ready_state()]
		var start := Time.get_ticks_msec()
		await poll_until([ws], func(): return ws.get_ready_state() == CLOSED, 3000, [seq])
		var ms := Time.get_ticks_msec() - start
		var wire := await raw_collect(conn, null, 2)
		t.append(["unanswered", seq, close_info(ws), ms >= 50 and ms < 1500, wire.slice(0, 2)])
		eq(close_info(ws), [CLOSED, -1, ""], label + ": unanswered heartbeat drops the connection")
		eq(wire.slice(0, 2), PackedByteArray([0x89, 0x80]), label + ": an empty masked ping")
	return t


func test_heartbeat() -> void:
	await compare(_heartbeat_scenario)
