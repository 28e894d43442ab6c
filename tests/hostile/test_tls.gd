## TLS under attack: RustHTTPClient over https, RustStreamPeerTLS and wss RustWebSocketPeer
## against tests/servers/hostile.py (tls_port: TLS then the usual routes; raw_tls: ports that
## misbehave inside the handshake). docs/hostile.md lists every case.
extends "../lib/hostile_suite.gd"


func _https_error(path: String, want := HTTPClient.STATUS_CONNECTION_ERROR) -> Dictionary:
	return await http_error_case(path, {"tls": true}, want)


func _handshake_error(raw: String) -> void:
	await http_error_case("/", {"tls": true, "port": raw_tls_port(raw)}, HTTPClient.STATUS_TLS_HANDSHAKE_ERROR)


# --- inside the handshake -------------------------------------------------------------------

func test_handshake_random_bytes() -> void:
	await _handshake_error("garbage")


func test_handshake_plaintext_http_answer() -> void:
	await _handshake_error("http")


func test_handshake_record_length_65535() -> void:
	await _handshake_error("huge_record")


func test_handshake_truncated_server_flight() -> void:
	await _handshake_error("truncated")


func test_handshake_endless_records() -> void:
	await _handshake_error("endless_records")


# --- after the handshake: records and truncation --------------------------------------------

func test_https_endless_headers() -> void:
	await _https_error("/endless_headers")


func test_https_truncated_record() -> void:
	await _https_error("/tls_truncated_record")


func test_https_garbage_records() -> void:
	await _https_error("/tls_garbage_after")


func test_https_record_over_16kib() -> void:
	await _https_error("/tls_huge_record")


func test_https_body_cut_short_with_close_notify() -> void:
	await _https_error("/tls_cut_close_notify")


func test_https_stray_response_not_reused() -> void:
	var r := await http_get("/longer_reuse", {"tls": true})
	expect_http_ok(r, 200, "hello")
	var c = r.client
	var err = tcall(c, &"request", [HTTPClient.METHOD_GET, "/second", PackedStringArray()])
	var deadline := Time.get_ticks_msec() + 3000
	var body := PackedByteArray()
	while err == OK and Time.get_ticks_msec() < deadline:
		tcall(c, &"poll")
		var s: int = tcall(c, &"get_status")
		if s == HTTPClient.STATUS_BODY:
			body.append_array(tcall(c, &"read_response_body_chunk"))
		elif s != HTTPClient.STATUS_REQUESTING:
			break
		await frame()
	check(body.get_string_from_utf8() != "injected", "the stray bytes were not read as the next response")
	eq(tcall(c, &"get_status"), HTTPClient.STATUS_CONNECTION_ERROR, "closed with an error")
	finish()


func test_https_close_delimited_without_close_notify() -> void:
	# A body that only the close delimits, ended by a TCP FIN without TLS close_notify, could
	# have been cut by anyone on the path: an error, not a complete body (OpenSSL 3 and curl
	# agree; Godot reports success).
	var r := await _https_error("/tls_until_close_no_notify")
	eq(r.body.get_string_from_utf8(), "hello", "the bytes that came are still handed over")


func test_https_close_delimited_with_close_notify() -> void:
	var r := await http_get("/tls_until_close_notify", {"tls": true})
	eq(r.status, HTTPClient.STATUS_DISCONNECTED, "final status (statuses %s)" % [r.statuses])
	eq(r.body.get_string_from_utf8(), "hello", "body")
	finish()


# --- RustStreamPeerTLS ----------------------------------------------------------------------

