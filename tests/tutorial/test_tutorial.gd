## The drop-in claim, on the Godot docs' HTTPClient tutorial (godot_project/demo/): the same
## script with only the class renamed prints the same transcript with RustHTTPClient as with
## HTTPClient. The tutorial's body is its static `run()`, called here in-process with a 1 ms poll
## delay instead of the tutorial's 500 ms.
##
## One normalisation: the NUMBER of consecutive "Connecting..." / "Requesting..." lines is how
## many times the loop polled before the state changed, which depends on timing (how fast the
## server answers, relative to the poll delay) and on a real difference between the classes:
## HTTPClient.request() writes the request at once, RustHTTPClient.request() queues it for the
## next poll() (same observable states, as the parity suites check). So each run of repeated
## progress lines is compared as one line; every other line must be identical.
extends "../lib/http_suite.gd"

const RUST_TUTORIAL := "res://demo/http_tutorial.gd"
const BUILTIN_TUTORIAL := "res://demo/http_tutorial_builtin.gd"
const PROGRESS_LINES := ["Connecting...", "Requesting..."]


func test_the_two_tutorials_differ_only_in_the_class_name() -> void:
	var rust := FileAccess.get_file_as_string(RUST_TUTORIAL)
	var builtin := FileAccess.get_file_as_string(BUILTIN_TUTORIAL)
	if not check(rust != "" and builtin != "", "could not read the tutorial scripts"):
		return
	check(builtin.contains("HTTPClient.new()"), "the built-in twin creates an HTTPClient")
	check(rust.contains("RustHTTPClient.new()"), "the tutorial creates a RustHTTPClient")
	var want := builtin.replace("HTTPClient", "RustHTTPClient").split("\n")
	var got := rust.split("\n")
	for i in mini(got.size(), want.size()):
		if not eq(got[i], want[i], "%s line %d vs the built-in twin with the class renamed" % [RUST_TUTORIAL, i + 1]):
			return
	eq(got.size(), want.size(), "line count")


func test_chunked_page() -> void:
	var t := await _both_transcripts("/chunked?sizes=3000,5000,200")
	var r: PackedStringArray = t[1]
	check(r.has("code: 200"), "code line")
	check(r.has("Response is Chunked!"), "chunked line")
	check(r.has("bytes got: 8200"), "byte count")
	check(r.has("Text: %s [... 8200 characters in all]" % Probe.gen(400)), "text line")


func test_sized_page() -> void:
	var t := await _both_transcripts("/sized?n=50")
	var r: PackedStringArray = t[1]
	check(r.has("Response Length: 50"), "length line")
	check(r.has("bytes got: 50"), "byte count")
	check(r.has("Text: " + Probe.gen(50)), "text line")


func test_empty_body() -> void:
	var t := await _both_transcripts("/sized?n=0")
	check(t[1].has("bytes got: 0"), "byte count")


func test_not_found_page() -> void:
	var t := await _both_transcripts("/no/such/page")
	check(t[1].has("code: 404"), "code line")
	check(t[1].has("Text: not found"), "text line")


func test_refused_connection() -> void:
	var t := await _both_transcripts("/", closed_port, false)
	eq(t[1][-1], "TUTORIAL FAILED: could not connect to %s:%d (status %d)" % [HOST, closed_port, HTTPClient.STATUS_CANT_CONNECT], "last line")


## Runs the tutorial with HTTPClient, then with RustHTTPClient, against `path` on the scenario
## server; checks the (normalised) transcripts are equal and, when `done`, end with
## "TUTORIAL DONE". Returns [builtin transcript, rust transcript], normalised.
func _both_transcripts(path: String, p_port := -1, done := true) -> Array:
	var res := []
	for script_path in [BUILTIN_TUTORIAL, RUST_TUTORIAL]:
		var tutorial: GDScript = load(script_path)
		var out := []
		var err = await tutorial.run(HOST, port if p_port == -1 else p_port, path, false, 1, out)
		eq(err, OK if done else FAILED, "%s: run() result" % script_path)
		if done:
			eq(out[-1] if out.size() > 0 else "", "TUTORIAL DONE", "%s: last line" % script_path)
		res.append(_normalised(out))
	eq(res[1], res[0], "RustHTTPClient transcript (got) vs HTTPClient transcript (want)")
	return res


## The transcript with each run of repeated progress lines reduced to one line.
static func _normalised(out: Array) -> PackedStringArray:
	var lines: PackedStringArray = []
	for line in out:
		if line in PROGRESS_LINES and lines.size() > 0 and lines[-1] == line:
			continue
		lines.append(line)
	return lines
