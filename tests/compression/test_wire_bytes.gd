## permessage-deflate on and off: the same payloads sent through our classes, with the bytes
## that actually crossed the TCP connection counted by a relay in between (Godot's own
## TCPServer + StreamPeerTCP, written for this test). Asserts compressible data shrinks by a
## clear margin and random data does not grow, and prints every ratio.
extends "../multiplayer/mp.gd"

## A loopback TCP relay for one connection that counts the bytes going each way.
class Relay:
	var server := TCPServer.new()
	var target_port := 0
	var a: StreamPeerTCP  # from the client
	var b: StreamPeerTCP  # to the server
	var up := 0  # client -> server bytes
	var down := 0  # server -> client bytes

	func start(target: int) -> int:
		target_port = target
		server.listen(0, "127.0.0.1")
		return server.get_local_port()

	## Bytes read but not yet written on (the other socket was full): nothing more is read
	## that way until they are gone, so the relay never blocks the one thread that also polls
	## both WebSocket ends.
	var pending_up := PackedByteArray()
	var pending_down := PackedByteArray()

	func pump() -> void:
		if a == null and server.is_connection_available():
			a = server.take_connection()
			b = StreamPeerTCP.new()
			b.connect_to_host("127.0.0.1", target_port)
		if a == null:
			return
		a.poll()
		b.poll()
		if b.get_status() != StreamPeerTCP.STATUS_CONNECTED:
			return
		pending_up = _flush(b, pending_up)
		if pending_up.is_empty():
			var d := _read(a)
			up += d.size()
			pending_up = _flush(b, d)
		pending_down = _flush(a, pending_down)
		if pending_down.is_empty():
			var d := _read(b)
			down += d.size()
			pending_down = _flush(a, d)

	func _read(from: StreamPeerTCP) -> PackedByteArray:
		var n := from.get_available_bytes()
		if n <= 0:
			return PackedByteArray()
		var r := from.get_partial_data(n)
		return r[1] if r[0] == OK else PackedByteArray()

	## Writes what the socket takes now (never blocks); returns the rest.
	func _flush(to: StreamPeerTCP, data: PackedByteArray) -> PackedByteArray:
		if data.is_empty():
			return data
		var r := to.put_partial_data(data)
		if r[0] != OK:
			return PackedByteArray()
		return data.slice(r[1])

	func stop() -> void:
		if a:
			a.disconnect_from_host()
		if b:
			b.disconnect_from_host()
		server.stop()


var _relays: Array = []


func teardown() -> void:
	for r in _relays:
		r.stop()
	_relays.clear()
	super.teardown()


## The payload sets: name -> Array of PackedByteArray messages (deterministic).
func _payloads() -> Dictionary:
	var rng := RandomNumberGenerator.new()
	rng.seed = 7
	var json: Array = []  # JSON game-state snapshots: 64 entities each
	for s in 30:
		var entities: Array = []
		for i in 64:
			entities.append({"id": i, "name": "player_%d" % i, "team": ["red", "blue"][i % 2],
				"pos": [snappedf(rng.randf_range(0, 1000), 0.01), snappedf(rng.randf_range(0, 1000), 0.01)],
				"vel": [snappedf(rng.randf_range(-5, 5), 0.01), 0.0], "hp": rng.randi_range(0, 100), "alive": true})
		json.append(JSON.stringify({"tick": s, "entities": entities}).to_utf8_buffer())
	var tiles: Array = []  # a 64x64 tile map chunk: runs of the same tile id
	for s in 30:
		var chunk := PackedByteArray()
		chunk.resize(4096)
		for i in 4096:
			chunk[i] = (i / 64 + s) % 4 if (i % 64) < 48 else 9
		tiles.append(chunk)
	var inputs: Array = []  # small input messages, 100 of them
	for s in 100:
		inputs.append(JSON.stringify({"t": s, "move": [rng.randi_range(-1, 1), rng.randi_range(-1, 1)], "jump": s % 7 == 0}).to_utf8_buffer())
	var noise: Array = []  # incompressible: random bytes
	for s in 30:
		var r := PackedByteArray()
		r.resize(4096)
		for i in 4096:
			r[i] = rng.randi() & 0xFF
		noise.append(r)
	return {"json game state": json, "tile map (binary)": tiles, "small inputs": inputs, "random bytes": noise}


func _total(msgs: Array) -> int:
	var n := 0
	for m in msgs:
		n += m.size()
	return n


