## Parity: API surface, fresh objects, connecting, and request() argument checks.
extends "../lib/http_suite.gd"


func _methods(cls: String) -> Dictionary:
	var out := {}
	for m in ClassDB.class_get_method_list(cls, true):
		var args := []
		for a in m.args:
			args.append([a.name, a.type, str(a.class_name).replace(cls + ".", "")])
		out[m.name] = {"args": args, "defaults": m.default_args, "ret": [m.return.type, str(m.return.class_name).replace(cls + ".", "")]}
	return out


func test_every_method_has_godot_signature() -> void:
	var ours := _methods("RustHTTPClient")
	var theirs := _methods("HTTPClient")
	for name in theirs:
		if check(ours.has(name), "missing method %s" % name):
			eq(ours[name], theirs[name], "signature of %s" % name)


func test_constants_and_enums_match() -> void:
	for e in ClassDB.class_get_enum_list("HTTPClient", true):
		check(ClassDB.class_has_enum("RustHTTPClient", e, true), "missing enum " + e)
		eq(Array(ClassDB.class_get_enum_constants("RustHTTPClient", e, true)), Array(ClassDB.class_get_enum_constants("HTTPClient", e, true)), "enum " + e)
	for c in ClassDB.class_get_integer_constant_list("HTTPClient", true):
		eq(ClassDB.class_get_integer_constant("RustHTTPClient", c), ClassDB.class_get_integer_constant("HTTPClient", c), c)
		eq(ClassDB.class_get_integer_constant_enum("RustHTTPClient", c, true), ClassDB.class_get_integer_constant_enum("HTTPClient", c, true), "enum of " + c)
	var s: RustHTTPClient.Status = RustHTTPClient.Status.STATUS_BODY
	eq(s, RustHTTPClient.STATUS_BODY, "named enum access")


## RustNet's additions beyond HTTPClient (README: "Beyond the built-in").
const EXTRA_PROPERTIES := ["tls_pinned_public_keys", "connect_timeout", "tls_handshake_timeout", "response_timeout", "accept_gzip"]


func test_properties_match() -> void:
	var props := {}
	for cls in ["HTTPClient", "RustHTTPClient"]:
		var list := {}
		for p in ClassDB.class_get_property_list(cls, true):
			list[p.name] = [p.type, p.usage, ClassDB.class_get_property_getter(cls, p.name), ClassDB.class_get_property_setter(cls, p.name)]
		props[cls] = list
	var ours: Dictionary = props["RustHTTPClient"]
	for name in EXTRA_PROPERTIES:
		check(ours.has(name), "RustNet property %s" % name)
		ours.erase(name)
	eq(ours, props["HTTPClient"], "the built-in's properties")


func test_extra_properties_default_off() -> void:
	var c := RustHTTPClient.new()
	eq([c.tls_pinned_public_keys, c.connect_timeout, c.tls_handshake_timeout, c.response_timeout, c.accept_gzip],
		[PackedStringArray(), 0.0, 0.0, 0.0, false], "defaults")
	c.tls_pinned_public_keys = ["not base64 !"]
	eq(c.tls_pinned_public_keys, PackedStringArray(), "an invalid pin is refused")
	c.tls_pinned_public_keys = ["sha256/47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="]
	eq(c.tls_pinned_public_keys.size(), 1, "a valid pin is kept")


func test_fresh_object_state() -> void:
	var rec := []
	for c in [HTTPClient.new(), RustHTTPClient.new()]:
		rec.append([c.get_status(), c.poll(), c.get_response_code(), c.get_response_body_length(), c.has_response(),
			c.is_response_chunked(), c.get_response_headers(), c.read_chunk_size, c.blocking_mode_enabled,
			c.get_connection() == null])
	eq(rec[1], rec[0], "fresh object")


func test_connect_ip_literal() -> void:
	var res := await parity(func(p): await p.connect_to(HOST, port))
	eq(res[1].statuses, [HTTPClient.STATUS_CONNECTING, HTTPClient.STATUS_CONNECTED], "statuses")


func test_connect_hostname_resolves_first() -> void:
	var res := await parity(func(p): await p.connect_to("localhost", port))
	eq(res[1].statuses, [HTTPClient.STATUS_RESOLVING, HTTPClient.STATUS_CONNECTING, HTTPClient.STATUS_CONNECTED], "statuses")


func test_connection_refused() -> void:
	var res := await parity(func(p): await p.connect_to(HOST, closed_port))
	eq(res[1].statuses[-1], HTTPClient.STATUS_CANT_CONNECT, "final status")
	eq(res[1].poll_errors, [ERR_CANT_CONNECT], "poll errors")


func test_unresolvable_host() -> void:
	var res := await parity(func(p): await p.connect_to("nonexistent.invalid", port))
	eq(res[1].statuses[-1], HTTPClient.STATUS_CANT_RESOLVE, "final status")
	eq(res[1].poll_errors, [ERR_CANT_RESOLVE], "poll errors")


