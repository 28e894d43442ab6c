## RustHTTPClient against hostile HTTP servers (tests/servers/hostile.py, plain port).
## docs/hostile.md lists every case with what RustNet and Godot's HTTPClient do.
extends "../lib/hostile_suite.gd"

const ERR := HTTPClient.STATUS_CONNECTION_ERROR


# --- heads that never end, or are too big ---------------------------------------------------

func test_endless_headers() -> void:
	await http_error_case("/endless_headers")


func test_endless_header_line() -> void:
	await http_error_case("/endless_header_line")


func test_header_line_100mb() -> void:
	await http_error_case("/header_100mb")


func test_endless_status_line() -> void:
	await http_error_case("/endless_status_line")


func test_too_many_headers() -> void:
	await http_error_case("/many_headers")


func test_continue_flood() -> void:
	await http_error_case("/continue_flood")


# --- chunked framing ------------------------------------------------------------------------

func test_chunk_size_ffffffffffffffff() -> void:
	var r := await http_error_case("/chunk_ffff")
	eq(r.body.size(), 0, "no body bytes from an impossible chunk")


func test_chunk_size_overflow_u64() -> void:
	await http_error_case("/chunk_overflow")


func test_chunk_over_16mib_limit() -> void:
	await http_error_case("/chunk_over_limit")


func test_chunk_size_negative() -> void:
	await http_error_case("/chunk_negative")


func test_chunk_size_not_hex() -> void:
	await http_error_case("/chunk_bad_hex")


func test_chunk_without_crlf() -> void:
	await http_error_case("/chunk_no_crlf")


func test_endless_chunk_size_line() -> void:
	await http_error_case("/endless_chunk_line")


func test_endless_chunked_trailer() -> void:
	await http_error_case("/endless_trailer")


func test_endless_chunked_trailer_line() -> void:
	await http_error_case("/endless_trailer_line")


# --- Content-Length -------------------------------------------------------------------------

func test_content_length_negative() -> void:
	await http_error_case("/cl_negative")


func test_content_length_conflicting_duplicates() -> void:
	await http_error_case("/cl_conflict")


func test_content_length_conflicting_list() -> void:
	await http_error_case("/cl_list_conflict")


func test_content_length_identical_duplicates() -> void:
	# RFC 9112 §6.3 allows accepting identical duplicates; the body is exact either way.
	var r := await http_get("/cl_duplicate_same")
	expect_http_ok(r, 200, "hello")
	finish()


func test_content_length_not_a_number() -> void:
	await http_error_case("/cl_nonnumeric")


func test_content_length_plus_sign() -> void:
	await http_error_case("/cl_plus_sign")


func test_content_length_overflow() -> void:
	await http_error_case("/cl_huge")


func test_content_length_and_chunked() -> void:
	await http_error_case("/cl_and_chunked")


func test_transfer_encoding_chunked_not_last() -> void:
	# RFC 9112 §6.3: chunked is not the final coding, so the body runs until the server closes;
	# it is handed over raw (undecoded) and the connection is not reused.
	var r := await http_get("/te_unknown")
	eq(r.status, HTTPClient.STATUS_DISCONNECTED, "final status (statuses %s)" % [r.statuses])
	eq(r.body.get_string_from_utf8(), "5\r\nhello\r\n0\r\n\r\n", "the raw body")
	eq(r.code, 200, "response code")
	finish()


# --- bytes past the body: never the next response -----------------------------------------

func _expect_not_reused(r: Dictionary) -> void:
	var c = r.client
	# Whatever the script does next on this client, "injected" never becomes a response.
	var st: int = tcall(c, &"get_status")
	var deadline := Time.get_ticks_msec() + 3000
	while st == HTTPClient.STATUS_CONNECTED and Time.get_ticks_msec() < deadline:
		tcall(c, &"poll")
		st = tcall(c, &"get_status")
		await frame()
	eq(st, ERR, "the connection with stray bytes is closed with an error")
	eq(tcall(c, &"request", [HTTPClient.METHOD_GET, "/again", PackedStringArray()]), ERR_INVALID_PARAMETER, "no request on that connection")


func test_body_longer_than_announced_same_write() -> void:
	var r := await http_get("/longer_same_write")
	expect_http_ok(r, 200, "hello")
	await _expect_not_reused(r)
	finish()


func test_body_longer_than_announced_later() -> void:
	var r := await http_get("/longer_later")
	expect_http_ok(r, 200, "hello")
	await _expect_not_reused(r)
	finish()


