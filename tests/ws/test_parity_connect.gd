## WebSocketPeer parity, connecting: fresh objects, connect_to_url errors, refusal, the handshake
## (both directions on the wire, checked with hand-written peers), subprotocols, requested_url,
## connected host/port, and reuse. Built-in pairing first; every other pairing must observe the
## same (see ../lib/ws_suite.gd).
extends "../lib/ws_suite.gd"


func _fresh_state(ws) -> Array:
	return [ws.get_ready_state(), ws.get_close_code(), ws.get_close_reason(), ws.get_selected_protocol(),
		ws.get_requested_url(), ws.get_available_packet_count(), ws.get_current_outbound_buffered_amount(),
		ws.was_string_packet(), ws.supported_protocols, ws.handshake_headers, ws.inbound_buffer_size,
		ws.outbound_buffer_size, ws.max_queued_packets, ws.heartbeat_interval, typeof(ws.heartbeat_interval),
		ws.encode_buffer_max_size, ws.get_connected_host(), ws.get_connected_port()]


func _fresh_scenario(p: Array) -> Array:
	var t := []
	for rust in [p[1], p[2]]:
		var ws = new_ws(rust)
		var label := pname(p) + (" (ours)" if rust else " (built-in)")
		var fresh := _fresh_state(ws)
		eq(fresh.slice(0, 3), [CLOSED, -1, ""], label + ": fresh state/code/reason")
		t.append(["fresh", fresh])
		ws.poll()
		t.append(["polled", ws.get_ready_state(), ws.get_close_code()])
		var pkt: PackedByteArray = ws.get_packet()
		t.append(["get_packet", pkt, ws.get_packet_error()])
		eq(ws.get_packet_error(), FAILED, label + ": get_packet when not OPEN")
		t.append(["get_var", ws.get_var(), ws.get_packet_error()])
		t.append(["send", ws.send_text("x"), ws.send(PackedByteArray([1])), ws.put_packet(PackedByteArray([1])), ws.put_var(1)])
		eq(ws.send_text("x"), FAILED, label + ": send when not OPEN")
		ws.close()
		t.append(["close", ws.get_ready_state(), ws.get_close_code(), ws.get_close_reason()])
		ws.close(4000, "x")
		t.append(["close(4000)", ws.get_ready_state(), ws.get_close_code(), ws.get_close_reason()])
		ws.set_no_delay(true)
		ws.supported_protocols = PackedStringArray([" superchat ", "x\t", "y"])
		ws.handshake_headers = PackedStringArray([" X-A: 1 ", "X-B:2"])
		t.append(["setters", ws.supported_protocols, ws.handshake_headers])
		eq(ws.supported_protocols, PackedStringArray(["superchat", "x", "y"]), label + ": supported_protocols trimmed")
		ws.inbound_buffer_size = 10
		ws.outbound_buffer_size = 0
		ws.max_queued_packets = 7
		ws.heartbeat_interval = 0.25
		t.append(["sizes", ws.inbound_buffer_size, ws.outbound_buffer_size, ws.max_queued_packets, ws.heartbeat_interval, typeof(ws.heartbeat_interval)])
		ws.heartbeat_interval = -1.0
		t.append(["negative heartbeat ignored", ws.heartbeat_interval])
	return t


func test_fresh_object() -> void:
	await compare(_fresh_scenario)


func _server_tls() -> TLSOptions:
	var dir := OS.get_environment("RUSTNET_CERT_DIR")
	var key := CryptoKey.new()
	var cert := X509Certificate.new()
	if dir != "" and key.load(dir.path_join("server-rsa.key")) == OK and cert.load(dir.path_join("server-rsa.pem")) == OK:
		return TLSOptions.server(key, cert)
	var crypto := Crypto.new()
	key = crypto.generate_rsa(1024)
	cert = crypto.generate_self_signed_certificate(key, "CN=localhost")
	return TLSOptions.server(key, cert)


