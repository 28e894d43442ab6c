## Base of the hostile-peer suites (tests/hostile/): RustNet against loopback peers that misbehave
## on purpose (tests/servers/hostile.py, started by scripts/test.sh).
##
## Every case checks three things:
## - the outcome GDScript sees (status, Error, close code): an error, never a fake success;
## - that each call into a RustNet object returned within CALL_BOUND_USEC (a hang or an
##   O(n²) blow-up fails; the maximum seen is printed);
## - the process's peak resident memory during the case (VmHWM after resetting it through
##   /proc/self/clear_refs), under a bound derived from the configured limits (printed).
extends "suite.gd"

const HOST := "127.0.0.1"
## A generous bound on any single call: real calls take microseconds to a few milliseconds.
const CALL_BOUND_USEC := 1_000_000
## Memory headroom every case gets on top of its limits: allocator slack, Godot's own buffers.
const MEM_SLACK_KB := 48 * 1024

var max_call_usec := 0
var slowest_call := ""
var _rss_start_kb := 0
var _mem_bound_kb := 0
var _objs: Array = []
## The end RustNet plays in this suite's WebSocket cases: "client" (against hostile.py's
## /ws/<case> servers, ws_client) or "server" (attacked by hostile.py /attack, ws_server).
var ws_side := "client"


func setup() -> void:
	max_call_usec = 0
	mem_begin(0)


func teardown() -> void:
	for o in _objs:
		if o == null or not is_instance_valid(o):
			continue
		if o.has_method("stop"):
			o.stop()
		elif o.has_method("get_ready_state"):
			o.close(-1)
		elif o.has_method("disconnect_from_host"):
			o.disconnect_from_host()
		elif o.has_method("close"):
			o.close()
	_objs.clear()


func track(o):
	_objs.append(o)
	return o


# ----- environment ------------------------------------------------------------------------


func port() -> int:
	return env_int("RUSTNET_HOSTILE_PORT")


func tls_port() -> int:
	return env_int("RUSTNET_HOSTILE_TLS_PORT")


func raw_tls_port(name: String) -> int:
	var ports = JSON.parse_string(OS.get_environment("RUSTNET_HOSTILE_RAW_TLS"))
	check(ports is Dictionary and ports.has(name), "RUSTNET_HOSTILE_RAW_TLS has no port '%s'" % name)
	return int(ports[name]) if ports is Dictionary and ports.has(name) else 0


func trusted_tls() -> TLSOptions:
	var ca := X509Certificate.new()
	check(ca.load(OS.get_environment("RUSTNET_CERT_DIR").path_join("ca.pem")) == OK, "test CA loads")
	return TLSOptions.client(ca)


# ----- bounded calls ----------------------------------------------------------------------


## Calls `method` on `obj` and records how long it took.
func tcall(obj: Object, method: StringName, args: Array = []):
	var t0 := Time.get_ticks_usec()
	var r = obj.callv(method, args)
	var dt := Time.get_ticks_usec() - t0
	if dt > max_call_usec:
		max_call_usec = dt
		slowest_call = "%s.%s" % [obj.get_class(), method]
	return r


# ----- memory -----------------------------------------------------------------------------


static func proc_status_kb(field: String) -> int:
	var f := FileAccess.open("/proc/self/status", FileAccess.READ)
	if f == null:
		return 0
	while not f.eof_reached():
		var line := f.get_line()
		if line.begins_with(field + ":"):
			return int(line.substr(field.length() + 1).strip_edges().split(" ")[0])
	return 0


## Resets the peak-RSS counter; the case's bound is `limit_kb` (what its limits allow) + slack.
func mem_begin(limit_kb: int) -> void:
	var f := FileAccess.open("/proc/self/clear_refs", FileAccess.WRITE)
	if f != null:
		f.store_string("5")
		f.close()
	_rss_start_kb = proc_status_kb("VmRSS")
	_mem_bound_kb = limit_kb + MEM_SLACK_KB


## Checks the call-time and memory bounds and prints what was measured.
func finish() -> void:
	var peak := proc_status_kb("VmHWM")
	var grew := peak - _rss_start_kb
	check(max_call_usec < CALL_BOUND_USEC, "%s took %d us (bound %d us)" % [slowest_call, max_call_usec, CALL_BOUND_USEC])
	check(grew < _mem_bound_kb, "peak RSS grew by %d kB (bound %d kB)" % [grew, _mem_bound_kb])
	print("       max call %d us (%s), peak RSS +%d kB (bound %d kB)" % [max_call_usec, slowest_call, grew, _mem_bound_kb])


