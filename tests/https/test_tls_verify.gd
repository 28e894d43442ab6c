## Parity of certificate verification: every bad certificate fails the handshake the way Godot's
## does (TLS_HANDSHAKE_ERROR; the failing poll returns ERR_CANT_CONNECT, later ones
## ERR_CONNECTION_ERROR), and the unsafe / override options relax exactly what Godot's do
## (godot-behavior.md §1.2, §1.3, §1.14).
extends "../lib/https_suite.gd"

const BAD := ["expired", "notyet", "wronghost", "selfsigned", "unknownca"]


func _fails(host: String, name: String, tls: TLSOptions, what: String) -> void:
	var res := await parity(tls_get(host, tls_ports[name], tls))
	expect_handshake_error(res[0], "Godot: " + what)
	expect_handshake_error(res[1], "RustNet: " + what)


func _works(host: String, name: String, tls: TLSOptions, what: String) -> void:
	var res := await parity(tls_get(host, tls_ports[name], tls, ["/sized?n=100"]))
	eq(res[0].statuses[-1], HTTPClient.STATUS_CONNECTED, "Godot: " + what)
	eq(nth(res[1]).get("body"), Probe.gen(100), what + ": body")


func test_bad_certificates_fail_by_ip() -> void:
	for name in BAD:
		await _fails(HOST, name, trusting(), name + " via " + HOST)


func test_bad_certificates_fail_by_name() -> void:
	for name in BAD:
		await _fails("localhost", name, trusting(), name + " via localhost")


func test_good_server_with_the_wrong_ca_fails() -> void:
	await _fails(HOST, "https13", trusting("ca2"), "server-rsa trusting ca2")


func test_unsafe_accepts_every_bad_certificate() -> void:
	for name in BAD:
		await _works(HOST, name, TLSOptions.client_unsafe(), "client_unsafe() with " + name)
		await _works("localhost", name, TLSOptions.client_unsafe(), "client_unsafe() with %s via localhost" % name)


func test_unsafe_with_ca_skips_only_the_name_check() -> void:
	# client_unsafe(ca): the chain (issuer, dates) is still verified; the host name is not.
	var unsafe_ca := TLSOptions.client_unsafe(cert("ca"))
	await _works(HOST, "wronghost", unsafe_ca, "client_unsafe(ca) with wronghost")
	await _works("localhost", "https13", unsafe_ca, "client_unsafe(ca) with a good certificate")
	for name in ["unknownca", "selfsigned", "expired", "notyet"]:
		await _fails(HOST, name, unsafe_ca, "client_unsafe(ca) with " + name)


func test_common_name_override() -> void:
	# The override replaces the host name in verification (and SNI).
	await _works(HOST, "wronghost", trusting("ca", "wrong.example"), "override wrong.example on the wronghost cert")
	await _works(HOST, "https13", trusting("ca", "localhost"), "override localhost on 127.0.0.1")
	await _fails(HOST, "https13", trusting("ca", "wrong.example"), "override wrong.example on a localhost cert")
	await _fails("localhost", "https13", trusting("ca", "other.example"), "override other.example via localhost")


func test_leaf_as_trusted_chain() -> void:
	# Godot (mbedTLS): a CA-signed leaf given as the trusted chain is no trust anchor (-0x2700)...
	await _fails(HOST, "https13", TLSOptions.client(cert("server-rsa")), "server-rsa leaf as trusted_chain")
	await _fails(HOST, "wronghost", TLSOptions.client(cert("wronghost")), "wronghost leaf as trusted_chain")
	# ...but a self-signed one is: mbedTLS trusts a self-signed end-entity certificate found in
	# the trusted list ("locally trusted"), names still checked.
	await _works(HOST, "selfsigned", TLSOptions.client(cert("selfsigned")), "self-signed leaf as trusted_chain")
	await _fails(HOST, "selfsigned", TLSOptions.client(cert("selfsigned"), "wrong.example"), "self-signed leaf as trusted_chain, wrong name")


