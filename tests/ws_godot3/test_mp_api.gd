## RustWebSocketClient with gd_mp_api = true: Godot 3's WebSocketClient as a multiplayer peer.
## It joins a RustWebSocketMultiplayerPeer server and Godot's own WebSocketMultiplayerPeer
## server, RPCs travel both ways, and Godot 3's multiplayer-mode signals fire.
extends "../multiplayer/mp.gd"

## Godot 3 signals seen on the client, in order.
var _g3: Array = []


func teardown() -> void:
	_g3.clear()
	super.teardown()


func _watch(client: RustWebSocketClient) -> void:
	var log := _g3
	client.connection_established.connect(func(p): log.append(["connection_established", p]))
	client.connection_error.connect(func(): log.append(["connection_error"]))
	client.connection_closed.connect(func(clean): log.append(["connection_closed", clean]))
	client.data_received.connect(func(): log.append(["data_received"]))
	client.server_close_request.connect(func(c, r): log.append(["server_close_request", c, r]))
	client.connection_succeeded.connect(func(): log.append(["connection_succeeded"]))
	client.connection_failed.connect(func(): log.append(["connection_failed"]))


## A gd_mp_api client joins a server of `server_class`; RPCs both ways and a broadcast; then
## the server drops it. Returns nothing; asserts the whole sequence.
func _session(server_class) -> void:
	var sp = server_class.new()
	var port := listen(sp)
	if port == 0:
		return
	var server := endpoint("Server", sp)
	var client_peer := RustWebSocketClient.new()
	_watch(client_peer)
	eq(client_peer.connect_to_url("ws://127.0.0.1:%d" % port, PackedStringArray(), true), OK, "connect_to_url(gd_mp_api = true)")
	eq(client_peer.get_connection_status(), MultiplayerPeer.CONNECTION_CONNECTING, "CONNECTING")
	var client := endpoint("Client", client_peer)
	var connected := [false]
	client.api.connected_to_server.connect(func(): connected[0] = true)
	var ok := await until(func(): return client_peer.get_connection_status() == MultiplayerPeer.CONNECTION_CONNECTED \
			and server.events.size() >= 1 and client.events.size() >= 1)
	if not check(ok, "connected to the %s server" % sp.get_class()):
		return
	var cid: int = client_peer.get_unique_id()
	check(cid >= 2, "id from the server: %d" % cid)
	eq(client.api.get_unique_id(), cid, "SceneMultiplayer sees the id")
	eq(server.events, [["connected", cid]], "server: peer_connected(client id)")
	eq(client.events, [["connected", 1]], "client: peer_connected(1)")
	check(connected[0], "multiplayer.connected_to_server fired")
	eq(_g3, [["connection_succeeded"]], "Godot 3 multiplayer-mode signals so far")
	# Server -> client.
	server.game.hello.rpc_id(cid, "from server", 42)
	check(await until(func(): return client.game.got.size() > 0), "RPC reached the client")
	eq(client.game.got, [[1, "from server", 42]], "client got the RPC")
	# Client -> server.
	client.game.hello.rpc_id(1, "from g3 client", {"k": [1, 2]})
	check(await until(func(): return server.game.got.size() > 0), "RPC reached the server")
	eq(server.game.got, [[cid, "from g3 client", {"k": [1, 2]}]], "server got the RPC")
	# Broadcast.
	server.game.hello.rpc(PackedByteArray([9, 8]), null)
	check(await until(func(): return client.game.got.size() > 1), "broadcast reached the client")
	eq(client.game.got.back(), [1, PackedByteArray([9, 8]), null], "broadcast RPC")
	check(client_peer.get_peer(1) is RustWebSocketPeer, "get_peer(1) still the WebSocket peer")
	# The server drops the client: a close frame from the server, then the disconnect.
	sp.disconnect_peer(cid)
	ok = await until(func(): return client.events.size() >= 2 and _g3.size() >= 3)
	check(ok, "the client saw the server's close")
	eq(client.events.back(), ["disconnected", 1], "client: peer_disconnected(1)")
	eq(_g3, [["connection_succeeded"], ["server_close_request", 1000, ""], ["connection_failed"]], "Godot 3 multiplayer-mode signal sequence")
	eq(client_peer.get_connection_status(), MultiplayerPeer.CONNECTION_DISCONNECTED, "DISCONNECTED")
	eq(client_peer.get_unique_id(), 0, "id back to 0")


