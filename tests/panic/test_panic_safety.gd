## Panic safety (issue 7 part 3): a panic inside any guarded method of a RustNet class is caught,
## reported with exactly one error naming the method, returns an error (ERR_BUG for an Error),
## and leaves the object closed. Panics are injected through the test-only switch of
## rust/extension/src/panic_guard.rs: the process must be started with
## RUSTNET_TEST_INJECT_PANIC=1 (scripts/test.sh does), then
## Engine.set_meta("rustnet_inject_panic", "Class.method") makes the next call of that method panic.
extends "../lib/ws_suite.gd"

const META := "rustnet_inject_panic"


const ErrorLog := preload("../lib/error_log.gd")


var _log: ErrorLog


func setup() -> void:
	_log = ErrorLog.new()
	OS.add_logger(_log)


func teardown() -> void:
	if Engine.has_meta(META):
		Engine.remove_meta(META)
	OS.remove_logger(_log)
	super.teardown()


func _enabled() -> bool:
	return check(OS.get_environment("RUSTNET_TEST_INJECT_PANIC") == "1",
		"RUSTNET_TEST_INJECT_PANIC=1 is not set (run through scripts/test.sh)")


func _arm(what: String) -> void:
	Engine.set_meta(META, what)


## Exactly one error naming `what`, and the switch consumed (the panic really happened).
func _reported_once(what: String) -> void:
	eq(Engine.has_meta(META), false, "%s: the injected panic did not fire" % what)
	var hits := _log.containing(what + ": internal error")
	eq(hits.size(), 1, "%s: errors reported for the panic %s" % [what, hits])
	# gdext's own panic report is silenced under a guard: one error in all, not two.
	var raw := _log.containing("injected test panic")
	eq(raw.size(), 1, "%s: every error mentioning the panic %s" % [what, raw])
	_log.clear()


func _ws_open_pair() -> Dictionary:
	var r := await open_pair([true, true, true])
	check(r.cws.get_ready_state() == OPEN and r.sws.get_ready_state() == OPEN, "pair is open")
	return r


# ---- RustWebSocketPeer ------------------------------------------------------------------

func test_ws_poll_panic_closes_the_peer() -> void:
	if not _enabled():
		return
	var r := await _ws_open_pair()
	_arm("RustWebSocketPeer.poll")
	r.cws.poll()
	_reported_once("RustWebSocketPeer.poll")
	eq(r.cws.get_ready_state(), CLOSED, "state after the panic")
	eq(r.cws.get_close_code(), -1, "close code after the panic")
	# Still usable afterwards: sending fails like on any closed peer, polling is quiet.
	r.cws.poll()
	check(r.cws.send_text("x") != OK, "send on the closed peer fails")
	# The other side sees the connection go away.
	var closed := await poll_until([r.sws], func(): return r.sws.get_ready_state() == CLOSED)
	check(closed, "the server side sees the close")


func test_ws_put_packet_panic_returns_err_bug() -> void:
	if not _enabled():
		return
	var r := await _ws_open_pair()
	_arm("RustWebSocketPeer.put_packet")
	eq(r.sws.put_packet(PackedByteArray([1, 2, 3])), ERR_BUG, "put_packet")
	_reported_once("RustWebSocketPeer.put_packet")
	eq(r.sws.get_ready_state(), CLOSED, "state after the panic")


func test_ws_get_packet_panic_returns_err_bug() -> void:
	if not _enabled():
		return
	var r := await _ws_open_pair()
	r.cws.send_text("hello")
	var got := await poll_until([r.cws, r.sws], func(): return r.sws.get_available_packet_count() > 0)
	check(got, "a packet arrived")
	_arm("RustWebSocketPeer.get_packet")
	var pkt: PackedByteArray = r.sws.get_packet()
	eq(r.sws.get_packet_error(), ERR_BUG, "get_packet_error")
	eq(pkt.size(), 0, "no data from the failed get_packet")
	_reported_once("RustWebSocketPeer.get_packet")
	eq(r.sws.get_ready_state(), CLOSED, "state after the panic")
	eq(r.sws.get_available_packet_count(), 0, "queued packets are dropped")