func _stream_tls(p: int, request := "") -> Dictionary:
	var tcp = track(ClassDB.instantiate("RustStreamPeerTCP"))
	tcall(tcp, &"connect_to_host", [HOST, p])
	var tls = track(ClassDB.instantiate("RustStreamPeerTLS"))
	var r := {"statuses": [], "data": PackedByteArray(), "errors": []}
	var started := false
	var sent := false
	var deadline := Time.get_ticks_msec() + 8000
	while Time.get_ticks_msec() < deadline:
		if not started:
			tcall(tcp, &"poll")
			if tcall(tcp, &"get_status") == StreamPeerTCP.STATUS_CONNECTED:
				eq(tcall(tls, &"connect_to_stream", [tcp, "localhost", trusted_tls()]), OK, "connect_to_stream")
				started = true
			await frame()
			continue
		tcall(tls, &"poll")
		var s: int = tcall(tls, &"get_status")
		_note(r.statuses, s)
		if s == StreamPeerTLS.STATUS_CONNECTED:
			if request != "" and not sent:
				sent = true
				tcall(tls, &"put_data", [request.to_utf8_buffer()])
			var got: Array = tcall(tls, &"get_partial_data", [65536])
			if got[0] != OK:
				r.errors.append(got[0])
			r.data.append_array(got[1])
		elif s != StreamPeerTLS.STATUS_HANDSHAKING:
			break
		await frame()
	r.status = tcall(tls, &"get_status")
	return r


func test_stream_tls_handshake_random_bytes() -> void:
	var r := await _stream_tls(raw_tls_port("garbage"))
	eq(r.status, StreamPeerTLS.STATUS_ERROR, "status (%s)" % [r.statuses])
	check(not (StreamPeerTLS.STATUS_CONNECTED in r.statuses), "never CONNECTED")
	finish()


func test_stream_tls_handshake_truncated() -> void:
	var r := await _stream_tls(raw_tls_port("truncated"))
	eq(r.status, StreamPeerTLS.STATUS_ERROR, "status (%s)" % [r.statuses])
	check(not (StreamPeerTLS.STATUS_CONNECTED in r.statuses), "never CONNECTED")
	finish()


func test_stream_tls_garbage_after_data() -> void:
	# Like Godot's StreamPeerTLS, a broken session ends DISCONNECTED (ERR_CONNECTION_ERROR from
	# the read that meets it); no garbage is ever handed over as data.
	var r := await _stream_tls(tls_port(), "GET /stream_echo?then=garbage HTTP/1.1\r\n\r\n")
	check("pong".begins_with(r.data.get_string_from_utf8()), "only real data (%s)" % [r.data])
	eq(r.status, StreamPeerTLS.STATUS_DISCONNECTED, "status (%s)" % [r.statuses])
	check(StreamPeerTLS.STATUS_CONNECTED in r.statuses, "was CONNECTED first")
	finish()


func test_stream_tls_truncated_record_after_data() -> void:
	var r := await _stream_tls(tls_port(), "GET /stream_echo?then=truncated HTTP/1.1\r\n\r\n")
	check(r.data.size() <= 4, "the cut record is not delivered (%d bytes)" % r.data.size())
	check("pong".begins_with(r.data.get_string_from_utf8()), "only real data")
	eq(r.status, StreamPeerTLS.STATUS_DISCONNECTED, "status (%s)" % [r.statuses])
	finish()


# --- wss ------------------------------------------------------------------------------------

func _wss(name: String) -> Dictionary:
	var ws = new_ws()
	eq(tcall(ws, &"connect_to_url", ["wss://localhost:%d/ws/%s" % [tls_port(), name], trusted_tls()]), OK, "connect_to_url")
	return await ws_run(ws)


func test_wss_oversized_message() -> void:
	expect_ws_closed(await _wss("oversized"), 1009)
	finish()


func test_wss_masked_server_frame() -> void:
	expect_ws_closed(await _wss("masked_frame"), 1002)
	finish()


func test_wss_handshake_garbage_records() -> void:
	var ws = new_ws()
	tcall(ws, &"connect_to_url", ["wss://localhost:%d/" % raw_tls_port("garbage"), trusted_tls()])
	expect_ws_refused(await ws_run(ws))
	finish()
