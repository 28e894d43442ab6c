## Drives an HTTPClient-like object (Godot's `HTTPClient` or our `RustHTTPClient`) the way a
## script does, and records what GDScript can observe, so parity tests can compare the two.
##
## Recorded: return codes, the sequence of *distinct* statuses (poll counts depend on timing),
## the distinct non-OK `poll()` results, and per response: code, headers, chunked flag, body
## length, body bytes and the sizes of the non-empty chunks returned.
extends RefCounted

const S_RESOLVING := 1
const S_CONNECTING := 3
const S_CONNECTED := 5
const S_REQUESTING := 6
const S_BODY := 7
## Upper bound of frames any single wait may take (the runner's case budget is the backstop).
const WAIT_FRAMES := 20000

var suite  # the running suite (for frames)
var client
var kind := ""
var obs := {"statuses": [], "poll_errors": [], "responses": []}


func _init(p_suite, p_kind: String) -> void:
	suite = p_suite
	kind = p_kind
	client = HTTPClient.new() if p_kind == "godot" else RustHTTPClient.new()


func note() -> void:
	var s: int = client.get_status()
	var st: Array = obs.statuses
	if st.is_empty() or st[-1] != s:
		st.append(s)


func poll() -> int:
	var e: int = client.poll()
	var pe: Array = obs.poll_errors
	if e != OK and (pe.is_empty() or pe[-1] != e):
		pe.append(e)
	note()
	return e


## connect_to_host, then poll through RESOLVING/CONNECTING (the TLS handshake included).
## True when CONNECTED. `tls` is the TLSOptions to pass (null: none).
func connect_to(host: String, port: int, tls: TLSOptions = null) -> bool:
	obs["connect_err"] = client.connect_to_host(host, port, tls)
	note()
	var frames := 0
	while client.get_status() in [S_RESOLVING, S_CONNECTING] and frames < WAIT_FRAMES:
		poll()
		frames += 1
		if client.get_status() in [S_RESOLVING, S_CONNECTING]:
			await suite.frame()
	return client.get_status() == S_CONNECTED


## Sends one request and reads the whole response. `body` may be a String or a PackedByteArray.
## opts: poll_in_body (bool, default false: Godot's poll() races the server's FIN on
## close-delimited bodies), max_body (stop reading after this many bytes), keep_data (also
## record the body bytes as "data", whatever their size).
func fetch(method: int, url: String, headers: PackedStringArray = [], body = "", opts := {}) -> Dictionary:
	var r := {}
	if body is PackedByteArray:
		r["request_err"] = client.request_raw(method, url, headers, body)
	else:
		r["request_err"] = client.request(method, url, headers, body)
	note()
	obs.responses.append(r)
	if r["request_err"] != OK:
		return r
	var frames := 0
	while client.get_status() == S_REQUESTING and frames < WAIT_FRAMES:
		poll()
		frames += 1
		if client.get_status() == S_REQUESTING:
			await suite.frame()
	r["code"] = client.get_response_code()
	r["has_response"] = client.has_response()
	r["chunked"] = client.is_response_chunked()
	r["body_length"] = client.get_response_body_length()
	r["headers"] = client.get_response_headers()
	r["has_response_after_take"] = client.has_response()
	var data := PackedByteArray()
	var sizes: Array[int] = []
	var max_body: int = opts.get("max_body", 1 << 30)
	frames = 0
	while client.get_status() == S_BODY and frames < WAIT_FRAMES and data.size() < max_body:
		if opts.get("poll_in_body", false):
			poll()
			if client.get_status() != S_BODY:
				break
		var chunk: PackedByteArray = client.read_response_body_chunk()
		note()
		if chunk.size() > 0:
			data.append_array(chunk)
			sizes.append(chunk.size())
		else:
			frames += 1
			await suite.frame()
	r["body"] = data.get_string_from_utf8() if data.size() < 4096 else "<%d bytes, sha256 %s>" % [data.size(), _sha(data)]
	r["body_size"] = data.size()
	if opts.get("keep_data", false):
		r["data"] = data
	r["chunk_sizes"] = sizes
	r["status_after_body"] = client.get_status()
	return r


## Polls `n` times (one per frame), recording statuses and errors.
func poll_frames(n: int) -> void:
	for i in n:
		poll()
		await suite.frame()


## Polls once per frame while the status is one of `statuses`, for at most `seconds`.
## Returns the milliseconds it took (the wait ends early when the status changes).
func poll_while(statuses: Array, seconds: float) -> int:
	var start := Time.get_ticks_msec()
	while client.get_status() in statuses and Time.get_ticks_msec() - start < int(seconds * 1000.0):
		poll()
		if client.get_status() in statuses:
			await suite.frame()
	return Time.get_ticks_msec() - start


## The part of the record every parity test compares.
func summary() -> Dictionary:
	return obs


static func _sha(data: PackedByteArray) -> String:
	var ctx := HashingContext.new()
	ctx.start(HashingContext.HASH_SHA256)
	ctx.update(data)
	return ctx.finish().hex_encode().substr(0, 16)


## What a server-generated body of n bytes is (see tests/servers/http_scenarios.py).
static func gen(n: int) -> String:
	var alphabet := "abcdefghijklmnopqrstuvwxyz0123456789"
	var s := ""
	for i in n:
		s += alphabet[i % 36]
	return s
