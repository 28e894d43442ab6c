## The drop-in claim on the Godot docs' "Using WebSockets" tutorial: its minimal client and
## minimal server, as node scripts whose built-in and Rust twins differ only in class names,
## run against each other in four pairings (built-in↔built-in, Rust↔Rust, Rust client↔built-in
## server, built-in client↔Rust server). Every pairing must print what the built-in pair prints.
##
## The test plays the tutorial's user: it adds the server node, then the client node (pointed at
## the server's loopback port), and lets frames run. The client's 2-second wait before sending
## is shortened by Engine.time_scale (the tutorial's timer is scaled), not by editing the script.
## Once the echo came back, the test sends one binary message and closes the client, to exercise
## the tutorial's binary and close branches. print() output is captured with a Logger.
extends "../lib/ws_suite.gd"

const NAMES := [["WebSocketPeer", "RustWebSocketPeer"], ["TCPServer", "RustTCPServer"]]


class Capture extends Logger:
	var lines: PackedStringArray = []
	var mutex := Mutex.new()

	func _log_message(message: String, error: bool) -> void:
		if error:
			return
		mutex.lock()
		for l in message.split("\n", false):
			lines.append(l)
		mutex.unlock()

	func snapshot() -> PackedStringArray:
		mutex.lock()
		var out := lines.duplicate()
		mutex.unlock()
		return out


var _capture: Capture
var _nodes: Array[Node] = []
var _scale := 1.0


func setup() -> void:
	_scale = Engine.time_scale
	_capture = Capture.new()
	OS.add_logger(_capture)


func teardown() -> void:
	Engine.time_scale = _scale
	if _capture != null:
		OS.remove_logger(_capture)
		_capture = null
	for n in _nodes:
		if is_instance_valid(n):
			if "socket" in n:
				n.socket.close(-1)
			if "_tcp_server" in n:
				for id in n._peers:
					n._peers[id].close(-1)
				n._tcp_server.stop()
			n.get_parent().remove_child(n)
			n.free()
	_nodes.clear()
	super.teardown()


func _dir() -> String:
	return get_script().resource_path.get_base_dir()


func test_twins_differ_only_in_class_names() -> void:
	for kind in ["client", "server"]:
		var builtin := FileAccess.get_file_as_string(_dir().path_join(kind + "_builtin.gd"))
		var rust := FileAccess.get_file_as_string(_dir().path_join(kind + "_rust.gd"))
		if not check(builtin != "" and rust != "", "could not read the %s scripts" % kind):
			continue
		check(builtin.contains("WebSocketPeer.new()") and not builtin.contains("Rust"), kind + "_builtin.gd uses the built-in classes")
		check(rust.contains("RustWebSocketPeer.new()"), kind + "_rust.gd creates a RustWebSocketPeer")
		var want := builtin
		for n in NAMES:
			want = want.replace(n[0], n[1])
		var got_lines := rust.split("\n")
		var want_lines := want.split("\n")
		for i in mini(got_lines.size(), want_lines.size()):
			if not eq(got_lines[i], want_lines[i], "%s_rust.gd line %d vs the built-in twin with class names replaced" % [kind, i + 1]):
				break
		eq(got_lines.size(), want_lines.size(), kind + " line count")
	# The tutorial's text is kept: the seed's key lines are in the built-in client.
	var client := FileAccess.get_file_as_string(_dir().path_join("client_builtin.gd"))
	for line in ['print("> Sending test packet.")', 'print("< Got text data from server: %s" % packet_text)',
			'await get_tree().create_timer(2).timeout', 'print("WebSocket closed with code: %d. Clean: %s" % [code, code != -1])']:
		check(client.contains(line), "client keeps the tutorial line " + line)


## Runs one pairing; returns the captured lines (port replaced by PORT).
func _run(server_rust: bool, client_rust: bool) -> PackedStringArray:
	var label := "%s server / %s client" % ["Rust" if server_rust else "built-in", "Rust" if client_rust else "built-in"]
	var server = load(_dir().path_join("server_rust.gd" if server_rust else "server_builtin.gd")).new()
	server.PORT = 0
	_nodes.append(server)
	tree.root.add_child(server)
	var port: int = server._tcp_server.get_local_port()
	var client = load(_dir().path_join("client_rust.gd" if client_rust else "client_builtin.gd")).new()
	client.websocket_url = "ws://127.0.0.1:%d" % port
	_nodes.append(client)
	Engine.time_scale = 20.0  # the client's 2 s timer takes 0.1 s
	tree.root.add_child(client)
	var echoed := func(): return _capture.snapshot().has("< Got text data from server: Test packet")
	for i in 3000:
		if echoed.call():
			break
		await frame()
	check(echoed.call(), label + ": the text echo came back")
	Engine.time_scale = _scale
	client.socket.send(PackedByteArray([1, 2, 3]))
	var binary := func(): return _capture.snapshot().has("< Got binary data from server: 3 bytes")
	for i in 3000:
		if binary.call():
			break
		await frame()
	client.socket.close()
	var closed := func():
		var l := _capture.snapshot()
		return l.has("WebSocket closed with code: 1000. Clean: true") and l.has("- Peer 2 closed with code: 1000, reason . Clean: true")
	for i in 3000:
		if closed.call():
			break
		await frame()
	var out: PackedStringArray = []
	for l in _capture.snapshot():
		out.append(l.replace(str(port), "PORT"))
	return out


func _pairings() -> Array:
	var out := [[false, false]]
	if have_ours():
		out += [[true, true], [false, true], [true, false]]
	else:
		pairings()  # fails if the class should exist
	return out


func test_tutorial_pairings() -> void:
	var want: PackedStringArray = [
		"Server started.",
		"Connecting to ws://127.0.0.1:PORT...",
		"+ Peer 2 connected.",
		"> Sending test packet.",
		"< Got text data from peer 2: Test packet ... echoing",
		"< Got text data from server: Test packet",
		"< Got binary data from peer 2: 3 ... echoing",
		"< Got binary data from server: 3 bytes",
	]
	var closing: PackedStringArray = ["- Peer 2 closed with code: 1000, reason . Clean: true", "WebSocket closed with code: 1000. Clean: true"]
	for p in _pairings():
		var label := "%s server / %s client" % ["Rust" if p[0] else "built-in", "Rust" if p[1] else "built-in"]
		var got := await _run(p[0], p[1])
		teardown()
		setup()
		eq(got.slice(0, want.size()), want, label + ": transcript")
		# Which side prints its close line first depends on node order and polling, not on the class.
		var tail := got.slice(want.size())
		tail.sort()
		eq(tail, closing, label + ": close lines")
