## One hostile-peer case against Godot's BUILT-IN HTTPClient or WebSocketPeer, for comparison
## with tests/hostile (run by scripts/hostile-builtins.sh, one process per case under `timeout`,
## because some built-in calls never return). Prints one line: RESULT {json}.
##
## godot --headless --path godot_project -s bench/hostile_builtin.gd -- --kind=http|ws --case=<path> --port=<p>
extends SceneTree

var max_call := 0
var rss0 := 0


func _initialize() -> void:
	_run.call_deferred()


static func rss_kb(field := "VmRSS") -> int:
	var f := FileAccess.open("/proc/self/status", FileAccess.READ)
	while f != null and not f.eof_reached():
		var line := f.get_line()
		if line.begins_with(field + ":"):
			return int(line.substr(field.length() + 1).strip_edges().split(" ")[0])
	return 0


func t(obj: Object, method: StringName, args: Array = []):
	var t0 := Time.get_ticks_usec()
	var r = obj.callv(method, args)
	max_call = maxi(max_call, Time.get_ticks_usec() - t0)
	return r


func _run() -> void:
	var opts := {}
	for a in OS.get_cmdline_user_args():
		if a.begins_with("--") and "=" in a:
			var kv := a.substr(2).split("=", true, 1)
			opts[kv[0]] = kv[1]
	rss0 = rss_kb()
	var out := {}
	if opts.get("kind", "http") == "http":
		out = await _http(opts["case"], int(opts["port"]))
	else:
		out = await _ws(opts["case"], int(opts["port"]))
	out.max_call_us = max_call
	out.rss_growth_kb = rss_kb("VmHWM") - rss0
	print("RESULT ", JSON.stringify(out))
	quit()


func _http(path: String, port: int) -> Dictionary:
	var c := HTTPClient.new()
	c.connect_to_host("127.0.0.1", port)
	var statuses := []
	var body := PackedByteArray()
	var requested := false
	var code := 0
	var deadline := Time.get_ticks_msec() + 4000
	while Time.get_ticks_msec() < deadline:
		t(c, &"poll")
		var s: int = c.get_status()
		if statuses.is_empty() or statuses[-1] != s:
			statuses.append(s)
		if s == HTTPClient.STATUS_CONNECTED and not requested:
			requested = true
			c.request(HTTPClient.METHOD_GET, path, [])
		elif s == HTTPClient.STATUS_BODY:
			body.append_array(t(c, &"read_response_body_chunk"))
		elif s == HTTPClient.STATUS_CONNECTED and requested:
			break
		elif s in [HTTPClient.STATUS_CONNECTION_ERROR, HTTPClient.STATUS_DISCONNECTED, HTTPClient.STATUS_CANT_CONNECT]:
			break
		await process_frame
	code = c.get_response_code()
	return {"status": c.get_status(), "statuses": statuses, "code": code, "body": body.get_string_from_ascii().substr(0, 40), "body_len": body.size()}


func _ws(name: String, port: int) -> Dictionary:
	var ws := WebSocketPeer.new()
	ws.connect_to_url("ws://127.0.0.1:%d/ws/%s" % [port, name])
	var states := []
	var packets := 0
	var deadline := Time.get_ticks_msec() + 6000
	while Time.get_ticks_msec() < deadline:
		t(ws, &"poll")
		var s := ws.get_ready_state()
		if states.is_empty() or states[-1] != s:
			states.append(s)
		while ws.get_available_packet_count() > 0:
			ws.get_packet()
			packets += 1
		if s == WebSocketPeer.STATE_CLOSED:
			break
		await process_frame
	return {"state": ws.get_ready_state(), "states": states, "code": ws.get_close_code(), "packets": packets}
