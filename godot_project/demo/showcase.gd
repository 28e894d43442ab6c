## The headless showcase run by scripts/demo.sh: loads the demo's main scene (main.tscn) and
## drives its panels the way a user would — fill the fields, press Send / Host / Join / Close —
## once with the RustNet classes and once with Godot's built-ins, printing a transcript.
##
## `godot --headless --path godot_project -s demo/showcase.gd -- --http-port=<port>`, where the
## port is a tests/servers/http_scenarios.py server on 127.0.0.1. Ends with "SHOWCASE DONE", or
## "SHOWCASE FAILED: <why>". Every wait is bounded.
extends "scene_driver.gd"

const ChatPanel := preload("chat_panel.gd")

var _failures: PackedStringArray = []


func _run() -> void:
	var port := int(arg("http-port"))
	var main: Node = await add_main_scene()
	main.http.line.connect(print)
	for use_rust in [true, false]:
		main.set_use_rust(use_rust)
		print("\n== HTTP panel, %s ==" % main.http.class_label())
		for req in [
			["GET", "/sized?n=200000", ""],
			["GET", "/drip?n=600", ""],
			["GET", "/chunked?sizes=4096,8192,2500", ""],
			["POST", "/echo", "name=godot&lang=gdscript"],
		]:
			main.http.method_button.select(main.http.METHODS.find(req[0]))
			main.http.url_edit.text = "http://127.0.0.1:%d%s" % [port, req[1]]
			main.http.body_edit.text = req[2]
			main.http.send_button.pressed.emit()
			var ok := await wait_until(func(): return not main.http.is_busy())
			if not ok:
				_failures.append("%s %s timed out" % [req[0], req[1]])
			elif main.http.code_label.text != "200":
				_failures.append("%s %s: response code %s" % [req[0], req[1], main.http.code_label.text])
			print("")
		await _chat(main, use_rust)
	main.queue_free()
	await process_frame
	if _failures.is_empty():
		print("SHOWCASE DONE")
	else:
		print("SHOWCASE FAILED: ", "; ".join(_failures))
	quit()


## The chat panel hosts; a second panel (a guest, as another player would run) joins it.
func _chat(main: Node, use_rust: bool) -> void:
	var host: ChatPanel = main.chat
	print("== WebSocket chat panel, %s ==" % host.class_label())
	var guest := ChatPanel.new()
	guest.use_rust = use_rust
	main.add_child(guest)
	guest.visible = false
	var print_host := func(t): print("[host] ", t)
	var print_guest := func(t): print("[guest]", t)
	host.line.connect(print_host)
	guest.line.connect(print_guest)
	host.bind_address = "127.0.0.1"
	host.port_spin.value = 0
	host.host_button.pressed.emit()
	if not host.is_hosting():
		_failures.append("chat: host failed")
		return
	guest.nick_edit.text = "guest"
	guest.url_edit.text = "ws://127.0.0.1:%d" % host.local_port()
	guest.join_button.pressed.emit()
	var open := func(): return host.peer_count() == 1 and guest.peer_count() == 1 \
		and guest._peers[0].get_ready_state() == WebSocketPeer.STATE_OPEN \
		and host._peers[0].get_ready_state() == WebSocketPeer.STATE_OPEN
	if not await wait_until(open):
		_failures.append("chat: the guest did not connect")
	var got := [0]
	var count := func(t): got[0] += 1
	guest.line.connect(count)
	guest.message_edit.text = "hello from the guest"
	guest.send_button.pressed.emit()
	host.message_edit.text = "welcome!"
	host.send_button.pressed.emit()
	if not await wait_until(func(): return got[0] >= 1 and host.log_view.get_parsed_text().contains("hello from the guest")):
		_failures.append("chat: messages did not arrive")
	guest.code_spin.value = 4000
	guest.reason_edit.text = "see you"
	guest.close_button.pressed.emit()
	if not await wait_until(func(): return host.peer_count() == 0 and guest.peer_count() == 0):
		_failures.append("chat: the close did not complete")
	elif not host.log_view.get_parsed_text().contains("code 4000, reason \"see you\""):
		_failures.append("chat: the host did not see code 4000")
	host.close_button.pressed.emit()
	host.line.disconnect(print_host)
	guest.queue_free()
	print("")
