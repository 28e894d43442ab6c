## RustNet's WebSocket benchmark: Godot's `TCPServer` + `WebSocketPeer` against `RustTCPServer` +
## `RustWebSocketPeer`, both ends in one headless Godot process, over 127.0.0.1.
##
## Run by `scripts/bench.sh ws`, which builds the addon and runs:
##   godot --headless --path godot_project -s bench/ws_bench.gd -- [options]
##
## Options (after `--`):
##   --pairs=N          measured pairs per workload (default 10), after one warm-up pair
##   --only=a,b         workloads to run: roundtrip, small, large, clients, echo, connect, rss
##                      (default: roundtrip, small, large, clients)
##   --class=builtin|rust  run one class only (for profiling, and for `rss`)
##   --clients=N        connected clients in the `clients` and `rss` workloads (default 1000)
##   --native=PATH      bench-native (rust/bench), the load generator of `echo` and `connect`
##   --run-dir=PATH     where the load generator writes its results (default: user://)
##   --inbound=N, --outbound=N, --queued=N
##                      inbound_buffer_size, outbound_buffer_size, max_queued_packets of both
##                      ends in `small` and `large` instead of those in CONFIG below
##   --json=PATH        write the results (every run of both classes) to PATH for bench/report.py
##
## Workloads. Both ends of every connection are the same family, built-in (`TCPServer`,
## `WebSocketPeer` on both sides) or RustNet (`RustTCPServer`, `RustWebSocketPeer` on both sides);
## in every workload the client side generates the load and the server side (the peer made by
## accept_stream() on a connection from the family's TCP server) receives or echoes it, for both
## families. Connections are made before the clock starts:
##   roundtrip  20,000 round trips of one 64-byte binary message: the client sends, the server
##              echoes, the client waits for the echo, repeat (one message in flight)
##   small      100,000 pipelined 1 KiB binary messages, client -> server; the server counts them
##   large      200 binary messages of 1 MiB, client -> server; the server counts them
##   clients    1,000 clients on one server: every client keeps one 64-byte message in flight
##              (sends the next when its echo arrives) until each has had 20 echoes; then, with
##              everything quiet, 200 timed passes of poll() over the 1,000 server-side peers
##   echo       the family's server as an echo server (accept, poll every peer, send every
##              message back) for `bench-native ws-echo-load`: 100 clients, each keeping 16
##              64-byte messages in flight for 3 s after a 3 s warm-up; the rate is the load
##              generator's count of echoes per second, its CPU is reported beside it
##   connect    `bench-native ws-connect-burst`: 1,000 clients connect and upgrade at once while
##              the server accepts and polls; the load generator reports how many got their 101
##              within 20 s and when the last one did
##   rss        (one class, fresh process) resident memory (VmRSS) per idle open peer: 1,000
##              clients and their server-side peers of the family, after 8 warm-up connections;
##              (RSS after - RSS before) / 2,000
##
## The classes alternate, built-in then RustNet, pair after pair. Every loop busy-polls both ends
## (no frame is awaited while timing). A run fails (and the benchmark with it) when a message is
## lost, corrupted or late by more than 60 s, or a connection closes.
##
## The timed loops are written once, in LOOPS below, and compiled twice with the class names
## filled in, so both families run byte-identical, statically typed GDScript.
extends SceneTree

const Lib := preload("bench_lib.gd")

const KIB := 1024
const MIB := 1024 * 1024

const ROUNDTRIPS := 20000
const SMALL_COUNT := 100000
const SMALL_SIZE := KIB
const LARGE_COUNT := 200
const LARGE_SIZE := MIB
const ECHO_SIZE := 64
const ECHOES_PER_CLIENT := 20
const IDLE_PASSES := 200

