## Interop with a TLS server we did not write: `openssl s_server -www -tls1_3` (started by
## scripts/test.sh). Its status page is an HTTP/1.0 response without a length: Godot treats it as
## keep-alive and leaves the body unread (CONNECTED, §1.5/§5a); RustNet reads until the server
## closes (RFC 9112 §6.3), as it does over plain HTTP (tests/http/test_fixes.gd).
extends "../lib/https_suite.gd"

var openssl_port := 0


func setup() -> void:
	super()
	openssl_port = env_int("RUSTNET_OPENSSL_PORT")


func test_status_page() -> void:
	var res := await both(func(p):
		if await p.connect_to("localhost", openssl_port, trusting()):
			await p.fetch(GET, "/", [], "", {"keep_data": true}))
	var g := nth(res[0])
	var r := nth(res[1])
	eq(g.get("code"), 200, "Godot: code")
	check("Content-type: text/html" in g.get("headers", PackedStringArray()), "Godot: headers %s" % [g.get("headers")])
	eq(g.get("body_size"), 0, "Godot: body not read")
	eq(g.get("status_after_body"), HTTPClient.STATUS_CONNECTED, "Godot: CONNECTED")
	eq(r.get("code"), 200, "RustNet: code")
	eq(r.get("headers"), g.get("headers"), "RustNet: headers")
	var page: String = r.get("data", PackedByteArray()).get_string_from_ascii()
	check(page.begins_with("<HTML>"), "RustNet: the status page: %s" % page.left(200))
	check(page.contains("New, TLSv1.3, Cipher is TLS_"), "RustNet: the page shows TLS 1.3")
	check(page.strip_edges().ends_with("</HTML>"), "RustNet: the whole page")
	eq(r.get("status_after_body"), HTTPClient.STATUS_DISCONNECTED, "RustNet: DISCONNECTED at the server's close")


func test_handshake_parity() -> void:
	# The handshake itself (TLS 1.3 with OpenSSL's defaults) goes the same way in both.
	var res := await parity(func(p): await p.connect_to(HOST, openssl_port, trusting()))
	eq(res[1].statuses, [HTTPClient.STATUS_CONNECTING, HTTPClient.STATUS_CONNECTED], "statuses")


func test_unknown_ca() -> void:
	var res := await parity(tls_get("localhost", openssl_port, trusting("ca2"), ["/"]))
	expect_handshake_error(res[1], "RustNet: openssl server with an untrusted CA")
