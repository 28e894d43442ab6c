## Deliberate differences from HTTPClient: each case asserts RustNet's (correct) behaviour and,
## where it is deterministic, the Godot 4.6 behaviour it fixes (godot-behavior.md §1.5–§1.9, §6).
extends "../lib/http_suite.gd"


func test_100_continue_is_skipped() -> void:
	# Godot takes the interim 100 as the final response (no 1xx handling).
	var res := await both(get_url("/continue?n=5"))
	eq(res[0].responses[0].code, 100, "Godot: code")
	eq(res[1].responses[0].code, 200, "RustNet: code")
	eq(res[1].responses[0].body, "abcde", "RustNet: body")


func test_several_interim_responses() -> void:
	for url in ["/continue?n=3&count=2", "/continue?n=3&early_hints=1"]:
		var res := await both(get_url(url))
		eq(res[1].responses[0].code, 200, url + " code")
		eq(res[1].responses[0].body, "abc", url + " body")


func test_transfer_encoding_is_case_insensitive() -> void:
	for te in ["Chunked", "CHUNKED", "gzip,%20chunked"]:
		var res := await both(get_url("/chunked?sizes=5,1&te=" + te))
		eq(res[0].responses[0].chunked, false, "Godot: %s not recognised" % te)
		eq(res[1].responses[0].chunked, true, "RustNet: %s recognised" % te)
		eq(res[1].responses[0].chunk_sizes, [5, 1], "RustNet: chunks for " + te)
		eq(res[1].responses[0].status_after_body, HTTPClient.STATUS_CONNECTED, "RustNet: status")


func test_chunk_extensions_are_accepted() -> void:
	var res := await both(get_url("/chunked?sizes=5,1,10&ext=1"))
	eq(res[0].statuses[-1], HTTPClient.STATUS_CONNECTION_ERROR, "Godot: error on ';ext'")
	eq(res[1].responses[0].body, Probe.gen(16), "RustNet: body")
	eq(res[1].statuses[-1], HTTPClient.STATUS_CONNECTED, "RustNet: status")


func test_long_chunk_size_line_is_accepted() -> void:
	var res := await both(get_url("/chunked-bad?kind=longline"))
	eq(res[0].statuses[-1], HTTPClient.STATUS_CONNECTION_ERROR, "Godot: 32-byte size line limit")
	eq(res[1].responses[0].body, "abcde", "RustNet: leading zeros are fine")


func test_unsized_keep_alive_response_is_read_until_close() -> void:
	# Godot says CONNECTED and leaves the body in the socket, where it corrupts the next response.
	var res := await both(get_url("/nolength?n=10", HTTPClient.METHOD_GET, [], "", {"max_body": 10}))
	eq(res[0].responses[0].status_after_body, HTTPClient.STATUS_CONNECTED, "Godot: no body read")
	eq(res[1].responses[0].body, Probe.gen(10), "RustNet: body")
	eq(res[1].responses[0].status_after_body, HTTPClient.STATUS_BODY, "RustNet: still reading until the server closes")


func test_http10_response_without_length() -> void:
	var res := await both(get_url("/http10?n=12"))
	eq(res[0].responses[0].body_size, 0, "Godot: body not read")
	eq(res[1].responses[0].body, Probe.gen(12), "RustNet: body")
	eq(res[1].responses[0].status_after_body, HTTPClient.STATUS_DISCONNECTED, "RustNet: DISCONNECTED at EOF")


func test_garbage_status_line_is_an_error() -> void:
	var res := await both(get_url("/garbage"))
	eq(res[0].responses[0].code, 200, "Godot: garbage reported as 200")
	eq(res[1].statuses[-1], HTTPClient.STATUS_CONNECTION_ERROR, "RustNet: status")
	eq(res[1].poll_errors, [ERR_CONNECTION_ERROR], "RustNet: poll error")
	eq(res[1].responses[0].code, 0, "RustNet: no code")


func test_random_bytes_are_an_error() -> void:
	var res := await both(get_url("/garbage?kind=random"))
	eq(res[1].statuses[-1], HTTPClient.STATUS_CONNECTION_ERROR, "RustNet: status")


