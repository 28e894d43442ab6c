## Parity: (TCPServer, StreamPeerTCP) against (RustTCPServer, RustStreamPeerTCP). Each scenario
## runs the same GDScript against the built-in pair, our pair, and the crossed pairings, and
## compares what it observed. Loopback only.
extends "../lib/suite.gd"

## [server is ours, client is ours]
const PAIRINGS := [[false, false], [true, true], [true, false], [false, true]]

var _objs: Array = []


func teardown() -> void:
	for o in _objs:
		if o == null:
			continue
		if o.has_method("stop"):
			o.stop()
		else:
			o.disconnect_from_host()
	_objs.clear()


func _server(rust: bool):
	var s = RustTCPServer.new() if rust else TCPServer.new()
	_objs.append(s)
	return s


func _client(rust: bool):
	var c = RustStreamPeerTCP.new() if rust else StreamPeerTCP.new()
	_objs.append(c)
	return c


func _name(p: Array) -> String:
	return "%s server / %s client" % ["Rust" if p[0] else "built-in", "Rust" if p[1] else "built-in"]


## Listens, connects a client, accepts it: [server, client, accepted peer] (both CONNECTED).
func _pair(server_rust: bool, client_rust: bool) -> Array:
	var s = _server(server_rust)
	s.listen(0, "127.0.0.1")
	var c = _client(client_rust)
	c.connect_to_host("127.0.0.1", s.get_local_port())
	var peer = await accept_connection(s, c, StreamPeerTCP.STATUS_CONNECTED, _objs, 5000)
	return [s, c, peer]


func _wait_available(p, n: int) -> void:
	for i in 5000:
		if p.get_available_bytes() >= n:
			return
		await frame()


## Gives the kernel time to deliver a FIN or RST over loopback.
func _settle() -> void:
	OS.delay_msec(30)
	await frame()


## Runs `scenario` (returns a transcript) for every pairing and compares with built-in/built-in.
func _compare(scenario: Callable) -> void:
	var want = null
	for p in PAIRINGS:
		var got = await scenario.call(p[0], p[1])
		teardown()
		if want == null:
			want = got
			check(not got.is_empty(), "empty transcript")
		else:
			eq(got, want, _name(p))


func _methods(cls: String, base: String) -> Dictionary:
	var out := {}
	for c in [base, cls]:
		for m in ClassDB.class_get_method_list(c, true):
			var args := []
			for a in m.args:
				args.append([a.name, a.type])
			out[m.name] = {"args": args, "defaults": m.default_args, "ret": m.return.type}
	return out


func test_api_surface() -> void:
	var ours := _methods("RustTCPServer", "RefCounted")
	var theirs := _methods("TCPServer", "SocketServer")
	for name in theirs:
		if name == "take_socket_connection":
			continue  # SocketServer's untyped twin of take_connection (4.6+)
		if check(ours.has(name), "RustTCPServer lacks " + name):
			eq(ours[name], theirs[name], "signature of TCPServer." + name)
	ours = _methods("RustStreamPeerTCP", "StreamPeerExtension")
	theirs = _methods("StreamPeerTCP", "StreamPeerSocket")
	for name in theirs:
		if check(ours.has(name), "RustStreamPeerTCP lacks " + name):
			eq(ours[name], theirs[name], "signature of StreamPeerTCP." + name)
	eq(ClassDB.class_get_method_list("RustTCPServer", true).filter(func(m): return m.name == "take_connection")[0].return.class_name,
		&"RustStreamPeerTCP", "take_connection() return class")
	for c in ["STATUS_NONE", "STATUS_CONNECTING", "STATUS_CONNECTED", "STATUS_ERROR"]:
		eq(ClassDB.class_get_integer_constant("RustStreamPeerTCP", c), ClassDB.class_get_integer_constant("StreamPeerTCP", c), c)
		eq(ClassDB.class_get_integer_constant_enum("RustStreamPeerTCP", c, true), &"Status", "enum of " + c)
	var s: RustStreamPeerTCP.Status = RustStreamPeerTCP.Status.STATUS_CONNECTED
	eq(s, RustStreamPeerTCP.STATUS_CONNECTED, "named enum access")
	var peer := RustStreamPeerTCP.new()
	check(peer is StreamPeer, "RustStreamPeerTCP is a StreamPeer")
	check(RustTCPServer.new() is RefCounted, "RustTCPServer is RefCounted")


