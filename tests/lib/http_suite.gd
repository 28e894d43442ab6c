## Base of the HTTP suites: the scenario server's ports and the parity helpers.
extends "suite.gd"

const Probe := preload("http_probe.gd")
const HOST := "127.0.0.1"

var port := 0
var closed_port := 0
var _probes: Array = []
## RUSTNET_TEST_SIDES=godot runs only HTTPClient's side of each case, to validate the test servers
## and the expectations about Godot without the extension: both() then returns Godot's record
## twice, parity() compares nothing, and assertions whose message starts with "RustNet" are
## skipped (suites name every RustHTTPClient-only assertion that way).
var godot_only := OS.get_environment("RUSTNET_TEST_SIDES") == "godot"


func setup() -> void:
	port = env_int("RUSTNET_HTTP_PORT")
	closed_port = env_int("RUSTNET_CLOSED_PORT")


func teardown() -> void:
	for p in _probes:
		p.client.close()
	_probes.clear()


func probe(kind: String):
	var p = Probe.new(self, kind)
	_probes.append(p)
	return p


## Runs `scenario` (a Callable taking a probe; it may await) against HTTPClient, then against
## RustHTTPClient. Returns [godot_record, rust_record].
func both(scenario: Callable) -> Array:
	var g = probe("godot")
	await scenario.call(g)
	g.client.close()
	if godot_only:
		return [g.obs, g.obs]
	var r = probe("rust")
	await scenario.call(r)
	r.client.close()
	return [g.obs, r.obs]


## `both`, then asserts that GDScript observed the same thing from both classes. Chunk sizes are
## compared for chunked bodies only (elsewhere they depend on how the bytes were split in
## flight), and are checked against read_chunk_size instead.
## `normalize` (optional) takes a copy of each record and may edit it before the comparison
## (e.g. to drop what legitimately differs between two connections, such as a client port).
func parity(scenario: Callable, read_chunk_size := 65536, normalize := Callable()) -> Array:
	var res := await both(scenario)
	var cmp := []
	for rec in res:
		var copy: Dictionary = rec.duplicate(true)
		for resp in copy.responses:
			if not resp.get("chunked", false) and resp.has("chunk_sizes"):
				for s in resp.chunk_sizes:
					check(s <= read_chunk_size, "chunk of %d bytes exceeds read_chunk_size %d" % [s, read_chunk_size])
				resp.erase("chunk_sizes")
		if normalize.is_valid():
			normalize.call(copy)
		cmp.append(copy)
	eq(cmp[1], cmp[0], "RustHTTPClient (got) vs HTTPClient (want)")
	return res


## True when RustHTTPClient's side runs (see godot_only). A case that only drives
## RustHTTPClient starts with `if not rust_side(): return`.
func rust_side() -> bool:
	if godot_only:
		check(true, "RUSTNET_TEST_SIDES=godot: RustHTTPClient-only case skipped")
	return not godot_only


func check(cond: bool, msg: String) -> bool:
	if godot_only and _is_rust_message(msg):
		checks += 1
		return true
	return super(cond, msg)


func eq(got, want, msg: String = "") -> bool:
	if godot_only and _is_rust_message(msg):
		checks += 1
		return true
	return super(got, want, msg)


func _is_rust_message(msg: String) -> bool:
	return msg.begins_with("RustNet") or msg.begins_with("RustHTTPClient")


## Connects to the scenario server and fetches one URL; the usual parity scenario.
func get_url(url: String, method := HTTPClient.METHOD_GET, headers: PackedStringArray = [], body = "", opts := {}) -> Callable:
	return func(p):
		if await p.connect_to(HOST, port):
			await p.fetch(method, url, headers, body, opts)
