## Base of the WebSocket interop suites: our WebSocket class against peers we did not write,
## Python `websockets` and Node `ws` (tests/servers/ws_echo_*, ws_client_*, started and exported
## by scripts/test.sh). The class under test is chosen by name: RUSTNET_WS_CLASS, else
## RustWebSocketPeer when the addon has it, else the built-in WebSocketPeer (so the suite can be
## validated against Godot's own class). Its listener is TCPServer for the built-in and
## RustTCPServer for ours (RUSTNET_TCP_CLASS overrides): the built-in WebSocketPeer only accepts
## the built-in StreamPeerTCP.
##
## A subclass sets `server_port_env` (the echo server of one implementation) and `client_name`
## ("py" or "node": the client script it launches); the scenarios are all here.
extends "../lib/suite.gd"

const STATE_CONNECTING := 0
const STATE_OPEN := 1
const STATE_CLOSING := 2
const STATE_CLOSED := 3
const WRITE_TEXT := 0
const WRITE_BINARY := 1
## Every wait is bounded by frames (the runner caps a case at 30000 frames / 30 s).
const WAIT_FRAMES := 20000

var server_port_env := ""
var client_name := ""

var _objs: Array = []
var _pids: Array[int] = []


func teardown() -> void:
	for pid in _pids:
		if OS.is_process_running(pid):
			OS.kill(pid)
	_pids.clear()
	for o in _objs:
		if o.has_method("get_ready_state"):
			o.close(-1)
		elif o.has_method("stop"):
			o.stop()
	_objs.clear()


static func ws_class() -> String:
	var c := OS.get_environment("RUSTNET_WS_CLASS")
	if c == "":
		c = "RustWebSocketPeer" if ClassDB.class_exists("RustWebSocketPeer") else "WebSocketPeer"
	return c


static func tcp_server_class() -> String:
	var c := OS.get_environment("RUSTNET_TCP_CLASS")
	if c == "":
		c = "TCPServer" if ws_class() == "WebSocketPeer" else "RustTCPServer"
	return c


func new_ws():
	var ws = ClassDB.instantiate(ws_class())
	_objs.append(ws)
	return ws


func server_url(path: String) -> String:
	return "ws://127.0.0.1:%d%s" % [env_int(server_port_env), path]


## A fresh id for the echo servers' ?id= / /report bookkeeping.
func unique_id() -> String:
	return "%s-%d-%d" % [case_name.get_file().replace(":", "_"), Time.get_ticks_usec(), randi()]


# --- our client -------------------------------------------------------------------------------

## Connects a new peer to `path` on the echo server and waits until it leaves CONNECTING.
## Returns the peer (check its state), or null when connect_to_url refused.
func open_client(path: String, protocols := PackedStringArray()):
	var ws = new_ws()
	ws.supported_protocols = protocols
	var err: int = ws.connect_to_url(server_url(path))
	if not eq(err, OK, "connect_to_url(%s)" % server_url(path)):
		return null
	for i in WAIT_FRAMES:
		ws.poll()
		if ws.get_ready_state() != STATE_CONNECTING:
			break
		await frame()
	eq(ws.get_ready_state(), STATE_OPEN, "ready state after the handshake with %s" % server_url(path))
	return ws


## Waits for the next message: [bytes, was_string] or [] when none came (the peer closed, or the
## frame budget ran out).
func next_message(ws) -> Array:
	for i in WAIT_FRAMES:
		ws.poll()
		if ws.get_available_packet_count() > 0:
			var p: PackedByteArray = ws.get_packet()
			return [p, ws.was_string_packet()]
		if ws.get_ready_state() == STATE_CLOSED:
			break
		await frame()
	return []


## Sends `data` (String: text, PackedByteArray: binary) and checks that it comes back unchanged,
## with the same type.
func echo_round(ws, data, what: String) -> void:
	var text := data is String
	var bytes: PackedByteArray = data.to_utf8_buffer() if text else data
	var err: int = ws.send_text(data) if text else ws.send(bytes)
	if not eq(err, OK, "send %s" % what):
		return
	var got := await next_message(ws)
	if not check(got.size() == 2, "no echo of %s (state %d, close %d)" % [what, ws.get_ready_state(), ws.get_close_code()]):
		return
	eq(got[1], text, "was_string_packet() of the echo of %s" % what)
	if got[0] != bytes:
		eq(got[0].size(), bytes.size(), "size of the echo of %s" % what)
		check(false, "the echo of %s differs from what was sent" % what)
	else:
		checks += 1
	if text:
		eq(got[0].get_string_from_utf8(), data, "text of the echo of %s" % what)


