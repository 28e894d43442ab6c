## Base of the WebSocket suites (tests/ws/): builds WebSocket pairs over loopback for every
## pairing of built-in and RustNet classes, drives them with bounded frame loops, and compares
## what GDScript observes against the all-built-in pairing.
##
## RustWebSocketPeer is created by name (ClassDB) so these files parse before the class exists.
## `pairings()` holds only the built-in pairing until the class is registered; once the Rust
## sources define it (see `ours_expected()`), a missing class is a failure, not a skip.
extends "suite.gd"

const OURS := "RustWebSocketPeer"
const HOST := "127.0.0.1"
const OPEN := WebSocketPeer.STATE_OPEN
const CONNECTING := WebSocketPeer.STATE_CONNECTING
const CLOSING := WebSocketPeer.STATE_CLOSING
const CLOSED := WebSocketPeer.STATE_CLOSED
const WS_GUID := "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

## A pairing is [server TCP is ours, server WebSocket peer is ours, client is ours].
## Godot's WebSocketPeer only accepts Godot's own StreamPeerTCP, so [true, false, _] is impossible.
## [false, true, _] is our class on Godot's StreamPeerTCP (the generic StreamPeer path).
const BUILTIN := [false, false, false]
const OUR_PAIRINGS := [[true, true, true], [true, true, false], [false, false, true], [false, true, false], [false, true, true]]

var _objs: Array = []


func teardown() -> void:
	for o in _objs:
		if o == null or not is_instance_valid(o):
			continue
		if o is TCPServer or o.has_method("stop"):
			o.stop()
		elif o.has_method("get_ready_state"):
			o.close(-1)
		elif o.has_method("disconnect_from_host"):
			o.disconnect_from_host()
		elif o.has_method("disconnect_from_stream"):
			o.disconnect_from_stream()
	_objs.clear()


static func have_ours() -> bool:
	return ClassDB.class_exists(OURS)


## True when the Rust sources of this checkout register RustWebSocketPeer: from then on the
## suites must run our pairings, and a build without the class is a failure. (A `#[class]`
## struct of that name, or `rename = RustWebSocketPeer`; a mention in a comment does not count.)
static func ours_expected() -> bool:
	var src := ProjectSettings.globalize_path("res://").path_join("../rust/extension/src")
	var re := RegEx.create_from_string("rename\\s*=\\s*%s\\b|struct\\s+%s\\b" % [OURS, OURS])
	for f in DirAccess.get_files_at(src):
		if f.ends_with(".rs") and re.search(FileAccess.get_file_as_string(src.path_join(f))) != null:
			return true
	return false


func pairings() -> Array:
	var out := [BUILTIN]
	if have_ours():
		out.append_array(OUR_PAIRINGS)
	else:
		check(not ours_expected(), "the Rust sources define %s but Godot does not know the class (stale build?)" % OURS)
	return out


## Pairings where the client is ours / the server peer is ours (for the deliberate fixes).
func our_client_pairings() -> Array:
	return pairings().filter(func(p): return p[2])


static func pname(p: Array) -> String:
	var server := "built-in server"
	if p[1]:
		server = "Rust server" if p[0] else "Rust peer on Godot's StreamPeerTCP"
	return "%s / %s client" % [server, "Rust" if p[2] else "built-in"]


func new_ws(rust: bool):
	var ws = ClassDB.instantiate(OURS) if rust else WebSocketPeer.new()
	_objs.append(ws)
	return ws


func new_server(rust: bool):
	var s = RustTCPServer.new() if rust else TCPServer.new()
	_objs.append(s)
	return s


## A free loopback port nobody listens on.
func closed_port() -> int:
	var s := TCPServer.new()
	s.listen(0, HOST)
	var port := s.get_local_port()
	s.stop()
	return port


