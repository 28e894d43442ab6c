## accept_gzip (RustHTTPClient only, default false). Off: requests and bodies exactly as
## HTTPClient's. On: requests carry "Accept-Encoding: gzip, deflate" unless the script set an
## Accept-Encoding header, and gzip/deflate bodies are decoded (get_response_body_length() is -1
## for them). HTTPClient's side of each case asks for the encoding by hand and decodes the raw
## bytes itself, which checks the server's /gzip route too.
extends "../lib/https_suite.gd"


func _decompress(data: PackedByteArray, enc: String) -> PackedByteArray:
	var mode := FileAccess.COMPRESSION_GZIP if enc == "gzip" else FileAccess.COMPRESSION_DEFLATE
	return data.decompress_dynamic(-1, mode)


## Scenario: Godot asks for `enc` by hand and keeps the raw body; RustNet sets accept_gzip
## (with `rust_decodes` false, RustNet does what Godot does).
func _gz(url: String, enc: String, host_port := 0, tls: TLSOptions = null, rust_decodes := true) -> Callable:
	return func(p):
		var headers: PackedStringArray = []
		if p.kind == "rust" and rust_decodes:
			p.client.accept_gzip = true
		else:
			headers.append("Accept-Encoding: " + enc)
		if await p.connect_to(HOST, host_port if host_port else port, tls):
			p.client.request(GET, url, headers)
			while p.client.get_status() == HTTPClient.STATUS_REQUESTING:
				p.poll()
				await frame()
			var r := {"code": p.client.get_response_code(), "length": p.client.get_response_body_length(),
				"chunked": p.client.is_response_chunked(), "headers": p.client.get_response_headers_as_dictionary()}
			var data := PackedByteArray()
			var frames := 0
			while p.client.get_status() == HTTPClient.STATUS_BODY and frames < 20000:
				var chunk: PackedByteArray = p.client.read_response_body_chunk()
				if chunk.is_empty():
					frames += 1
					await frame()
				else:
					data.append_array(chunk)
			r["data"] = data
			r["status_after_body"] = p.client.get_status()
			p.obs.responses.append(r)


func _check_pair(res: Array, n: int, enc: String, chunked: bool, what: String) -> void:
	var g := nth(res[0])
	var r := nth(res[1])
	eq(g.get("headers", {}).get("Content-Encoding"), enc, "Godot: %s: encoded" % what)
	var raw: PackedByteArray = g.get("data", PackedByteArray())
	eq(_decompress(raw, enc).get_string_from_ascii(), gen_big(n), "Godot: %s: the raw body decodes to GEN(%d)" % [what, n])
	check(raw.size() < n, "Godot: %s: compressed (%d bytes)" % [what, raw.size()])
	eq(g.get("length"), -1 if chunked else raw.size(), "Godot: %s: length of the raw body" % what)
	eq(r.get("code"), 200, "RustNet: %s: code" % what)
	var data: PackedByteArray = r.get("data", PackedByteArray())
	eq(data.size(), n, "RustNet: %s: decoded size" % what)
	eq(data.get_string_from_ascii() == gen_big(n), true, "RustNet: %s: decoded body is GEN(%d)" % [what, n])
	eq(r.get("length"), -1, "RustNet: %s: body length of a decoded body" % what)
	eq(r.get("chunked"), chunked, "RustNet: %s: is_response_chunked" % what)
	eq(r.get("status_after_body"), HTTPClient.STATUS_CONNECTED, "RustNet: %s: status after body" % what)


func test_off_by_default() -> void:
	# No Accept-Encoding is sent, so the server sends GEN(n) as is: exact parity.
	var res := await parity(func(p):
		if await p.connect_to(HOST, port):
			await p.fetch(GET, "/gzip?n=5000&enc=gzip")
			await p.fetch(GET, "/gzip?n=300&enc=deflate&chunked=1&chunk=100")
			await p.fetch(GET, "/echo"))
	eq(nth(res[1]).get("body_size"), 5000, "plain body")
	check(not str(nth(res[1], 2).get("body")).to_lower().contains("accept-encoding"), "no Accept-Encoding sent")


func test_off_by_default_leaves_encoded_bodies_alone() -> void:
	# A script that asks for gzip itself gets the raw gzip bytes from both classes.
	var res := await parity(_gz("/gzip?n=2000&enc=gzip", "gzip", 0, null, false))
	eq(nth(res[1]).get("length"), nth(res[1]).get("data", []).size(), "raw length")
	check(nth(res[1]).get("data", []).size() < 2000, "raw gzip bytes, not decoded")


