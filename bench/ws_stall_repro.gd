## Repro of a RustWebSocketPeer stall found by `scripts/bench.sh ws` (see docs/bench-ws.md): when
## the receive queue fills within one poll(), frames already read from the socket are not
## delivered until more bytes arrive. Expected output: 200 of 200 for both classes; RustNet
## (at e8e1dd3) prints 192 of 200, and 201 of 201 once the sender sends one more message.
##   godot --headless --path godot_project -s bench/ws_stall_repro.gd
extends SceneTree

func _initialize() -> void:
	_run.call_deferred()

func _run() -> void:
	for cls in ["WebSocketPeer", "RustWebSocketPeer"]:
		print(cls, ": ", _try(cls))
	quit(0)

func _try(cls: String) -> String:
	var server = (TCPServer.new() if cls == "WebSocketPeer" else ClassDB.instantiate("RustTCPServer"))
	server.listen(0, "127.0.0.1")
	var c = ClassDB.instantiate(cls)
	var p = ClassDB.instantiate(cls)
	for x in [c, p]:
		x.inbound_buffer_size = 65536
		x.outbound_buffer_size = 0  # no limit
	c.connect_to_url("ws://127.0.0.1:%d/" % server.get_local_port())
	while not server.is_connection_available():
		c.poll()
	p.accept_stream(server.take_connection())
	while c.get_ready_state() != 1 or p.get_ready_state() != 1:
		c.poll()
		p.poll()
	var msg := PackedByteArray()
	msg.resize(1024)
	var n := 200  # 200 KiB: more than the 64 KiB the receiver may hold
	for i in n:
		c.send(msg)
	var t := Time.get_ticks_msec()
	while c.get_current_outbound_buffered_amount() > 0:
		c.poll()
	# Everything is in the receiver's socket now. Drain.
	var got := 0
	var end := Time.get_ticks_msec() + 3000
	while got < n and Time.get_ticks_msec() < end:
		p.poll()
		while p.get_available_packet_count() > 0:
			p.get_packet()
			got += 1
	var stuck := got
	c.send(msg)  # one more message
	end = Time.get_ticks_msec() + 1000
	while Time.get_ticks_msec() < end:
		c.poll()
		p.poll()
		while p.get_available_packet_count() > 0:
			p.get_packet()
			got += 1
	print("  after one more message: %d of %d received" % [got, n + 1])
	got = stuck
	return "%d of %d messages received (state client %d, server %d)" % [got, n, c.get_ready_state(), p.get_ready_state()]
