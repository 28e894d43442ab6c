## RustNet's HTTP benchmark: Godot's `HTTPClient` against `RustHTTPClient`, in one Godot run.
##
## Run by `scripts/bench.sh http`, which builds everything, starts `bench-server` (rust/bench)
## and runs:
##   godot --headless --path godot_project -s bench/http_bench.gd -- --port=N [options]
##
## Options (after `--`):
##   --port=N           bench-server's port on 127.0.0.1 (required)
##   --server-pid=N     bench-server's pid: its CPU time is reported beside each row
##   --pairs=N          measured pairs per workload (default 10), after one warm-up pair
##   --only=a,b         workloads to run: download, keepalive, download1m (default: all)
##   --class=builtin|rust  run one class only (for profiling; no table)
##   --json=PATH        write the results (every run of both classes) to PATH for bench/report.py
##
## Workloads (each run on a fresh, already connected client; connecting is not timed):
##   download     GET of a 100 MB body (Content-Length), default read_chunk_size (65536)
##   keepalive    10,000 GETs of a 100-byte body, one after the other on one connection
##   download1m   the download with read_chunk_size = 1 MiB
##
## The classes alternate, built-in then RustNet, pair after pair. Every loop busy-polls, the
## way a script that wants the data now would write it: no frame is awaited while timing.
## CPU time is read from /proc/<pid>/task/*/schedstat (nanoseconds, every thread), for this
## process (the client) and for the server.
##
## The timed loops are written once, in LOOPS below, and compiled twice with the class name
## filled in, so both classes run byte-identical, statically typed GDScript (typed calls are
## what a script that says `var http := HTTPClient.new()` gets).
extends SceneTree

const Lib := preload("bench_lib.gd")

const MB := 1000 * 1000
const DOWNLOAD_BYTES := 100 * MB
const KEEPALIVE_REQUESTS := 10000
const KEEPALIVE_BODY := 100

## Each workload is one row of the results; "id" is the row's name in bench/report.py.
const WORKLOADS := {
	"download": {
		"id": "http_download_64k",
		"title": "HTTP 100 MB download, read_chunk_size 64 KiB (default)",
		"unit": "MB/s",
	},
	"keepalive": {
		"id": "http_keepalive",
		"title": "HTTP 10,000 keep-alive GETs of 100 B, one connection",
		"unit": "requests/s",
	},
	"download1m": {
		"id": "http_download_1m",
		"title": "HTTP 100 MB download, read_chunk_size 1 MiB",
		"unit": "MB/s",
	},
}
const ORDER := ["download", "keepalive", "download1m"]

## The timed loops. CLIENT_CLASS becomes HTTPClient or RustHTTPClient. Every function returns
## "" on success or what went wrong. Deadlines are only checked while waiting (nothing read).
const LOOPS := """
extends RefCounted

const TIMEOUT_USEC := 60 * 1000 * 1000


func make() -> CLIENT_CLASS:
	return CLIENT_CLASS.new()


func open(c: CLIENT_CLASS, port: int, chunk_size: int) -> String:
	if chunk_size > 0:
		c.read_chunk_size = chunk_size
	if c.read_chunk_size != (chunk_size if chunk_size > 0 else 65536):
		return "read_chunk_size is %d" % c.read_chunk_size
	var err := c.connect_to_host("127.0.0.1", port)
	if err != OK:
		return "connect_to_host() returned %d" % err
	var deadline := Time.get_ticks_usec() + TIMEOUT_USEC
	while c.get_status() == CLIENT_CLASS.STATUS_RESOLVING or c.get_status() == CLIENT_CLASS.STATUS_CONNECTING:
		c.poll()
		if Time.get_ticks_usec() > deadline:
			return "connecting timed out"
	if c.get_status() != CLIENT_CLASS.STATUS_CONNECTED:
		return "connecting ended in status %d" % c.get_status()
	return ""


## One GET of `url`, whose body must be `expect` bytes long.
func fetch(c: CLIENT_CLASS, url: String, expect: int) -> String:
	var err := c.request(CLIENT_CLASS.METHOD_GET, url, PackedStringArray())
	if err != OK:
		return "request() returned %d" % err
	var deadline := Time.get_ticks_usec() + TIMEOUT_USEC
	while c.get_status() == CLIENT_CLASS.STATUS_REQUESTING:
		c.poll()
		if Time.get_ticks_usec() > deadline:
			return "no response head in time"
	if c.get_response_code() != 200:
		return "response code %d, status %d" % [c.get_response_code(), c.get_status()]
	var got := 0
	while c.get_status() == CLIENT_CLASS.STATUS_BODY:
		var chunk := c.read_response_body_chunk()
		if chunk.is_empty():
			c.poll()
			if Time.get_ticks_usec() > deadline:
				return "body not complete in time (%d of %d bytes)" % [got, expect]
		else:
			got += chunk.size()
	if got != expect or c.get_status() != CLIENT_CLASS.STATUS_CONNECTED:
		return "got %d of %d body bytes, status %d" % [got, expect, c.get_status()]
	return ""


## `n` GETs of `url` one after the other on the open connection.
func fetch_many(c: CLIENT_CLASS, url: String, expect: int, n: int) -> String:
	for i in n:
		var why := fetch(c, url, expect)
		if why != "":
			return "request %d: %s" % [i + 1, why]
	return ""
"""