## Buffer settings per workload, the same on both ends. Godot's defaults are 65535 / 65535 /
## 4096. The senders may queue 1 MiB (`small`) or 1 MiB + 64 KiB (`large`: one whole message and
## its header). The receivers' inbound_buffer_size (and so the bytes of received messages they
## may hold: its next power of two) and max_queued_packets are the same on both ends.
const DEFAULTS := {"inbound": 65535, "outbound": 65535, "queued": 4096}
const CONFIG := {
	"roundtrip": DEFAULTS,
	"small": {"inbound": MIB, "outbound": MIB, "queued": 4096},
	"large": {"inbound": 4 * MIB + 64 * KIB, "outbound": MIB + 64 * KIB, "queued": 4096},
	"clients": DEFAULTS,
	"echo": DEFAULTS,
	"connect": DEFAULTS,
	"rss": DEFAULTS,
}

## The load generator's settings (bench-native, rust/bench) in `echo` and `connect`.
const ECHO_CLIENTS := 100
const ECHO_WINDOW := 16
const ECHO_SECONDS := 3
const BURST_CLIENTS := 1000
const BURST_TIMEOUT := 20

## The results' rows: [workload, key in a run's result, row id (bench/report.py), title, unit,
## lower is better].
const ROWS := [
	["roundtrip", "rate", "ws_roundtrip", "WS round trips, one 64 B message in flight", "round trips/s", false],
	["small", "rate", "ws_pipelined_1k", "WS 100,000 pipelined 1 KiB messages, client → server", "messages/s", false],
	["small", "mbps", "ws_pipelined_1k_mbps", "WS 100,000 pipelined 1 KiB messages, client → server", "MB/s", false],
	["large", "mbps", "ws_1mib", "WS 200 messages of 1 MiB, client → server", "MB/s", false],
	["clients", "rate", "ws_clients_echo", "WS {clients} clients in this process, server echoes, one 64 B message in flight per client", "messages/s", false],
	["clients", "idle", "ws_idle_poll", "WS idle `poll()` pass over {clients} open server-side peers (median of 200 passes)", "µs per pass", true],
	["clients", "floor", "ws_idle_floor", "the same pass calling `get_ready_state()` instead (loop and call overhead)", "µs per pass", true],
	["clients", "loop", "ws_idle_loop", "the same pass with an empty loop body (GDScript's loop over the typed array alone)", "µs per pass", true],
	["echo", "per_core", "ws_echo_server", "WS echo server, saturated by 100 clients (bench-native, 16 × 64 B in flight each)", "messages/s per core", false],
	["connect", "open", "ws_connect_open", "WS 1,000 clients connecting at once (bench-native): open within 20 s", "clients", false],
	["connect", "seconds", "ws_connect_seconds", "WS 1,000 clients connecting at once: first connect to last 101 (or the 20 s limit)", "s", true],
	["rss", "kib", "ws_rss_per_peer", "WS resident memory per idle open peer (1,000 clients + their 1,000 server-side peers, fresh process per run)", "KiB per peer", true],
]
## The workloads run by default, in order; `echo` and `connect` need --native, `rss` runs alone
## with --class (bench.sh starts a fresh Godot process per rss run: memory freed by an earlier
## run stays with the allocator and would hide the next one's growth).
const ORDER := ["roundtrip", "small", "large", "clients", "echo", "connect"]
const DEFAULT_ONLY := ["roundtrip", "small", "large", "clients"]

