## Parity over TLS with good certificates: TLS 1.3, TLS 1.2, ECDSA, by IP (IP SAN) and by name,
## sized and chunked bodies and keep-alive reuse on one TLS connection (godot-behavior.md §1.14, §5a).
extends "../lib/https_suite.gd"

## What every good-certificate case fetches: a sized body, a chunked one, the negotiated TLS
## version, then two /connid to see that the TLS connection is reused.
const URLS := ["/sized?n=1000", "/chunked?sizes=5,1,10", "/tls", "/connid", "/connid"]


func _good(host: String, name: String, want_version: String) -> void:
	var res := await parity(tls_get(host, tls_ports[name], trusting(), URLS), 65536, drop_connid_ports)
	var r: Dictionary = res[1]
	var want_statuses := [HTTPClient.STATUS_CONNECTING, HTTPClient.STATUS_CONNECTED]
	if host == "localhost":
		want_statuses.push_front(HTTPClient.STATUS_RESOLVING)
	want_statuses.append_array([HTTPClient.STATUS_REQUESTING, HTTPClient.STATUS_BODY, HTTPClient.STATUS_CONNECTED])
	eq(r.statuses.slice(0, want_statuses.size()), want_statuses, "statuses")
	eq(r.poll_errors, [], "poll errors")
	if not eq(r.responses.size(), URLS.size(), "responses"):
		return
	eq(r.responses[0].body, Probe.gen(1000), "sized body")
	eq(r.responses[1].chunk_sizes, [5, 1, 10], "chunks")
	check(r.responses[2].body.begins_with(want_version + " "), "negotiated %s, want %s" % [r.responses[2].body, want_version])
	eq(r.responses.slice(3).map(func(x): return x.body.get_slice(":", 1)), ["4", "5"], "request numbers on the one connection")
	for side in 2:
		var ports := connid_ports(res[side])
		eq(ports.size() == 2 and ports[0] == ports[1], true, "%s: one TLS connection for every request" % ["Godot", "RustNet"][side])


func test_tls13_by_ip() -> void:
	await _good(HOST, "https13", "TLSv1.3")


func test_tls13_by_name() -> void:
	await _good("localhost", "https13", "TLSv1.3")


func test_tls12_by_ip() -> void:
	await _good(HOST, "https12", "TLSv1.2")


func test_tls12_by_name() -> void:
	await _good("localhost", "https12", "TLSv1.2")


func test_ecdsa_by_ip() -> void:
	await _good(HOST, "ecdsa", "TLSv1.3")


func test_ecdsa_by_name() -> void:
	await _good("localhost", "ecdsa", "TLSv1.3")


func test_server_sending_its_chain() -> void:
	await _good("localhost", "chain", "TLSv1.3")


func test_https_prefix_with_options() -> void:
	# "https://" is stripped and the given options are used.
	var res := await parity(tls_get("https://localhost", tls_ports.https13, trusting(), ["/sized?n=10"]))
	eq(nth(res[1], 0).get("body"), Probe.gen(10), "body")


func test_uppercase_https_prefix() -> void:
	var res := await parity(tls_get("HTTPS://127.0.0.1", tls_ports.https13, trusting(), ["/sized?n=10"]))
	eq(nth(res[1], 0).get("body"), Probe.gen(10), "body")


func test_large_body_in_read_chunk_size_pieces() -> void:
	var res := await parity(tls_get(HOST, tls_ports.https13, trusting(), ["/sized?n=300000"]))
	eq(nth(res[1], 0).get("body_size"), 300000, "body size")


func test_large_chunks() -> void:
	var res := await parity(tls_get(HOST, tls_ports.https12, trusting(), ["/chunked?sizes=100000,70000,1"]))
	eq(nth(res[1], 0).get("chunk_sizes"), [100000, 70000, 1], "chunks")


func test_small_read_chunk_size() -> void:
	var res := await parity(func(p):
		p.client.read_chunk_size = 1000
		await tls_get(HOST, tls_ports.https13, trusting(), ["/sized?n=20000"]).call(p), 1000)
	eq(nth(res[1], 0).get("body_size"), 20000, "body size")


