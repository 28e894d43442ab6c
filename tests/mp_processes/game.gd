## The RPC node of tests/mp_processes: /root/Game in every process, so RPCs travel between them.
## It only records what arrives and forwards chat; node.gd drives the session and asserts.
extends Node

## Server: name of each client by id (from hello), chat lines [sender, text], done summaries.
var names: Dictionary = {}
var chats: Array = []
var done_from: Dictionary = {}
## Client: the roster from the server, said [from, text] (server-forwarded), direct [sender, text]
## (SceneMultiplayer relay), and whether bye arrived.
var roster: Dictionary = {}
var said: Array = []
var direct_got: Array = []
var bye := false


@rpc("any_peer", "call_remote", "reliable")
func hello(client_name: String) -> void:
	names[multiplayer.get_remote_sender_id()] = client_name


@rpc("authority", "call_remote", "reliable")
func set_roster(ids_to_names: Dictionary) -> void:
	roster = ids_to_names


## Client -> server; the server forwards it to every other client (client -> server -> client).
@rpc("any_peer", "call_remote", "reliable")
func chat(text: String) -> void:
	var sender := multiplayer.get_remote_sender_id()
	chats.append([sender, text])
	for id in multiplayer.get_peers():
		if id != sender:
			say.rpc_id(id, sender, text)


@rpc("authority", "call_remote", "reliable")
func say(from_id: int, text: String) -> void:
	said.append([from_id, text])


## Client -> another client, relayed by the server's SceneMultiplayer.
@rpc("any_peer", "call_remote", "reliable")
func direct(text: String) -> void:
	direct_got.append([multiplayer.get_remote_sender_id(), text])


@rpc("any_peer", "call_remote", "reliable")
func done(summary: Dictionary) -> void:
	done_from[multiplayer.get_remote_sender_id()] = summary


@rpc("authority", "call_remote", "reliable")
func goodbye() -> void:
	bye = true