## The timed loops. SERVER_CLASS becomes TCPServer or RustTCPServer, PEER_CLASS WebSocketPeer or
## RustWebSocketPeer. Every function returns "" on success or what went wrong.
const LOOPS := """
extends RefCounted

const TIMEOUT_USEC := 60 * 1000 * 1000
## Clients connecting at once: Godot's TCPServer listens with a backlog of 8.
const BATCH := 8

## ERR_OUT_OF_MEMORY answers to send() in the last pipeline() (retried after a poll).
var oom_retries := 0


func make_server() -> SERVER_CLASS:
	return SERVER_CLASS.new()


func make_peer(cfg: Dictionary) -> PEER_CLASS:
	var p := PEER_CLASS.new()
	p.inbound_buffer_size = cfg["inbound"]
	p.outbound_buffer_size = cfg["outbound"]
	p.max_queued_packets = cfg["queued"]
	return p


## Connects `n` clients to `server` (listening on 127.0.0.1:`port`), BATCH at a time, and appends
## them and their server-side peers (not in the same order) to `clients` and `peers`.
func open(server: SERVER_CLASS, port: int, n: int, cfg: Dictionary, clients: Array[PEER_CLASS], peers: Array[PEER_CLASS]) -> String:
	var url := "ws://127.0.0.1:%d/" % port
	var deadline := Time.get_ticks_usec() + TIMEOUT_USEC
	while clients.size() < n:
		var batch := mini(BATCH, n - clients.size())
		var new_clients: Array[PEER_CLASS] = []
		var new_peers: Array[PEER_CLASS] = []
		for i in batch:
			var c := make_peer(cfg)
			var err := c.connect_to_url(url)
			if err != OK:
				return "connect_to_url() returned %d (client %d)" % [err, clients.size() + i]
			new_clients.append(c)
		while true:
			var why := accept_all(server, cfg, new_peers)
			if why != "":
				return why
			var ready := 0
			for c: PEER_CLASS in new_clients:
				c.poll()
				var s := c.get_ready_state()
				if s == PEER_CLASS.STATE_OPEN:
					ready += 1
				elif s != PEER_CLASS.STATE_CONNECTING:
					return "a client ended its handshake in state %d (close code %d)" % [s, c.get_close_code()]
			for p: PEER_CLASS in new_peers:
				p.poll()
				var s := p.get_ready_state()
				if s == PEER_CLASS.STATE_OPEN:
					ready += 1
				elif s != PEER_CLASS.STATE_CONNECTING:
					return "a server peer ended its handshake in state %d (close code %d)" % [s, p.get_close_code()]
			if ready == 2 * batch:
				break
			if Time.get_ticks_usec() > deadline:
				return "connecting client %d timed out (%d of %d ends open)" % [clients.size(), ready, 2 * batch]
		clients.append_array(new_clients)
		peers.append_array(new_peers)
	return ""


func close_all(peers: Array[PEER_CLASS]) -> void:
	for p: PEER_CLASS in peers:
		p.close(-1)
	peers.clear()


func check_open(what: String, p: PEER_CLASS) -> String:
	var s := p.get_ready_state()
	if s != PEER_CLASS.STATE_OPEN:
		return "%s is in state %d (close code %d)" % [what, s, p.get_close_code()]
	return ""


## `n` round trips of `msg`: the client sends, the server echoes, the client waits for the echo.
func round_trips(c: PEER_CLASS, p: PEER_CLASS, n: int, msg: PackedByteArray) -> String:
	var deadline := Time.get_ticks_usec() + TIMEOUT_USEC
	for i in n:
		var err := c.send(msg)
		if err != OK:
			return "round trip %d: client send() returned %d" % [i, err]
		while p.get_available_packet_count() == 0:
			p.poll()
			if Time.get_ticks_usec() > deadline:
				return "round trip %d: the server got nothing in time; %s" % [i, check_open("the server peer", p)]
		var m := p.get_packet()
		err = p.send(m)
		if err != OK:
			return "round trip %d: server send() returned %d" % [i, err]
		while c.get_available_packet_count() == 0:
			c.poll()
			if Time.get_ticks_usec() > deadline:
				return "round trip %d: no echo in time; %s" % [i, check_open("the client", c)]
		var back := c.get_packet()
		if back != msg:
			return "round trip %d: the echo differs (%d bytes, sent %d)" % [i, back.size(), msg.size()]
	return ""


## `n` copies of `msg` from `c` to `p`, as fast as `c` may queue them: at most `limit` bytes
## queued (get_current_outbound_buffered_amount()), and an ERR_OUT_OF_MEMORY is retried after a
## poll. The server takes every message and counts messages and bytes.
func pipeline(c: PEER_CLASS, p: PEER_CLASS, n: int, msg: PackedByteArray, limit: int) -> String:
	var size := msg.size()
	var sent := 0
	var got := 0
	var bytes := 0
	oom_retries = 0
	var deadline := Time.get_ticks_usec() + TIMEOUT_USEC
	while got < n:
		while sent < n and c.get_current_outbound_buffered_amount() + size <= limit:
			var err := c.send(msg)
			if err == ERR_OUT_OF_MEMORY:
				oom_retries += 1
				break
			if err != OK:
				return "send() returned %d after %d messages" % [err, sent]
			sent += 1
		c.poll()
		p.poll()
		var k := p.get_available_packet_count()
		while k > 0:
			for j in k:
				bytes += p.get_packet().size()
			got += k
			k = p.get_available_packet_count()
		if Time.get_ticks_usec() > deadline:
			return "%d of %d messages received in time (%d sent, %d bytes still queued by the sender); %s %s" % [got, n, sent, c.get_current_outbound_buffered_amount(), check_open("the client", c), check_open("the server peer", p)]
	if got != n or bytes != n * size:
		return "received %d messages, %d bytes; sent %d messages of %d bytes" % [got, bytes, n, size]
	var why := check_open("the client", c) + check_open("the server peer", p)
	return why


## Every client keeps one `msg` in flight, the server peers echo, until each client has had
## `per_client` echoes.
func echo_all(clients: Array[PEER_CLASS], peers: Array[PEER_CLASS], per_client: int, msg: PackedByteArray) -> String:
	var n := clients.size()
	var left := PackedInt32Array()
	left.resize(n)
	for i in n:
		if clients[i].send(msg) != OK:
			return "client %d: send() failed" % i
		left[i] = per_client - 1
	var want := n * per_client
	var got := 0
	var deadline := Time.get_ticks_usec() + TIMEOUT_USEC
	while got < want:
		for p: PEER_CLASS in peers:
			p.poll()
			while p.get_available_packet_count() > 0:
				var err := p.send(p.get_packet())
				if err != OK:
					return "a server peer's send() returned %d" % err
		for i in n:
			var c := clients[i]
			c.poll()
			while c.get_available_packet_count() > 0:
				var back := c.get_packet()
				if back.size() != msg.size():
					return "client %d: an echo of %d bytes, sent %d" % [i, back.size(), msg.size()]
				got += 1
				if left[i] > 0:
					left[i] -= 1
					var err := c.send(msg)
					if err != OK:
						return "client %d: send() returned %d" % [i, err]
		if Time.get_ticks_usec() > deadline:
			return "%d of %d echoes in time" % [got, want]
	for p: PEER_CLASS in peers:
		var why := check_open("a server peer", p)
		if why != "":
			return why
	return ""


## Microseconds of each of `passes` passes of poll() over `peers`.
func idle_passes(peers: Array[PEER_CLASS], passes: int) -> Array:
	var usec := []
	for k in passes:
		var t0 := Time.get_ticks_usec()
		for p: PEER_CLASS in peers:
			p.poll()
		usec.append(Time.get_ticks_usec() - t0)
	return usec


## The same passes with an empty body: what GDScript's loop over the typed array costs.
func loop_passes(peers: Array[PEER_CLASS], passes: int) -> Array:
	var usec := []
	for k in passes:
		var t0 := Time.get_ticks_usec()
		for p: PEER_CLASS in peers:
			pass
		usec.append(Time.get_ticks_usec() - t0)
	return usec


## The same passes calling get_ready_state() instead: what the loop and one call cost.
func state_passes(peers: Array[PEER_CLASS], passes: int) -> Array:
	var usec := []
	for k in passes:
		var t0 := Time.get_ticks_usec()
		for p: PEER_CLASS in peers:
			p.get_ready_state()
		usec.append(Time.get_ticks_usec() - t0)
	return usec


## Takes every connection `server` has, as a peer configured with `cfg`, into `peers`.
func accept_all(server: SERVER_CLASS, cfg: Dictionary, peers: Array[PEER_CLASS]) -> String:
	while server.is_connection_available():
		var p := make_peer(cfg)
		var err := p.accept_stream(server.take_connection())
		if err != OK:
			return "accept_stream() returned %d" % err
		peers.append(p)
	return ""


## Serves bench-native's load generator in process `pid`: takes every connection the server
## has and polls every peer; with `echo`, sends every message back (ws-echo-load) until the
## process ends; without, until it has written its results to `done_path` (ws-connect-burst).
## One loop for both, so the per-peer work is exactly what each row measures.
func serve(server: SERVER_CLASS, pid: int, done_path: String, echo: bool, cfg: Dictionary, peers: Array[PEER_CLASS]) -> String:
	var limit_usec := (5 if echo else 2) * TIMEOUT_USEC
	var deadline := Time.get_ticks_usec() + limit_usec
	var check_at := 0
	var echoed := 0
	while true:
		var why := accept_all(server, cfg, peers)
		if why != "":
			return why
		for p: PEER_CLASS in peers:
			p.poll()
			if not echo:
				continue
			var k := p.get_available_packet_count()
			for j in k:
				var err := p.send(p.get_packet(), PEER_CLASS.WRITE_MODE_BINARY)
				if err != OK and p.get_ready_state() == PEER_CLASS.STATE_OPEN:
					return "a server peer's send() returned %d" % err
			echoed += k
		# A syscall per check: every 2 ms is often enough to notice the end.
		var now := Time.get_ticks_usec()
		if now >= check_at:
			check_at = now + 2000
			if not echo and FileAccess.file_exists(done_path):
				return ""
			if not OS.is_process_running(pid):
				if echo:
					return "" if echoed > 0 else "the load generator ended before any message"
				return "" if FileAccess.file_exists(done_path) else "the load generator ended without results"
			if now > deadline:
				return "the load generator did not finish in %d s" % (limit_usec / 1000000)
	return ""


## Polls every peer `passes` times (they are idle: what's left is reaching the idle state).
func settle(peers: Array[PEER_CLASS], passes: int) -> void:
	for k in passes:
		for p: PEER_CLASS in peers:
			p.poll()


func any_packet(peers: Array[PEER_CLASS]) -> bool:
	for p: PEER_CLASS in peers:
		if p.get_available_packet_count() > 0:
			return true
	return false
"""

