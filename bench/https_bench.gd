## RustNet's HTTPS benchmark: Godot's `HTTPClient` against `RustHTTPClient`, in one Godot run.
##
## Run by `scripts/bench.sh https`, which builds everything, starts `bench-server` (rust/bench)
## and runs:
##   godot --headless --path godot_project -s bench/https_bench.gd -- --tls13-port=N --tls12-port=M --ca=PATH [options]
##
## Options (after `--`):
##   --tls13-port=N     bench-server's TLS 1.3-only port on 127.0.0.1 (required)
##   --tls12-port=N     bench-server's TLS 1.2-only port on 127.0.0.1 (required)
##   --ca=PATH          the CA that signed the server's certificate (rust/core/tests/data/ca.crt)
##   --host=NAME        host given to connect_to_host (default 127.0.0.1, which the certificate
##                      covers as an IP address; `localhost` adds a name look-up to every connect)
##   --server-pid=N     bench-server's pid: its CPU time is reported beside each row
##   --pairs=N          measured pairs per workload (default 10), after one warm-up pair
##   --connections=N    new connections per first-byte run (default 10; the run's value is their median)
##   --only=a,b         workloads to run: download13, download12, ttfb12, ttfb13 (default: all)
##   --class=builtin|rust  run one class only (for profiling; no table)
##   --json=PATH        write the results (every run of both classes) to PATH for bench/report.py
##
## Workloads; every client gets TLSOptions.client(ca):
##   download13   GET of a 100 MB body over TLS 1.3, default read_chunk_size (65536), on a fresh
##                client whose connection and handshake are made before the clock starts
##   download12   the same over TLS 1.2
##   ttfb12       time to first byte of a new connection over TLS 1.2: from connect_to_host() to
##                the first non-empty read_response_body_chunk() of a GET of 100 bytes (DNS-free
##                connect, TCP handshake, TLS handshake, request, response head, first body byte)
##   ttfb13       the same over TLS 1.3
##
## The classes alternate, built-in then RustNet, pair after pair. Every loop busy-polls, the
## way a script that wants the data now would write it: no frame is awaited while timing.
## CPU time is read from /proc/<pid>/task/*/schedstat (nanoseconds, every thread), for this
## process (the client) and for the server.
##
## The timed loops are written once, in LOOPS below, and compiled twice with the class name
## filled in, so both classes run byte-identical, statically typed GDScript.
extends SceneTree

const Lib := preload("bench_lib.gd")

const MB := 1000 * 1000
const DOWNLOAD_BYTES := 100 * MB
const SMALL_BODY := 100

## Each workload is one row of the results; "id" is the row's name in bench/report.py.
const WORKLOADS := {
	"download13": {
		"id": "https_download_tls13",
		"title": "HTTPS 100 MB download over TLS 1.3",
		"unit": "MB/s",
		"tls": 13,
	},
	"download12": {
		"id": "https_download_tls12",
		"title": "HTTPS 100 MB download over TLS 1.2",
		"unit": "MB/s",
		"tls": 12,
	},
	"ttfb12": {
		"id": "tls12_first_byte",
		"title": "HTTPS new connection to first body byte, TLS 1.2",
		"unit": "ms",
		"tls": 12,
	},
	"ttfb13": {
		"id": "tls13_first_byte",
		"title": "HTTPS new connection to first body byte, TLS 1.3",
		"unit": "ms",
		"tls": 13,
	},
}
const ORDER := ["download13", "download12", "ttfb12", "ttfb13"]