func _url_errors_scenario(p: Array) -> Array:
	var t := []
	var label := pname(p)
	var ws = new_ws(p[2])
	var cases := [
		["empty", ""], ["bad scheme", "http://127.0.0.1:1234/"], ["ftp scheme", "ftp://127.0.0.1:1234/"],
		["port 0", "ws://127.0.0.1:0/"], ["port 70000", "ws://127.0.0.1:70000/"], ["query without path", "ws://127.0.0.1:1234?x=1"],
		["empty host", "ws://:1234/"], ["two colons", "ws://1:2:3/"], ["non-numeric port", "ws://127.0.0.1:ab/"],
	]
	for c in cases:
		var err = ws.connect_to_url(c[1])
		t.append([c[0], err, ws.get_ready_state(), ws.get_requested_url()])
		eq(err, ERR_INVALID_PARAMETER, "%s: connect_to_url(%s)" % [label, c[1]])
	var err2 = ws.connect_to_url("wss://127.0.0.1:1234/", _server_tls())
	t.append(["server TLS options", err2, ws.get_ready_state()])
	eq(err2, ERR_INVALID_PARAMETER, label + ": TLSOptions.server given to connect_to_url")
	# Accepted spellings: upper-case scheme, no scheme; the URL is reported exactly as passed.
	var s := raw_server()
	var port := s.get_local_port()
	for url in ["WS://127.0.0.1:%d/Up" % port, "127.0.0.1:%d/noscheme" % port, "ws://user:pw@127.0.0.1:%d/p#frag" % port]:
		var e = ws.connect_to_url(url)
		t.append([url.replace(str(port), "PORT"), e, ws.get_ready_state(), ws.get_requested_url() == url, ws.get_close_code()])
		eq(e, OK, "%s: connect_to_url(%s)" % [label, url])
		var conn := await raw_accept(s, ws)
		var head := ""
		if conn != null:
			head = await raw_read_head(conn, ws)
		t.append(["request line", head.get_slice("\r\n", 0), head_headers(head).get("host", "").replace(str(port), "PORT")])
		# Already connecting: connect_to_url and accept_stream are refused.
		t.append(["again", ws.connect_to_url(url), ws.accept_stream(StreamPeerTCP.new()), ws.get_ready_state()])
		eq(ws.connect_to_url(url), ERR_ALREADY_IN_USE, label + ": connect_to_url while CONNECTING")
		ws.close()
		t.append(["closed while connecting", ws.get_ready_state(), ws.get_close_code(), ws.get_close_reason()])
		eq(ws.get_ready_state(), CLOSED, label + ": close() while CONNECTING is immediate")
		if conn != null:
			conn.disconnect_from_host()
	return t


func test_connect_to_url_errors() -> void:
	await compare(_url_errors_scenario)


func _refused_scenario(p: Array) -> Array:
	var ws = new_ws(p[2])
	var port := closed_port()
	var err = ws.connect_to_url("ws://127.0.0.1:%d/x" % port)
	var seq := [ws.get_ready_state()]
	await poll_until([ws], func(): return ws.get_ready_state() == CLOSED, 3000, [seq])
	var t := [["connect", err], ["states", seq], ["end", close_info(ws), ws.get_requested_url() == "ws://127.0.0.1:%d/x" % port]]
	eq(close_info(ws), [CLOSED, -1, ""], pname(p) + ": refused connection ends CLOSED -1")
	return t


func test_refused_port() -> void:
	await compare(_refused_scenario)


func _handshake_scenario(p: Array) -> Array:
	var r := await open_pair(p, {"path": "/chat/room?user=x&y=%C3%A9"})
	var c = r.cws
	var s = r.sws
	var port: int = r.server.get_local_port()
	var t := [["errors", r.connect_err, r.accept_err], ["client states", r.cstates], ["server states", r.sstates]]
	eq([c.get_ready_state(), s.get_ready_state()], [OPEN, OPEN], pname(p) + ": both OPEN")
	t.append(["urls", c.get_requested_url().replace(str(port), "PORT"), s.get_requested_url().replace(str(port), "PORT")])
	eq(s.get_requested_url(), "ws://127.0.0.1:%d/chat/room?user=x&y=%%C3%%A9" % port, pname(p) + ": server requested_url")
	t.append(["hosts", c.get_connected_host(), c.get_connected_port() == port, s.get_connected_host(), s.get_connected_port() > 0,
		s.get_connected_port() != port])
	t.append(["protocol", c.get_selected_protocol(), s.get_selected_protocol()])
	t.append(["idle", c.get_available_packet_count(), s.get_available_packet_count(), c.get_current_outbound_buffered_amount(),
		c.get_close_code(), s.get_close_code(), c.get_close_reason()])
	c.set_no_delay(false)
	s.set_no_delay(true)
	t.append(["send", c.send_text("after no_delay"), s.send_text("back")])
	await wait_packets(r, s, 1)
	await wait_packets(r, c, 1)
	t.append(["got", drain(s), drain(c)])
	return t


