## RustNet's WebSocket benchmark: Godot's `TCPServer` + `WebSocketPeer` against `RustTCPServer` +
## `RustWebSocketPeer`, both ends in one headless Godot process, over 127.0.0.1.
##
## Run by `scripts/bench.sh ws`, which builds the addon and runs:
##   godot --headless --path godot_project -s bench/ws_bench.gd -- [options]
##
## Options (after `--`):
##   --pairs=N          measured pairs per workload (default 10), after one warm-up pair
##   --only=a,b         workloads to run: roundtrip, small, large, clients (default: all)
##   --class=builtin|rust  run one class only (for profiling; no table)
##   --clients=N        connected clients in the `clients` workload (default 1000)
##   --inbound=N, --outbound=N, --queued=N
##                      inbound_buffer_size, outbound_buffer_size, max_queued_packets of both
##                      ends in `small` and `large` instead of those in CONFIG below
##   --out=PATH         write the Markdown table to PATH instead of printing it
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
}

## The table's rows: [workload, key in a run's result, title, unit, lower is better].
const ROWS := [
	["roundtrip", "rate", "Round trips, one 64 B message in flight", "round trips/s", false],
	["small", "rate", "100,000 pipelined 1 KiB messages, client → server", "messages/s", false],
	["small", "mbps", "100,000 pipelined 1 KiB messages, client → server", "MB/s", false],
	["large", "mbps", "200 messages of 1 MiB, client → server", "MB/s", false],
	["clients", "rate", "{clients} clients, server echoes, one 64 B message in flight per client", "messages/s", false],
	["clients", "idle", "{clients} server-side peers, one idle `poll()` pass (median of 200)", "µs per pass", true],
	["clients", "floor", "the same pass calling `get_ready_state()` instead (loop and call overhead)", "µs per pass", true],
]
const ORDER := ["roundtrip", "small", "large", "clients"]

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
			while server.is_connection_available():
				var p := make_peer(cfg)
				var err := p.accept_stream(server.take_connection())
				if err != OK:
					return "accept_stream() returned %d" % err
				new_peers.append(p)
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


## The same passes calling get_ready_state() instead: what the loop and one call cost.
func state_passes(peers: Array[PEER_CLASS], passes: int) -> Array:
	var usec := []
	for k in passes:
		var t0 := Time.get_ticks_usec()
		for p: PEER_CLASS in peers:
			p.get_ready_state()
		usec.append(Time.get_ticks_usec() - t0)
	return usec


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
	_opts = _parse_options()
	var pairs := int(_opts.get("pairs", "10"))
	if pairs < 1:
		_fail("--pairs must be at least 1")
		return
	_clients = int(_opts.get("clients", "1000"))
	if _clients < 1:
		_fail("--clients must be at least 1")
		return
	var only: PackedStringArray = ORDER.duplicate() if _opts.get("only", "") == "" else _opts["only"].split(",")
	for w in only:
		if not w in ORDER:
			_fail("unknown workload '%s' (known: %s)" % [w, ", ".join(ORDER)])
			return
	var classes := ["builtin", "rust"]
	if _opts.has("class"):
		if not _opts["class"] in classes:
			_fail("--class must be builtin or rust")
			return
		classes = [_opts["class"]]
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
		print("ws_bench: one class only, no table")
		quit(0)
		return
	var table := _table(results)
	var out: String = _opts.get("out", "")
	if out == "":
		print("")
		print(table)
	else:
		var f := FileAccess.open(out, FileAccess.WRITE)
		if f == null:
			_fail("can't write %s (error %d)" % [out, FileAccess.get_open_error()])
			return
		f.store_string(table)
		f.close()
	quit(0)


func _parse_options() -> Dictionary:
	var opts := {}
	for arg in OS.get_cmdline_user_args():
		if arg.begins_with("--") and "=" in arg:
			var kv := arg.substr(2).split("=", true, 1)
			opts[kv[0]] = kv[1]
		else:
			printerr("ws_bench: ignoring argument '%s'" % arg)
	return opts


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


## One run of workload `w` with family `cls` on fresh connections.
func _run_once(w: String, cls: String) -> Dictionary:
	var loops = _loops[cls]
	var cfg: Dictionary = CONFIG[w].duplicate()
	if w == "small" or w == "large":
		for key in ["inbound", "outbound", "queued"]:
			if _opts.has(key):
				cfg[key] = int(_opts[key])
	var n := _clients if w == "clients" else 1
	# Typed arrays of the family's peer class, as LOOPS declares them.
	var peer_class := "WebSocketPeer" if cls == "builtin" else "RustWebSocketPeer"
	var clients := Array([], TYPE_OBJECT, peer_class, null)
	var peers := Array([], TYPE_OBJECT, peer_class, null)
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


func _describe(w: String, run: Dictionary) -> String:
	var parts := PackedStringArray()
	for row in ROWS:
		if row[0] == w:
			parts.append("%s %s" % [Lib.fmt(run[row[1]]), row[3]])
	var s := ", ".join(parts) + " (%.2f s, CPU %.2f s" % [run["seconds"], run["cpu"]]
	if run.has("oom"):
		s += ", %d send() retries" % run["oom"]
	return s + ")"


func _table(results: Dictionary) -> String:
	var lines := PackedStringArray()
	lines.append("| workload | built-in `TCPServer` + `WebSocketPeer`, median (min–max) | `RustTCPServer` + `RustWebSocketPeer`, median (min–max) | RustNet / built-in (median of pairs) | process CPU / wall, built-in / RustNet (median) |")
	lines.append("|---|---|---|---|---|")
	for row in ROWS:
		var w: String = row[0]
		if not results.has(w):
			continue
		var b: Array = results[w]["builtin"]
		var r: Array = results[w]["rust"]
		var bv := Lib.column(b, row[1])
		var rv := Lib.column(r, row[1])
		var ratios := []
		for i in mini(bv.size(), rv.size()):
			ratios.append(rv[i] / bv[i] if bv[i] > 0 else 0.0)
		var load := ""
		if not row[1] in ["idle", "floor"]:
			load = "%.2f / %.2f" % [Lib.median(_cpu_share(b)), Lib.median(_cpu_share(r))]
		lines.append("| %s: %s%s | %s (%s–%s) | %s (%s–%s) | %.2f× | %s |" % [
			row[2].replace("{clients}", _count(_clients)), row[3], " (lower is better)" if row[4] else "",
			Lib.fmt(Lib.median(bv)), Lib.fmt(bv.min()), Lib.fmt(bv.max()),
			Lib.fmt(Lib.median(rv)), Lib.fmt(rv.min()), Lib.fmt(rv.max()),
			Lib.median(ratios), load,
		])
	return "\n".join(lines) + "\n"


## 1000 -> "1,000".
func _count(n: int) -> String:
	var s := str(n)
	var out := ""
	while s.length() > 3:
		out = "," + s.right(3) + out
		s = s.left(s.length() - 3)
	return s + out


func _cpu_share(runs: Array) -> Array:
	return runs.map(func(run): return run["cpu"] / run["seconds"])


func _fail(why: String) -> void:
	printerr("ws_bench: ERROR: %s" % why)
	quit(1)