## The timed loops. CLIENT_CLASS becomes HTTPClient or RustHTTPClient. Every function returns
## "" on success or what went wrong. Deadlines are only checked while waiting (nothing read).
const LOOPS := """
extends RefCounted

const TIMEOUT_USEC := 60 * 1000 * 1000


func make() -> CLIENT_CLASS:
	return CLIENT_CLASS.new()


## connect_to_host() and busy polling until connected (TCP and TLS handshakes).
func open(c: CLIENT_CLASS, host: String, port: int, tls: TLSOptions) -> String:
	var err := c.connect_to_host(host, port, tls)
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


## A new connection and a GET of `url` (a body of `expect` bytes): microseconds from
## connect_to_host() to the first body byte, in {"usec": N}, or {"error": why}. The rest of the
## body is read and checked after the clock stops.
func first_byte(c: CLIENT_CLASS, host: String, port: int, tls: TLSOptions, url: String, expect: int) -> Dictionary:
	var t0 := Time.get_ticks_usec()
	var why := open(c, host, port, tls)
	if why != "":
		return {"error": why}
	var err := c.request(CLIENT_CLASS.METHOD_GET, url, PackedStringArray())
	if err != OK:
		return {"error": "request() returned %d" % err}
	var deadline := Time.get_ticks_usec() + TIMEOUT_USEC
	while c.get_status() == CLIENT_CLASS.STATUS_REQUESTING:
		c.poll()
		if Time.get_ticks_usec() > deadline:
			return {"error": "no response head in time"}
	if c.get_response_code() != 200:
		return {"error": "response code %d, status %d" % [c.get_response_code(), c.get_status()]}
	var got := 0
	var t1 := 0
	while c.get_status() == CLIENT_CLASS.STATUS_BODY:
		var chunk := c.read_response_body_chunk()
		if chunk.is_empty():
			c.poll()
			if Time.get_ticks_usec() > deadline:
				return {"error": "body not complete in time (%d of %d bytes)" % [got, expect]}
		else:
			if got == 0:
				t1 = Time.get_ticks_usec()
			got += chunk.size()
	if got != expect or c.get_status() != CLIENT_CLASS.STATUS_CONNECTED:
		return {"error": "got %d of %d body bytes, status %d" % [got, expect, c.get_status()]}
	return {"usec": t1 - t0}
"""

var _opts := {}
var _loops := {}  # "builtin"/"rust" -> compiled LOOPS instance
var _server_pid := 0
var _host := "127.0.0.1"
var _ports := {}  # 12/13 -> port
var _tls: TLSOptions
var _connections := 10


func _initialize() -> void:
	# Start on the first frame, not in _initialize(): Godot sets up parts of its TLS state late.
	_run.call_deferred()


func _run() -> void:
	_opts = Lib.parse_options("https_bench")
	_ports[13] = int(_opts.get("tls13-port", "0"))
	_ports[12] = int(_opts.get("tls12-port", "0"))
	if _ports[13] <= 0 or _ports[12] <= 0:
		_fail("--tls13-port=N and --tls12-port=N are required")
		return
	var ca_path: String = _opts.get("ca", "")
	var ca := X509Certificate.new()
	if ca_path == "" or ca.load(ca_path) != OK:
		_fail("--ca=PATH must name a PEM certificate (got '%s')" % ca_path)
		return
	_tls = TLSOptions.client(ca)
	_host = _opts.get("host", "127.0.0.1")
	_server_pid = int(_opts.get("server-pid", "0"))
	_connections = int(_opts.get("connections", "10"))
	var pairs := int(_opts.get("pairs", "10"))
	if pairs < 1 or _connections < 1:
		_fail("--pairs and --connections must be at least 1")
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

	print("https_bench: server %s, TLS 1.3 port %d, TLS 1.2 port %d (pid %s), %d pair(s) per workload after 1 warm-up pair, %d connections per first-byte run" % [_host, _ports[13], _ports[12], str(_server_pid) if _server_pid > 0 else "unknown", pairs, _connections])
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
				var rep := _run_once(w, cls)
				if rep.has("error"):
					_fail("%s with %s: %s" % [w, Lib.label(cls), rep["error"]])
					return
				if pair >= 0:
					results[w][cls].append(rep)
				line += "  %s %s %s (client CPU %s, server CPU %s)" % [Lib.label(cls), Lib.fmt(rep["value"]), WORKLOADS[w]["unit"], _fmt_cpu_of(w, rep["cpu"]), _fmt_cpu_of(w, rep["server_cpu"])]
			print(line)

	if classes.size() < 2:
		print("https_bench: one class only, no results file")
		quit(0)
		return
	var why := Lib.write_results(_opts.get("json", "user://https_bench.json"), "https", _rows(results))
	if why != "":
		_fail(why)
		return
	quit(0)