## RustWebSocketPeer client -> relay -> RustWebSocketPeer server; the client sends `msgs`, the
## server sends them back the other way. Returns [bytes up, bytes down] after the handshake.
func _ws_bytes(msgs: Array, compress: bool) -> Array:
	var raw := raw_server()
	var relay := Relay.new()
	_relays.append(relay)
	var port := relay.start(raw.port)
	var ws := RustWebSocketPeer.new()
	_raw.append(ws)
	ws.compression_enabled = compress
	ws.connect_to_url("ws://127.0.0.1:%d" % port)
	var open := func():
		relay.pump()
		ws.poll()
		if raw.ws == null and raw.server.is_connection_available():
			raw.ws = RustWebSocketPeer.new()
			raw.ws.compression_enabled = compress
			_raw.append(raw.ws)
			raw.ws.accept_stream(raw.server.take_connection())
		if raw.ws:
			raw.ws.poll()
		return raw.ws != null and ws.get_ready_state() == WebSocketPeer.STATE_OPEN \
				and raw.ws.get_ready_state() == WebSocketPeer.STATE_OPEN
	if not check(await until(open), "ws open through the relay"):
		return [0, 0]
	eq(ws.is_compression_agreed(), compress, "compression agreed = %s" % compress)
	var up0 := relay.up
	var down0 := relay.down
	for m in msgs:
		eq(ws.send(m), OK, "client send")
		eq(raw.ws.send(m), OK, "server send")
	var got_up: Array = []
	var got_down: Array = []
	var all := func():
		open.call()
		while raw.ws.get_available_packet_count() > 0:
			got_up.append(raw.ws.get_packet())
		while ws.get_available_packet_count() > 0:
			got_down.append(ws.get_packet())
		return got_up.size() == msgs.size() and got_down.size() == msgs.size()
	check(await until(all), "every message arrived both ways")
	check(got_up == msgs and got_down == msgs, "messages intact (compress %s)" % compress)
	return [relay.up - up0, relay.down - down0]


func test_ws_peer_ratios() -> void:
	var sets := _payloads()
	for name in sets:
		var msgs: Array = sets[name]
		var plain := await _ws_bytes(msgs, false)
		var packed := await _ws_bytes(msgs, true)
		if plain[0] == 0 or plain[1] == 0:
			continue
		var up: float = float(packed[0]) / plain[0]
		var down: float = float(packed[1]) / plain[1]
		print("  compression %-20s %3d messages, %7d payload bytes: client->server %7d -> %7d bytes on the wire (%.1f%%), server->client %7d -> %7d (%.1f%%)" % [
			name, msgs.size(), _total(msgs), plain[0], packed[0], up * 100.0, plain[1], packed[1], down * 100.0])
		check(plain[0] >= _total(msgs) and plain[1] >= _total(msgs), "%s: uncompressed carries every payload byte" % name)
		match name:
			"json game state":
				check(up < 0.5 and down < 0.5, "%s: under half the bytes (%.2f, %.2f)" % [name, up, down])
			"tile map (binary)":
				check(up < 0.1 and down < 0.1, "%s: under a tenth of the bytes (%.2f, %.2f)" % [name, up, down])
			"small inputs":
				check(up < 0.9 and down < 0.9, "%s: context takeover still saves on small messages (%.2f, %.2f)" % [name, up, down])
			"random bytes":
				check(up <= 1.01 and down <= 1.01, "%s: no growth (%.3f, %.3f)" % [name, up, down])


## The multiplayer peer: JSON state RPCs from the server to a client through the relay.
func _mp_bytes(msgs: Array, compress: bool) -> int:
	var sp := RustWebSocketMultiplayerPeer.new()
	sp.compression_enabled = compress
	var sport := listen(sp)
	var server := endpoint("Server%s" % compress, sp)
	var relay := Relay.new()
	_relays.append(relay)
	var port := relay.start(sport)
	var cp := RustWebSocketMultiplayerPeer.new()
	cp.compression_enabled = compress
	cp.create_client("ws://127.0.0.1:%d" % port)
	var client := endpoint("Client%s" % compress, cp)
	var ok := await until(func():
		relay.pump()
		return cp.get_connection_status() == MultiplayerPeer.CONNECTION_CONNECTED and server.events.size() == 1)
	if not check(ok, "multiplayer session through the relay"):
		return 0
	eq(cp.get_peer(1).is_compression_agreed(), compress, "multiplayer compression agreed = %s" % compress)
	var down0 := relay.down
	var cid := cp.get_unique_id()
	for m in msgs:
		server.game.hello.rpc_id(cid, m.get_string_from_utf8(), 0)
	ok = await until(func():
		relay.pump()
		return client.game.got.size() == msgs.size())
	check(ok, "every state RPC arrived")
	var texts := msgs.map(func(m): return m.get_string_from_utf8())
	check(client.game.got.map(func(g): return g[1]) == texts, "RPC payloads intact")
	return relay.down - down0


func test_multiplayer_ratio() -> void:
	var msgs: Array = _payloads()["json game state"]
	var plain := await _mp_bytes(msgs, false)
	var packed := await _mp_bytes(msgs, true)
	if not check(plain > _total(msgs), "uncompressed RPCs carry every payload byte"):
		return
	var ratio := float(packed) / plain
	print("  compression multiplayer RPCs (json state) %d RPCs: server->client %d -> %d bytes on the wire (%.1f%%)" % [msgs.size(), plain, packed, ratio * 100.0])
	check(ratio < 0.5, "state RPCs: under half the bytes with compression (%.2f)" % ratio)
