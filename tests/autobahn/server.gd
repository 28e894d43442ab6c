## Autobahn|Testsuite server testee (fuzzingclient mode), driven by scripts/autobahn.sh:
##   AB_BIND=127.0.0.1:9002 godot --headless --path godot_project -s tests/autobahn/server.gd
## An echo server: a TCP listener of the class paired with the WebSocket class under test
## (see ws_echo.gd) hands every connection to accept_stream(); every peer is polled in one loop
## and echoes each message with its own text/binary type. Runs until killed.
extends SceneTree

const WsEcho := preload("ws_echo.gd")


func _initialize() -> void:
	quit(_main())


func _main() -> int:
	var cls := WsEcho.ws_class()
	var tcp_cls := WsEcho.tcp_server_class(cls)
	for c in [cls, tcp_cls]:
		if not ClassDB.class_exists(c):
			printerr("autobahn server: class %s does not exist (addon not built?)" % c)
			return 2
	var bind := OS.get_environment("AB_BIND")
	var colon := bind.rfind(":")
	if colon < 0:
		printerr("autobahn server: AB_BIND must be HOST:PORT, got '%s'" % bind)
		return 2
	var server = ClassDB.instantiate(tcp_cls)
	var err: int = server.listen(int(bind.substr(colon + 1)), bind.substr(0, colon).trim_prefix("[").trim_suffix("]"))
	if err != OK:
		printerr("autobahn server: %s.listen(%s) = %d" % [tcp_cls, bind, err])
		return 1
	print("autobahn server: %s + %s listening on %s" % [cls, tcp_cls, bind])
	var peers: Array = []
	var accepted := 0
	while server.is_listening():
		var moved := false
		var any_closed := false
		while server.is_connection_available():
			var ws = WsEcho.new_peer(cls)
			err = ws.accept_stream(server.take_connection())
			if err != OK:
				printerr("autobahn server: accept_stream = %d" % err)
				continue
			peers.append(WsEcho.Echo.new(ws))
			accepted += 1
			moved = true
		for p in peers:
			if p.pump():
				moved = true
			if p.closed():
				any_closed = true
		if any_closed:
			peers = peers.filter(func(p): return not p.closed())
		if not moved:
			OS.delay_usec(200)
	return 0