func test_ws_send_connect_accept_close_panics() -> void:
	if not _enabled():
		return
	var r := await _ws_open_pair()
	_arm("RustWebSocketPeer.send_text")
	eq(r.cws.send_text("x"), ERR_BUG, "send_text")
	_reported_once("RustWebSocketPeer.send_text")
	eq(r.cws.get_ready_state(), CLOSED, "client state after send_text panic")
	_arm("RustWebSocketPeer.send")
	eq(r.sws.send(PackedByteArray([1])), ERR_BUG, "send")
	_reported_once("RustWebSocketPeer.send")
	eq(r.sws.get_ready_state(), CLOSED, "server state after send panic")
	var ws = new_ws(true)
	_arm("RustWebSocketPeer.connect_to_url")
	eq(ws.connect_to_url("ws://%s:%d/" % [HOST, closed_port()]), ERR_BUG, "connect_to_url")
	_reported_once("RustWebSocketPeer.connect_to_url")
	eq(ws.get_ready_state(), CLOSED, "state after connect_to_url panic")
	var server = (await pending_connection())[0]
	var sws = new_ws(true)
	_arm("RustWebSocketPeer.accept_stream")
	eq(sws.accept_stream(server.take_connection()), ERR_BUG, "accept_stream")
	_reported_once("RustWebSocketPeer.accept_stream")
	eq(sws.get_ready_state(), CLOSED, "state after accept_stream panic")
	var r2 := await _ws_open_pair()
	_arm("RustWebSocketPeer.close")
	r2.cws.close()
	_reported_once("RustWebSocketPeer.close")
	eq(r2.cws.get_ready_state(), CLOSED, "state after close panic")


# ---- RustHTTPClient -----------------------------------------------------------------------

## A RustHTTPClient CONNECTED to a loopback RustTCPServer; returns [client, server, accepted peer].
func test_http_poll_and_request_panics_disconnect() -> void:
	if not _enabled():
		return
	var c := await http_connected()
	if c.is_empty():
		return
	var http: RustHTTPClient = c[0]
	_arm("RustHTTPClient.poll")
	eq(http.poll(), ERR_BUG, "poll")
	_reported_once("RustHTTPClient.poll")
	eq(http.get_status(), HTTPClient.STATUS_DISCONNECTED, "status after poll panic")
	c = await http_connected()
	if c.is_empty():
		return
	http = c[0]
	_arm("RustHTTPClient.request")
	eq(http.request(RustHTTPClient.METHOD_GET, "/", PackedStringArray()), ERR_BUG, "request")
	_reported_once("RustHTTPClient.request")
	eq(http.get_status(), HTTPClient.STATUS_DISCONNECTED, "status after request panic")
	eq(http.request(RustHTTPClient.METHOD_GET, "/", PackedStringArray()), ERR_INVALID_PARAMETER,
		"a request on the closed client is refused as usual")
	var fresh := RustHTTPClient.new()
	_objs.append(fresh)
	_arm("RustHTTPClient.connect_to_host")
	eq(fresh.connect_to_host(HOST, closed_port()), ERR_BUG, "connect_to_host")
	_reported_once("RustHTTPClient.connect_to_host")
	eq(fresh.get_status(), HTTPClient.STATUS_DISCONNECTED, "status after connect_to_host panic")