var _opts := {}
var _loops := {}  # "builtin"/"rust" -> compiled LOOPS instance
var _server_pid := 0


func _initialize() -> void:
	_run.call_deferred()


func _run() -> void:
	_opts = Lib.parse_options("http_bench")
	var port := int(_opts.get("port", "0"))
	if port <= 0:
		_fail("--port=N is required")
		return
	_server_pid = int(_opts.get("server-pid", "0"))
	var pairs := int(_opts.get("pairs", "10"))
	if pairs < 1:
		_fail("--pairs must be at least 1")
		return
	var only: PackedStringArray = ORDER.duplicate() if _opts.get("only", "") == "" else _opts["only"].split(",")
	for w in only:
		if not WORKLOADS.has(w):
			_fail("unknown workload '%s' (known: %s)" % [w, ", ".join(ORDER)])
			return
	var classes := ["builtin", "rust"]
	if _opts.has("class"):
		if not _opts["class"] in classes:
			_fail("--class must be builtin or rust")
			return
		classes = [_opts["class"]]
	for cls in ["builtin", "rust"]:
		var loops = _compile(cls)
		if loops == null:
			return
		_loops[cls] = loops

	print("http_bench: server 127.0.0.1:%d (pid %s), %d pair(s) per workload after 1 warm-up pair" % [port, str(_server_pid) if _server_pid > 0 else "unknown", pairs])
	var results := {}  # workload -> {cls -> [rep dict]}
	for w in ORDER:
		if not w in only:
			continue
		results[w] = {}
		for cls in classes:
			results[w][cls] = []
		for pair in range(-1, pairs):
			var line := "  %-10s %s:" % [w, "warm-up" if pair < 0 else "pair %d/%d" % [pair + 1, pairs]]
			for cls in classes:
				var rep := _run_once(w, cls, port)
				if rep.has("error"):
					_fail("%s with %s: %s" % [w, Lib.label(cls), rep["error"]])
					return
				if pair >= 0:
					results[w][cls].append(rep)
				line += "  %s %s %s (client CPU %.3f s, server CPU %s s)" % [Lib.label(cls), Lib.fmt(rep["value"]), WORKLOADS[w]["unit"], rep["cpu"], Lib.fmt_cpu(rep["server_cpu"])]
			print(line)

	if classes.size() < 2:
		print("http_bench: one class only, no results file")
		quit(0)
		return
	var why := Lib.write_results(_opts.get("json", "user://http_bench.json"), "http", _rows(results))
	if why != "":
		_fail(why)
		return
	quit(0)


func _compile(cls: String):
	var script := GDScript.new()
	script.source_code = LOOPS.replace("CLIENT_CLASS", "HTTPClient" if cls == "builtin" else "RustHTTPClient")
	var err := script.reload()
	if err != OK:
		_fail("the %s loops did not compile (error %d); is the addon built (scripts/build.sh)?" % [Lib.label(cls), err])
		return null
	return script.new()


## One timed run of workload `w` with class `cls` on a fresh connection.
func _run_once(w: String, cls: String, port: int) -> Dictionary:
	var loops = _loops[cls]
	var c = loops.make()
	var why: String = loops.open(c, port, 1 << 20 if w == "download1m" else 0)
	if why != "":
		return {"error": why}
	var cpu0 := Lib.cpu_by_thread(OS.get_process_id())
	var srv0 := Lib.cpu_by_thread(_server_pid) if _server_pid > 0 else {}
	var t0 := Time.get_ticks_usec()
	if w == "keepalive":
		why = loops.fetch_many(c, "/sized?n=%d" % KEEPALIVE_BODY, KEEPALIVE_BODY, KEEPALIVE_REQUESTS)
	else:
		why = loops.fetch(c, "/sized?n=%d" % DOWNLOAD_BYTES, DOWNLOAD_BYTES)
	var t1 := Time.get_ticks_usec()
	var cpu1 := Lib.cpu_by_thread(OS.get_process_id())
	var srv1 := Lib.cpu_by_thread(_server_pid) if _server_pid > 0 else {}
	c.close()
	if why != "":
		return {"error": why}
	var usec := maxi(t1 - t0, 1)
	var value: float
	if w == "keepalive":
		value = KEEPALIVE_REQUESTS * 1e6 / usec
	else:
		value = float(DOWNLOAD_BYTES) / usec  # bytes per microsecond = MB/s
	return {
		"value": value,
		"seconds": usec / 1e6,
		"cpu": Lib.cpu_delta(cpu0, cpu1),
		"server_cpu": Lib.cpu_delta(srv0, srv1) if _server_pid > 0 else -1.0,
	}


func _rows(results: Dictionary) -> Array:
	var rows := []
	for w in ORDER:
		if not results.has(w):
			continue
		var b: Array = results[w]["builtin"]
		var r: Array = results[w]["rust"]
		rows.append(Lib.row(WORKLOADS[w]["id"], WORKLOADS[w]["title"], WORKLOADS[w]["unit"], false, b, r, "value", {
			"load_what": "bench-server",
			"builtin_load": Lib.shares(b, "server_cpu"),
			"rust_load": Lib.shares(r, "server_cpu"),
			"builtin_cpu": Lib.shares(b, "cpu"),
			"rust_cpu": Lib.shares(r, "cpu"),
		}))
	return rows


func _fail(why: String) -> void:
	printerr("http_bench: ERROR: %s" % why)
	quit(1)
