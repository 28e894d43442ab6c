## Proxies, as Godot does them (godot-behavior.md §1.12): set_http_proxy() sends plain HTTP
## requests to the proxy in absolute form; set_https_proxy() opens a CONNECT tunnel and runs TLS
## to the origin through it (origin name for SNI and verification); a CONNECT answer other than
## 200 is STATUS_CANT_CONNECT / ERR_CANT_CONNECT. Tested against a real proxy we did not write
## (proxy.py from PyPI, started by scripts/test.sh; RUSTNET_REAL_PROXY_AUTH_PORT is the same with
## --basic-auth user:pass) and against the scenario server's own CONNECT proxy, which logs the
## CONNECT heads (/proxy-log).
extends "../lib/https_suite.gd"

const BASIC_USER_PASS := "Proxy-Authorization: Basic dXNlcjpwYXNz"  # user:pass

var real_proxy := 0
var auth_proxy := 0


func setup() -> void:
	super()
	real_proxy = env_int("RUSTNET_REAL_PROXY_PORT")
	auth_proxy = env_int("RUSTNET_REAL_PROXY_AUTH_PORT")


## The CONNECT heads our proxy received since the last call (which clears the log).
func _proxy_log() -> PackedStringArray:
	var p = probe("godot")
	var body := ""
	if await p.connect_to(HOST, port):
		var r: Dictionary = await p.fetch(GET, "/proxy-log?clear=1")
		body = r.get("body", "")
	p.client.close()
	return body.split("----\r\n", false)


## Scenario: proxy set, then a TLS connect to `host`:`tls_port` and the URLs when connected;
## records the CONNECT heads our proxy logged (none when `proxy_port` is the real proxy).
func _via_https_proxy(proxy_port: int, host: String, tls_port: int, tls: TLSOptions, urls := ["/sized?n=100", "/tls"]) -> Callable:
	return func(p):
		await _proxy_log()
		p.client.set_https_proxy(HOST, proxy_port)
		await tls_get(host, tls_port, tls, urls).call(p)
		p.obs["connect_heads"] = await _proxy_log()


func _cant_connect(rec: Dictionary, what: String) -> void:
	eq(rec.statuses[-1], S_CANT_CONNECT, what + ": status")
	eq(rec.poll_errors, [ERR_CANT_CONNECT], what + ": poll errors")


func test_http_proxy_real() -> void:
	# proxy.py forwards the absolute-form request (adding a Via header); the echo is the same.
	var res := await parity(func(p):
		p.client.set_http_proxy(HOST, real_proxy)
		if await p.connect_to(HOST, port):
			await p.fetch(GET, "/echo")
			await p.fetch(GET, "/sized?n=1000")
			await p.fetch(HTTPClient.METHOD_POST, "/echo", ["Content-Type: text/plain"], "posted"))
	var echo := str(nth(res[1]).get("body"))
	check(echo.begins_with("GET /echo HTTP/1.1\r\n"), "the proxy sent origin form: " + echo)
	check(echo.contains("\r\nVia: 1.1 proxy.py"), "through proxy.py: " + echo)
	eq(nth(res[1], 1).get("body"), Probe.gen(1000), "body")
	check(str(nth(res[1], 2).get("body")).ends_with("\r\n\r\nposted"), "POST body")


func test_http_proxy_real_with_credentials() -> void:
	# No API for proxy credentials: a Proxy-Authorization header does it for plain HTTP.
	var res := await parity(func(p):
		p.client.set_http_proxy(HOST, auth_proxy)
		if await p.connect_to(HOST, port):
			await p.fetch(GET, "/sized?n=10", [BASIC_USER_PASS]))
	eq(nth(res[1]).get("body"), Probe.gen(10), "authorised")
	var denied := await both(func(p):
		p.client.set_http_proxy(HOST, auth_proxy)
		if await p.connect_to(HOST, port):
			await p.fetch(GET, "/sized?n=10", [], "", {"max_body": 1000}))
	eq(nth(denied[0]).get("code"), 407, "Godot: no credentials: 407 response")
	eq(nth(denied[1]).get("code"), 407, "RustNet: no credentials: 407 response")


func test_https_proxy_real() -> void:
	var res := await parity(_via_https_proxy(real_proxy, "localhost", tls_ports.https13, trusting()))
	eq(nth(res[1]).get("body"), Probe.gen(100), "body through the tunnel")
	check(str(nth(res[1], 1).get("body")).begins_with("TLSv1.3 "), "TLS 1.3 end to end")
	eq(res[1].connect_heads, PackedStringArray(), "our proxy was not used")


func test_https_proxy_real_by_ip_and_tls12() -> void:
	var res := await parity(_via_https_proxy(real_proxy, HOST, tls_ports.https12, trusting(), ["/tls", "/chunked?sizes=3,4"]))
	check(str(nth(res[1]).get("body")).begins_with("TLSv1.2 "), "TLS 1.2 end to end")
	eq(nth(res[1], 1).get("chunk_sizes"), [3, 4], "chunks")


func test_https_proxy_real_bad_certificate() -> void:
	# Verification runs end to end, against the origin's certificate.
	var res := await parity(_via_https_proxy(real_proxy, "localhost", tls_ports.wronghost, trusting()))
	expect_handshake_error(res[0], "Godot: wrong host through the proxy")
	expect_handshake_error(res[1], "RustNet: wrong host through the proxy")


func test_https_proxy_real_502() -> void:
	# proxy.py cannot reach the origin: 502 with "Connection: close" and a body, so CANT_CONNECT.
	var res := await parity(_via_https_proxy(real_proxy, "localhost", closed_port, trusting()))
	_cant_connect(res[0], "Godot: 502")
	_cant_connect(res[1], "RustNet: 502")