func test_post_echo() -> void:
	var res := await parity(func(p):
		if await p.connect_to(HOST, tls_ports.https13, trusting()):
			await p.fetch(HTTPClient.METHOD_POST, "/echo", ["Content-Type: text/plain"], "hello over TLS"))
	check(str(nth(res[1], 0).get("body")).ends_with("\r\n\r\nhello over TLS"), "echoed body")


func test_dripped_response() -> void:
	var res := await parity(tls_get(HOST, tls_ports.https13, trusting(), ["/drip?n=20", "/drip?chunked=1"]))
	eq(nth(res[1], 1).get("chunk_sizes"), [3, 4], "chunks")


func test_error_codes_and_head() -> void:
	var res := await parity(func(p):
		if await p.connect_to(HOST, tls_ports.https13, trusting()):
			await p.fetch(GET, "/status?code=404")
			await p.fetch(HTTPClient.METHOD_HEAD, "/sized?n=100")
			await p.fetch(GET, "/status?code=204"))
	eq(res[1].responses.map(func(r): return r.get("code")), [404, 200, 204], "codes")


func test_server_closes_after_response() -> void:
	# A sized body, then the server's close_notify + FIN: the connection is dead after it.
	var res := await parity(func(p):
		if await p.connect_to(HOST, tls_ports.https13, trusting()):
			await p.fetch(GET, "/close-after?n=3")
			await p.poll_while([HTTPClient.STATUS_CONNECTED], 2.0))
	eq(res[1].statuses[-1], S_CONNECTION_ERROR, "status once the close is seen")


func test_blocking_mode() -> void:
	var res := await parity(func(p):
		p.client.blocking_mode_enabled = true
		await tls_get(HOST, tls_ports.https13, trusting(), ["/sized?n=100000", "/chunked?sizes=3,4"]).call(p))
	eq(nth(res[1], 0).get("body_size"), 100000, "body size")


func test_close_delimited_body() -> void:
	# The server ends the body with close_notify, then FIN: read until then, DISCONNECTED.
	var res := await parity(tls_get(HOST, tls_ports.https13, trusting(), ["/close?n=100000"]))
	eq(nth(res[1]).get("body_size"), 100000, "body size")
	eq(nth(res[1]).get("status_after_body"), HTTPClient.STATUS_DISCONNECTED, "status after close_notify")


func test_empty_close_delimited_body() -> void:
	var res := await parity(tls_get(HOST, tls_ports.https12, trusting(), ["/headers-only-close"]))
	eq(nth(res[1]).get("status_after_body"), HTTPClient.STATUS_DISCONNECTED, "status")


func test_truncated_body_over_tls() -> void:
	# As over plain HTTP (tests/http/test_fixes.gd): Godot reports a short body as success.
	var res := await both(tls_get(HOST, tls_ports.https13, trusting(), ["/cut?n=100&send=40"]))
	eq(nth(res[0]).get("status_after_body"), HTTPClient.STATUS_DISCONNECTED, "Godot: truncation looks like success")
	eq(nth(res[0]).get("body_size"), 40, "Godot: the bytes that came")
	eq(nth(res[1]).get("body_size"), 40, "RustNet: the bytes that came")
	eq(nth(res[1]).get("status_after_body"), S_CONNECTION_ERROR, "RustNet: error status")


func test_http10_response_without_length_over_tls() -> void:
	var res := await both(tls_get(HOST, tls_ports.https13, trusting(), ["/http10?n=12"]))
	eq(nth(res[0]).get("body_size"), 0, "Godot: body not read")
	eq(nth(res[0]).get("status_after_body"), HTTPClient.STATUS_CONNECTED, "Godot: CONNECTED")
	eq(nth(res[1]).get("body"), Probe.gen(12), "RustNet: body")
	eq(nth(res[1]).get("status_after_body"), HTTPClient.STATUS_DISCONNECTED, "RustNet: DISCONNECTED at the close")
