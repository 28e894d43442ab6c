## Base of the HTTP suites: the scenario server's ports and the parity helpers.
extends "suite.gd"

const Probe := preload("http_probe.gd")
const HOST := "127.0.0.1"

var port := 0
var closed_port := 0
var _probes: Array = []


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
	var r = probe("rust")
	await scenario.call(r)
	r.client.close()
	return [g.obs, r.obs]


## `both`, then asserts that GDScript observed the same thing from both classes. Chunk sizes are
## compared for chunked bodies only (elsewhere they depend on how the bytes were split in
## flight), and are checked against read_chunk_size instead.
func parity(scenario: Callable, read_chunk_size := 65536) -> Array:
	var res := await both(scenario)
	var cmp := []
	for rec in res:
		var copy: Dictionary = rec.duplicate(true)
		for resp in copy.responses:
			if not resp.get("chunked", false) and resp.has("chunk_sizes"):
				for s in resp.chunk_sizes:
					check(s <= read_chunk_size, "chunk of %d bytes exceeds read_chunk_size %d" % [s, read_chunk_size])
				resp.erase("chunk_sizes")
		cmp.append(copy)
	eq(cmp[1], cmp[0], "RustHTTPClient (got) vs HTTPClient (want)")
	return res


## Connects to the scenario server and fetches one URL; the usual parity scenario.
func get_url(url: String, method := HTTPClient.METHOD_GET, headers: PackedStringArray = [], body = "", opts := {}) -> Callable:
	return func(p):
		if await p.connect_to(HOST, port):
			await p.fetch(method, url, headers, body, opts)