## Polls until CLOSED (bounded); returns whether it got there.
func wait_closed(ws) -> bool:
	for i in WAIT_FRAMES:
		ws.poll()
		if ws.get_ready_state() == STATE_CLOSED:
			return true
		await frame()
	return check(false, "still in state %d, never CLOSED" % ws.get_ready_state())


## RustNet only: permessage-deflate (compression_enabled) against the real peer's
## implementation (Python websockets and Node ws both accept the offer): it is agreed, and
## compressed messages of every kind round-trip unchanged.
func scenario_compression() -> void:
	if ws_class() != "RustWebSocketPeer":
		check(not ClassDB.class_has_method(ws_class(), "is_compression_agreed"), "the built-in has no compression")
		return
	var ws = new_ws()
	ws.compression_enabled = true
	if not eq(ws.connect_to_url(server_url("/echo")), OK, "connect_to_url"):
		return
	for i in WAIT_FRAMES:
		ws.poll()
		if ws.get_ready_state() != STATE_CONNECTING:
			break
		await frame()
	if not eq(ws.get_ready_state(), STATE_OPEN, "open with compression offered"):
		return
	eq(ws.is_compression_agreed(), true, "permessage-deflate agreed with " + client_name)
	await echo_round(ws, "compress me ".repeat(2000), "24 KB of repetitive text")
	var bin := PackedByteArray()
	for i in 30000:
		bin.append(i % 251)
	await echo_round(ws, bin, "30 KB binary")
	await echo_round(ws, "é€😀 unicode", "short UTF-8 text")
	await echo_round(ws, PackedByteArray(), "an empty message")


func scenario_text_and_binary() -> void:
	var ws = await open_client("/echo")
	if ws == null or ws.get_ready_state() != STATE_OPEN:
		return
	for i in 3:
		await echo_round(ws, "message %d" % i, "text #%d" % i)
		var b := PackedByteArray()
		for j in 10 + i * 50:
			b.append((i * 31 + j) % 256)
		await echo_round(ws, b, "binary #%d" % i)
	# put_packet is always binary.
	eq(ws.put_packet(PackedByteArray([0, 1, 2, 255])), OK, "put_packet")
	var got := await next_message(ws)
	if check(got.size() == 2, "no echo of put_packet"):
		eq(got[0], PackedByteArray([0, 1, 2, 255]), "echo of put_packet")
		eq(got[1], false, "put_packet echoes as binary")
	ws.close()
	check(await wait_closed(ws), "closed")


func scenario_empty_messages() -> void:
	var ws = await open_client("/echo")
	if ws == null or ws.get_ready_state() != STATE_OPEN:
		return
	await echo_round(ws, "", "an empty text message")
	await echo_round(ws, PackedByteArray(), "an empty binary message")
	await echo_round(ws, "after", "a text message after the empty ones")


func scenario_big_message() -> void:
	var ws = await open_client("/echo")
	if ws == null or ws.get_ready_state() != STATE_OPEN:
		return
	var b := PackedByteArray()
	b.resize(60000)
	for j in b.size():
		b[j] = (j * 7 + j / 251) % 256
	await echo_round(ws, b, "a 60000-byte binary message")
	await echo_round(ws, "0123456789".repeat(6000), "a 60000-byte text message")


func scenario_utf8() -> void:
	var ws = await open_client("/echo")
	if ws == null or ws.get_ready_state() != STATE_OPEN:
		return
	var s := "héllo wörld ✓ 日本語 🎉 ∑ Ωmega"
	check(s.to_utf8_buffer().size() > s.length(), "the sample has multi-byte characters")
	await echo_round(ws, s, "UTF-8 text")
	# The same bytes sent as a TEXT frame through send(): still text on the way back.
	eq(ws.send(s.to_utf8_buffer(), WRITE_TEXT), OK, "send(utf8 bytes, WRITE_MODE_TEXT)")
	var got := await next_message(ws)
	if check(got.size() == 2, "no echo of send(..., WRITE_MODE_TEXT)"):
		eq(got[1], true, "send(..., WRITE_MODE_TEXT) echoes as text")
		eq(got[0].get_string_from_utf8(), s, "its text")