func test_short_host_is_invalid() -> void:
	var res := await parity(func(p): await p.connect_to("a.b", port))
	eq(res[1].connect_err, ERR_INVALID_PARAMETER, "connect error")
	eq(res[1].statuses, [HTTPClient.STATUS_DISCONNECTED], "statuses")


func test_bad_ports_on_ip_literal() -> void:
	for bad in [0, 70000]:
		var res := await parity(func(p): await p.connect_to(HOST, bad))
		eq(res[1].connect_err, ERR_INVALID_PARAMETER, "connect error for port %d" % bad)
		eq(res[1].statuses, [HTTPClient.STATUS_CANT_CONNECT], "statuses for port %d" % bad)


func test_http_prefix_is_stripped() -> void:
	var res := await parity(func(p):
		if await p.connect_to("http://" + HOST, port):
			await p.fetch(HTTPClient.METHOD_GET, "/echo"))
	check(res[1].responses[0].body.contains("Host: %s:%d" % [HOST, port]), "Host header without the prefix")


func test_request_needs_connected() -> void:
	var res := await parity(func(p):
		p.obs["early"] = p.client.request(HTTPClient.METHOD_GET, "/sized?n=1", []))
	eq(res[1].early, ERR_INVALID_PARAMETER, "request() before connecting")


func test_request_argument_checks() -> void:
	var res := await parity(func(p):
		if not await p.connect_to(HOST, port):
			return
		var c = p.client
		p.obs["bad_url"] = c.request(HTTPClient.METHOD_GET, "sized", [])
		p.obs["upper_scheme"] = c.request(HTTPClient.METHOD_GET, "HTTP://x/", [])
		p.obs["bad_header"] = c.request(HTTPClient.METHOD_GET, "/", ["NoColon"])
		p.obs["empty_header_name"] = c.request(HTTPClient.METHOD_GET, "/", [": v"])
		p.obs["bad_method"] = c.request(99, "/", [])
		p.obs["connect_bad"] = c.request(HTTPClient.METHOD_CONNECT, "nohostport", [])
		p.obs["status_after"] = c.get_status()
		p.obs["options_star"] = c.request(HTTPClient.METHOD_OPTIONS, "*", [])
		p.obs["while_requesting"] = c.request(HTTPClient.METHOD_GET, "/", []))
	eq(res[1].bad_url, ERR_INVALID_PARAMETER, "relative URL")
	eq(res[1].bad_method, ERR_INVALID_PARAMETER, "method out of range")
	eq(res[1].options_star, OK, "OPTIONS *")
	eq(res[1].while_requesting, ERR_INVALID_PARAMETER, "request while REQUESTING")


func test_read_chunk_size_bounds() -> void:
	var res := await parity(func(p):
		var c = p.client
		c.read_chunk_size = 100
		p.obs["after_100"] = c.read_chunk_size
		c.set_read_chunk_size(1000)
		p.obs["after_1000"] = c.get_read_chunk_size()
		c.read_chunk_size = 1 << 25
		p.obs["after_huge"] = c.read_chunk_size
		c.blocking_mode_enabled = true
		p.obs["blocking"] = c.is_blocking_mode_enabled())
	eq(res[1].after_1000, 1000, "read_chunk_size set")
	eq(res[1].after_huge, 1000, "out-of-range value ignored")


func test_query_string_from_dict() -> void:
	var dicts := [
		{},
		{"a b": "c&d=é", "n": null, "arr": [1, "x y", null, 2.5], "t": true, "f": 1.0, "i": 3, "~._-": "~._-!*'()/"},
		{"v": Vector2(1, 2), 5: "int key", "nested": {"k": 1}},
	]
	for d in dicts:
		eq(RustHTTPClient.new().query_string_from_dict(d), HTTPClient.new().query_string_from_dict(d), str(d))


func test_http_proxy_uses_absolute_form() -> void:
	# The scenario server routes absolute-form targets too, so it can stand in for the proxy.
	var res := await parity(func(p):
		p.client.set_http_proxy(HOST, port)
		if await p.connect_to("example.invalid", 8080):
			await p.fetch(HTTPClient.METHOD_GET, "/echo")
		p.client.set_http_proxy("", -1))
	check(res[1].responses[0].body.begins_with("GET http://example.invalid:8080/echo HTTP/1.1\r\n"), "absolute-form request line: " + res[1].responses[0].body.substr(0, 60))
	check(res[1].responses[0].body.contains("\r\nHost: example.invalid:8080\r\n"), "Host is the target's")


func test_https_proxy_setting_is_accepted() -> void:
	var res := await parity(func(p):
		p.client.set_https_proxy(HOST, port)
		if await p.connect_to(HOST, port):
			await p.fetch(HTTPClient.METHOD_GET, "/sized?n=4"))
	eq(res[1].responses[0].body, "abcd", "plain HTTP ignores the https proxy")
