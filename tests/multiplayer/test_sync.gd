## MultiplayerSynchronizer over RustWebSocketMultiplayerPeer: a property replicated from the
## authority to the other side, with Godot's own WebSocketMultiplayerPeer on either end.
extends "mp.gd"

const SyncedPlayer := preload("synced_player.gd")

var _players: Array = []


## Players leave while their SceneMultiplayer still runs, so replication stops cleanly.
func teardown() -> void:
	for p in _players:
		p.free()
	_players.clear()
	super.teardown()


## Adds Game/Player (with `pos`) and Game/Player/Sync (replicating Player:pos always) under an
## endpoint; the same paths on every endpoint, so the synchronizers pair up by path.
func _add_player(e: Dictionary, authority: int) -> Node:
	var player := SyncedPlayer.new()
	player.name = "Player"
	var cfg := SceneReplicationConfig.new()
	cfg.add_property(NodePath(".:pos"))
	cfg.property_set_spawn(NodePath(".:pos"), false)
	cfg.property_set_replication_mode(NodePath(".:pos"), SceneReplicationConfig.REPLICATION_MODE_ALWAYS)
	var sync := MultiplayerSynchronizer.new()
	sync.name = "Sync"
	sync.root_path = NodePath("..")
	sync.replication_config = cfg
	sync.replication_interval = 0.0
	player.add_child(sync)
	player.set_multiplayer_authority(authority)
	e.game.add_child(player)
	_players.append(player)
	return player


## Server of `server_class`, client of `client_class`; the server's Player.pos reaches the
## client, then (authority handed to the client on both sides) the client's reaches the server.
func _sync_both_ways(server_class, client_class) -> void:
	var sp = server_class.new()
	var port := listen(sp)
	if port == 0:
		return
	var server := endpoint("Server", sp)
	var cp = client_class.new()
	eq(cp.create_client("ws://127.0.0.1:%d" % port), OK, "create_client")
	var client := endpoint("Client", cp)
	if not check(await until(func(): return cp.get_connection_status() == MultiplayerPeer.CONNECTION_CONNECTED \
			and server.events.size() >= 1), "connected"):
		return
	var cid: int = cp.get_unique_id()
	var on_server := _add_player(server, 1)
	var on_client := _add_player(client, 1)
	# Server (authority) -> client.
	on_server.pos = Vector2(12.5, -3)
	check(await until(func(): return on_client.pos == Vector2(12.5, -3)), "server's pos synced to the client")
	eq(on_client.pos, Vector2(12.5, -3), "client's copy")
	on_server.pos = Vector2(40, 41)
	check(await until(func(): return on_client.pos == Vector2(40, 41)), "a later change synced too")
	# Client (authority) -> server.
	on_server.set_multiplayer_authority(cid)
	on_client.set_multiplayer_authority(cid)
	on_client.pos = Vector2(-7, 99)
	check(await until(func(): return on_server.pos == Vector2(-7, 99)), "client's pos synced to the server")
	eq(on_server.pos, Vector2(-7, 99), "server's copy")


func test_sync_ours_to_ours() -> void:
	await _sync_both_ways(RustWebSocketMultiplayerPeer, RustWebSocketMultiplayerPeer)


func test_sync_builtin_client_our_server() -> void:
	await _sync_both_ways(RustWebSocketMultiplayerPeer, WebSocketMultiplayerPeer)


func test_sync_our_client_builtin_server() -> void:
	await _sync_both_ways(WebSocketMultiplayerPeer, RustWebSocketMultiplayerPeer)