## Listens, connects a client WebSocket and accepts it on the server side; polls both until
## neither is CONNECTING. `opts`: path (default "/path"), client_protocols, server_protocols,
## client_headers, server_headers, configure (Callable(ws, is_server) run before connecting).
## Returns {server, sws, cws, p, cstates, sstates, connect_err, accept_err}.
func open_pair(p: Array, opts := {}) -> Dictionary:
	var server = new_server(p[0])
	server.listen(0, HOST)
	var cws = new_ws(p[2])
	var sws = new_ws(p[1])
	if opts.has("client_protocols"):
		cws.supported_protocols = PackedStringArray(opts.client_protocols)
	if opts.has("server_protocols"):
		sws.supported_protocols = PackedStringArray(opts.server_protocols)
	if opts.has("client_headers"):
		cws.handshake_headers = PackedStringArray(opts.client_headers)
	if opts.has("server_headers"):
		sws.handshake_headers = PackedStringArray(opts.server_headers)
	if opts.has("configure"):
		opts.configure.call(cws, false)
		opts.configure.call(sws, true)
	var r := {"server": server, "sws": sws, "cws": cws, "p": p, "accept_err": null}
	r.connect_err = cws.connect_to_url("ws://%s:%d%s" % [HOST, server.get_local_port(), opts.get("path", "/path")])
	var cstates := [cws.get_ready_state()]
	var sstates := []
	var accepted := false
	for i in 3000:
		cws.poll()
		_note(cstates, cws.get_ready_state())
		if not accepted and server.is_connection_available():
			# The script keeps no reference to the stream (the usual `accept_stream(take_connection())`):
			# the peer owns it. test_parity_close.gd covers a stream the script still holds.
			r.accept_err = sws.accept_stream(server.take_connection())
			accepted = true
			_note(sstates, sws.get_ready_state())
		if accepted:
			sws.poll()
			_note(sstates, sws.get_ready_state())
		if accepted and cws.get_ready_state() != CONNECTING and sws.get_ready_state() != CONNECTING:
			break
		if not accepted and cws.get_ready_state() == CLOSED:
			break
		await frame()
	r.cstates = cstates
	r.sstates = sstates
	return r


## Appends `s` unless it repeats the last entry: the sequence of states seen, one per change.
static func _note(seq: Array, s) -> void:
	if seq.is_empty() or seq[-1] != s:
		seq.append(s)


## Polls every peer once per frame until `done.call()` is true (or `max_frames` pass). Records
## each peer's state changes into `seqs` (an Array per peer) when given. Returns done's value.
func poll_until(peers: Array, done: Callable, max_frames := 3000, seqs := []) -> bool:
	for i in max_frames:
		for k in peers.size():
			peers[k].poll()
			if k < seqs.size():
				_note(seqs[k], peers[k].get_ready_state())
		if done.call():
			return true
		await frame()
	return done.call()


## Polls until every peer is CLOSED; returns each peer's state sequence (starting with its state
## before the first poll).
func poll_closed(peers: Array, max_frames := 3000) -> Array:
	var seqs := []
	for x in peers:
		seqs.append([x.get_ready_state()])
	await poll_until(peers, func(): return peers.all(func(x): return x.get_ready_state() == CLOSED), max_frames, seqs)
	return seqs


## Polls the pair until `ws` has `n` packets queued (OPEN only, as Godot counts them).
func wait_packets(r: Dictionary, ws, n: int, max_frames := 3000) -> bool:
	return await poll_until([r.cws, r.sws], func(): return ws.get_available_packet_count() >= n, max_frames)


## Every packet queued on `ws`: [[bytes, was_string, get_packet_error], ...].
static func drain(ws) -> Array:
	var out := []
	while ws.get_available_packet_count() > 0:
		var pkt: PackedByteArray = ws.get_packet()
		out.append([pkt, ws.was_string_packet(), ws.get_packet_error()])
	return out


static func close_info(ws) -> Array:
	return [ws.get_ready_state(), ws.get_close_code(), ws.get_close_reason()]


## Runs `scenario.call(pairing)` (returns a transcript) for every pairing, tearing down between
## runs, and compares each transcript with the built-in pairing's.
func compare(scenario: Callable) -> Array:
	var want = null
	var all := []
	for p in pairings():
		var got = await scenario.call(p)
		teardown()
		if OS.get_environment("RUSTNET_WS_DUMP") != "":
			print("--- %s / %s" % [case_name, pname(p)])
			for entry in got:
				print("    ", var_to_str(entry).replace("\n", " "))
		all.append(got)
		if want == null:
			want = got
			check(got is Array and not got.is_empty(), "empty transcript")
		else:
			_diff(got, want, pname(p))
	return all


## eq() on transcripts, reporting the first differing entry rather than the whole thing.
func _diff(got, want, label: String) -> void:
	if got is Array and want is Array:
		for i in mini(got.size(), want.size()):
			if typeof(got[i]) != typeof(want[i]) or got[i] != want[i]:
				eq(got[i], want[i], "%s: transcript entry %d" % [label, i])
				return
		eq(got.size(), want.size(), "%s: transcript length" % label)
	else:
		eq(got, want, label)