var _opts := {}
var _loops := {}  # "builtin"/"rust" -> compiled LOOPS instance
var _servers := {}  # "builtin"/"rust" -> listening server
var _ports := {}
var _clients := 1000


func _initialize() -> void:
	_run.call_deferred()


func _run() -> void:
	_opts = Lib.parse_options("ws_bench")
	var pairs := int(_opts.get("pairs", "10"))
	if pairs < 1:
		_fail("--pairs must be at least 1")
		return
	_clients = int(_opts.get("clients", "1000"))
	if _clients < 1:
		_fail("--clients must be at least 1")
		return
	var only: PackedStringArray = PackedStringArray(DEFAULT_ONLY) if _opts.get("only", "") == "" else _opts["only"].split(",")
	for w in only:
		if not (w in ORDER or w == "rss"):
			_fail("unknown workload '%s' (known: %s, rss)" % [w, ", ".join(ORDER)])
			return
	if ("echo" in only or "connect" in only) and _opts.get("native", "") == "":
		_fail("echo and connect need --native=PATH (bench-native)")
		return
	var classes := ["builtin", "rust"]
	if _opts.has("class"):
		if not _opts["class"] in classes:
			_fail("--class must be builtin or rust")
			return
		classes = [_opts["class"]]
	if "rss" in only and (only.size() > 1 or classes.size() > 1):
		_fail("rss runs alone, with --class (one fresh process per run)")
		return
	for cls in classes:
		var loops = _compile(cls)
		if loops == null:
			return
		_loops[cls] = loops
		var server = loops.make_server()
		var err: int = server.listen(0, "127.0.0.1")
		if err != OK or server.get_local_port() <= 0:
			_fail("%s server: listen() returned %d" % [Lib.label(cls), err])
			return
		_servers[cls] = server
		_ports[cls] = server.get_local_port()

	if "rss" in only:
		_rss(classes[0])
		return

	print("ws_bench: built-in on 127.0.0.1:%s, RustNet on 127.0.0.1:%s; %d pair(s) per workload after 1 warm-up pair" % [_ports.get("builtin", "-"), _ports.get("rust", "-"), pairs])
	var results := {}  # workload -> {cls -> [run dict]}
	for w in ORDER:
		if not w in only:
			continue
		results[w] = {}
		for cls in classes:
			results[w][cls] = []
		for pair in range(-1, pairs):
			var line := "  %-9s %s:" % [w, "warm-up" if pair < 0 else "pair %d/%d" % [pair + 1, pairs]]
			for cls in classes:
				var run := _run_once(w, cls)
				if run.has("error"):
					_fail("%s with %s: %s" % [w, Lib.label(cls), run["error"]])
					return
				if pair >= 0:
					results[w][cls].append(run)
				line += "  %s %s" % [Lib.label(cls), _describe(w, run)]
			print(line)

	if classes.size() < 2:
		print("ws_bench: one class only, no results file")
		quit(0)
		return
	var why := Lib.write_results(_opts.get("json", "user://ws_bench.json"), "ws", _rows(results))
	if why != "":
		_fail(why)
		return
	quit(0)


