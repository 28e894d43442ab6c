## The demo's WebSocket chat panel: host a chat server (a TCP server whose connections become
## WebSocket peers through accept_stream) or join one, send messages, and close with a code and
## a reason. `use_rust` picks the classes behind it: RustTCPServer + RustWebSocketPeer, or Godot's
## TCPServer + WebSocketPeer (the same calls drive both).
##
## The UI is built in code so the headless showcase (showcase.gd) runs exactly this logic.
## `line` is emitted for every log line.
extends VBoxContainer

signal line(text: String)

const UI := preload("ui.gd")

var use_rust := true
## Where "Host" listens; the showcase keeps it on loopback.
var bind_address := "*"

var nick_edit: LineEdit
var port_spin: SpinBox
var host_button: Button
var url_edit: LineEdit
var join_button: Button
var log_view: RichTextLabel
var message_edit: LineEdit
var send_button: Button
var code_spin: SpinBox
var reason_edit: LineEdit
var close_button: Button
var state_label: Label

var _server: RefCounted = null
## Host mode: the accepted peers. Join mode: the one client peer.
var _peers: Array = []
var _states: Dictionary = {}
var _names: Dictionary = {}


func _ready() -> void:
	add_theme_constant_override("separation", 8)
	var row := HBoxContainer.new()
	UI.caption(row, "Name")
	nick_edit = UI.line_edit(row, "host")
	nick_edit.custom_minimum_size.x = 90
	UI.caption(row, "   Port")
	port_spin = UI.spin(row, 0, 65535, 9080)
	host_button = UI.button(row, "Host", host)
	UI.caption(row, "   or URL")
	url_edit = UI.line_edit(row, "ws://127.0.0.1:9080", "", true)
	join_button = UI.button(row, "Join", join)
	add_child(row)

	state_label = Label.new()
	add_child(state_label)

	log_view = RichTextLabel.new()
	log_view.bbcode_enabled = true
	log_view.scroll_following = true
	log_view.size_flags_vertical = Control.SIZE_EXPAND_FILL
	log_view.add_theme_stylebox_override("normal", UI.panel_box())
	add_child(log_view)

	var msg := HBoxContainer.new()
	message_edit = UI.line_edit(msg, "", "Message", true, send_message)
	send_button = UI.button(msg, "  Send  ", send_message)
	add_child(msg)

	var close_row := HBoxContainer.new()
	UI.caption(close_row, "Close with code")
	code_spin = UI.spin(close_row, -1, 4999, 1000)
	UI.caption(close_row, "  reason")
	reason_edit = UI.line_edit(close_row, "bye", "", true)
	close_button = UI.button(close_row, "Close", close_all)
	add_child(close_row)
	_update_state()


func class_label() -> String:
	return "RustTCPServer + RustWebSocketPeer" if use_rust else "TCPServer + WebSocketPeer"


func _new_peer() -> RefCounted:
	return RustWebSocketPeer.new() if use_rust else WebSocketPeer.new()


func _log(text: String, color := "") -> void:
	log_view.append_text(("[color=%s]%s[/color]\n" % [color, text]) if color != "" else text + "\n")
	line.emit("  " + text)


func is_hosting() -> bool:
	return _server != null


func peer_count() -> int:
	return _peers.size()


## The port the server listens on (after host()).
func local_port() -> int:
	return _server.get_local_port() if _server else 0


func host() -> void:
	close_all()
	_server = RustTCPServer.new() if use_rust else TCPServer.new()
	var err: int = _server.listen(int(port_spin.value), bind_address)
	if err != OK:
		_log("listen on port %d failed: %s" % [port_spin.value, error_string(err)], "#ff7b72")
		_server = null
		return
	port_spin.set_value_no_signal(_server.get_local_port())
	_log("hosting on port %d with %s" % [_server.get_local_port(), class_label()], "#7ee787")
	_update_state()


func join() -> void:
	close_all()
	var ws := _new_peer()
	var err: int = ws.connect_to_url(url_edit.text.strip_edges())
	if err != OK:
		_log("connect_to_url failed: %s" % error_string(err), "#ff7b72")
		return
	_peers = [ws]
	_states[ws] = -1
	_log("joining %s with %s" % [url_edit.text, "RustWebSocketPeer" if use_rust else "WebSocketPeer"], "#7ee787")
	_update_state()


func send_message() -> void:
	var text := message_edit.text.strip_edges()
	if text == "":
		return
	message_edit.text = ""
	var msg := "%s: %s" % [nick_edit.text, text]
	var sent := 0
	for ws in _peers:
		if ws.get_ready_state() == WebSocketPeer.STATE_OPEN:
			ws.send_text(msg)
			sent += 1
	if sent == 0:
		_log("(not connected: message not sent)", "#ff7b72")
	elif is_hosting():
		_log(msg, "#d2a8ff")


## Closes every peer with the code and reason in the fields (hosting: also stops the server).
func close_all() -> void:
	for ws in _peers:
		if ws.get_ready_state() in [WebSocketPeer.STATE_CONNECTING, WebSocketPeer.STATE_OPEN]:
			ws.close(int(code_spin.value), reason_edit.text)
	if _server:
		_server.stop()
		_server = null
		_log("server stopped", "#ffa657")
	if not is_hosting() and _peers.is_empty():
		return
	_update_state()


## One step: accept, poll every peer, relay (when hosting), log state changes.
func poll_once() -> void:
	if _server and _server.is_connection_available():
		var ws := _new_peer()
		var err: int = ws.accept_stream(_server.take_connection())
		if err == OK:
			_peers.append(ws)
			_states[ws] = -1
	for ws in _peers.duplicate():
		ws.poll()
		var state: int = ws.get_ready_state()
		if state != _states.get(ws, -1):
			_states[ws] = state
			_on_state(ws, state)
		while ws.get_available_packet_count() > 0:
			var text: String = ws.get_packet().get_string_from_utf8()
			_log(text)
			if is_hosting():
				for other in _peers:
					if other != ws and other.get_ready_state() == WebSocketPeer.STATE_OPEN:
						other.send_text(text)
		if state == WebSocketPeer.STATE_CLOSED:
			_peers.erase(ws)
			_states.erase(ws)
			_names.erase(ws)
			_update_state()


func _on_state(ws: RefCounted, state: int) -> void:
	# The address is only there while connected: remember it for the close line.
	if state == WebSocketPeer.STATE_OPEN and is_hosting():
		_names[ws] = "peer %s:%d" % [ws.get_connected_host(), ws.get_connected_port()]
	var who: String = _names.get(ws, "peer") if is_hosting() else "server"
	match state:
		WebSocketPeer.STATE_OPEN:
			_log("%s connected" % who, "#7ee787")
		WebSocketPeer.STATE_CLOSING:
			_log("%s closing" % who, "#ffa657")
		WebSocketPeer.STATE_CLOSED:
			var code: int = ws.get_close_code()
			_log("%s closed: code %d, reason \"%s\"%s" % [who, code, ws.get_close_reason(), "" if code != -1 else " (not clean)"], "#ffa657")
	_update_state()


func _update_state() -> void:
	if state_label == null:
		return
	if is_hosting():
		state_label.text = "Hosting on port %d — %d peer(s) — %s" % [local_port(), _peers.size(), class_label()]
	elif not _peers.is_empty():
		var names := ["connecting", "open", "closing", "closed"]
		state_label.text = "Client: %s — %s" % [names[_peers[0].get_ready_state()], "RustWebSocketPeer" if use_rust else "WebSocketPeer"]
	else:
		state_label.text = "Not connected — %s" % class_label()


func _process(_delta: float) -> void:
	poll_once()