func test_http_body_read_panic_disconnects() -> void:
	if not _enabled():
		return
	var c := await http_connected()
	if c.is_empty():
		return
	var http: RustHTTPClient = c[0]
	var peer = c[2]
	eq(http.request(RustHTTPClient.METHOD_GET, "/", PackedStringArray()), OK, "request")
	# Answer only once the request went out: bytes that arrive before it answer no request and
	# close the connection (tests/hostile, response injection).
	http.poll()
	eq(http.get_status(), HTTPClient.STATUS_REQUESTING, "request sent")
	peer.put_data("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n12345".to_ascii_buffer())
	var in_body := false
	for i in 3000:
		http.poll()
		if http.get_status() == HTTPClient.STATUS_BODY:
			in_body = true
			break
		await frame()
	check(in_body, "reached STATUS_BODY")
	_arm("RustHTTPClient.read_response_body_chunk")
	eq(http.read_response_body_chunk().size(), 0, "no data from the failed read")
	_reported_once("RustHTTPClient.read_response_body_chunk")
	eq(http.get_status(), HTTPClient.STATUS_DISCONNECTED, "status after the panic")
	_arm("RustHTTPClient.query_string_from_dict")
	eq(http.query_string_from_dict({"a": 1}), "", "query_string_from_dict")
	_reported_once("RustHTTPClient.query_string_from_dict")
	eq(http.query_string_from_dict({"a": 1}), "a=1", "works again once the switch is consumed")


# ---- RustTCPServer / RustStreamPeerTCP / RustStreamPeerTLS --------------------------------

func test_tcp_server_panics_stop_listening() -> void:
	if not _enabled():
		return
	var server = new_server(true)
	_arm("RustTCPServer.listen")
	eq(server.listen(0, HOST), ERR_BUG, "listen")
	_reported_once("RustTCPServer.listen")
	eq(server.is_listening(), false, "not listening after the listen panic")
	eq(server.listen(0, HOST), OK, "listen again")
	_arm("RustTCPServer.is_connection_available")
	eq(server.is_connection_available(), false, "is_connection_available")
	_reported_once("RustTCPServer.is_connection_available")
	eq(server.is_listening(), false, "stopped after the panic")
	eq(server.listen(0, HOST), OK, "listen again")
	_arm("RustTCPServer.take_connection")
	eq(server.take_connection(), null, "take_connection")
	_reported_once("RustTCPServer.take_connection")
	eq(server.is_listening(), false, "stopped after the panic")


## [our client RustStreamPeerTCP, server-side RustStreamPeerTCP], both connected.
func _tcp_pair() -> Array:
	var server = new_server(true)
	server.listen(0, HOST)
	var client := RustStreamPeerTCP.new()
	_objs.append(client)
	client.connect_to_host(HOST, server.get_local_port())
	var peer = await accept_connection(server, client, StreamPeerTCP.STATUS_CONNECTED, _objs)
	check(peer != null and client.get_status() == StreamPeerTCP.STATUS_CONNECTED, "TCP pair connected")
	return [client, peer]


func test_stream_peer_tcp_panics_disconnect() -> void:
	if not _enabled():
		return
	var p := await _tcp_pair()
	_arm("RustStreamPeerTCP.put_data")
	eq(p[0].put_data(PackedByteArray([1, 2])), ERR_BUG, "put_data")
	_reported_once("RustStreamPeerTCP.put_data")
	eq(p[0].get_status(), StreamPeerTCP.STATUS_NONE, "status after put_data panic")
	p = await _tcp_pair()
	_arm("RustStreamPeerTCP.get_partial_data")
	var res: Array = p[1].get_partial_data(10)
	eq(res[0], ERR_BUG, "get_partial_data error")
	eq(res[1].size(), 0, "get_partial_data data")
	_reported_once("RustStreamPeerTCP.get_partial_data")
	eq(p[1].get_status(), StreamPeerTCP.STATUS_NONE, "status after get_partial_data panic")
	_arm("RustStreamPeerTCP.poll")
	eq(p[0].poll(), ERR_BUG, "poll")
	_reported_once("RustStreamPeerTCP.poll")
	eq(p[0].get_status(), StreamPeerTCP.STATUS_NONE, "status after poll panic")