func _compile(cls: String):
	var script := GDScript.new()
	var source := LOOPS.replace("SERVER_CLASS", "TCPServer" if cls == "builtin" else "RustTCPServer")
	script.source_code = source.replace("PEER_CLASS", "WebSocketPeer" if cls == "builtin" else "RustWebSocketPeer")
	var err := script.reload()
	if err != OK:
		_fail("the %s loops did not compile (error %d); is the addon built (scripts/build.sh)?" % [Lib.label(cls), err])
		return null
	return script.new()


func _payload(size: int) -> PackedByteArray:
	var b := PackedByteArray()
	b.resize(size)
	for i in size:
		b[i] = (i * 31 + 7) & 0xff
	return b


## Typed arrays of the family's peer class, as LOOPS declares them.
func _peer_array(cls: String) -> Array:
	return Array([], TYPE_OBJECT, "WebSocketPeer" if cls == "builtin" else "RustWebSocketPeer", null)


## One run of workload `w` with family `cls` on fresh connections.
func _run_once(w: String, cls: String) -> Dictionary:
	if w == "echo" or w == "connect":
		return _run_with_load_generator(w, cls)
	var loops = _loops[cls]
	var cfg: Dictionary = CONFIG[w].duplicate()
	if w == "small" or w == "large":
		for key in ["inbound", "outbound", "queued"]:
			if _opts.has(key):
				cfg[key] = int(_opts[key])
	var n := _clients if w == "clients" else 1
	var clients := _peer_array(cls)
	var peers := _peer_array(cls)
	var why: String = loops.open(_servers[cls], _ports[cls], n, cfg, clients, peers)
	if why != "":
		loops.close_all(clients)
		loops.close_all(peers)
		return {"error": "connecting: " + why}
	var run := {}
	var cpu0 := Lib.cpu_by_thread(OS.get_process_id())
	var t0 := Time.get_ticks_usec()
	match w:
		"roundtrip":
			why = loops.round_trips(clients[0], peers[0], ROUNDTRIPS, _payload(ECHO_SIZE))
		"small":
			why = loops.pipeline(clients[0], peers[0], SMALL_COUNT, _payload(SMALL_SIZE), cfg["outbound"])
		"large":
			why = loops.pipeline(clients[0], peers[0], LARGE_COUNT, _payload(LARGE_SIZE), cfg["outbound"])
		"clients":
			why = loops.echo_all(clients, peers, ECHOES_PER_CLIENT, _payload(ECHO_SIZE))
	var t1 := Time.get_ticks_usec()
	var cpu1 := Lib.cpu_by_thread(OS.get_process_id())
	if why == "" and w == "clients":
		if loops.any_packet(peers) or loops.any_packet(clients):
			why = "a message arrived after the last echo"
		else:
			run["idle"] = Lib.median(loops.idle_passes(peers, IDLE_PASSES))
			run["floor"] = Lib.median(loops.state_passes(peers, IDLE_PASSES))
			run["loop"] = Lib.median(loops.loop_passes(peers, IDLE_PASSES))
	if w == "small" or w == "large":
		run["oom"] = loops.oom_retries
	loops.close_all(clients)
	loops.close_all(peers)
	if why != "":
		return {"error": why}
	var usec := maxi(t1 - t0, 1)
	run["seconds"] = usec / 1e6
	run["cpu"] = Lib.cpu_delta(cpu0, cpu1)
	match w:
		"roundtrip":
			run["rate"] = ROUNDTRIPS * 1e6 / usec
		"small":
			run["rate"] = SMALL_COUNT * 1e6 / usec
			run["mbps"] = float(SMALL_COUNT) * SMALL_SIZE / usec  # bytes per µs = MB/s
		"large":
			run["mbps"] = float(LARGE_COUNT) * LARGE_SIZE / usec
		"clients":
			run["rate"] = n * ECHOES_PER_CLIENT * 1e6 / usec
	return run


