## A node whose `pos` a MultiplayerSynchronizer replicates (tests/multiplayer/test_sync.gd).
extends Node

var pos := Vector2.ZERO
