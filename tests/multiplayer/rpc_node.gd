## A node with the same path under every multiplayer root of a test, so RPCs travel between them.
extends Node

## [sender id, a, b] of each `hello` received.
var got: Array = []


@rpc("any_peer", "call_remote", "reliable")
func hello(a, b) -> void:
	got.append([multiplayer.get_remote_sender_id(), a, b])