## `echo` and `connect`: the family's server serves while bench-native generates the load from
## its own process; the load generator's results file gives the numbers.
func _run_with_load_generator(w: String, cls: String) -> Dictionary:
	var loops = _loops[cls]
	var run_dir: String = _opts.get("run-dir", OS.get_user_data_dir())
	var done := "%s/%s-%s-%d.json" % [run_dir, w, cls, Time.get_ticks_usec()]
	var args := PackedStringArray()
	if w == "echo":
		args = ["ws-echo-load", "--port=%d" % _ports[cls], "--clients=%d" % ECHO_CLIENTS, "--size=%d" % ECHO_SIZE, "--window=%d" % ECHO_WINDOW, "--seconds=%d" % ECHO_SECONDS, "--runs=1", "--out=" + done]
	else:
		args = ["ws-connect-burst", "--port=%d" % _ports[cls], "--clients=%d" % BURST_CLIENTS, "--timeout=%d" % BURST_TIMEOUT, "--out=" + done]
	var peers := _peer_array(cls)
	var cpu0 := Lib.cpu_by_thread(OS.get_process_id())
	var t0 := Time.get_ticks_usec()
	var pid := OS.create_process(_opts["native"], args)
	if pid <= 0:
		return {"error": "can't start %s" % _opts["native"]}
	var why: String = loops.serve(_servers[cls], pid, done, w == "echo", CONFIG[w], peers)
	var t1 := Time.get_ticks_usec()
	var cpu1 := Lib.cpu_by_thread(OS.get_process_id())
	# The burst's clients close when the load generator ends; poll until it has.
	var wait_until := Time.get_ticks_usec() + 60 * 1000 * 1000
	while OS.is_process_running(pid) and Time.get_ticks_usec() < wait_until:
		loops.settle(peers, 1)
	if OS.is_process_running(pid):
		OS.kill(pid)
	loops.close_all(peers)
	if why != "":
		return {"error": why}
	var text := FileAccess.get_file_as_string(done)
	var parsed = JSON.parse_string(text)
	DirAccess.remove_absolute(done)
	if not parsed is Dictionary or not parsed.get("runs") is Array or parsed["runs"].is_empty():
		return {"error": "the load generator's results are unreadable: '%s'" % text.strip_edges()}
	var lg: Dictionary = parsed["runs"][-1]
	var run := {
		"seconds": (t1 - t0) / 1e6,
		"cpu": Lib.cpu_delta(cpu0, cpu1),
		"load": lg.get("cpu_s", -1.0) / lg["wall_s"] if lg.get("wall_s", 0.0) > 0 else -1.0,
	}
	if w == "echo":
		# Per core of this process: the echo loop's share of a CPU, not the machine's two.
		run["rate"] = float(lg["rate"])
		run["per_core"] = run["rate"] / maxf(run["cpu"] / run["seconds"], 0.01)
	else:
		run["open"] = float(lg["open"])
		run["seconds_to_open"] = lg["ms"] / 1000.0
		run["refused"] = lg.get("refused", 0)
	return run


