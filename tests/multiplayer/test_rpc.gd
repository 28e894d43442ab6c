## RustWebSocketMultiplayerPeer under SceneMultiplayer: server and client(s) in one process,
## each subtree with its own SceneMultiplayer, and RPCs travelling both ways. Mixed cases pair
## it with Godot's own WebSocketMultiplayerPeer on the other side.
extends "mp.gd"


## Connects a client of class `client_class` to a server of class `server_class`, checks ids
## and peer_connected on both, RPCs both ways; returns [server, client] endpoints (or []).
func _session(server_class, client_class, server_tls: TLSOptions = null, client_tls: TLSOptions = null) -> Array:
	var sp = server_class.new()
	var port := listen(sp, server_tls)
	if port == 0:
		return []
	var server := endpoint("Server", sp)
	eq(sp.get_connection_status(), MultiplayerPeer.CONNECTION_CONNECTED, "server CONNECTED at once")
	eq(sp.get_unique_id(), 1, "server id")
	var cp = client_class.new()
	var scheme := "wss" if client_tls else "ws"
	eq(cp.create_client("%s://127.0.0.1:%d" % [scheme, port], client_tls), OK, "create_client")
	eq(cp.get_connection_status(), MultiplayerPeer.CONNECTION_CONNECTING, "client CONNECTING")
	var client := endpoint("Client", cp)
	var ok := await until(func(): return cp.get_connection_status() == MultiplayerPeer.CONNECTION_CONNECTED \
			and server.events.size() >= 1 and client.events.size() >= 1)
	if not check(ok, "connected"):
		return []
	var cid: int = cp.get_unique_id()
	check(cid >= 2, "client id >= 2: %d" % cid)
	eq(client.api.get_unique_id(), cid, "SceneMultiplayer sees the client id")
	eq(server.events, [["connected", cid]], "server: peer_connected(client id)")
	eq(client.events, [["connected", 1]], "client: peer_connected(1)")
	eq(server.api.get_peers(), PackedInt32Array([cid]), "server's peers")
	# Server -> client.
	server.game.hello.rpc_id(cid, "from server", 42)
	check(await until(func(): return client.game.got.size() > 0), "RPC reached the client")
	eq(client.game.got, [[1, "from server", 42]], "client got the RPC")
	# Client -> server.
	client.game.hello.rpc_id(1, "from client", [1, 2.5, {"k": "v"}])
	check(await until(func(): return server.game.got.size() > 0), "RPC reached the server")
	eq(server.game.got, [[cid, "from client", [1, 2.5, {"k": "v"}]]], "server got the RPC")
	# Broadcast from the server.
	server.game.hello.rpc(PackedByteArray([1, 2, 3]), null)
	check(await until(func(): return client.game.got.size() > 1), "broadcast RPC reached the client")
	eq(client.game.got.back(), [1, PackedByteArray([1, 2, 3]), null], "broadcast RPC")
	return [server, client]


func test_ours_to_ours() -> void:
	var pair := await _session(RustWebSocketMultiplayerPeer, RustWebSocketMultiplayerPeer)
	if pair.is_empty():
		return
	var server: Dictionary = pair[0]
	var client: Dictionary = pair[1]
	var cid: int = client.peer.get_unique_id()
	eq(server.peer.get_peer_address(cid), "127.0.0.1", "get_peer_address")
	check(server.peer.get_peer_port(cid) > 0, "get_peer_port")
	check(server.peer.get_peer(cid) is RustWebSocketPeer, "get_peer(id) is a RustWebSocketPeer")
	check(client.peer.get_peer(1) is RustWebSocketPeer, "client get_peer(1)")
	# The server drops the client: both sides see peer_disconnected.
	server.peer.disconnect_peer(cid)
	var ok := await until(func(): return server.events.size() >= 2 and client.events.size() >= 2)
	check(ok, "peer_disconnected on both sides")
	eq(server.events.back(), ["disconnected", cid], "server: peer_disconnected(client id)")
	eq(client.events.back(), ["disconnected", 1], "client: peer_disconnected(1)")
	eq(client.peer.get_connection_status(), MultiplayerPeer.CONNECTION_DISCONNECTED, "client DISCONNECTED")
	eq(client.peer.get_unique_id(), 0, "client id back to 0")
	eq(server.peer.get_connection_status(), MultiplayerPeer.CONNECTION_CONNECTED, "server still up")


func test_client_close_is_seen_by_server() -> void:
	var pair := await _session(RustWebSocketMultiplayerPeer, RustWebSocketMultiplayerPeer)
	if pair.is_empty():
		return
	var server: Dictionary = pair[0]
	var client: Dictionary = pair[1]
	var cid: int = client.peer.get_unique_id()
	client.peer.close()
	eq(client.peer.get_connection_status(), MultiplayerPeer.CONNECTION_DISCONNECTED, "closed")
	check(await until(func(): return server.events.size() >= 2), "server saw the close")
	eq(server.events.back(), ["disconnected", cid], "server: peer_disconnected")
	eq(client.events, [["connected", 1]], "close() emits nothing on the client (as Godot)")