func test_stream_peer_tls_panics_disconnect() -> void:
	if not _enabled():
		return
	var p := await _tcp_pair()
	var tls := RustStreamPeerTLS.new()
	_objs.append(tls)
	_arm("RustStreamPeerTLS.connect_to_stream")
	eq(tls.connect_to_stream(p[0], "localhost"), ERR_BUG, "connect_to_stream")
	_reported_once("RustStreamPeerTLS.connect_to_stream")
	eq(tls.get_status(), StreamPeerTLS.STATUS_DISCONNECTED, "status after the panic")
	_arm("RustStreamPeerTLS.put_data")
	eq(tls.put_data(PackedByteArray([1])), ERR_BUG, "put_data")
	_reported_once("RustStreamPeerTLS.put_data")
	eq(tls.get_status(), StreamPeerTLS.STATUS_DISCONNECTED, "status after the panic")
	_arm("RustStreamPeerTLS.poll")
	tls.poll()
	_reported_once("RustStreamPeerTLS.poll")


# ---- RustWebSocketMultiplayerPeer / RustWebSocketClient -----------------------------------

func test_multiplayer_panics_disconnect() -> void:
	if not _enabled():
		return
	var server := RustWebSocketMultiplayerPeer.new()
	var client := RustWebSocketMultiplayerPeer.new()
	_objs.append(server)
	_objs.append(client)
	var port := closed_port()
	eq(server.create_server(port, HOST), OK, "create_server")
	eq(client.create_client("ws://%s:%d" % [HOST, port]), OK, "create_client")
	var ready := func(): return client.get_connection_status() == MultiplayerPeer.CONNECTION_CONNECTED
	var ok := await poll_until([server, client], ready)
	check(ok, "client connected")
	_arm("RustWebSocketMultiplayerPeer.put_packet")
	eq(client.put_packet(PackedByteArray([1])), ERR_BUG, "put_packet")
	_reported_once("RustWebSocketMultiplayerPeer.put_packet")
	eq(client.get_connection_status(), MultiplayerPeer.CONNECTION_DISCONNECTED, "client after the panic")
	_arm("RustWebSocketMultiplayerPeer.poll")
	server.poll()
	_reported_once("RustWebSocketMultiplayerPeer.poll")
	eq(server.get_connection_status(), MultiplayerPeer.CONNECTION_DISCONNECTED, "server after the panic")
	var again := RustWebSocketMultiplayerPeer.new()
	_objs.append(again)
	_arm("RustWebSocketMultiplayerPeer.create_server")
	eq(again.create_server(0, HOST), ERR_BUG, "create_server")
	_reported_once("RustWebSocketMultiplayerPeer.create_server")
	eq(again.get_connection_status(), MultiplayerPeer.CONNECTION_DISCONNECTED, "after create_server panic")


func test_godot3_client_sees_a_closed_connection() -> void:
	if not _enabled():
		return
	var server = new_server(true)
	server.listen(0, HOST)
	var sws = new_ws(true)
	var client := RustWebSocketClient.new()
	_objs.append(client)
	var events := []
	client.connection_closed.connect(func(clean): events.append(["closed", clean]))
	client.connection_error.connect(func(): events.append(["error"]))
	eq(client.connect_to_url("ws://%s:%d/" % [HOST, server.get_local_port()]), OK, "connect_to_url")
	var accepted := false
	for i in 3000:
		client.poll()
		if not accepted and server.is_connection_available():
			sws.accept_stream(server.take_connection())
			accepted = true
		if accepted:
			sws.poll()
		if client.get_connection_status() == 2:
			break
		await frame()
	eq(client.get_connection_status(), 2, "client connected")
	_arm("RustWebSocketPeer.poll")
	client.poll()
	_reported_once("RustWebSocketPeer.poll")
	eq(client.get_connection_status(), 0, "Godot 3 client status after the panic")
	eq(events, [["closed", false]], "signals after the panic")