# --- raw sockets: hand-written peers -------------------------------------------------------

## A loopback TCPServer for a hand-written peer.
func raw_server() -> TCPServer:
	var s := TCPServer.new()
	s.listen(0, HOST)
	_objs.append(s)
	return s


## Waits for a connection on `s` (polling `pollee` if given meanwhile); returns it or null.
func raw_accept(s: TCPServer, pollee = null) -> StreamPeerTCP:
	for i in 3000:
		if pollee != null:
			pollee.poll()
		if s.is_connection_available():
			var c := s.take_connection()
			_objs.append(c)
			return c
		await frame()
	return null


## Reads an HTTP head (up to the blank line) from `conn`, polling `pollee` meanwhile.
func raw_read_head(conn: StreamPeerTCP, pollee = null) -> String:
	var buf := PackedByteArray()
	for i in 3000:
		if pollee != null:
			pollee.poll()
		conn.poll()
		var n := conn.get_available_bytes()
		if n > 0:
			buf.append_array(conn.get_partial_data(n)[1])
			var text := buf.get_string_from_ascii()
			if text.contains("\r\n\r\n"):
				return text
		if conn.get_status() != StreamPeerTCP.STATUS_CONNECTED:
			break
		await frame()
	return buf.get_string_from_ascii()


## The request's headers, names lower-cased: {name: value}.
static func head_headers(head: String) -> Dictionary:
	var out := {}
	var lines := head.split("\r\n")
	for i in range(1, lines.size()):
		var kv := lines[i].split(":", true, 1)
		if kv.size() == 2:
			out[kv[0].strip_edges().to_lower()] = kv[1].strip_edges()
	return out


static func accept_key(key: String) -> String:
	return Marshalls.raw_to_base64((key + WS_GUID).sha1_buffer())


## One unfragmented frame. Client frames get the all-zero mask (legal, payload unchanged).
static func frame_bytes(opcode: int, payload: PackedByteArray, masked := false) -> PackedByteArray:
	var b := PackedByteArray([0x80 | opcode])
	var m := 0x80 if masked else 0
	var n := payload.size()
	if n < 126:
		b.append(m | n)
	elif n < 65536:
		b.append_array(PackedByteArray([m | 126, n >> 8, n & 0xff]))
	else:
		b.append(m | 127)
		for k in range(7, -1, -1):
			b.append((n >> (8 * k)) & 0xff)
	if masked:
		b.append_array(PackedByteArray([0, 0, 0, 0]))
	b.append_array(payload)
	return b


static func close_payload(code: int, reason: String) -> PackedByteArray:
	var b := PackedByteArray([code >> 8, code & 0xff])
	b.append_array(reason.to_utf8_buffer())
	return b


## Everything `conn` has received so far (polling `pollee` for `frames` frames first).
func raw_collect(conn: StreamPeerTCP, pollee = null, frames := 20) -> PackedByteArray:
	var buf := PackedByteArray()
	for i in frames:
		if pollee != null:
			pollee.poll()
		conn.poll()
		var n := conn.get_available_bytes()
		if n > 0:
			buf.append_array(conn.get_partial_data(n)[1])
		await frame()
	return buf


## A RustHTTPClient connected to a RustTCPServer on HOST: [http, server, the server side's
## StreamPeer], all freed in teardown; [] (and a failed check) when it did not connect.
func http_connected() -> Array:
	var server = new_server(true)
	server.listen(0, HOST)
	var http := RustHTTPClient.new()
	_objs.append(http)
	eq(http.connect_to_host(HOST, server.get_local_port()), OK, "connect_to_host")
	var peer = await accept_connection(server, http, HTTPClient.STATUS_CONNECTED, _objs)
	if not eq(http.get_status(), HTTPClient.STATUS_CONNECTED, "HTTP client connected"):
		return []
	return [http, server, peer]


## A RustTCPServer on HOST with one StreamPeerTCP connection to it waiting to be taken:
## [server, tcp] (a failed check if it never arrived).
func pending_connection() -> Array:
	var server = new_server(true)
	server.listen(0, HOST)
	var tcp := StreamPeerTCP.new()
	_objs.append(tcp)
	tcp.connect_to_host(HOST, server.get_local_port())
	var ok := await poll_until([tcp], func(): return server.is_connection_available())
	check(ok, "a connection to accept")
	return [server, tcp]