func _listen_scenario(server_rust: bool, _client_rust: bool) -> Array:
	var t := []
	var s = _server(server_rust)
	t.append(["fresh", s.is_listening(), s.get_local_port(), s.is_connection_available(), s.take_connection() == null])
	t.append(["bad address", s.listen(0, "not-an-ip"), s.is_listening()])
	t.append(["empty address", s.listen(0, ""), s.is_listening()])
	t.append(["foreign address", s.listen(0, "10.255.255.1"), s.is_listening()])
	t.append(["listen", s.listen(0, "127.0.0.1"), s.is_listening(), s.get_local_port() > 0])
	t.append(["again", s.listen(0, "127.0.0.1"), s.is_listening()])
	var port: int = s.get_local_port()
	var other = _server(server_rust)
	t.append(["port in use", other.listen(port, "127.0.0.1"), other.is_listening()])
	t.append(["nothing pending", s.is_connection_available(), s.take_connection() == null])
	s.stop()
	t.append(["stopped", s.is_listening(), s.get_local_port(), s.is_connection_available(), s.take_connection() == null])
	t.append(["same port after stop", s.listen(port, "127.0.0.1"), s.get_local_port() == port])
	s.stop()
	for addr in ["*", "0.0.0.0", "::", "::1"]:
		t.append([addr, s.listen(0, addr), s.get_local_port() > 0])
		s.stop()
	return t


func test_listen_errors_and_ports() -> void:
	await _compare(_listen_scenario)


func test_take_connection_null_type() -> void:
	# Untyped calls: the built-in returns a null Object, ours a Nil; both are == null.
	var builtin = TCPServer.new()
	var ours = RustTCPServer.new()
	eq([builtin.take_connection() == null, ours.take_connection() == null], [true, true], "== null")
	eq([typeof(builtin.take_connection()), typeof(ours.take_connection())], [TYPE_OBJECT, TYPE_NIL], "Variant types")
	var typed: RustTCPServer = ours
	check(typed.take_connection() == null, "typed call")


func test_wildcard_is_dual_stack() -> void:
	for rust in [false, true]:
		var s = _server(rust)
		eq(s.listen(0, "*"), OK, "listen *")
		for host in ["127.0.0.1", "::1"]:
			var c = _client(false)
			c.connect_to_host(host, s.get_local_port())
			var peer = null
			for i in 3000:
				c.poll()
				if s.is_connection_available():
					peer = s.take_connection()
					_objs.append(peer)
					break
				await frame()
			if check(peer != null, "%s: %s accepted on *" % [rust, host]):
				eq(peer.get_connected_host(), "127.0.0.1" if host == "127.0.0.1" else "0:0:0:0:0:0:0:1", "peer host")
				eq(peer.get_connected_port(), c.get_local_port(), "peer port")
		teardown()


