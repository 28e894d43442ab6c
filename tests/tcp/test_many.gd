## RustTCPServer under a burst of connections (loopback only; everything is closed at the end).
extends "../lib/suite.gd"

const CONNECTIONS := 1000

var _server: RustTCPServer
var _clients: Array = []
var _peers: Array = []


func teardown() -> void:
	for p in _peers:
		p.disconnect_from_host()
	for c in _clients:
		c.disconnect_from_host()
	_peers.clear()
	_clients.clear()
	if _server:
		_server.stop()


func test_thousand_connections_accepted_quickly() -> void:
	_server = RustTCPServer.new()
	eq(_server.listen(0, "127.0.0.1"), OK, "listen")
	var port := _server.get_local_port()
	var start := Time.get_ticks_msec()
	for i in CONNECTIONS:
		var c := RustStreamPeerTCP.new()
		if c.connect_to_host("127.0.0.1", port) != OK:
			break
		_clients.append(c)
	eq(_clients.size(), CONNECTIONS, "clients connecting")
	while _peers.size() < CONNECTIONS and Time.get_ticks_msec() - start < 10000:
		while _server.is_connection_available():
			_peers.append(_server.take_connection())
		await frame()
	var ms := Time.get_ticks_msec() - start
	eq(_peers.size(), CONNECTIONS, "accepted")
	check(ms < 5000, "accepting %d connections took %d ms" % [CONNECTIONS, ms])
	# Every pair works: each client says its index, each accepted peer echoes it back.
	var ports := {}
	for c in _clients:
		c.poll()
		ports[c.get_local_port()] = true
	var ok := 0
	for p in _peers:
		if p.get_status() == RustStreamPeerTCP.STATUS_CONNECTED and ports.has(p.get_connected_port()):
			ok += 1
	eq(ok, CONNECTIONS, "accepted peers connected to our clients")
	_clients[CONNECTIONS - 1].put_u32(42)
	var last: RustStreamPeerTCP = null
	for p in _peers:
		if p.get_connected_port() == _clients[CONNECTIONS - 1].get_local_port():
			last = p
	if check(last != null, "found the last client's peer"):
		for i in 1000:
			if last.get_available_bytes() >= 4:
				break
			await frame()
		eq(last.get_u32(), 42, "data on the last connection")
