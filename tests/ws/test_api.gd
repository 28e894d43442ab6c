## RustWebSocketPeer's API surface against WebSocketPeer's: methods (arguments, defaults, return
## types), properties (type and default), constants and enums, and the base class.
extends "../lib/ws_suite.gd"


func test_our_class_is_registered_once_its_sources_exist() -> void:
	# Before the class lands, only the built-in pairings run; after, a missing class fails here.
	eq(have_ours(), ours_expected(), "ClassDB knows %s exactly when rust/extension/src defines it" % OURS)
	check(pairings().size() == (1 + OUR_PAIRINGS.size() if have_ours() else 1), "pairings")


func _methods(cls: String, stop_at: String) -> Dictionary:
	var out := {}
	var c := cls
	while c != stop_at and c != "":
		for m in ClassDB.class_get_method_list(c, true):
			if out.has(m.name):
				continue
			# Argument types only: names are documentation (Godot's own set_handshake_headers
			# calls its argument "protocols").
			var args := []
			for a in m.args:
				args.append(a.type)
			out[m.name] = {"args": args, "defaults": m.default_args, "ret": m.return.type}
		c = ClassDB.get_parent_class(c)
	return out


func test_api_surface() -> void:
	if not have_ours():
		# The built-in side of the comparison, so the test still asserts something.
		eq(ClassDB.class_get_property_list("WebSocketPeer", true).map(func(p): return p.name),
			["supported_protocols", "handshake_headers", "inbound_buffer_size", "outbound_buffer_size", "max_queued_packets", "heartbeat_interval"],
			"WebSocketPeer properties")
		pairings()
		return
	check(ClassDB.is_parent_class(OURS, "PacketPeer"), "%s is a PacketPeer (get_var/put_var come along)" % OURS)
	var theirs := _methods("WebSocketPeer", "PacketPeer")
	var ours := _methods(OURS, "PacketPeer")
	for name in theirs:
		if check(ours.has(name), "%s lacks %s" % [OURS, name]):
			eq(ours[name], theirs[name], "signature of WebSocketPeer." + name)
	var props := {}
	for p in ClassDB.class_get_property_list(OURS, true):
		props[p.name] = p.type
	var builtin = WebSocketPeer.new()
	var mine = ClassDB.instantiate(OURS)
	for p in ClassDB.class_get_property_list("WebSocketPeer", true):
		if check(props.has(p.name), "%s lacks property %s" % [OURS, p.name]):
			if p.name != "heartbeat_interval":
				eq(props[p.name], p.type, "type of property %s" % p.name)
			eq(mine.get(p.name), builtin.get(p.name), "default of %s" % p.name)
	# Documented difference: gdext types a property by its accessors, which take float seconds
	# (Godot registers INT around float accessors); the values read and written are the same.
	eq(props.get("heartbeat_interval"), TYPE_FLOAT, "heartbeat_interval is registered as FLOAT")
	eq(props.get("handshake_timeout"), TYPE_FLOAT, "our extra property handshake_timeout")
	for c in ClassDB.class_get_integer_constant_list("WebSocketPeer", true):
		eq(ClassDB.class_get_integer_constant(OURS, c), ClassDB.class_get_integer_constant("WebSocketPeer", c), c)
		eq(ClassDB.class_get_integer_constant_enum(OURS, c, true), ClassDB.class_get_integer_constant_enum("WebSocketPeer", c, true), "enum of " + c)
	# PacketPeer's own API on ours.
	eq([mine.encode_buffer_max_size, mine.get_available_packet_count()], [8388608, 0], "PacketPeer defaults")