func test_body_longer_then_immediate_request() -> void:
	# The script sends its next request at once (no poll in between): the stray response that
	# is already buffered must not be taken as the answer to it.
	var r := await http_get("/longer_reuse")
	expect_http_ok(r, 200, "hello")
	var c = r.client
	var err = tcall(c, &"request", [HTTPClient.METHOD_GET, "/second", PackedStringArray()])
	var body := PackedByteArray()
	var statuses := []
	var deadline := Time.get_ticks_msec() + 3000
	while err == OK and Time.get_ticks_msec() < deadline:
		tcall(c, &"poll")
		var s: int = tcall(c, &"get_status")
		_note(statuses, s)
		if s == HTTPClient.STATUS_BODY:
			body.append_array(tcall(c, &"read_response_body_chunk"))
		elif s != HTTPClient.STATUS_REQUESTING:
			break
		await frame()
	check(body.get_string_from_utf8() != "injected", "the stray bytes were not read as the next response")
	eq(tcall(c, &"get_status"), ERR, "the connection is closed with an error (statuses %s)" % [statuses])
	finish()


# --- interim responses, status lines and odd heads ------------------------------------------

func test_100_continue_then_real_response() -> void:
	var r := await http_get("/continue_then_real")
	expect_http_ok(r, 200, "real")
	finish()


func test_garbage_status_line() -> void:
	var r := await http_error_case("/garbage_status")
	check(r.code != 200, "never code 200")


func test_random_bytes() -> void:
	var r := await http_error_case("/random_bytes")
	check(r.code != 200, "never code 200")


func test_random_bytes_then_close() -> void:
	var r := await http_error_case("/random_bytes?then=fin&seed=11")
	check(r.code != 200, "never code 200")


func test_status_code_not_a_number() -> void:
	var r := await http_error_case("/status_no_code")
	check(r.code != 200, "never code 200")


func test_status_code_out_of_range() -> void:
	await http_error_case("/status_code_9999")


func test_no_status_line_http09() -> void:
	var r := await http_error_case("/http09")
	check(r.code != 200, "never code 200")


func test_nul_in_header_value() -> void:
	await http_error_case("/nul_header_value")


func test_nul_in_header_name() -> void:
	await http_error_case("/nul_header_name")


func test_obsolete_line_folding() -> void:
	await http_error_case("/obs_fold")


func test_space_before_colon() -> void:
	await http_error_case("/space_before_colon")


func test_bare_cr_in_header() -> void:
	await http_error_case("/bare_cr")


# --- slow peers -------------------------------------------------------------------------------

func test_slowloris_head_one_byte_at_a_time() -> void:
	var r := await http_get("/slow_head")
	expect_http_ok(r, 200, "hello")
	finish()


func test_slowloris_body_one_byte_at_a_time() -> void:
	var r := await http_get("/slow_body")
	expect_http_ok(r, 200, "0123456789abcdefghij")
	finish()


func test_slowloris_chunked_one_byte_at_a_time() -> void:
	var r := await http_get("/slow_chunked")
	expect_http_ok(r, 200, "helloworld")
	finish()


func test_slowloris_endless_head_times_out() -> void:
	var r := await http_get("/slow_endless", {"props": {"response_timeout": 0.5}})
	expect_http_error(r)
	finish()


# --- the connection ends early: truncation is an error ---------------------------------------

func test_half_close_before_response() -> void:
	await http_error_case("/halfclose_before")


func test_half_close_mid_head() -> void:
	await http_error_case("/halfclose_mid_head")


func test_body_cut_short_by_close() -> void:
	var r := await http_error_case("/halfclose_mid_body")
	eq(r.body.get_string_from_utf8(), "hello", "the bytes that did arrive")


func test_rst_mid_body() -> void:
	await http_error_case("/rst_mid_body")


func test_rst_mid_head() -> void:
	await http_error_case("/rst_mid_head")


func test_rst_before_response() -> void:
	await http_error_case("/rst_before")


func test_chunked_cut_mid_chunk() -> void:
	await http_error_case("/cut_chunked_mid_chunk")


func test_chunked_cut_before_last_chunk() -> void:
	await http_error_case("/cut_chunked_no_end")


func test_close_delimited_body_is_not_truncation() -> void:
	# The control case: a body with no length that the server's close ends is complete.
	var r := await http_get("/until_close_ok")
	eq(r.status, HTTPClient.STATUS_DISCONNECTED, "final status (statuses %s)" % [r.statuses])
	eq(r.body.get_string_from_utf8(), "hello", "body")
	finish()