func test_gzip_decoded() -> void:
	await _check_pair(await both(_gz("/gzip?n=5000&enc=gzip", "gzip")), 5000, "gzip", false, "gzip")


func test_deflate_decoded() -> void:
	await _check_pair(await both(_gz("/gzip?n=5000&enc=deflate", "deflate")), 5000, "deflate", false, "deflate")


func test_gzip_chunked_decoded() -> void:
	await _check_pair(await both(_gz("/gzip?n=20000&enc=gzip&chunked=1&chunk=50", "gzip")), 20000, "gzip", true, "chunked gzip")


func test_deflate_chunked_decoded() -> void:
	await _check_pair(await both(_gz("/gzip?n=20000&enc=deflate&chunked=1&chunk=7", "deflate")), 20000, "deflate", true, "chunked deflate")


func test_large_gzip_body_decoded() -> void:
	# Decodes to far more than read_chunk_size (65536).
	await _check_pair(await both(_gz("/gzip?n=1000000&enc=gzip", "gzip")), 1000000, "gzip", false, "1 MB gzip")


func test_gzip_over_tls() -> void:
	await _check_pair(await both(_gz("/gzip?n=30000&enc=gzip&chunked=1", "gzip", tls_ports.https13, trusting())), 30000, "gzip", true, "gzip over TLS")


func test_request_header_when_on() -> void:
	if not rust_side():
		return
	var p = probe("rust")
	p.client.accept_gzip = true
	if await p.connect_to(HOST, port):
		await p.fetch(GET, "/echo")
		await p.fetch(GET, "/echo", ["accept-encoding: identity"])
		await p.fetch(GET, "/echo", ["Accept-Encoding: deflate"])
	var bodies: Array = p.obs.responses.map(func(r): return str(r.get("body")).to_lower())
	if not eq(bodies.size(), 3, "RustNet: responses"):
		return
	check(bodies[0].contains("\r\naccept-encoding: gzip, deflate\r\n"), "RustNet: Accept-Encoding added: " + bodies[0])
	eq(bodies[1].count("accept-encoding"), 1, "RustNet: the script's header alone")
	check(bodies[1].contains("\r\naccept-encoding: identity\r\n"), "RustNet: the script's value")
	eq(bodies[2].count("accept-encoding"), 1, "RustNet: the script's deflate header alone")


func test_script_header_wins() -> void:
	# accept_gzip on, but the script asks for identity: the server sends GEN(n) as is; and a
	# script that asks for deflate itself still gets the body decoded.
	if not rust_side():
		return
	var p = probe("rust")
	p.client.accept_gzip = true
	if await p.connect_to(HOST, port):
		await p.fetch(GET, "/gzip?n=3000&enc=gzip", ["Accept-Encoding: identity"])
		await p.fetch(GET, "/gzip?n=3000&enc=deflate", ["Accept-Encoding: deflate"])
	eq(nth(p.obs).get("body_size"), 3000, "RustNet: identity: plain body")
	eq(nth(p.obs).get("body_length"), 3000, "RustNet: identity: plain length")
	eq(nth(p.obs, 1).get("body_size"), 3000, "RustNet: deflate asked by the script: decoded")
	eq(nth(p.obs, 1).get("body_length"), -1, "RustNet: deflate asked by the script: length")


func test_unencoded_response_when_on() -> void:
	# The server may ignore Accept-Encoding: a plain body keeps its Content-Length.
	if not rust_side():
		return
	var p = probe("rust")
	p.client.accept_gzip = true
	if await p.connect_to(HOST, port):
		await p.fetch(GET, "/sized?n=1234")
		await p.fetch(GET, "/chunked?sizes=5,1,10")
	eq(nth(p.obs).get("body_length"), 1234, "RustNet: length")
	eq(nth(p.obs).get("body_size"), 1234, "RustNet: body")
	eq(nth(p.obs, 1).get("chunk_sizes"), [5, 1, 10], "RustNet: chunks")


func test_keep_alive_after_decoded_bodies() -> void:
	if not rust_side():
		return
	var p = probe("rust")
	p.client.accept_gzip = true
	if await p.connect_to(HOST, port):
		for url in ["/gzip?n=4000&enc=gzip", "/gzip?n=4000&enc=deflate&chunked=1", "/connid"]:
			await p.fetch(GET, url)
	eq(p.obs.responses.map(func(r): return r.get("body_size")).slice(0, 2), [4000, 4000], "RustNet: decoded sizes")
	eq(str(nth(p.obs, 2).get("body")).get_slice(":", 1), "3", "RustNet: third request on the same connection")