# ----- HTTP -------------------------------------------------------------------------------


## Connects a RustHTTPClient (TLS when opts.tls), sends GET `path`, and drives it until the
## response is complete or failed, reading the body as a script would. Returns
## {connect, request, status, code, body, statuses, headers}.
func http_get(path: String, opts := {}) -> Dictionary:
	var c = track(ClassDB.instantiate("RustHTTPClient"))
	for k in opts.get("props", {}):
		c.set(k, opts.props[k])
	var tls = trusted_tls() if opts.get("tls", false) else null
	var p: int = opts.get("port", tls_port() if tls != null else port())
	var r := {"statuses": [], "body": PackedByteArray(), "code": -1, "request": null, "headers": []}
	r.connect = tcall(c, &"connect_to_host", [HOST, p, tls])
	var deadline := Time.get_ticks_msec() + int(opts.get("seconds", 10.0) * 1000.0)
	var requested := false
	while Time.get_ticks_msec() < deadline:
		tcall(c, &"poll")
		var s: int = tcall(c, &"get_status")
		_note(r.statuses, s)
		if s == HTTPClient.STATUS_CONNECTED and not requested:
			requested = true
			r.request = tcall(c, &"request", [HTTPClient.METHOD_GET, path, PackedStringArray()])
		elif s == HTTPClient.STATUS_BODY:
			r.code = tcall(c, &"get_response_code")
			r.body.append_array(tcall(c, &"read_response_body_chunk"))
			# Stop polling once the body is complete: what a poll in CONNECTED does with
			# stray bytes is the cases' business.
			s = tcall(c, &"get_status")
			_note(r.statuses, s)
			if s == HTTPClient.STATUS_CONNECTED:
				break
		elif s == HTTPClient.STATUS_CONNECTED and requested:
			r.code = tcall(c, &"get_response_code")
			break
		elif s in [HTTPClient.STATUS_CONNECTION_ERROR, HTTPClient.STATUS_TLS_HANDSHAKE_ERROR, HTTPClient.STATUS_DISCONNECTED, HTTPClient.STATUS_CANT_CONNECT]:
			break
		await frame()
	r.status = tcall(c, &"get_status")
	r.code = tcall(c, &"get_response_code") if r.code == -1 else r.code
	r.client = c
	return r


static func _note(seq: Array, s) -> void:
	if seq.is_empty() or seq[-1] != s:
		seq.append(s)


## The response failed: CONNECTION_ERROR (or `want`), and it never looked complete.
func expect_http_error(r: Dictionary, want := HTTPClient.STATUS_CONNECTION_ERROR) -> void:
	eq(r.status, want, "final status (statuses seen %s, body %d bytes)" % [r.statuses, r.body.size()])
	check(not completed(r), "a failed response never ends in CONNECTED (statuses %s)" % [r.statuses])


## The response looked complete: CONNECTED after REQUESTING.
static func completed(r: Dictionary) -> bool:
	var i: int = r.statuses.find(HTTPClient.STATUS_REQUESTING)
	return i >= 0 and HTTPClient.STATUS_CONNECTED in r.statuses.slice(i + 1)


## The response completed with this code and body.
func expect_http_ok(r: Dictionary, code: int, body: String) -> void:
	check(completed(r), "the response completed (statuses %s)" % [r.statuses])
	eq(r.code, code, "response code")
	eq(r.body.get_string_from_utf8(), body, "body")


# ----- WebSocket --------------------------------------------------------------------------


func new_ws():
	return track(ClassDB.instantiate("RustWebSocketPeer"))


## Drives `ws` until CLOSED (or the deadline), collecting packets. Returns
## {states, packets, code, reason, state}.
func ws_run(ws, seconds := 10.0) -> Dictionary:
	var r := {"states": [], "packets": []}
	var deadline := Time.get_ticks_msec() + int(seconds * 1000.0)
	while Time.get_ticks_msec() < deadline:
		tcall(ws, &"poll")
		var s: int = tcall(ws, &"get_ready_state")
		_note(r.states, s)
		while tcall(ws, &"get_available_packet_count") > 0:
			var pkt: PackedByteArray = tcall(ws, &"get_packet")
			r.packets.append(pkt.get_string_from_utf8() if tcall(ws, &"was_string_packet") else pkt)
		if s == WebSocketPeer.STATE_CLOSED:
			break
		await frame()
	r.state = tcall(ws, &"get_ready_state")
	r.code = tcall(ws, &"get_close_code")
	r.reason = tcall(ws, &"get_close_reason")
	return r


