## Time-outs. Godot's HTTPClient has none but the TCP connect time-out (30 s project setting) —
## no handshake or response time-out (godot-behavior.md §1.3, §5 #14). RustHTTPClient keeps those
## defaults (every new time-out property is 0 = off) and adds connect_timeout,
## tls_handshake_timeout and response_timeout: an expired one makes that poll() return
## ERR_TIMEOUT with STATUS_CANT_CONNECT / STATUS_TLS_HANDSHAKE_ERROR / STATUS_CONNECTION_ERROR.
extends "../lib/https_suite.gd"

var silent_port := 0
var blackhole_port := 0


func setup() -> void:
	super()
	silent_port = env_int("RUSTNET_SILENT_PORT")
	blackhole_port = env_int("RUSTNET_BLACKHOLE_PORT")


func test_new_properties_default_to_off() -> void:
	if not rust_side():
		return
	var c = RustHTTPClient.new()  # untyped: the properties are checked at run time
	var got = [c.connect_timeout, c.tls_handshake_timeout, c.response_timeout, c.accept_gzip, c.tls_pinned_public_keys]
	eq(got, [0.0, 0.0, 0.0, false, PackedStringArray()], "RustNet: defaults")
	c.connect_timeout = 1.5
	c.tls_handshake_timeout = 0.25
	c.response_timeout = 2.0
	eq([c.connect_timeout, c.tls_handshake_timeout, c.response_timeout], [1.5, 0.25, 2.0], "RustNet: set/get")


func test_silent_tls_server_waits_by_default() -> void:
	# A server that never answers the ClientHello: both stay CONNECTING.
	var res := await parity(func(p):
		p.client.connect_to_host(HOST, silent_port, trusting())
		p.note()
		await p.poll_while([HTTPClient.STATUS_CONNECTING], 1.5))
	eq(res[0].statuses, [HTTPClient.STATUS_CONNECTING], "Godot: CONNECTING for 1.5 s")
	eq(res[0].poll_errors, [], "Godot: poll errors")


func test_tls_handshake_timeout() -> void:
	if not rust_side():
		return
	var p = probe("rust")
	p.client.tls_handshake_timeout = 0.3
	p.client.connect_to_host(HOST, silent_port, trusting())
	p.note()
	var ms: int = await p.poll_while([HTTPClient.STATUS_CONNECTING], 5.0)
	eq(p.obs.statuses, [HTTPClient.STATUS_CONNECTING, S_TLS_ERROR], "RustNet: statuses")
	eq(p.obs.poll_errors, [ERR_TIMEOUT], "RustNet: the poll that gave up")
	check(ms >= 250 and ms < 2000, "RustNet: gave up after %d ms, want about 300" % ms)
	eq(p.poll(), ERR_CONNECTION_ERROR, "RustNet: later polls")


func test_tls_handshake_timeout_counts_from_the_handshake() -> void:
	# A good server is well within the limit; the limit does not apply to plain connections.
	if not rust_side():
		return
	var p = probe("rust")
	p.client.tls_handshake_timeout = 0.5
	if await p.connect_to("localhost", tls_ports.https13, trusting()):
		await p.fetch(GET, "/delay?ms=800&n=3")
	eq(nth(p.obs).get("body"), "abc", "RustNet: a slow response after a quick handshake")
	var q = probe("rust")
	q.client.tls_handshake_timeout = 0.3
	q.client.connect_to_host(HOST, silent_port)
	q.note()
	await q.poll_while([HTTPClient.STATUS_CONNECTING], 1.0)
	eq(q.obs.statuses[-1], HTTPClient.STATUS_CONNECTED, "RustNet: plain TCP to the silent port connects")
	await q.poll_frames(3)
	eq(q.obs.statuses[-1], HTTPClient.STATUS_CONNECTED, "RustNet: and stays connected")


func test_connect_timeout() -> void:
	# The blackhole port never completes the TCP handshake. Godot waits for its 30 s project
	# setting; connect_timeout = 0.5 gives up after half a second.
	var res := await both(func(p):
		if p.kind == "rust":
			p.client.connect_timeout = 0.5
		p.client.connect_to_host(HOST, blackhole_port)
		p.note()
		p.obs["ms"] = await p.poll_while([HTTPClient.STATUS_CONNECTING], 3.0)
		p.poll())
	eq(res[0].statuses, [HTTPClient.STATUS_CONNECTING], "Godot: still CONNECTING after 3 s")
	eq(res[1].statuses, [HTTPClient.STATUS_CONNECTING, S_CANT_CONNECT], "RustNet: statuses")
	eq(res[1].poll_errors, [ERR_TIMEOUT, ERR_CANT_CONNECT], "RustNet: the poll that gave up, then later polls")
	check(res[1].get("ms", -1) >= 400 and res[1].get("ms", -1) < 2500, "RustNet: gave up after %s ms, want about 500" % res[1].get("ms"))