func scenario_subprotocol() -> void:
	# The server takes the first protocol the client offers that it supports: "superchat".
	var ws = await open_client("/protocols?p=chat,superchat", PackedStringArray(["x-unknown", "superchat", "chat"]))
	if ws == null or ws.get_ready_state() != STATE_OPEN:
		return
	eq(ws.get_selected_protocol(), "superchat", "get_selected_protocol()")
	await echo_round(ws, "with a protocol", "text over the negotiated protocol")
	# Offering only protocols the server lacks: the server answers without one, which a
	# WebSocketPeer client must refuse (it requires one of its own).
	var ws2 = new_ws()
	ws2.supported_protocols = PackedStringArray(["nope"])
	eq(ws2.connect_to_url(server_url("/protocols?p=chat")), OK, "connect_to_url (no common protocol)")
	check(await wait_closed(ws2), "a handshake without a common protocol ends CLOSED")
	eq(ws2.get_close_code(), -1, "close code of a failed handshake")


func scenario_server_close() -> void:
	var ws = await open_client("/close?code=4001&reason=bye-%C3%A9")
	if ws == null or ws.get_ready_state() != STATE_OPEN:
		return
	await echo_round(ws, "hello", "text before the server closes")
	eq(ws.send_text("close"), OK, "send the close trigger")
	if await wait_closed(ws):
		eq(ws.get_close_code(), 4001, "close code sent by the server")
		eq(ws.get_close_reason(), "bye-é", "close reason sent by the server")


func scenario_our_close() -> void:
	var id := unique_id()
	var ws = await open_client("/echo?id=" + id)
	if ws == null or ws.get_ready_state() != STATE_OPEN:
		return
	await echo_round(ws, "before close", "text before our close")
	ws.close(4000, "bye")
	eq(ws.get_ready_state(), STATE_CLOSING, "state right after close()")
	if await wait_closed(ws):
		eq(ws.get_close_code(), 4000, "close code once the server echoed our close")
	# Ask the server what it received.
	var rep = await open_client("/report?id=" + id)
	if rep == null or rep.get_ready_state() != STATE_OPEN:
		return
	var got := await next_message(rep)
	if check(got.size() == 2, "no report from the server"):
		eq(JSON.parse_string(got[0].get_string_from_utf8()), {"code": 4000.0, "reason": "bye"}, "the close frame the server received")
	rep.close()


func scenario_server_pings() -> void:
	var ws = await open_client("/ping?n=3")
	if ws == null or ws.get_ready_state() != STATE_OPEN:
		return
	# The server sends this only after it got a pong for each of its 3 pings.
	var got := await next_message(ws)
	if check(got.size() == 2, "no message after the pings (state %d, close %d)" % [ws.get_ready_state(), ws.get_close_code()]):
		eq(got[0].get_string_from_utf8(), "pongs:3", "the server saw our 3 pongs")
		eq(got[1], true, "as text")
	eq(ws.get_ready_state(), STATE_OPEN, "still open after the pings")


# --- their client against our server ----------------------------------------------------------

## Starts a listener, launches the external client against it and serves (echo) until the
## client exits. Returns {"result": parsed JSON or null, "peer": our server-side peer or null,
## "echoed": messages our side echoed}.
func serve_external_client(server_protocols: PackedStringArray, client_args: PackedStringArray, compression := false) -> Dictionary:
	var out := {"result": null, "peer": null, "echoed": 0}
	var server = ClassDB.instantiate(tcp_server_class())
	_objs.append(server)
	if not eq(server.listen(0, "127.0.0.1"), OK, "%s.listen(0, 127.0.0.1)" % tcp_server_class()):
		return out
	var interp := OS.get_environment("RUSTNET_PYTHON" if client_name == "py" else "RUSTNET_NODE")
	var script := OS.get_environment("RUSTNET_WS_CLIENT_PY" if client_name == "py" else "RUSTNET_WS_CLIENT_NODE")
	var run_dir := OS.get_environment("RUSTNET_RUN_DIR")
	if not check(interp != "" and script != "" and run_dir != "", "RUSTNET_PYTHON/NODE, RUSTNET_WS_CLIENT_* or RUSTNET_RUN_DIR unset (run through scripts/test.sh)"):
		return out
	var result_file := run_dir.path_join("ws-client-%s.json" % unique_id())
	var args := PackedStringArray([script, "ws://127.0.0.1:%d/interop?x=1" % server.get_local_port(), "--result", result_file, "--timeout", "20"])
	args.append_array(client_args)
	var pid := OS.create_process(interp, args)
	if not check(pid > 0, "launch %s %s" % [interp, script]):
		return out
	_pids.append(pid)
	var peer = null
	var pending: Array = []
	var frames := 0
	while frames < WAIT_FRAMES:
		frames += 1
		if peer == null and server.is_connection_available():
			peer = new_ws()
			peer.supported_protocols = server_protocols
			if compression:
				peer.compression_enabled = true
			eq(peer.accept_stream(server.take_connection()), OK, "accept_stream")
		if peer != null:
			peer.poll()
			while peer.get_available_packet_count() > 0:
				var p: PackedByteArray = peer.get_packet()
				pending.append([p, WRITE_TEXT if peer.was_string_packet() else WRITE_BINARY])
			while not pending.is_empty() and peer.get_ready_state() == STATE_OPEN:
				if peer.send(pending[0][0], pending[0][1]) != OK:
					break
				pending.pop_front()
				out.echoed += 1
		if not OS.is_process_running(pid) and (peer == null or peer.get_ready_state() == STATE_CLOSED):
			break
		await frame()
	check(not OS.is_process_running(pid), "the %s client did not exit within %d frames" % [client_name, WAIT_FRAMES])
	# Let our peer see the end of a connection the client already left.
	if peer != null:
		await wait_closed(peer)
	out.peer = peer
	var text := FileAccess.get_file_as_string(result_file)
	DirAccess.remove_absolute(result_file)
	if check(text != "", "the %s client wrote no result to %s" % [client_name, result_file]):
		out.result = JSON.parse_string(text)
	return out


