## Renders the demo's main scene in a real window and saves a screenshot of each panel
## mid-transfer. Run by scripts/screenshots.sh (Xvfb, OpenGL compatibility renderer):
## `godot --rendering-driver opengl3 --path godot_project -s demo/screenshots.gd --
##  --http-port=<port> --out=<dir>`. Prints "SCREENSHOTS DONE" at the end.
extends "scene_driver.gd"

const ChatPanel := preload("chat_panel.gd")


func _shot(path: String) -> void:
	await RenderingServer.frame_post_draw
	var err := root.get_texture().get_image().save_png(path)
	print("saved ", path, " (", error_string(err), ")")


func _run() -> void:
	var port := int(arg("http-port"))
	var out := arg("out")
	root.size = Vector2i(1100, 680)
	var main: Node = await add_main_scene()

	# HTTP: a slow (dripped) 6 KB body, caught with the progress bar part-way.
	main.tabs.current_tab = 0
	main.http.url_edit.text = "http://127.0.0.1:%d/drip?n=6000" % port
	main.http.send_button.pressed.emit()
	await wait_until(func(): return main.http.progress.value >= 0.45)
	await _shot(out.path_join("demo-http.png"))
	await wait_until(func(): return not main.http.is_busy())

	# Chat: the panel hosts, a guest joins, a few messages go both ways.
	main.tabs.current_tab = 1
	var host: ChatPanel = main.chat
	host.bind_address = "127.0.0.1"
	host.port_spin.value = 0
	host.host_button.pressed.emit()
	var guest := ChatPanel.new()
	main.add_child(guest)
	guest.visible = false
	guest.nick_edit.text = "guest"
	guest.url_edit.text = "ws://127.0.0.1:%d" % host.local_port()
	guest.join_button.pressed.emit()
	await wait_until(func(): return host.peer_count() == 1 and guest.peer_count() == 1 \
		and guest._peers[0].get_ready_state() == WebSocketPeer.STATE_OPEN)
	for m in [
		[guest, "hi! anyone here?"],
		[host, "welcome! this chat runs on RustTCPServer + RustWebSocketPeer"],
		[guest, "nice. same code as with WebSocketPeer?"],
		[host, "yes, only the class names change; flip the switch at the top to compare"],
		[guest, "and how fast is it?"],
		[host, "about 1.9x the round trips and 3.5x the MB/s for 1 MiB messages here (docs/benchmarks.md)"],
		[guest, "I'll close with code 4000 when I'm done"],
	]:
		m[0].message_edit.text = m[1]
		m[0].send_button.pressed.emit()
		for i in 10:
			await process_frame
	host.message_edit.text = "typing…"
	for i in 10:
		await process_frame
	await _shot(out.path_join("demo-chat.png"))
	guest.code_spin.value = 4000
	guest.reason_edit.text = "see you"
	guest.close_button.pressed.emit()
	await wait_until(func(): return host.peer_count() == 0)
	host.close_button.pressed.emit()
	main.queue_free()
	await process_frame
	print("SCREENSHOTS DONE")
	quit()