func test_connect_timeout_zero_is_the_project_setting() -> void:
	# 0 = network/limits/tcp/connect_timeout_seconds (30 s): like Godot, still waiting after 1 s.
	var res := await parity(func(p):
		p.client.connect_to_host(HOST, blackhole_port)
		p.note()
		await p.poll_while([HTTPClient.STATUS_CONNECTING], 1.0))
	eq(res[0].statuses, [HTTPClient.STATUS_CONNECTING], "Godot: CONNECTING")


func test_connect_timeout_with_tls() -> void:
	# The connect time-out covers TCP only; over TLS the same status and error.
	if not rust_side():
		return
	var p = probe("rust")
	p.client.connect_timeout = 0.3
	p.client.connect_to_host(HOST, blackhole_port, trusting())
	p.note()
	await p.poll_while([HTTPClient.STATUS_CONNECTING], 3.0)
	eq(p.obs.statuses, [HTTPClient.STATUS_CONNECTING, S_CANT_CONNECT], "RustNet: statuses")
	eq(p.obs.poll_errors, [ERR_TIMEOUT], "RustNet: poll error")


func test_response_timeout() -> void:
	# /delay answers after 3 s. Godot waits and gets it; response_timeout = 0.5 gives up.
	var res := await both(func(p):
		if p.kind == "rust":
			p.client.response_timeout = 0.5
		if await p.connect_to(HOST, tls_ports.https13, trusting()):
			var start := Time.get_ticks_msec()
			await p.fetch(GET, "/delay?ms=3000&n=4")
			p.obs["ms"] = Time.get_ticks_msec() - start
			p.poll())
	eq(nth(res[0]).get("code"), 200, "Godot: the late response")
	eq(nth(res[0]).get("body"), "abcd", "Godot: body")
	eq(res[1].statuses[-1], S_CONNECTION_ERROR, "RustNet: status")
	eq(res[1].poll_errors, [ERR_TIMEOUT, ERR_CONNECTION_ERROR], "RustNet: the poll that gave up, then later polls")
	eq(nth(res[1]).get("code"), 0, "RustNet: no response")
	check(res[1].get("ms", 0) >= 400 and res[1].get("ms", 0) < 2500, "RustNet: gave up after %s ms, want about 500" % res[1].get("ms"))


func test_response_timeout_over_plain_http() -> void:
	if not rust_side():
		return
	var p = probe("rust")
	p.client.response_timeout = 0.3
	if await p.connect_to(HOST, port):
		await p.fetch(GET, "/delay?ms=2000")
	eq(p.obs.statuses[-1], S_CONNECTION_ERROR, "RustNet: status")
	eq(p.obs.poll_errors, [ERR_TIMEOUT], "RustNet: poll error")


func test_response_timeout_is_per_request() -> void:
	# Each request gets the full allowance: three responses of 300 ms under a 0.6 s limit.
	if not rust_side():
		return
	var p = probe("rust")
	p.client.response_timeout = 0.6
	if await p.connect_to(HOST, tls_ports.https13, trusting()):
		for i in 3:
			await p.fetch(GET, "/delay?ms=300&n=2")
	eq(p.obs.responses.map(func(r): return r.get("body")), ["ab", "ab", "ab"], "RustNet: bodies")
	eq(p.obs.poll_errors, [], "RustNet: no time-out")


func test_response_timeout_stops_at_the_head() -> void:
	# The limit runs up to the complete response head: a body that drips in for ~1.5 s after a
	# quick head is not cut by a 0.5 s limit.
	if not rust_side():
		return
	var p = probe("rust")
	p.client.response_timeout = 0.5
	if await p.connect_to(HOST, tls_ports.https13, trusting()):
		await p.fetch(GET, "/drip?n=1500")
		await p.fetch(GET, "/sized?n=3")
	eq(p.obs.responses.map(func(r): return r.get("body_size")), [1500, 3], "RustNet: body sizes")
	eq(p.obs.poll_errors, [], "RustNet: no time-out")
	eq(p.obs.statuses[-1], HTTPClient.STATUS_CONNECTED, "RustNet: connection still usable")