func test_https_prefix_uses_the_default_roots() -> void:
	# "https://" with no options is TLSOptions.client(): the system/Mozilla roots, which do not
	# hold the test CA.
	var res := await parity(func(p):
		if await p.connect_to("https://localhost", tls_ports.https13):
			await p.fetch(GET, "/sized?n=1")
		else:
			p.poll())
	expect_handshake_error(res[0], "Godot: https:// against the test CA")
	expect_handshake_error(res[1], "RustNet: https:// against the test CA")


func test_client_without_ca_uses_the_default_roots() -> void:
	await _fails("localhost", "https13", TLSOptions.client(), "TLSOptions.client() against the test CA")


func test_garbage_instead_of_server_hello() -> void:
	var garbage := env_int("RUSTNET_TLS_GARBAGE_PORT")
	var res := await parity(tls_get(HOST, garbage, trusting()))
	expect_handshake_error(res[0], "Godot: garbage")
	expect_handshake_error(res[1], "RustNet: garbage")
	var unsafe := await parity(tls_get(HOST, garbage, TLSOptions.client_unsafe()))
	expect_handshake_error(unsafe[1], "garbage with client_unsafe()")


func test_tls_to_a_plain_http_port_waits() -> void:
	# The plain server takes the ClientHello for the start of a request head and waits for the
	# rest: no answer, so both stay CONNECTING (no handshake timeout by default, §1.3).
	var res := await parity(func(p):
		p.client.connect_to_host(HOST, port, trusting())
		p.note()
		await p.poll_while([HTTPClient.STATUS_CONNECTING], 1.0))
	eq(res[0].statuses, [HTTPClient.STATUS_CONNECTING], "Godot: still CONNECTING after 1 s")


func test_plain_request_to_a_tls_port() -> void:
	# The TLS server gets "GET / HTTP/1.1" instead of a ClientHello and closes: CONNECTION_ERROR,
	# code 0.
	var res := await parity(func(p):
		if await p.connect_to(HOST, tls_ports.https13):
			await p.fetch(GET, "/sized?n=5")
		p.poll())
	eq(res[0].statuses[-1], S_CONNECTION_ERROR, "Godot: status")
	eq(res[0].responses[0].code, 0, "Godot: code")
	eq(nth(res[1]).get("code"), 0, "RustNet: code")


func test_tls_version_1_2_only_server() -> void:
	# Both negotiate TLS 1.2 with a server that has nothing newer.
	var res := await parity(tls_get(HOST, tls_ports.https12, trusting(), ["/tls"]))
	check(str(nth(res[1]).get("body")).begins_with("TLSv1.2 "), "TLS 1.2: %s" % nth(res[1]).get("body"))


func test_server_tls_options_are_refused() -> void:
	var server_opts := TLSOptions.server(key("server-rsa"), cert("server-rsa"))
	var res := await parity(func(p):
		p.obs["err"] = p.client.connect_to_host(HOST, tls_ports.https13, server_opts)
		p.note()
		p.obs["https_err"] = p.client.connect_to_host("https://" + HOST, tls_ports.https13, server_opts)
		p.note())
	eq(res[0].err, ERR_INVALID_PARAMETER, "Godot: server options")
	eq(res[0].https_err, ERR_INVALID_PARAMETER, "Godot: server options with https://")
	eq(res[0].statuses, [HTTPClient.STATUS_DISCONNECTED], "Godot: status")


func test_http_prefix_turns_tls_off() -> void:
	# "http://" wins over the TLS options (§1.2): a plain connection to the plain port.
	var res := await parity(func(p):
		if await p.connect_to("http://" + HOST, port, trusting()):
			await p.fetch(GET, "/tls"))
	eq(nth(res[1]).get("body"), "plain", "body")


func test_reconnect_after_a_handshake_error() -> void:
	# The same object connects fine after a failed handshake.
	var res := await parity(func(p):
		await tls_get(HOST, tls_ports.expired, trusting()).call(p)
		await tls_get(HOST, tls_ports.https13, trusting(), ["/sized?n=3"]).call(p))
	eq(res[1].statuses.has(S_TLS_ERROR), true, "first attempt failed")
	eq(nth(res[1]).get("body"), "abc", "second attempt")
