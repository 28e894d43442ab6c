## RustNet's GDScript test runner: `godot --headless --path godot_project -s tests/runner.gd -- [options]`
##
## Finds suites (`test_*.gd` under the suite folders), runs every `test_*` function of each in a
## fresh suite instance, reports each case, and ends with the line `N passed, N failed`.
## Every case gets its own budget of frames and seconds; a case that overruns it fails and the
## run moves on (the abandoned coroutine is never resumed).
##
## Options (after `--`):
##   --dir=<folder>     suite folder(s) relative to tests/, comma-separated (default: every folder)
##   --filter=<text>    only cases whose "suite::test" name contains the text
##   --max-frames=<n>   frame budget per case (default 30000)
##   --max-seconds=<n>  time budget per case (default 30)
extends SceneTree

const Suite := preload("lib/suite.gd")

var _passed := 0
var _failed := 0
var _failed_names: PackedStringArray = []


func _initialize() -> void:
	# Frames are the unit of waiting in the suites; cap their rate so the loopback servers that
	# share this machine's two cores are not starved by an idle-spinning main loop.
	Engine.max_fps = 2000
	_run.call_deferred()


func _options() -> Dictionary:
	var opts := {"dir": "", "filter": "", "max-frames": "30000", "max-seconds": "30"}
	for arg in OS.get_cmdline_user_args():
		if arg.begins_with("--") and "=" in arg:
			var kv := arg.substr(2).split("=", true, 1)
			opts[kv[0]] = kv[1]
	return opts


func _tests_root() -> String:
	return get_script().resource_path.get_base_dir()


func _find_suites(dirs: PackedStringArray) -> PackedStringArray:
	var found: PackedStringArray = []
	var root := _tests_root()
	if dirs.is_empty():
		for d in DirAccess.get_directories_at(root):
			if d != "lib" and d != "servers" and not d.begins_with("."):
				dirs.append(d)
	dirs.sort()
	for d in dirs:
		var files := DirAccess.get_files_at(root.path_join(d))
		files.sort()
		for f in files:
			if f.begins_with("test_") and f.ends_with(".gd"):
				found.append(d.path_join(f))
	return found


func _run() -> void:
	var opts := _options()
	var dirs: PackedStringArray = []
	if opts["dir"] != "":
		dirs = opts["dir"].split(",", false)
	var max_frames := int(opts["max-frames"])
	var max_msec := int(float(opts["max-seconds"]) * 1000.0)
	var suites := _find_suites(dirs)
	if suites.is_empty():
		printerr("runner: no suites found")
	for rel in suites:
		var script: GDScript = load(_tests_root().path_join(rel))
		if script == null:
			_record(rel + "::<load>", ["the suite failed to load (parse error?)"])
			continue
		var names: PackedStringArray = []
		for m in script.get_script_method_list():
			if m.name.begins_with("test_") and not names.has(m.name):
				names.append(m.name)
		for test_name in names:
			var full: String = rel + "::" + test_name
			if opts["filter"] != "" and not full.contains(opts["filter"]):
				continue
			var suite: Suite = script.new()
			suite.tree = self
			suite.case_name = full
			await suite.setup()
			var state := {"done": false}
			var body := func():
				await suite.call(test_name)
				state.done = true
			body.call()
			var frames := 0
			var start := Time.get_ticks_msec()
			while not state.done:
				if frames >= max_frames or Time.get_ticks_msec() - start > max_msec:
					suite.failures.append("timed out after %d frames / %d ms" % [frames, Time.get_ticks_msec() - start])
					break
				frames += 1
				await process_frame
			suite.teardown()
			if suite.checks == 0 and suite.failures.is_empty():
				suite.failures.append("the case asserted nothing")
			_record(full, suite.failures)
	print("")
	if not _failed_names.is_empty():
		print("Failed cases:")
		for n in _failed_names:
			print("  - ", n)
	print("%d passed, %d failed" % [_passed, _failed])
	quit(1 if _failed > 0 else 0)


func _record(full: String, failures: Array) -> void:
	if failures.is_empty():
		_passed += 1
		print("[PASS] ", full)
	else:
		_failed += 1
		_failed_names.append(full)
		print("[FAIL] ", full)
		for f in failures:
			print("       ", f)