func test_handshake_to_open() -> void:
	await compare(_handshake_scenario)


func _protocols_scenario(p: Array) -> Array:
	var t := []
	var cases := [
		["client order wins", ["a", "b"], ["b", "a"]],
		["client order wins 2", ["beta", "alpha"], ["alpha", "beta"]],
		["second matches", ["x", "b"], ["a", "b"]],
		["no match", ["x"], ["y"]],
		["server has protocols, client none", [], ["a"]],
		["client has protocols, server none", ["a"], []],
		["setter trims", [" chat "], ["chat "]],
	]
	for k in cases:
		var r := await open_pair(p, {"client_protocols": k[1], "server_protocols": k[2]})
		# Let a failure settle: both ends end CLOSED after a silent close.
		await poll_until([r.cws, r.sws], func(): return [r.cws.get_ready_state(), r.sws.get_ready_state()] in [[OPEN, OPEN], [CLOSED, CLOSED]], 500)
		t.append([k[0], r.cstates, close_info(r.cws), close_info(r.sws), r.cws.get_selected_protocol(), r.sws.get_selected_protocol()])
		teardown()
	eq(t[0][4], "a", pname(p) + ": client [a,b] vs server [b,a]")
	eq(t[1][4], "beta", pname(p) + ": client [beta,alpha] vs server [alpha,beta]")
	eq(t[3][2], [CLOSED, -1, ""], pname(p) + ": no match closes silently")
	eq(t[4][2], [CLOSED, -1, ""], pname(p) + ": server wants a protocol, client offers none")
	eq(t[6][4], "chat", pname(p) + ": trimmed protocols match")
	return t


func test_subprotocols() -> void:
	await compare(_protocols_scenario)


## The client's request on the wire, read by a hand-written server, then a hand-written 101.
func _client_request_scenario(p: Array) -> Array:
	var t := []
	var s := raw_server()
	var port := s.get_local_port()
	var ws = new_ws(p[2])
	ws.supported_protocols = PackedStringArray(["a", "b"])
	ws.handshake_headers = PackedStringArray(["X-Custom: one", "Authorization: Bearer tok", "X-Empty:"])
	t.append(["connect", ws.connect_to_url("ws://127.0.0.1:%d/p/q?x=1#frag" % port)])
	var conn := await raw_accept(s, ws)
	if not check(conn != null, pname(p) + ": no connection"):
		return t
	var head := await raw_read_head(conn, ws)
	var lines := head.split("\r\n")
	var key := ""
	var shown := []
	for l in lines:
		if l.to_lower().begins_with("sec-websocket-key:"):
			key = l.split(":", true, 1)[1].strip_edges()
			shown.append("Sec-WebSocket-Key: <%d bytes>" % Marshalls.base64_to_raw(key).size())
		else:
			shown.append(l.replace(str(port), "PORT"))
	t.append(["request", shown])
	eq(shown, ["GET /p/q?x=1 HTTP/1.1", "Host: 127.0.0.1:PORT", "Upgrade: websocket", "Connection: Upgrade",
		"Sec-WebSocket-Key: <16 bytes>", "Sec-WebSocket-Version: 13", "Sec-WebSocket-Protocol: a,b",
		"X-Custom: one", "Authorization: Bearer tok", "X-Empty:", "", ""], pname(p) + ": client request")
	var resp := "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: %s\r\nSec-WebSocket-Protocol: b\r\n\r\n" % accept_key(key)
	var bytes := resp.to_utf8_buffer()
	# A text frame right behind the head, in the same write.
	bytes.append_array(frame_bytes(1, "hello".to_utf8_buffer()))
	conn.put_data(bytes)
	var seq := [ws.get_ready_state()]
	await poll_until([ws], func(): return ws.get_ready_state() != CONNECTING and ws.get_available_packet_count() > 0, 500, [seq])
	t.append(["client", seq, ws.get_selected_protocol(), drain(ws)])
	eq(ws.get_selected_protocol(), "b", pname(p) + ": selected protocol")
	# Frames from the client are masked.
	ws.send_text("up")
	var got := PackedByteArray()
	for i in 500:
		ws.poll()
		conn.poll()
		if conn.get_available_bytes() > 0:
			got.append_array(conn.get_partial_data(conn.get_available_bytes())[1])
		if got.size() >= 8:
			break
		await frame()
	var unmasked := PackedByteArray()
	if got.size() >= 8:
		for i in 2:
			unmasked.append(got[6 + i] ^ got[2 + i])
	t.append(["client frame", got.slice(0, 2), got.size(), unmasked.get_string_from_utf8()])
	eq(got.slice(0, 2), PackedByteArray([0x81, 0x82]), pname(p) + ": masked text frame header")
	return t


