## Helpers shared by the multiplayer suites: endpoints (a subtree with its own SceneMultiplayer
## and an RPC node), listening on a free loopback port, bounded waits.
extends "../lib/suite.gd"

const RpcNode := preload("rpc_node.gd")

## Each endpoint: {root, game, api, peer, events}. Signals append to `events`.
var _endpoints: Array = []
var _raw: Array = []  # RustTCPServer / RustWebSocketPeer objects to close in teardown.


func teardown() -> void:
	for e in _endpoints:
		if e.peer:
			e.peer.close()
		e.api.multiplayer_peer = null
		tree.set_multiplayer(null, e.root.get_path())
		e.root.free()
		e.events.clear()
		e.peer = null
	_endpoints.clear()
	for o in _raw:
		if o is RustTCPServer:
			o.stop()
		elif o is RustWebSocketPeer:
			o.close(-1)
	_raw.clear()


## A subtree /root/<name>/Game with its own SceneMultiplayer using `peer`.
func endpoint(name: String, peer: MultiplayerPeer) -> Dictionary:
	var root := Node.new()
	root.name = name
	tree.root.add_child(root)
	var game := RpcNode.new()
	game.name = "Game"
	root.add_child(game)
	var api := SceneMultiplayer.new()
	tree.set_multiplayer(api, root.get_path())
	var events: Array = []
	peer.peer_connected.connect(func(id): events.append(["connected", id]))
	peer.peer_disconnected.connect(func(id): events.append(["disconnected", id]))
	api.multiplayer_peer = peer
	var e := {"root": root, "game": game, "api": api, "peer": peer, "events": events}
	_endpoints.append(e)
	return e


## create_server on a free loopback port (tried at random); returns the port or 0.
func listen(peer, tls_server_options: TLSOptions = null) -> int:
	for i in 50:
		var port := 20000 + randi() % 30000
		if peer.create_server(port, "127.0.0.1", tls_server_options) == OK:
			return port
	check(false, "no free port for create_server")
	return 0


## Waits (bounded) until `done` holds; the tree polls the SceneMultiplayers every frame.
func until(done: Callable, max_frames := 4000, max_msec := 8000) -> bool:
	var start := Time.get_ticks_msec()
	for i in max_frames:
		if done.call():
			return true
		if Time.get_ticks_msec() - start > max_msec:
			break
		await frame()
	return done.call()


## A raw loopback WebSocket server: a RustTCPServer whose first connection gets a
## RustWebSocketPeer. Returns {server, port, ws (filled in by poll_raw)}.
func raw_server() -> Dictionary:
	var server := RustTCPServer.new()
	server.listen(0, "127.0.0.1")
	_raw.append(server)
	return {"server": server, "port": server.get_local_port(), "ws": null}


func poll_raw(raw: Dictionary) -> void:
	if raw.ws == null and raw.server.is_connection_available():
		raw.ws = RustWebSocketPeer.new()
		_raw.append(raw.ws)
		raw.ws.accept_stream(raw.server.take_connection())
	if raw.ws:
		raw.ws.poll()