func test_two_clients_relay() -> void:
	var sp := RustWebSocketMultiplayerPeer.new()
	var port := listen(sp)
	var server := endpoint("Server", sp)
	var a := RustWebSocketMultiplayerPeer.new()
	var b := RustWebSocketMultiplayerPeer.new()
	a.create_client("ws://127.0.0.1:%d" % port)
	b.create_client("ws://127.0.0.1:%d" % port)
	var ca := endpoint("ClientA", a)
	var cb := endpoint("ClientB", b)
	# SceneMultiplayer's relay tells each client about the other.
	var ok := await until(func(): return ca.api.get_peers().size() == 2 and cb.api.get_peers().size() == 2)
	if not check(ok, "both clients see the server and each other"):
		return
	check(a.get_unique_id() != b.get_unique_id(), "distinct ids")
	eq(server.events.size(), 2, "two peer_connected on the server")
	ca.game.hello.rpc_id(b.get_unique_id(), "a to b", 1)
	check(await until(func(): return cb.game.got.size() > 0), "relayed RPC arrived")
	eq(cb.game.got, [[a.get_unique_id(), "a to b", 1]], "relayed RPC: sender is A")


func test_builtin_client_our_server() -> void:
	var pair := await _session(RustWebSocketMultiplayerPeer, WebSocketMultiplayerPeer)
	if pair.is_empty():
		return
	pair[1].peer.close()
	check(await until(func(): return pair[0].events.size() >= 2), "our server saw the built-in client leave")


func test_our_client_builtin_server() -> void:
	var pair := await _session(WebSocketMultiplayerPeer, RustWebSocketMultiplayerPeer)
	if pair.is_empty():
		return
	var cid: int = pair[1].peer.get_unique_id()
	pair[0].peer.disconnect_peer(cid)
	check(await until(func(): return pair[1].events.size() >= 2), "our client saw the built-in server drop it")
	eq(pair[1].events.back(), ["disconnected", 1], "peer_disconnected(1)")


## wss: our server with TLSOptions.server(), our client and the built-in client with the test CA.
func test_wss() -> void:
	var dir := OS.get_environment("RUSTNET_CERT_DIR")
	if not check(dir != "", "RUSTNET_CERT_DIR is set (run through scripts/test.sh)"):
		return
	var key := CryptoKey.new()
	var cert := X509Certificate.new()
	var ca := X509Certificate.new()
	eq([key.load(dir.path_join("server-rsa.key")), cert.load(dir.path_join("server-rsa.pem")), ca.load(dir.path_join("ca.pem"))], [OK, OK, OK], "test PKI loaded")
	for client_class in [RustWebSocketMultiplayerPeer, WebSocketMultiplayerPeer]:
		var pair := await _session(RustWebSocketMultiplayerPeer, client_class, TLSOptions.server(key, cert), TLSOptions.client(ca))
		check(not pair.is_empty(), "wss session with %s" % client_class.new().get_class())
		teardown()


## Two clients leave at once: in each peer_disconnected handler the server sends to the other
## client (as SceneMultiplayer's relay does) and gets OK, as with Godot's server (which erases
## and signals the peers one by one).
func test_two_clients_leave_together() -> void:
	for server_class in [WebSocketMultiplayerPeer, RustWebSocketMultiplayerPeer]:
		var sp = server_class.new()
		var port := listen(sp)
		var ids: Array = []
		var results: Array = []
		sp.peer_connected.connect(func(id): ids.append(id))
		sp.peer_disconnected.connect(func(id):
			ids.erase(id)
			for other in ids:
				sp.set_target_peer(other)
				results.append(sp.put_packet(PackedByteArray([1, 2, 3]))))
		var a := RustWebSocketMultiplayerPeer.new()
		var b := RustWebSocketMultiplayerPeer.new()
		a.create_client("ws://127.0.0.1:%d" % port)
		b.create_client("ws://127.0.0.1:%d" % port)
		var connected := func():
			for p in [sp, a, b]:
				p.poll()
			return ids.size() == 2 and a.get_connection_status() == MultiplayerPeer.CONNECTION_CONNECTED \
					and b.get_connection_status() == MultiplayerPeer.CONNECTION_CONNECTED
		if not check(await until(connected), "%s: two clients connected" % sp.get_class()):
			sp.close()
			continue
		a.close()
		b.close()
		check(await until(func(): sp.poll(); return ids.is_empty()), "%s: both left" % sp.get_class())
		check(results.all(func(r): return r == OK), "%s: sends from the handler: %s" % [sp.get_class(), results])
		sp.close()