func test_client_handshake_on_the_wire() -> void:
	await compare(_client_request_scenario)


## A hand-written server answers with a broken 101: the client ends CLOSED -1.
func _bad_response_scenario(p: Array) -> Array:
	var t := []
	var cases := [
		["valid (control)", "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: {accept}\r\n\r\n", []],
		["valid, odd case", "HTTP/1.1 101 OK\r\nupgrade: WebSocket\r\nCONNECTION: upgrade\r\nsec-websocket-accept: {accept}\r\nX-Extra: 1\r\n\r\n", []],
		["HTTP/1.0", "HTTP/1.0 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: {accept}\r\n\r\n", []],
		["403", "HTTP/1.1 403 Forbidden\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: {accept}\r\n\r\n", []],
		["200", "HTTP/1.1 200 OK\r\nContent-Length: 0\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n", []],
		["Connection: Upgrade, keep-alive", "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade, keep-alive\r\nSec-WebSocket-Accept: {accept}\r\n\r\n", []],
		["no Upgrade", "HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: {accept}\r\n\r\n", []],
		["wrong accept key", "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: AAAAAAAAAAAAAAAAAAAAAAAAAAA=\r\n\r\n", []],
		["lower-cased accept key", "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: {accept_lower}\r\n\r\n", []],
		["unrequested protocol", "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: {accept}\r\nSec-WebSocket-Protocol: chat\r\n\r\n", []],
		["protocol not offered", "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: {accept}\r\nSec-WebSocket-Protocol: c\r\n\r\n", ["a", "b"]],
		["protocol missing", "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: {accept}\r\n\r\n", ["a", "b"]],
		["closed before answering", "", []],
	]
	for k in cases:
		var s := raw_server()
		var ws = new_ws(p[2])
		ws.supported_protocols = PackedStringArray(k[2])
		ws.connect_to_url("ws://127.0.0.1:%d/" % s.get_local_port())
		var conn := await raw_accept(s, ws)
		if not check(conn != null, pname(p) + ": no connection for " + k[0]):
			continue
		var head := await raw_read_head(conn, ws)
		var key: String = head_headers(head).get("sec-websocket-key", "")
		var acc := accept_key(key)
		var resp: String = k[1].format({"accept": acc, "accept_lower": acc.to_lower()})
		if resp == "":
			conn.disconnect_from_host()
		else:
			conn.put_data(resp.to_utf8_buffer())
		var seq := [ws.get_ready_state()]
		await poll_until([ws], func(): return ws.get_ready_state() != CONNECTING, 1000, [seq])
		t.append([k[0], seq, close_info(ws)])
		var want := [OPEN, -1, ""] if k[0].begins_with("valid") else [CLOSED, -1, ""]
		eq(close_info(ws), want, "%s: %s" % [pname(p), k[0]])
		teardown()
	return t


func test_bad_server_responses() -> void:
	await compare(_bad_response_scenario)