func _fresh_client_scenario(_server_rust: bool, client_rust: bool) -> Array:
	var t := []
	var c = _client(client_rust)
	t.append(["fresh", c.get_status(), c.get_connected_host(), c.get_connected_port(), c.get_local_port(), c.get_available_bytes(), c.poll()])
	var d: Array = c.get_data(4)
	t.append(["get_data", d[0], d[1].size()])
	t.append(["partial", c.get_partial_data(4), c.put_partial_data(PackedByteArray([1])), c.put_data(PackedByteArray([1])), c.put_data(PackedByteArray())])
	t.append(["port 0", c.connect_to_host("127.0.0.1", 0), c.get_status()])
	t.append(["port 70000", c.connect_to_host("127.0.0.1", 70000), c.get_status()])
	t.append(["bad host", c.connect_to_host("nonexistent.invalid", 80), c.get_status()])
	t.append(["empty host", c.connect_to_host("", 80), c.get_status()])
	var closed = _server(false)
	closed.listen(0, "127.0.0.1")
	var port: int = closed.get_local_port()
	closed.stop()
	t.append(["refused", c.connect_to_host("127.0.0.1", port), c.get_status(), c.get_connected_host(), c.get_connected_port() == port, c.get_local_port() > 0, c.get_available_bytes()])
	t.append(["again", c.connect_to_host("127.0.0.1", port)])
	var polls := []
	for i in 200:
		var e = c.poll()
		if c.get_status() != StreamPeerTCP.STATUS_CONNECTING:
			polls.append(e)
			break
		await frame()
	t.append(["after refusal", polls, c.get_status(), c.get_connected_host(), c.get_connected_port(), c.poll(), c.get_status()])
	t.append(["in error", c.connect_to_host("127.0.0.1", port)])
	c.disconnect_from_host()
	t.append(["reset", c.get_status(), c.get_connected_host(), c.get_connected_port(), c.get_local_port()])
	return t


func test_client_errors_and_refused_connect() -> void:
	await _compare(_fresh_client_scenario)


func _exchange_scenario(server_rust: bool, client_rust: bool) -> Array:
	var t := []
	var pair: Array = await _pair(server_rust, client_rust)
	var c = pair[1]
	var p = pair[2]
	t.append(["connected", c.get_status(), p.get_status(), c.get_connected_host(), p.get_connected_host(),
		c.get_connected_port() == pair[0].get_local_port(), p.get_connected_port() == c.get_local_port(),
		p.get_available_bytes(), p.get_partial_data(10)])
	c.set_no_delay(true)
	c.put_u32(0xDEADBEEF)
	c.put_16(-2)
	c.put_double(1.5)
	c.put_utf8_string("héllo wörld")
	c.put_var({"a": [1, 2.5, "x"], "b": Vector2(3, 4)})
	c.put_data("raw".to_utf8_buffer())
	await _wait_available(p, 4 + 2 + 8 + 4 + 13 + 3)
	t.append(["typed c->s", p.get_u32(), p.get_16(), p.get_double(), p.get_utf8_string(), p.get_var()])
	await _wait_available(p, 3)
	t.append(["raw", p.get_available_bytes(), p.get_partial_data(2), p.get_partial_data(10), p.get_partial_data(10)])
	p.big_endian = true
	p.put_u64(1234567890123)
	p.put_string("ascii")
	var big := PackedByteArray()
	big.resize(200000)
	for i in big.size():
		big[i] = i % 251
	t.append(["put big", p.put_data(big)])
	c.big_endian = true
	await _wait_available(c, 8)
	t.append(["typed s->c", c.get_u64(), c.get_string()])
	var got: Array = c.get_data(big.size())
	t.append(["get big", got[0], got[1] == big])
	t.append(["partial write", c.put_partial_data(PackedByteArray([1, 2, 3]))])
	await _wait_available(p, 3)
	t.append(["partial read", p.get_data(3)])
	return t


func test_data_both_ways() -> void:
	await _compare(_exchange_scenario)


func _eof_scenario(server_rust: bool, client_rust: bool) -> Array:
	var t := []
	var pair: Array = await _pair(server_rust, client_rust)
	var c = pair[1]
	var p = pair[2]
	c.put_data("abc".to_utf8_buffer())
	c.disconnect_from_host()
	await _settle()
	t.append(["poll with unread data", p.poll(), p.get_status(), p.get_available_bytes()])
	t.append(["read", p.get_partial_data(10), p.get_status()])
	t.append(["eof", p.get_partial_data(10), p.get_status(), p.get_connected_host(), p.get_connected_port()])
	t.append(["after eof", p.get_partial_data(10), p.poll(), p.get_status()])
	# FIN with nothing unread: poll() gives STATUS_NONE.
	pair = await _pair(server_rust, client_rust)
	c = pair[1]
	p = pair[2]
	p.disconnect_from_host()
	await _settle()
	t.append(["client poll after server close", c.poll(), c.get_status(), c.get_connected_host(), c.get_connected_port()])
	# get_data at EOF: what came, zero-padded, ERR_FILE_EOF.
	pair = await _pair(server_rust, client_rust)
	c = pair[1]
	p = pair[2]
	c.put_data("ab".to_utf8_buffer())
	c.disconnect_from_host()
	await _settle()
	t.append(["get_data at eof", p.get_data(5), p.get_status()])
	return t


