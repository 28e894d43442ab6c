## Parity: the request bytes on the wire (the server echoes exactly what it received).
extends "../lib/http_suite.gd"


func _echo(res: Array) -> String:
	return res[1].responses[0].body


func test_get_wire_format() -> void:
	var res := await parity(get_url("/echo", HTTPClient.METHOD_GET, ["X-One: 1", "x-two:2"]))
	var ua := "GodotEngine/"
	check(_echo(res).begins_with("GET /echo HTTP/1.1\r\nX-One: 1\r\nx-two:2\r\nHost: %s:%d\r\nUser-Agent: %s" % [HOST, port, ua]), "wire: " + _echo(res))
	check(_echo(res).ends_with("\r\nAccept: */*\r\n\r\n"), "Accept last")


func test_post_utf8_string_body() -> void:
	var res := await parity(get_url("/echo", HTTPClient.METHOD_POST, ["Content-Type: text/plain"], "héllo"))
	check(_echo(res).contains("\r\nContent-Length: 6\r\n"), "UTF-8 byte length")
	check(_echo(res).ends_with("\r\n\r\nhéllo"), "body last")


func test_request_raw_bytes() -> void:
	var body := PackedByteArray([0, 1, 2, 255, 10, 13])
	var res := await parity(get_url("/echo", HTTPClient.METHOD_PUT, [], body))
	eq(res[1].responses[0].body_size, res[0].responses[0].body_size, "echo size")


func test_body_is_sent_with_get() -> void:
	var res := await parity(get_url("/echo", HTTPClient.METHOD_GET, [], "bodytext"))
	check(_echo(res).ends_with("Content-Length: 8\r\nUser-Agent: " + _echo(res).get_slice("User-Agent: ", 1).get_slice("\r\n", 0) + "\r\nAccept: */*\r\n\r\nbodytext"), "GET body")


func test_empty_post_has_no_content_length() -> void:
	var res := await parity(get_url("/echo", HTTPClient.METHOD_POST))
	check(not _echo(res).contains("Content-Length"), "no Content-Length")


func test_user_headers_replace_automatic_ones() -> void:
	var res := await parity(get_url("/echo", HTTPClient.METHOD_POST, ["host: h.example", "USER-AGENT: me", "accept: text/html", "Content-length: 3"], "abc"))
	check(not _echo(res).contains("Host: "), "no automatic Host")
	check(not _echo(res).contains("GodotEngine"), "no automatic User-Agent")


func test_every_method_token() -> void:
	var res := await parity(func(p):
		if await p.connect_to(HOST, port):
			for m in [HTTPClient.METHOD_GET, HTTPClient.METHOD_POST, HTTPClient.METHOD_PUT, HTTPClient.METHOD_DELETE,
					HTTPClient.METHOD_OPTIONS, HTTPClient.METHOD_TRACE, HTTPClient.METHOD_PATCH]:
				await p.fetch(m, "/echo"))
	var lines: Array = res[1].responses.map(func(r): return r.body.get_slice("\r\n", 0))
	eq(lines, ["GET /echo HTTP/1.1", "POST /echo HTTP/1.1", "PUT /echo HTTP/1.1", "DELETE /echo HTTP/1.1",
		"OPTIONS /echo HTTP/1.1", "TRACE /echo HTTP/1.1", "PATCH /echo HTTP/1.1"], "request lines")


func test_hostname_in_host_header() -> void:
	var res := await parity(func(p):
		if await p.connect_to("localhost", port):
			await p.fetch(HTTPClient.METHOD_GET, "/echo"))
	check(_echo(res).contains("\r\nHost: localhost:%d\r\n" % port), "Host: localhost:port")


func test_query_string_in_url() -> void:
	var q := HTTPClient.new().query_string_from_dict({"a b": "c", "n": null, "x": [1, 2]})
	var res := await parity(get_url("/echo?" + q))
	check(_echo(res).begins_with("GET /echo?a%20b=c&n&x=1&x=2 HTTP/1.1\r\n"), "request line")


func test_absolute_url_target() -> void:
	var res := await parity(get_url("http://example.invalid/echo"))
	check(_echo(res).begins_with("GET http://example.invalid/echo HTTP/1.1\r\n"), "absolute target sent as is")


func test_large_request_body() -> void:
	var body := PackedByteArray()
	body.resize(300000)
	body.fill(65)
	var res := await parity(get_url("/echo", HTTPClient.METHOD_POST, [], body))
	check(res[1].responses[0].body_size > 300000, "echo holds the whole body")