func test_joins_our_server() -> void:
	await _session(RustWebSocketMultiplayerPeer)


func test_joins_builtin_server() -> void:
	await _session(WebSocketMultiplayerPeer)


## Two gd_mp_api clients and one Godot 4 client: the server's relay carries client-to-client RPCs.
func test_relay_between_clients() -> void:
	var sp := RustWebSocketMultiplayerPeer.new()
	var port := listen(sp)
	var server := endpoint("Server", sp)
	var a := RustWebSocketClient.new()
	var b := WebSocketMultiplayerPeer.new()
	a.connect_to_url("ws://127.0.0.1:%d" % port, PackedStringArray(), true)
	b.create_client("ws://127.0.0.1:%d" % port)
	var ca := endpoint("ClientA", a)
	var cb := endpoint("ClientB", b)
	var ok := await until(func(): return ca.api.get_peers().size() == 2 and cb.api.get_peers().size() == 2)
	if not check(ok, "both clients see the server and each other"):
		return
	ca.game.hello.rpc_id(b.get_unique_id(), "g3 to built-in", 1)
	cb.game.hello.rpc_id(a.get_unique_id(), "built-in to g3", 2)
	ok = await until(func(): return ca.game.got.size() > 0 and cb.game.got.size() > 0)
	check(ok, "relayed RPCs arrived")
	eq(cb.game.got, [[a.get_unique_id(), "g3 to built-in", 1]], "built-in client got the g3 client's RPC")
	eq(ca.game.got, [[b.get_unique_id(), "built-in to g3", 2]], "g3 client got the built-in client's RPC")
	eq(server.events.size(), 2, "two peers on the server")


## The client closing: the server sees the peer leave; Godot 3's connection_failed on the client.
func test_client_disconnects() -> void:
	var sp := RustWebSocketMultiplayerPeer.new()
	var port := listen(sp)
	var server := endpoint("Server", sp)
	var c := RustWebSocketClient.new()
	_watch(c)
	c.connect_to_url("ws://127.0.0.1:%d" % port, PackedStringArray(), true)
	var client := endpoint("Client", c)
	if not check(await until(func(): return client.events.size() >= 1), "connected"):
		return
	var cid := c.get_unique_id()
	c.disconnect_from_host(1000, "bye")
	var ok := await until(func(): return server.events.size() >= 2 and client.events.size() >= 2)
	check(ok, "both sides saw the close")
	eq(server.events.back(), ["disconnected", cid], "server: peer_disconnected")
	eq(_g3, [["connection_succeeded"], ["connection_failed"]], "no server_close_request for our own close")


## A refused connection in multiplayer mode: connection_failed, and SceneMultiplayer's too.
func test_refused() -> void:
	var tcp := RustTCPServer.new()
	tcp.listen(0, "127.0.0.1")
	var port := tcp.get_local_port()
	tcp.stop()
	var c := RustWebSocketClient.new()
	_watch(c)
	eq(c.connect_to_url("ws://127.0.0.1:%d" % port, PackedStringArray(), true), OK, "connect_to_url")
	var client := endpoint("Client", c)
	var failed := [false]
	client.api.connection_failed.connect(func(): failed[0] = true)
	check(await until(func(): return _g3.size() > 0 and failed[0]), "failure reported")
	eq(_g3, [["connection_failed"]], "only connection_failed")
	eq(c.get_connection_status(), MultiplayerPeer.CONNECTION_DISCONNECTED, "DISCONNECTED")


## gd_mp_api = false: the MultiplayerPeer side is inactive; messages go through get_peer(1).
func test_plain_mode_is_inactive() -> void:
	var c := RustWebSocketClient.new()
	eq(c.get_unique_id(), 0, "unique id 0")
	eq(c.get_available_packet_count(), 0, "no packets")
	eq(c.put_packet(PackedByteArray([1])), ERR_UNCONFIGURED, "put_packet on the client itself")
	eq(c.get_connection_status(), MultiplayerPeer.CONNECTION_DISCONNECTED, "DISCONNECTED")
