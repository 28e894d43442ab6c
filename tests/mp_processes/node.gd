## One process of a multi-process multiplayer session (run by scripts/mp_processes.sh): a server
## or a client, built-in or RustNet, in its own headless Godot. Prints one "[PASS] name" or
## "[FAIL] name: why" line per check and exits 0 only if every check passed.
##
##   godot --headless --path godot_project -s tests/mp_processes/node.gd -- --scenario=s
##       --role=server --impl=ours|builtin [--compress] --names=a,b,c --port-file=path
##   ... --role=client --impl=ours|builtin|g3 [--compress] --name=a --names=a,b,c --port=N
##       [--want-compress=0|1]
##
## The session: each client says hello(name) to the server; once all have, the server sends
## the roster (id -> name) to everyone; each client then sends chat() to the server, which
## forwards it to every other client (say()), and direct() to every other client through the
## server's relay; each client reports done() once it heard from all the others; the server
## answers goodbye() when all are done. Every step has a deadline.
extends SceneTree

const Game := preload("game.gd")
const Peers := preload("res://multiplayer/peers.gd")
const DEADLINE_MSEC := 45000

var opts := {}
var game: Node
var peer: MultiplayerPeer
var label := ""
var failures := 0
var start_msec := 0
var api: MultiplayerAPI


func _initialize() -> void:
	Engine.max_fps = 120
	for arg in OS.get_cmdline_user_args():
		if arg.begins_with("--"):
			var kv := arg.substr(2).split("=", true, 1)
			opts[kv[0]] = kv[1] if kv.size() > 1 else "1"
	label = "mp_processes::%s::%s" % [opts.get("scenario", "?"), opts.get("name", "server")]
	api = get_multiplayer()
	game = Game.new()
	game.name = "Game"
	root.add_child(game)
	start_msec = Time.get_ticks_msec()
	_run.call_deferred()


func check(cond: bool, what: String) -> bool:
	if cond:
		print("[PASS] %s::%s" % [label, what])
	else:
		failures += 1
		print("[FAIL] %s::%s" % [label, what])
	return cond


## Waits (frames) until `cond` holds or the process deadline passes.
func until(cond: Callable) -> bool:
	while not cond.call():
		if Time.get_ticks_msec() - start_msec > DEADLINE_MSEC:
			return false
		await process_frame
	return true


func _finish() -> void:
	if peer:
		peer.close()
	api.multiplayer_peer = null
	quit(1 if failures > 0 else 0)


func _names() -> PackedStringArray:
	return opts.get("names", "").split(",", false)


func _run() -> void:
	if opts.get("role") == "server":
		await _server()
	else:
		await _client()
	_finish()


func _server() -> void:
	var impl: String = opts.get("impl", "ours")
	peer = RustWebSocketMultiplayerPeer.new() if impl == "ours" else WebSocketMultiplayerPeer.new()
	if impl == "ours" and opts.has("compress"):
		peer.compression_enabled = true
	# A free port: try random ones (create_server does not report an ephemeral port).
	var port := 0
	for i in 100:
		var p := 20000 + randi() % 30000
		if peer.create_server(p, "127.0.0.1") == OK:
			port = p
			break
	if not check(port != 0, "create_server(%s) on a free port" % peer.get_class()):
		return
	api.multiplayer_peer = peer
	var connected: Array = []
	peer.peer_connected.connect(func(id): connected.append(id))
	# Publish the port atomically: the orchestrator waits for this file.
	var path: String = opts["port-file"]
	var f := FileAccess.open(path + ".tmp", FileAccess.WRITE)
	f.store_string(str(port))
	f.close()
	DirAccess.rename_absolute(path + ".tmp", path)

	var names := _names()
	var n := names.size()
	var ok := await until(func(): return game.names.size() == n)
	check(ok, "hello from all %d clients (got %s)" % [n, game.names.values()])
	var got_names: Array = game.names.values()
	got_names.sort()
	var want_names: Array = Array(names)
	want_names.sort()
	check(got_names == want_names, "client names %s" % [want_names])
	check(connected.size() == n and api.get_peers().size() == n, "peer_connected for each client")
	game.set_roster.rpc(game.names)
	ok = await until(func(): return game.chats.size() == n)
	check(ok, "chat from every client")
	var chats_ok := true
	for c in game.chats:
		chats_ok = chats_ok and c[1] == "chat from %s" % game.names.get(c[0], "?")
	check(chats_ok, "each chat came from the client that sent it: %s" % [game.chats])
	ok = await until(func(): return game.done_from.size() == n)
	check(ok, "done from every client")
	var all_heard := true
	for id in game.done_from:
		all_heard = all_heard and int(game.done_from[id].get("heard", 0)) == 2 * (n - 1)
	check(all_heard, "every client heard every other one twice: %s" % [game.done_from])
	game.goodbye.rpc()
	# Let the goodbyes leave: wait until the clients hung up (bounded).
	ok = await until(func(): return api.get_peers().is_empty())
	check(ok, "every client disconnected after goodbye")


func _client() -> void:
	var impl: String = opts.get("impl", "ours")
	var url := "ws://127.0.0.1:%s" % opts.get("port", "0")
	var made := Peers.client("godot3" if impl == "g3" else impl, url, opts.has("compress"))
	peer = made[0]
	var err: int = made[1]
	if not check(err == OK, "%s connects to %s" % [peer.get_class(), url]):
		return
	var connected := [false]
	api.connected_to_server.connect(func(): connected[0] = true)
	api.multiplayer_peer = peer
	var ok := await until(func(): return connected[0])
	if not check(ok, "connected_to_server"):
		return
	var my_id := api.get_unique_id()
	check(my_id >= 2, "unique id from the server (%d)" % my_id)
	if opts.has("want-compress") and impl != "builtin":
		var agreed: bool = peer.get_peer(1).is_compression_agreed()
		check(agreed == (opts["want-compress"] == "1"), "compression agreed = %s" % agreed)
	var my_name: String = opts["name"]
	game.hello.rpc_id(1, my_name)
	var n := _names().size()
	ok = await until(func(): return game.roster.size() == n)
	if not check(ok, "roster from the server (server -> client)"):
		return
	check(game.roster.get(my_id) == my_name, "the roster has me as %s" % my_name)
	var others: Array = game.roster.keys().filter(func(id): return id != my_id)
	game.chat.rpc_id(1, "chat from %s" % my_name)
	for id in others:
		game.direct.rpc_id(id, "direct from %s" % my_name)
	ok = await until(func(): return game.said.size() == others.size() and game.direct_got.size() == others.size())
	check(ok, "heard from all %d other clients" % others.size())
	var said_ok := true
	for s in game.said:
		said_ok = said_ok and s[0] in others and s[1] == "chat from %s" % game.roster.get(s[0], "?")
	check(said_ok and not game.said.is_empty() or others.is_empty(), "chats forwarded by the server (client -> server -> client): %s" % [game.said])
	var direct_ok := true
	for d in game.direct_got:
		direct_ok = direct_ok and d[0] in others and d[1] == "direct from %s" % game.roster.get(d[0], "?")
	check(direct_ok and not game.direct_got.is_empty() or others.is_empty(), "direct RPCs relayed by the server, sender ids intact: %s" % [game.direct_got])
	game.done.rpc_id(1, {"heard": game.said.size() + game.direct_got.size()})
	ok = await until(func(): return game.bye)
	check(ok, "goodbye from the server")