## The server side on the wire: a hand-written client's request and what comes back.
func _server_response_scenario(p: Array) -> Array:
	var t := []
	var cases := [
		["valid", "GET /a/b?c=d HTTP/1.1\r\nHost: example.com:1234\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: x, b\r\n\r\n"],
		["keep-alive, Upgrade", "GET / HTTP/1.1\r\nHost: h\r\nUpgrade: WebSocket\r\nConnection: keep-alive, Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: b\r\n\r\n"],
		["empty host", "GET / HTTP/1.1\r\nHost: \r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: b\r\n\r\n"],
		["HTTP/1.0", "GET / HTTP/1.0\r\nHost: h\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: b\r\n\r\n"],
		["version 8", "GET / HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 8\r\nSec-WebSocket-Protocol: b\r\n\r\n"],
		["no key", "GET / HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: b\r\n\r\n"],
		["POST", "POST / HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: b\r\n\r\n"],
	]
	for k in cases:
		var server = new_server(p[0])
		server.listen(0, HOST)
		var ws = new_ws(p[1])
		ws.supported_protocols = PackedStringArray(["a", "b"])
		ws.handshake_headers = PackedStringArray(["X-Server: yes", "Set-Cookie: s=1"])
		var conn := StreamPeerTCP.new()
		_objs.append(conn)
		conn.connect_to_host(HOST, server.get_local_port())
		var accepted := false
		for i in 1000:
			conn.poll()
			if server.is_connection_available():
				ws.accept_stream(server.take_connection())
				accepted = true
				break
			await frame()
		if not check(accepted, pname(p) + ": not accepted"):
			continue
		conn.put_data(k[1].to_utf8_buffer())
		var seq := [ws.get_ready_state()]
		await poll_until([ws], func(): return ws.get_ready_state() != CONNECTING, 500, [seq])
		var head := ""
		if ws.get_ready_state() == OPEN:
			head = await raw_read_head(conn, ws)
		conn.poll()
		t.append([k[0], seq, close_info(ws), ws.get_requested_url(), ws.get_selected_protocol(), head.split("\r\n")])
		teardown()
	eq(t[0][1], [CONNECTING, OPEN], pname(p) + ": valid request opens")
	eq(t[0][3], "ws://example.com:1234/a/b?c=d", pname(p) + ": requested_url from the Host header")
	eq(t[0][5], PackedStringArray(["HTTP/1.1 101 Switching Protocols", "Upgrade: websocket", "Connection: Upgrade",
		"Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=", "Sec-WebSocket-Protocol: b", "X-Server: yes", "Set-Cookie: s=1", "", ""]),
		pname(p) + ": server response")
	eq(t[2][3], "ws:///", pname(p) + ": requested_url with an empty Host")
	return t


func test_server_handshake_on_the_wire() -> void:
	await compare(_server_response_scenario)


## The same objects connect again after CLOSED: state, code, reason and protocol are reset.
func _reuse_scenario(p: Array) -> Array:
	var t := []
	var r := await open_pair(p, {"client_protocols": ["a"], "server_protocols": ["a"]})
	r.cws.close(4001, "first")
	await poll_closed([r.cws, r.sws])
	t.append(["first", close_info(r.cws), close_info(r.sws), r.cws.get_selected_protocol()])
	var c = r.cws
	var s = r.sws
	c.supported_protocols = PackedStringArray()
	s.supported_protocols = PackedStringArray()
	var port: int = r.server.get_local_port()
	t.append(["reconnect", c.connect_to_url("ws://127.0.0.1:%d/again" % port), c.get_close_code(), c.get_close_reason(),
		c.get_selected_protocol(), c.get_requested_url().replace(str(port), "PORT")])
	var accepted := false
	for i in 1000:
		c.poll()
		if not accepted and r.server.is_connection_available():
			t.append(["accept again", s.accept_stream(r.server.take_connection()), s.get_close_code(), s.get_close_reason()])
			accepted = true
		if accepted:
			s.poll()
			if c.get_ready_state() != CONNECTING and s.get_ready_state() != CONNECTING:
				break
		await frame()
	t.append(["second", close_info(c), close_info(s), s.get_requested_url().replace(str(port), "PORT"), s.get_selected_protocol()])
	eq([c.get_ready_state(), s.get_ready_state(), c.get_close_code(), s.get_close_code()], [OPEN, OPEN, -1, -1], pname(p) + ": reused objects OPEN with code reset")
	c.send_text("again")
	await wait_packets(r, s, 1)
	t.append(["message", drain(s)])
	return t


func test_object_reuse_after_closed() -> void:
	await compare(_reuse_scenario)