## `rss`: one class, in a process of its own; prints the result and writes it as a one-run row.
func _rss(cls: String) -> void:
	var loops = _loops[cls]
	var clients := _peer_array(cls)
	var peers := _peer_array(cls)
	# Warm-up: whatever the first connections allocate once (thread buffers, TLS-free set-up).
	var why: String = loops.open(_servers[cls], _ports[cls], 8, DEFAULTS, clients, peers)
	loops.close_all(clients)
	loops.close_all(peers)
	if why != "":
		_fail("warm-up: " + why)
		return
	var before := _vm_rss_kib()
	why = loops.open(_servers[cls], _ports[cls], _clients, DEFAULTS, clients, peers)
	if why != "":
		_fail("connecting: " + why)
		return
	loops.settle(clients, 10)
	loops.settle(peers, 10)
	var after := _vm_rss_kib()
	var kib := float(after - before) / (2 * _clients)
	print("ws_bench: %s: VmRSS %d KiB before, %d KiB with %d clients + %d server peers open: %.2f KiB per peer" % [Lib.label(cls), before, after, _clients, _clients, kib])
	loops.close_all(clients)
	loops.close_all(peers)
	var runs := [{"kib": kib}]
	var row: Array = ROWS.filter(func(r): return r[0] == "rss")[0]
	var result := Lib.row(row[2], row[3], row[4], row[5], runs if cls == "builtin" else [], runs if cls == "rust" else [], "kib")
	why = Lib.write_results(_opts.get("json", "user://ws_rss.json"), "ws-rss", [result])
	if why != "":
		_fail(why)
		return
	quit(0)