func test_https_proxy_real_407() -> void:
	var res := await parity(_via_https_proxy(auth_proxy, "localhost", tls_ports.https13, trusting()))
	_cant_connect(res[0], "Godot: 407")
	_cant_connect(res[1], "RustNet: 407")


func test_https_proxy_ours_host_header() -> void:
	# Godot's CONNECT carries "Host: :-1" (its sub-client has no host); RustNet's the target.
	var res := await both(_via_https_proxy(port, "localhost", tls_ports.https13, trusting()))
	for side in 2:
		var who: String = ["Godot", "RustNet"][side]
		eq(nth(res[side]).get("body"), Probe.gen(100), "%s: body through our tunnel" % who)
		eq(res[side].connect_heads.size(), 1, "%s: one CONNECT" % who)
	var target := "localhost:%d" % tls_ports.https13
	var godot_head: String = res[0].connect_heads[0] if res[0].connect_heads.size() > 0 else ""
	var rust_head: String = res[1].connect_heads[0] if res[1].connect_heads.size() > 0 else ""
	check(godot_head.begins_with("CONNECT %s HTTP/1.1\r\n" % target), "Godot: request line: " + godot_head)
	check(godot_head.contains("\r\nHost: :-1\r\n"), "Godot: Host: :-1 — " + godot_head)
	check(rust_head.begins_with("CONNECT %s HTTP/1.1\r\n" % target), "RustNet: request line: " + rust_head)
	check(rust_head.contains("\r\nHost: %s\r\n" % target), "RustNet: Host: %s — %s" % [target, rust_head])
	eq(rust_head.count("\r\nHost:"), 1, "RustNet: one Host header")
	eq(res[1].statuses, res[0].statuses, "statuses")


func test_https_proxy_ours_ip_target() -> void:
	var res := await both(_via_https_proxy(port, HOST, tls_ports.ecdsa, trusting(), ["/sized?n=7"]))
	eq(nth(res[0]).get("body"), Probe.gen(7), "Godot: body")
	eq(nth(res[1]).get("body"), Probe.gen(7), "RustNet: body")
	var target := "%s:%d" % [HOST, tls_ports.ecdsa]
	check(res[1].connect_heads.size() == 1 and res[1].connect_heads[0].contains("\r\nHost: %s\r\n" % target), "RustNet: Host %s" % target)


func test_https_proxy_ours_407() -> void:
	# needs-auth.invalid is answered 407 (Content-Length: 0, keep-alive) by our proxy; the target
	# name is never resolved locally. Godot's first failing poll returns ERR_CONNECTION_ERROR
	# here, not ERR_CANT_CONNECT: its CONNECT sub-client enters BODY for the empty body and its
	# liveness check fails on the borrowed socket (§1.11). RustNet returns ERR_CANT_CONNECT.
	var res := await both(_via_https_proxy(port, "needs-auth.invalid", 443, trusting()))
	eq(res[0].statuses[-1], S_CANT_CONNECT, "Godot: 407: status")
	eq(res[0].poll_errors, [ERR_CONNECTION_ERROR, ERR_CANT_CONNECT], "Godot: 407: poll errors")
	_cant_connect(res[1], "RustNet: 407")
	eq(res[1].connect_heads.size(), 1, "RustNet: the CONNECT reached the proxy")


func test_https_proxy_ours_502() -> void:
	# As above, with a 502 (Content-Length: 0) for the closed port.
	var res := await both(_via_https_proxy(port, "localhost", closed_port, trusting()))
	eq(res[0].statuses[-1], S_CANT_CONNECT, "Godot: 502: status")
	eq(res[0].poll_errors, [ERR_CONNECTION_ERROR, ERR_CANT_CONNECT], "Godot: 502: poll errors")
	_cant_connect(res[1], "RustNet: 502")


func test_https_proxy_unreachable() -> void:
	var res := await parity(_via_https_proxy(closed_port, "localhost", tls_ports.https13, trusting()))
	_cant_connect(res[0], "Godot: proxy port closed")
	_cant_connect(res[1], "RustNet: proxy port closed")


func test_https_proxy_is_not_used_for_plain_http() -> void:
	var res := await parity(func(p):
		await _proxy_log()
		p.client.set_https_proxy(HOST, port)
		if await p.connect_to(HOST, port):
			await p.fetch(GET, "/echo")
		p.obs["connect_heads"] = await _proxy_log())
	check(str(nth(res[1]).get("body")).begins_with("GET /echo HTTP/1.1\r\n"), "origin form, straight to the server")
	eq(res[1].connect_heads, PackedStringArray(), "no CONNECT")


func test_http_proxy_is_not_used_for_https() -> void:
	# Only the https proxy applies to TLS: with an http proxy set, TLS goes straight to the server.
	var res := await parity(func(p):
		p.client.set_http_proxy(HOST, closed_port)
		await tls_get("localhost", tls_ports.https13, trusting(), ["/sized?n=3"]).call(p))
	eq(nth(res[1]).get("body"), "abc", "direct TLS")


func test_proxy_cleared() -> void:
	# An empty host clears the proxy (takes effect at the next connect).
	var res := await parity(func(p):
		p.client.set_https_proxy(HOST, closed_port)
		p.client.set_https_proxy("", -1)
		await tls_get("localhost", tls_ports.https13, trusting(), ["/sized?n=3"]).call(p))
	eq(nth(res[1]).get("body"), "abc", "direct TLS after clearing")