func test_bad_status_lines() -> void:
	for line in ["HTTP/1.1%20abc%20OK", "HTTP/2%20200%20OK", "ICY%20200%20OK"]:
		var res := await both(get_url("/status-line?line=" + line))
		eq(res[1].statuses[-1], HTTPClient.STATUS_CONNECTION_ERROR, "RustNet: " + line)
	var ok := await parity(get_url("/status-line?line=HTTP/1.1%20200"))
	eq(ok[1].responses[0].body, "ok", "a status line without reason is fine")


func test_bytes_past_the_body_are_not_the_next_response() -> void:
	# Godot reads the injected bytes as the next request's response.
	var res := await both(func(p):
		if await p.connect_to(HOST, port):
			await p.fetch(HTTPClient.METHOD_GET, "/extra?n=4")
			await p.poll_frames(3)
			await p.fetch(HTTPClient.METHOD_GET, "/sized?n=2"))
	eq(res[0].responses[1].body, "evil!", "Godot: injected response accepted")
	eq(res[1].responses[0].body, "abcd", "RustNet: first body")
	eq(res[1].statuses[-1], HTTPClient.STATUS_CONNECTION_ERROR, "RustNet: connection closed")
	eq(res[1].responses[1].request_err, ERR_INVALID_PARAMETER, "RustNet: no second request on it")


func test_truncated_body_is_an_error() -> void:
	var res := await both(get_url("/cut?n=100&send=40"))
	eq(res[0].responses[0].status_after_body, HTTPClient.STATUS_DISCONNECTED, "Godot: truncation looks like success")
	eq(res[1].responses[0].body_size, 40, "RustNet: the bytes that came")
	eq(res[1].responses[0].status_after_body, HTTPClient.STATUS_CONNECTION_ERROR, "RustNet: error status")


func test_nul_in_header_is_an_error() -> void:
	var res := await both(get_url("/nul"))
	eq(res[1].statuses[-1], HTTPClient.STATUS_CONNECTION_ERROR, "RustNet: status")


func test_malformed_chunks_are_errors_in_both() -> void:
	for kind in ["nohex", "huge", "nocrlf"]:
		var res := await both(get_url("/chunked-bad?kind=" + kind))
		eq(res[0].statuses[-1], HTTPClient.STATUS_CONNECTION_ERROR, "Godot: " + kind)
		eq(res[1].statuses[-1], HTTPClient.STATUS_CONNECTION_ERROR, "RustNet: " + kind)


func test_oversized_head_hits_the_limit() -> void:
	var p = probe("rust")
	if await p.connect_to(HOST, port):
		await p.fetch(HTTPClient.METHOD_GET, "/header-line?size=10000000")
	eq(p.obs.statuses[-1], HTTPClient.STATUS_CONNECTION_ERROR, "a 10 MB header line")
	var q = probe("rust")
	if await q.connect_to(HOST, port):
		await q.fetch(HTTPClient.METHOD_GET, "/many-headers?count=100000")
	eq(q.obs.statuses[-1], HTTPClient.STATUS_CONNECTION_ERROR, "100,000 headers")


func test_endless_trailer_hits_the_limit() -> void:
	var p = probe("rust")
	if await p.connect_to(HOST, port):
		await p.fetch(HTTPClient.METHOD_GET, "/chunked-bad?kind=endless-trailer")
	eq(p.obs.responses[0].body, "abcde", "data before the trailers")
	eq(p.obs.statuses[-1], HTTPClient.STATUS_CONNECTION_ERROR, "endless trailers")


func test_duplicate_headers_are_joined_in_the_dictionary() -> void:
	var res := await both(func(p):
		if await p.connect_to(HOST, port):
			p.client.request(HTTPClient.METHOD_GET, "/dup", [])
			while p.client.get_status() == HTTPClient.STATUS_REQUESTING:
				p.poll()
				await frame()
			p.obs["dict"] = p.client.get_response_headers_as_dictionary())
	eq(res[0].dict["Set-Cookie"], "b=2", "Godot: last one wins")
	eq(res[1].dict["Set-Cookie"], "a=1; b=2", "RustNet: joined as documented")
	eq(res[1].dict["set-cookie"], "c=3", "RustNet: names keep their case")
	eq(res[1].dict["X-Spaces"], "padded", "value trimmed")


