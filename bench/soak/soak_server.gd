## Soak server for scripts/soak.sh: RustTCPServer + RustWebSocketPeer echoing every message back
## to whoever sent it, plus one RustHTTPClient doing keep-alive GET requests in a loop against
## the soak HTTP server. Writes its port to --port-file, runs --duration seconds, then writes a
## JSON summary to --summary (poll time per frame p50/p99, peers, HTTP counts) and quits.
##
## Usage: godot --headless --path godot_project -s bench/soak/soak_server.gd -- \
##        --port-file=F --summary=F --duration=S --http-port=N
extends SceneTree

var _opts := {}
var _server: RustTCPServer
var _peers: Array = []
var _frame_us := PackedInt32Array()
var _start_ms := 0
var _accepted := 0
var _closed := 0
var _echoed := 0
var _echo_errors := 0
var _max_peers := 0

# HTTP keep-alive loop.
var _http: RustHTTPClient
var _http_seq := 0
var _http_body := PackedByteArray()
var _http_ok := 0
var _http_bad := 0
var _http_errors := 0
var _http_connects := 0
var _http_in_flight := false


func _initialize() -> void:
	for arg in OS.get_cmdline_user_args():
		if arg.begins_with("--") and "=" in arg:
			var kv := arg.substr(2).split("=", true, 1)
			_opts[kv[0]] = kv[1]
	Engine.max_fps = int(_opts.get("max-fps", "500"))
	_server = RustTCPServer.new()
	if _server.listen(0, "127.0.0.1") != OK:
		push_error("soak: listen failed")
		quit(1)
		return
	var f := FileAccess.open(_opts["port-file"], FileAccess.WRITE)
	f.store_string(str(_server.get_local_port()))
	f.close()
	_http = RustHTTPClient.new()
	_start_ms = Time.get_ticks_msec()


func _process(_delta: float) -> bool:
	var t0 := Time.get_ticks_usec()
	while _server.is_connection_available():
		var ws := RustWebSocketPeer.new()
		ws.inbound_buffer_size = 1 << 16
		ws.outbound_buffer_size = 1 << 20
		if ws.accept_stream(_server.take_connection()) == OK:
			_peers.append(ws)
			_accepted += 1
	var i := 0
	while i < _peers.size():
		var ws: RustWebSocketPeer = _peers[i]
		ws.poll()
		while ws.get_available_packet_count() > 0:
			var pkt := ws.get_packet()
			var mode := RustWebSocketPeer.WRITE_MODE_TEXT if ws.was_string_packet() else RustWebSocketPeer.WRITE_MODE_BINARY
			if ws.send(pkt, mode) == OK:
				_echoed += 1
			else:
				_echo_errors += 1
		if ws.get_ready_state() == RustWebSocketPeer.STATE_CLOSED:
			_peers[i] = _peers[-1]
			_peers.pop_back()
			_closed += 1
		else:
			i += 1
	_max_peers = maxi(_max_peers, _peers.size())
	_http_step()
	_frame_us.append(Time.get_ticks_usec() - t0)
	var elapsed := (Time.get_ticks_msec() - _start_ms) / 1000.0
	if elapsed >= float(_opts.get("duration", "60")):
		_finish()
		return true
	return false


func _http_step() -> void:
	var port := int(_opts.get("http-port", "0"))
	if port == 0:
		return
	match _http.get_status():
		HTTPClient.STATUS_DISCONNECTED:
			if _http.connect_to_host("127.0.0.1", port) == OK:
				_http_connects += 1
		HTTPClient.STATUS_RESOLVING, HTTPClient.STATUS_CONNECTING, HTTPClient.STATUS_REQUESTING:
			_http.poll()
		HTTPClient.STATUS_CONNECTED:
			if _http_in_flight:
				_http_done()
			_http_seq += 1
			_http_body = PackedByteArray()
			if _http.request(RustHTTPClient.METHOD_GET, "/seq/%d" % _http_seq, PackedStringArray()) == OK:
				_http_in_flight = true
			else:
				_http_errors += 1
				_http.close()
		HTTPClient.STATUS_BODY:
			_http.poll()
			_http_body.append_array(_http.read_response_body_chunk())
			if _http.get_status() == HTTPClient.STATUS_CONNECTED:
				_http_done()
		_:
			_http_errors += 1
			_http_in_flight = false
			_http.close()


func _http_done() -> void:
	_http_in_flight = false
	if _http_body.get_string_from_ascii() == "seq %d" % _http_seq:
		_http_ok += 1
	else:
		_http_bad += 1


func _finish() -> void:
	var sorted := _frame_us.duplicate()
	sorted.sort()
	var n := sorted.size()
	var pct := func(p: float) -> int: return sorted[mini(n - 1, int(p * n))] if n > 0 else 0
	var summary := {
		"seconds": (Time.get_ticks_msec() - _start_ms) / 1000.0,
		"frames": n,
		"poll_us_p50": pct.call(0.50),
		"poll_us_p99": pct.call(0.99),
		"poll_us_max": sorted[n - 1] if n > 0 else 0,
		"ws_accepted": _accepted,
		"ws_closed": _closed,
		"ws_open_at_end": _peers.size(),
		"ws_max_concurrent": _max_peers,
		"ws_echoed": _echoed,
		"ws_echo_errors": _echo_errors,
		"http_requests_ok": _http_ok,
		"http_bad_bodies": _http_bad,
		"http_errors": _http_errors,
		"http_connections": _http_connects,
	}
	var f := FileAccess.open(_opts["summary"], FileAccess.WRITE)
	f.store_string(JSON.stringify(summary, "  "))
	f.close()
	for ws in _peers:
		ws.close(1001, "soak over")
	_http.close()
	_server.stop()