func test_eof_gives_none_and_err_file_eof() -> void:
	await _compare(_eof_scenario)


func _write_after_close_scenario(server_rust: bool, client_rust: bool) -> Array:
	var t := []
	var pair: Array = await _pair(server_rust, client_rust)
	var c = pair[1]
	var p = pair[2]
	p.disconnect_from_host()
	await _settle()
	t.append(["first write", c.put_data("x".to_utf8_buffer()), c.get_status()])
	await _settle()
	t.append(["second write", c.put_data("y".to_utf8_buffer()), c.get_status(), c.get_connected_host()])
	t.append(["after", c.put_partial_data(PackedByteArray([1])), c.get_partial_data(1)])
	return t


func test_write_after_peer_closed() -> void:
	await _compare(_write_after_close_scenario)


func _disconnect_scenario(server_rust: bool, client_rust: bool) -> Array:
	var t := []
	var pair: Array = await _pair(server_rust, client_rust)
	var c = pair[1]
	var p = pair[2]
	c.disconnect_from_host()
	p.disconnect_from_host()
	for x in [c, p]:
		t.append([x.get_status(), x.get_connected_host(), x.get_connected_port(), x.get_local_port(), x.get_available_bytes(), x.poll()])
	# A disconnected peer can connect again.
	t.append(["reconnect", c.connect_to_host("127.0.0.1", pair[0].get_local_port())])
	for i in 3000:
		c.poll()
		if c.get_status() != StreamPeerTCP.STATUS_CONNECTING:
			break
		await frame()
	t.append(["reconnected", c.get_status(), pair[0].take_connection() != null])
	return t


func test_disconnect_from_host_resets() -> void:
	await _compare(_disconnect_scenario)


func test_accepted_peer_local_port() -> void:
	# Deliberate difference: Godot's accepted StreamPeerTCP reports local port 0; ours the real one.
	for p in [[false, false], [true, false]]:
		var pair: Array = await _pair(p[0], p[1])
		var want: int = pair[0].get_local_port() if p[0] else 0
		eq(pair[2].get_local_port(), want, _name(p) + ": accepted peer's local port")
		teardown()


func test_bind_before_connect() -> void:
	for rust in [false, true]:
		var s = _server(false)
		s.listen(0, "127.0.0.1")
		var c = _client(rust)
		eq(c.bind(-1), ERR_INVALID_PARAMETER, "bind -1")
		eq(c.bind(0, "127.0.0.1"), OK, "bind")
		var lport: int = c.get_local_port()
		check(lport > 0, "bound local port")
		eq(c.bind(0, "127.0.0.1"), ERR_ALREADY_IN_USE, "bind twice")
		eq(c.connect_to_host("127.0.0.1", s.get_local_port()), OK, "connect after bind")
		var peer = null
		for i in 3000:
			c.poll()
			if s.is_connection_available():
				peer = s.take_connection()
				break
			await frame()
		if check(peer != null, "accepted"):
			eq(peer.get_connected_port(), lport, "the connection comes from the bound port")
			peer.disconnect_from_host()
		teardown()


func test_connect_to_host_name_resolves_like_godot() -> void:
	# Both resolve synchronously inside connect_to_host() and use the resolver's first address.
	var hosts := []
	for rust in [false, true]:
		var s = _server(false)
		s.listen(0, "*")
		var c = _client(rust)
		eq(c.connect_to_host("localhost", s.get_local_port()), OK, "connect localhost")
		hosts.append([c.get_status() != StreamPeerTCP.STATUS_NONE, c.get_connected_host(), c.get_connected_port() == s.get_local_port()])
		teardown()
	eq(hosts[1], hosts[0], "connected host and port")