func test_crlf_in_headers_is_refused() -> void:
	var res := await both(func(p):
		if await p.connect_to(HOST, port):
			p.obs["header"] = p.client.request(HTTPClient.METHOD_GET, "/echo", ["X-A: 1\r\nX-Injected: 1"])
			p.obs["url"] = p.client.request(HTTPClient.METHOD_GET, "/echo\r\nX-Injected: 1", []))
	eq(res[0].header, OK, "Godot: sends it")
	eq(res[1].header, ERR_INVALID_PARAMETER, "RustNet: header refused")
	eq(res[1].url, ERR_INVALID_PARAMETER, "RustNet: URL refused")


func test_set_connection_works() -> void:
	var res := await both(func(p):
		var tcp := StreamPeerTCP.new()
		tcp.connect_to_host(HOST, port)
		var frames := 0
		while tcp.get_status() == StreamPeerTCP.STATUS_CONNECTING and frames < 5000:
			tcp.poll()
			frames += 1
			await frame()
		p.client.set_connection(tcp)
		p.obs["connection_is_tcp"] = p.client.get_connection() == tcp
		p.obs["first_poll"] = p.poll()
		if p.client.get_status() == HTTPClient.STATUS_CONNECTED:
			await p.fetch(HTTPClient.METHOD_GET, "/sized?n=6"))
	eq(res[0].first_poll, ERR_CONNECTION_ERROR, "Godot: the first poll fails")
	eq(res[1].first_poll, OK, "RustNet: poll")
	eq(res[1].connection_is_tcp, true, "RustNet: get_connection")
	eq(res[1].responses[0].body, "abcdef", "RustNet: body over the StreamPeer")


func test_tls_option_checks() -> void:
	var c := RustHTTPClient.new()
	eq(c.connect_to_host(HOST, port, TLSOptions.server(CryptoKey.new(), X509Certificate.new())), ERR_INVALID_PARAMETER, "server options")
	eq(c.connect_to_host("https://" + HOST, port), OK, "https:// prefix")
	eq(c.connect_to_host("http://" + HOST, port, TLSOptions.client()), OK, "http:// turns TLS off")


func test_ipv6_literal_in_brackets() -> void:
	# Godot sends "[::1]" to its resolver, which fails; RustNet connects and brackets the Host.
	var port6 := int(OS.get_environment("RUSTNET_HTTP6_PORT"))
	if port6 == 0:
		check(true, "no IPv6 loopback on this machine: skipped")
		return
	var res := await both(func(p):
		if await p.connect_to("[::1]", port6):
			await p.fetch(HTTPClient.METHOD_GET, "/echo"))
	eq(res[0].statuses[-1], HTTPClient.STATUS_CANT_RESOLVE, "Godot: can't resolve [::1]")
	check(res[1].responses[0].body.contains("\r\nHost: [::1]:%d\r\n" % port6), "RustNet: bracketed Host")


func test_ipv6_long_form_literal() -> void:
	var port6 := int(OS.get_environment("RUSTNET_HTTP6_PORT"))
	if port6 == 0:
		check(true, "no IPv6 loopback on this machine: skipped")
		return
	var res := await both(func(p):
		if await p.connect_to("0:0:0:0:0:0:0:1", port6):
			await p.fetch(HTTPClient.METHOD_GET, "/echo"))
	check(res[0].responses[0].body.contains("\r\nHost: 0:0:0:0:0:0:0:1:%d\r\n" % port6), "Godot: Host without brackets")
	check(res[1].responses[0].body.contains("\r\nHost: [0:0:0:0:0:0:0:1]:%d\r\n" % port6), "RustNet: Host with brackets")