## This process's resident set, from /proc/self/status.
func _vm_rss_kib() -> int:
	var f := FileAccess.open("/proc/self/status", FileAccess.READ)
	if f == null:
		return -1
	while not f.eof_reached():
		var line := f.get_line()
		if line.begins_with("VmRSS:"):
			return int(line.split(":")[1].strip_edges().split(" ")[0])
	return -1


func _describe(w: String, run: Dictionary) -> String:
	var parts := PackedStringArray()
	for row in ROWS:
		if row[0] == w:
			parts.append("%s %s" % [Lib.fmt(run[_key(row)]), row[4]])
	var s := ", ".join(parts) + " (%.2f s, CPU %.2f s" % [run["seconds"], run["cpu"]]
	if run.has("oom"):
		s += ", %d send() retries" % run["oom"]
	if run.has("load"):
		s += ", load generator %.2f cores" % run["load"]
	if run.has("refused"):
		s += ", %d refused" % run["refused"]
	return s + ")"


## The key of a row's value in a run (the `connect` time is stored apart from the run's own).
func _key(row: Array) -> String:
	return "seconds_to_open" if row[1] == "seconds" else row[1]


func _rows(results: Dictionary) -> Array:
	var rows := []
	for row in ROWS:
		var w: String = row[0]
		if not results.has(w):
			continue
		var b: Array = results[w]["builtin"]
		var r: Array = results[w]["rust"]
		var extra := {}
		if not row[1] in ["idle", "floor", "loop"]:
			extra["builtin_cpu"] = Lib.shares(b, "cpu")
			extra["rust_cpu"] = Lib.shares(r, "cpu")
		if w == "echo" or w == "connect":
			extra["load_what"] = "bench-native"
			extra["builtin_load"] = Lib.column(b, "load")
			extra["rust_load"] = Lib.column(r, "load")
		else:
			extra["load_what"] = "none: both ends in this Godot process"
		rows.append(Lib.row(row[2], row[3].replace("{clients}", _count(_clients)), row[4], row[5], b, r, _key(row), extra))
	return rows


## 1000 -> "1,000".
func _count(n: int) -> String:
	var s := str(n)
	var out := ""
	while s.length() > 3:
		out = "," + s.right(3) + out
		s = s.left(s.length() - 3)
	return s + out


func _fail(why: String) -> void:
	printerr("ws_bench: ERROR: %s" % why)
	quit(1)