## A RustWebSocketPeer client against /ws/<name> of the hostile server.
func ws_client(name: String, opts := {}) -> Dictionary:
	var ws = new_ws()
	for k in opts.get("props", {}):
		ws.set(k, opts.props[k])
	var err = tcall(ws, &"connect_to_url", ["ws://%s:%d/ws/%s" % [HOST, port(), name]])
	eq(err, OK, "connect_to_url")
	var r := await ws_run(ws, opts.get("seconds", 10.0))
	r.ws = ws
	return r


## The connection ended CLOSED with close code `code` (what GDScript reads), and no packet
## of the bad message was delivered.
func expect_ws_closed(r: Dictionary, code: int, packets: Array = []) -> void:
	eq(r.state, WebSocketPeer.STATE_CLOSED, "final state (states %s)" % [r.states])
	eq(r.code, code, "close code (reason '%s')" % r.reason)
	eq(r.packets, packets, "packets delivered")


## The handshake failed: the peer never reached OPEN and ended CLOSED.
func expect_ws_refused(r: Dictionary) -> void:
	eq(r.state, WebSocketPeer.STATE_CLOSED, "final state")
	check(not (WebSocketPeer.STATE_OPEN in r.states), "never OPEN (states %s)" % [r.states])


## Makes the hostile server connect to `server_port` and run attack `name` (it is the client).
func launch_attack(name: String, server_port: int, query := "") -> void:
	var t := StreamPeerTCP.new()
	t.connect_to_host(HOST, port())
	for i in 2000:
		t.poll()
		if t.get_status() != StreamPeerTCP.STATUS_CONNECTING:
			break
		await frame()
	check(t.get_status() == StreamPeerTCP.STATUS_CONNECTED, "reached the hostile server")
	t.put_data(("GET /attack?case=%s&port=%d%s HTTP/1.1\r\nHost: x\r\n\r\n" % [name, server_port, query]).to_utf8_buffer())
	# The server closes this connection itself; keep it until then so the request is not lost.
	_objs.append(t)


## A RustTCPServer + RustWebSocketPeer server, attacked by the hostile client `name`.
## Returns ws_run's result plus {accepted}.
func ws_server(name: String, opts := {}) -> Dictionary:
	var server = track(RustTCPServer.new())
	eq(server.listen(0, HOST), OK, "listen")
	var ws = new_ws()
	for k in opts.get("props", {}):
		ws.set(k, opts.props[k])
	await launch_attack(name, server.get_local_port(), opts.get("query", ""))
	var deadline := Time.get_ticks_msec() + 5000
	while not tcall(server, &"is_connection_available") and Time.get_ticks_msec() < deadline:
		await frame()
	var accepted := false
	if tcall(server, &"is_connection_available"):
		accepted = tcall(ws, &"accept_stream", [tcall(server, &"take_connection")]) == OK
	check(accepted, "the attacker's connection was accepted")
	var r := await ws_run(ws, opts.get("seconds", 10.0))
	r.ws = ws
	return r


## Runs WebSocket case `name` on this suite's side (ws_side).
func ws_case(name: String, opts := {}) -> Dictionary:
	if ws_side == "server":
		return await ws_server(name, opts)
	return await ws_client(name, opts)


## Case `name` ends CLOSED with close code `code` after delivering `packets`.
func closed_with(name: String, code: int, packets: Array = [], opts := {}) -> Dictionary:
	var r := await ws_case(name, opts)
	expect_ws_closed(r, code, packets)
	finish()
	return r


## Case `name` never opens: the handshake is refused.
func refused(name: String, opts := {}) -> Dictionary:
	var r := await ws_case(name, opts)
	expect_ws_refused(r)
	finish()
	return r


## GET `path` (with http_get's `opts`) ends in status `want`: the case is an error.
func http_error_case(path: String, opts := {}, want := HTTPClient.STATUS_CONNECTION_ERROR) -> Dictionary:
	var r := await http_get(path, opts)
	expect_http_error(r, want)
	finish()
	return r