## One timed run of workload `w` with class `cls`.
func _run_once(w: String, cls: String) -> Dictionary:
	var loops = _loops[cls]
	var port: int = _ports[WORKLOADS[w]["tls"]]
	var is_ttfb := w.begins_with("ttfb")
	var c = null
	var why := ""
	if not is_ttfb:
		c = loops.make()
		why = loops.open(c, _host, port, _tls)
		if why != "":
			return {"error": why}
	var cpu0 := Lib.cpu_by_thread(OS.get_process_id())
	var srv0 := Lib.cpu_by_thread(_server_pid) if _server_pid > 0 else {}
	var t0 := Time.get_ticks_usec()
	var samples := []
	if is_ttfb:
		for i in _connections:
			c = loops.make()
			var r: Dictionary = loops.first_byte(c, _host, port, _tls, "/sized?n=%d" % SMALL_BODY, SMALL_BODY)
			c.close()
			if r.has("error"):
				why = "connection %d: %s" % [i + 1, r["error"]]
				break
			samples.append(r["usec"] / 1000.0)
	else:
		why = loops.fetch(c, "/sized?n=%d" % DOWNLOAD_BYTES, DOWNLOAD_BYTES)
	var t1 := Time.get_ticks_usec()
	var cpu1 := Lib.cpu_by_thread(OS.get_process_id())
	var srv1 := Lib.cpu_by_thread(_server_pid) if _server_pid > 0 else {}
	if not is_ttfb:
		c.close()
	if why != "":
		return {"error": why}
	var usec := maxi(t1 - t0, 1)
	var cpu := Lib.cpu_delta(cpu0, cpu1)
	var server_cpu := Lib.cpu_delta(srv0, srv1) if _server_pid > 0 else -1.0
	if is_ttfb:
		# Per connection, in ms.
		return {
			"value": Lib.median(samples),
			"wall": usec / 1000.0 / _connections,
			"cpu": cpu * 1000.0 / _connections,
			"server_cpu": server_cpu * 1000.0 / _connections if server_cpu >= 0 else -1.0,
		}
	return {
		"value": float(DOWNLOAD_BYTES) / usec,  # bytes per microsecond = MB/s
		"wall": usec / 1e6,
		"cpu": cpu,
		"server_cpu": server_cpu,
	}


func _rows(results: Dictionary) -> Array:
	var rows := []
	for w in ORDER:
		if not results.has(w):
			continue
		var b: Array = results[w]["builtin"]
		var r: Array = results[w]["rust"]
		var ttfb: bool = w.begins_with("ttfb")
		var title: String = WORKLOADS[w]["title"] + (" (median of %d connections per run)" % _connections if ttfb else "")
		rows.append(Lib.row(WORKLOADS[w]["id"], title, WORKLOADS[w]["unit"], ttfb, b, r, "value", {
			"load_what": "bench-server",
			"builtin_load": Lib.shares(b, "server_cpu", "wall"),
			"rust_load": Lib.shares(r, "server_cpu", "wall"),
			"builtin_cpu": Lib.shares(b, "cpu", "wall"),
			"rust_cpu": Lib.shares(r, "cpu", "wall"),
		}))
	return rows


func _fmt_cpu_of(w: String, x: float) -> String:
	return "%s %s" % [Lib.fmt_cpu(x), "ms/conn" if w.begins_with("ttfb") else "s"]


func _compile(cls: String):
	var script := GDScript.new()
	script.source_code = LOOPS.replace("CLIENT_CLASS", "HTTPClient" if cls == "builtin" else "RustHTTPClient")
	var err := script.reload()
	if err != OK:
		_fail("the %s loops did not compile (error %d); is the addon built (scripts/build.sh)?" % [Lib.label(cls), err])
		return null
	return script.new()


func _fail(why: String) -> void:
	printerr("https_bench: ERROR: %s" % why)
	quit(1)
