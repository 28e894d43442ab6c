## What the two scripts that drive the demo's main scene from the command line share
## (showcase.gd, headless, for scripts/demo.sh; screenshots.gd, in a window, for
## scripts/screenshots.sh): `-s` start-up, `--name=value` arguments, bounded waits, the scene.
## A subclass writes `_run()`.
extends SceneTree


func _initialize() -> void:
	_run.call_deferred()


func _run() -> void:
	pass


## The value of `--name=value` after `--`, or "".
func arg(name: String) -> String:
	for a in OS.get_cmdline_user_args():
		if a.begins_with("--%s=" % name):
			return a.substr(name.length() + 3)
	return ""


## Waits frame by frame until `done` returns true (true) or `max_msec` passed (false).
func wait_until(done: Callable, max_msec := 15000) -> bool:
	var start := Time.get_ticks_msec()
	while Time.get_ticks_msec() - start < max_msec:
		if done.call():
			return true
		await process_frame
	return false


## The demo's main scene (main.tscn), added to the tree and given one frame to start.
func add_main_scene() -> Node:
	var main: Node = load("res://demo/main.tscn").instantiate()
	root.add_child(main)
	await process_frame
	return main
