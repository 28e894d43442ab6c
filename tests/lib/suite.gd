## Base class of every test suite: assertions and frame waiting.
## A suite `extends "res://…/lib/suite.gd"` (by relative preload path) and defines `test_*` functions,
## which may `await`. Failures are collected, not thrown, so one case reports all its problems.
extends RefCounted

var tree: SceneTree
var case_name := ""
var failures: Array[String] = []
var checks := 0


## Called before each case (may await).
func setup() -> void:
	pass


## Called after each case, even when it timed out. Stop what the case started.
func teardown() -> void:
	pass


func check(cond: bool, msg: String) -> bool:
	checks += 1
	if not cond:
		failures.append(msg)
	return cond


func eq(got, want, msg: String = "") -> bool:
	checks += 1
	if typeof(got) != typeof(want) or got != want:
		failures.append("%s: got %s, want %s" % [msg, _show(got), _show(want)])
		return false
	return true


func _show(v) -> String:
	var s := var_to_str(v)
	return s if s.length() <= 600 else s.substr(0, 600) + "…"


## One frame.
func frame() -> void:
	await tree.process_frame


func env_int(name: String) -> int:
	var v := OS.get_environment(name)
	check(v != "", "environment variable %s is not set (run through scripts/test.sh)" % name)
	return int(v)


## Polls `client` (its connect already called) frame by frame, takes the connection from
## `server` as soon as one is available (appending it to `keep`, which the suite frees), and
## returns that peer once the client's status is `connected` too. After `max_frames` without
## that, returns what it has (the peer or null): the caller checks the client's status.
func accept_connection(server, client, connected: int, keep: Array, max_frames := 3000):
	var peer = null
	for i in max_frames:
		client.poll()
		if peer == null and server.is_connection_available():
			peer = server.take_connection()
			keep.append(peer)
		if peer != null and client.get_status() == connected:
			break
		await frame()
	return peer
