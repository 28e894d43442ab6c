## Autobahn|Testsuite client testee (fuzzingserver mode), driven by scripts/autobahn.sh:
##   AB_URL=ws://127.0.0.1:9001 godot --headless --path godot_project -s tests/autobahn/client.gd
## Asks getCaseCount, runs every case (echoing each message with its own text/binary type until
## the suite closes), then asks for updateReports. The class under test comes from
## RUSTNET_WS_CLASS (see ws_echo.gd); the agent name from AB_AGENT (default: the class name).
## Loops synchronously (no frames needed): poll, echo, sleep 0.1 ms only when idle.
extends SceneTree

const WsEcho := preload("ws_echo.gd")

## A case that runs longer than this is abandoned (Autobahn's own case timeouts are shorter).
const CASE_SECONDS := 120

var _cls := ""


func _initialize() -> void:
	quit(_main())


func _main() -> int:
	_cls = WsEcho.ws_class()
	if not ClassDB.class_exists(_cls):
		printerr("autobahn client: class %s does not exist (addon not built?)" % _cls)
		return 2
	var base := OS.get_environment("AB_URL")
	if base == "":
		printerr("autobahn client: AB_URL is not set")
		return 2
	var agent := OS.get_environment("AB_AGENT")
	if agent == "":
		agent = _cls
	print("autobahn client: class %s, agent %s, suite %s" % [_cls, agent, base])
	var got := _run(base + "/getCaseCount")
	var answer: String = "" if got.texts.is_empty() else got.texts[0]
	if answer == "":
		# The suite sends the count and its close frame back to back; Godot's WebSocketPeer
		# drops a message that arrives in the same poll() as the close (godot#107442).
		print("autobahn client: %s delivered no getCaseCount answer before the close (code %d); reading it over a raw TCP stream" % [_cls, got.code])
		answer = _raw_first_text(base + "/getCaseCount")
	if not answer.is_valid_int():
		printerr("autobahn client: getCaseCount answered '%s'" % answer)
		return 1
	var count := int(answer)
	print("autobahn client: %d cases" % count)
	var start := Time.get_ticks_msec()
	var stuck := 0
	for i in range(1, count + 1):
		var r := _run("%s/runCase?case=%d&agent=%s" % [base, i, agent.uri_encode()])
		if r.timed_out:
			stuck += 1
			printerr("autobahn client: case %d did not close within %d s" % [i, CASE_SECONDS])
		if i % 50 == 0 or i == count:
			print("autobahn client: %d/%d cases run (%d s)" % [i, count, (Time.get_ticks_msec() - start) / 1000])
	_run("%s/updateReports?agent=%s" % [base, agent.uri_encode()])
	print("autobahn client: reports updated")
	return 1 if stuck > 0 else 0


## Connects, echoes until CLOSED (or CASE_SECONDS); returns what was seen.
func _run(url: String) -> Dictionary:
	var ws = WsEcho.new_peer(_cls)
	var out := {"texts": PackedStringArray(), "code": -1, "timed_out": false}
	var err: int = ws.connect_to_url(url)
	if err != OK:
		printerr("autobahn client: connect_to_url(%s) = %d" % [url, err])
		return out
	var echo := WsEcho.Echo.new(ws)
	var deadline := Time.get_ticks_msec() + CASE_SECONDS * 1000
	while not echo.closed():
		var n: int = echo.pending.size()
		var moved := echo.pump()
		for j in range(n, echo.pending.size()):
			if echo.pending[j][1] == 0:
				out.texts.append(echo.pending[j][0].get_string_from_utf8())
		if not moved:
			if Time.get_ticks_msec() > deadline:
				out.timed_out = true
				ws.close(-1)
				break
			OS.delay_usec(100)
	out.code = ws.get_close_code()
	return out


## The first text message at `url`, read with a hand-written handshake over StreamPeerTCP (only
## for the suite's control channel when the class under test loses it; not a test of anything).
func _raw_first_text(url: String) -> String:
	var rest := url.trim_prefix("ws://")
	var slash := rest.find("/")
	var hostport := rest.substr(0, slash)
	var colon := hostport.rfind(":")
	var tcp := StreamPeerTCP.new()
	if tcp.connect_to_host(hostport.substr(0, colon), int(hostport.substr(colon + 1))) != OK:
		return ""
	var deadline := Time.get_ticks_msec() + 10000
	while tcp.get_status() == StreamPeerTCP.STATUS_CONNECTING and Time.get_ticks_msec() < deadline:
		tcp.poll()
		OS.delay_usec(1000)
	if tcp.get_status() != StreamPeerTCP.STATUS_CONNECTED:
		return ""
	var req := "GET %s HTTP/1.1\r\nHost: %s\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n" % [rest.substr(slash), hostport]
	tcp.put_data(req.to_ascii_buffer())
	var buf := PackedByteArray()
	var head_end := -1
	while Time.get_ticks_msec() < deadline:
		tcp.poll()
		var r: Array = tcp.get_partial_data(65536)
		buf.append_array(r[1])
		if head_end < 0:
			var at := buf.get_string_from_ascii().find("\r\n\r\n")
			if at >= 0:
				head_end = at + 4
		# One unmasked frame with a payload under 126 bytes: [opcode byte, length, payload].
		if head_end >= 0 and buf.size() >= head_end + 2 and buf.size() >= head_end + 2 + (buf[head_end + 1] & 0x7f):
			tcp.disconnect_from_host()
			return buf.slice(head_end + 2, head_end + 2 + (buf[head_end + 1] & 0x7f)).get_string_from_utf8()
		if r[0] != OK:
			break
		OS.delay_usec(1000)
	tcp.disconnect_from_host()
	return ""
