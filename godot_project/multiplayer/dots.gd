## RustNet multiplayer demo: players are dots moving on a field; each client moves its own dot
## and tells the server, the server owns the world and broadcasts every dot's position by RPC.
## Runs as the server or as a client (scripts/demo_multiplayer.sh runs one server and two
## clients headless). In a window it draws the dots.
##
## Command line (after `--`):
##   --server [--port=9080 | --port-file=path]     serve (port-file: pick a free port, write it)
##   --client=ws://127.0.0.1:9080 --name=alice      join
##   --class=ours|builtin|godot3   ours: RustWebSocketMultiplayerPeer (default); builtin: Godot's
##                                 WebSocketMultiplayerPeer; godot3: RustWebSocketClient
##                                 (client only, gd_mp_api = true)
##   --compress                    permessage-deflate (RustNet classes; agreed per connection)
##   --seconds=N                   quit after N seconds (default: run until closed)
extends Node2D

const Peers := preload("peers.gd")
const FIELD := Vector2(640, 360)
const COLORS := [Color.TOMATO, Color.SKY_BLUE, Color.GOLD, Color.LIME_GREEN, Color.VIOLET]

var opts := {}
var is_server := false
var my_name := "server"
## The world as this process knows it: id -> {name, pos}.
var players: Dictionary = {}
var world_updates := 0
var moves_received := 0
var joined: Array = []
var left: Array = []
var elapsed := 0.0
var send_accum := 0.0
var phase := 0.0
var done := false


func _ready() -> void:
	for arg in OS.get_cmdline_user_args():
		if arg.begins_with("--"):
			var kv := arg.substr(2).split("=", true, 1)
			opts[kv[0]] = kv[1] if kv.size() > 1 else ""
	is_server = opts.has("server") or not opts.has("client")
	my_name = opts.get("name", "server" if is_server else "player")
	var err := _start_server() if is_server else _start_client()
	if err != OK:
		say("could not start: error %d" % err)
		get_tree().quit(1)
		return
	multiplayer.peer_connected.connect(_on_peer_connected)
	multiplayer.peer_disconnected.connect(_on_peer_disconnected)
	multiplayer.connected_to_server.connect(func(): say("connected as id %d (%s)" % [multiplayer.get_unique_id(), _peer_info()]))
	multiplayer.connection_failed.connect(func(): say("connection failed"); get_tree().quit(1))
	multiplayer.server_disconnected.connect(func(): say("the server left"))
	phase = float(hash(my_name) % 628) / 100.0


func say(text: String) -> void:
	print("[%s] %s" % [my_name, text])


func _peer_class() -> String:
	return opts.get("class", "ours")


func _start_server() -> Error:
	var peer: MultiplayerPeer
	if _peer_class() == "builtin":
		peer = WebSocketMultiplayerPeer.new()
	else:
		peer = RustWebSocketMultiplayerPeer.new()
		peer.compression_enabled = opts.has("compress")
	var port := int(opts.get("port", "9080"))
	var err := ERR_CANT_CREATE
	if opts.has("port-file"):
		# A free port: try random ones, then publish it for the clients (atomically).
		for i in 100:
			port = 20000 + randi() % 30000
			err = peer.create_server(port)
			if err == OK:
				break
		if err == OK:
			var f := FileAccess.open(opts["port-file"] + ".tmp", FileAccess.WRITE)
			f.store_string(str(port))
			f.close()
			DirAccess.rename_absolute(opts["port-file"] + ".tmp", opts["port-file"])
	else:
		err = peer.create_server(port)
	if err != OK:
		return err
	multiplayer.multiplayer_peer = peer
	say("serving on port %d with %s%s" % [port, peer.get_class(), " (compression offered)" if opts.has("compress") else ""])
	return OK


func _start_client() -> Error:
	var url: String = opts["client"]
	var made := Peers.client(_peer_class(), url, opts.has("compress"))
	var peer: MultiplayerPeer = made[0]
	var err: Error = made[1]
	if err == OK:
		multiplayer.multiplayer_peer = peer
		say("joining %s with %s" % [url, peer.get_class()])
	return err


func _peer_info() -> String:
	var peer := multiplayer.multiplayer_peer
	var info: String = peer.get_class()
	if (peer is RustWebSocketMultiplayerPeer or peer is RustWebSocketClient) and not is_server:
		info += ", compression %s" % ("on" if peer.get_peer(1).is_compression_agreed() else "off")
	return info


func _on_peer_connected(id: int) -> void:
	if is_server:
		say("peer %d connected" % id)


func _on_peer_disconnected(id: int) -> void:
	if is_server and players.has(id):
		say("%s (id %d) left" % [players[id].name, id])
		left.append(players[id].name)
		players.erase(id)


func _process(delta: float) -> void:
	elapsed += delta
	if opts.has("seconds") and elapsed >= float(opts["seconds"]) and not done:
		done = true
		_report()
		multiplayer.multiplayer_peer.close()
		get_tree().quit()
		return
	var connected := multiplayer.multiplayer_peer != null \
			and multiplayer.multiplayer_peer.get_connection_status() == MultiplayerPeer.CONNECTION_CONNECTED
	if not connected:
		return
	send_accum += delta
	if send_accum < 0.1:  # 10 updates a second
		return
	send_accum = 0.0
	if is_server:
		var world := {}
		for id in players:
			world[id] = [players[id].name, players[id].pos]
		world_state.rpc(world)
	else:
		# Our dot circles around the field's centre.
		var t := elapsed + phase
		var pos := FIELD / 2 + Vector2(cos(t), sin(t * 1.3)) * Vector2(200, 120)
		move.rpc_id(1, my_name, pos)
	queue_redraw()


## Client -> server: my name and where my dot is.
@rpc("any_peer", "call_remote", "reliable")
func move(player_name: String, pos: Vector2) -> void:
	var id := multiplayer.get_remote_sender_id()
	if not players.has(id):
		say("%s (id %d) joined" % [player_name, id])
		joined.append(player_name)
	players[id] = {"name": player_name, "pos": pos}
	moves_received += 1


## Server -> every client: every dot.
@rpc("authority", "call_remote", "reliable")
func world_state(world: Dictionary) -> void:
	world_updates += 1
	for id in world:
		if not players.has(id):
			say("sees %s (id %d)%s" % [world[id][0], id, " (me)" if id == multiplayer.get_unique_id() else ""])
	players.clear()
	for id in world:
		players[id] = {"name": world[id][0], "pos": world[id][1]}


func _report() -> void:
	var names: Array = []
	for id in players:
		names.append("%s@(%d,%d)" % [players[id].name, players[id].pos.x, players[id].pos.y])
	names.sort()
	if is_server:
		say("saw %d players join %s, %d left, %d position updates received; world now: %s" % [joined.size(), joined, left.size(), moves_received, ", ".join(names) if names else "(empty)"])
	else:
		say("saw %d world updates from the server; last world: %s" % [world_updates, ", ".join(names)])
	print("[%s] DEMO DONE" % my_name)


func _draw() -> void:
	draw_rect(Rect2(Vector2.ZERO, FIELD), Color(0.1, 0.1, 0.12))
	var i := 0
	for id in players:
		draw_circle(players[id].pos, 12.0, COLORS[i % COLORS.size()])
		i += 1