func scenario_external_client() -> void:
	var r := await serve_external_client(PackedStringArray(["superchat", "chat"]),
		PackedStringArray(["--protocol", "x-unknown", "--protocol", "chat", "--close-code", "4000", "--close-reason", "bye", "--count", "3", "--big", "60000"]))
	var res = r.result
	if not check(res is Dictionary, "the client's result is a JSON object: %s" % [res]):
		return
	eq(res.get("errors"), [], "errors the client reported")
	eq(res.get("connected"), true, "the client connected")
	eq(res.get("subprotocol"), "chat", "subprotocol the client got (its first one we support)")
	eq(res.get("sent"), 9.0, "messages the client sent (3 text, 3 binary, 2 empty, 60000 bytes)")
	eq(res.get("echoed"), 9.0, "echoes the client found identical (content and type)")
	eq(res.get("pong"), true, "our side answered the client's ping")
	eq(res.get("close_rcvd"), {"code": 4000.0, "reason": "bye"}, "the close frame our side sent back")
	eq(res.get("ok"), true, "the client's verdict")
	eq(r.echoed, 9, "messages our side echoed")
	var peer = r.peer
	if check(peer != null, "our server never accepted the client"):
		eq(peer.get_ready_state(), STATE_CLOSED, "our peer's state after the client left")
		eq(peer.get_close_code(), 4000, "close code our peer received")
		eq(peer.get_close_reason(), "bye", "close reason our peer received")
		eq(peer.get_selected_protocol(), "chat", "our peer's selected protocol")


## RustNet only: the external client (which offers permessage-deflate by default) against our
## server peer with compression_enabled: agreed, and every message round-trips.
func scenario_external_client_compressed() -> void:
	if ws_class() != "RustWebSocketPeer":
		check(not ClassDB.class_has_method(ws_class(), "is_compression_agreed"), "the built-in has no compression")
		return
	var r := await serve_external_client(PackedStringArray(), PackedStringArray(["--count", "3", "--big", "60000"]), true)
	var res = r.result
	if not check(res is Dictionary, "the client's result is a JSON object: %s" % [res]):
		return
	eq(res.get("errors"), [], "errors the client reported")
	eq(res.get("echoed"), 9.0, "echoes the client found identical")
	eq(res.get("ok"), true, "the client's verdict")
	if check(r.peer != null, "our server never accepted the client"):
		eq(r.peer.is_compression_agreed(), true, "permessage-deflate agreed with the %s client" % client_name)


func scenario_external_client_no_protocol() -> void:
	# No protocols on either side, a default close: 1000 and an empty reason both ways.
	var r := await serve_external_client(PackedStringArray(), PackedStringArray(["--count", "1", "--big", "0"]))
	var res = r.result
	if not check(res is Dictionary, "the client's result is a JSON object: %s" % [res]):
		return
	eq(res.get("ok"), true, "the client's verdict (errors: %s)" % [res.get("errors")])
	eq(res.get("subprotocol"), null, "no subprotocol")
	eq(res.get("echoed"), 5.0, "echoes the client found identical")
	eq(res.get("close_rcvd"), {"code": 1000.0, "reason": ""}, "the close frame our side sent back")
	if check(r.peer != null, "our server never accepted the client"):
		eq(r.peer.get_close_code(), 1000, "close code our peer received")
