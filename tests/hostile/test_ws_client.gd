## RustWebSocketPeer as a client against hostile WebSocket servers (tests/servers/hostile.py,
## /ws/<case>). docs/hostile.md lists every case with what RustNet and Godot's WebSocketPeer do.
extends "../lib/hostile_suite.gd"

const CLOSED := WebSocketPeer.STATE_CLOSED


# --- handshake ------------------------------------------------------------------------------

func test_handshake_endless_headers() -> void:
	await refused("hs_endless_headers")


func test_handshake_header_line_100mb() -> void:
	await refused("hs_100mb_line")


func test_handshake_response_over_4kib() -> void:
	await refused("hs_5kb_headers")


func test_handshake_wrong_accept_key() -> void:
	await refused("hs_bad_accept")


func test_handshake_200_instead_of_101() -> void:
	await refused("hs_200")


func test_handshake_random_bytes() -> void:
	await refused("hs_garbage")


func test_handshake_101_without_upgrade() -> void:
	await refused("hs_no_upgrade")


func test_handshake_unoffered_extension() -> void:
	# Without our offer, an extension in the answer is ignored (as Godot does): the connection
	# opens uncompressed, and the server's compressed (RSV1) frame is then a protocol error.
	# (The handshake and the frame may be handled in one poll, so OPEN may never be seen; the
	# close code 1002, not a failed handshake's -1, shows the connection opened.)
	await closed_with("hs_unoffered_extension", 1002)


func test_handshake_unoffered_subprotocol() -> void:
	await refused("hs_unoffered_protocol")


func test_handshake_cut_short() -> void:
	await refused("hs_cut")


func test_handshake_silent_server_times_out() -> void:
	await refused("hs_silent", {"props": {"handshake_timeout": 0.5}})


func test_handshake_dripped_one_byte_at_a_time() -> void:
	var r := await ws_client("hs_drip", {"seconds": 3.0})
	check(WebSocketPeer.STATE_OPEN in r.states, "opened (states %s)" % [r.states])
	check(r.packets.has("dripped"), "the dripped message arrived (%s)" % [r.packets])
	finish()


# --- frames that break the protocol: close 1002 / 1007 -------------------------------------

func test_masked_server_frame() -> void:
	await closed_with("masked_frame", 1002)


func test_reserved_bit_rsv1_without_extension() -> void:
	await closed_with("rsv1", 1002)


func test_reserved_bit_rsv2() -> void:
	await closed_with("rsv2", 1002)


func test_reserved_bit_rsv3() -> void:
	await closed_with("rsv3", 1002)


func test_reserved_data_opcode() -> void:
	await closed_with("opcode_3", 1002)


func test_reserved_control_opcode() -> void:
	await closed_with("opcode_b", 1002)


func test_oversized_control_frame() -> void:
	await closed_with("ping_126", 1002)


func test_fragmented_ping() -> void:
	await closed_with("ping_fragmented", 1002)


func test_fragmented_close() -> void:
	await closed_with("close_fragmented", 1002)


func test_text_invalid_utf8() -> void:
	await closed_with("text_bad_utf8", 1007)


func test_text_invalid_utf8_across_fragments() -> void:
	await closed_with("text_bad_utf8_fragmented", 1007)


func test_text_overlong_utf8() -> void:
	await closed_with("text_overlong_utf8", 1007)


func test_close_reason_invalid_utf8() -> void:
	await closed_with("close_reason_bad_utf8", 1007)


func test_close_code_999() -> void:
	await closed_with("close_code?code=999", 1002)


func test_close_code_1005_on_the_wire() -> void:
	await closed_with("close_code?code=1005", 1002)


func test_close_code_1006_on_the_wire() -> void:
	await closed_with("close_code?code=1006", 1002)


func test_close_code_1015_on_the_wire() -> void:
	await closed_with("close_code?code=1015", 1002)


func test_close_code_2999_reserved() -> void:
	await closed_with("close_code?code=2999", 1002)


func test_close_code_5000() -> void:
	await closed_with("close_code?code=5000", 1002)


func test_close_payload_one_byte() -> void:
	await closed_with("close_1byte", 1002)


func test_continuation_without_start() -> void:
	await closed_with("continuation_first", 1002)


func test_new_message_inside_fragmented_one() -> void:
	await closed_with("data_in_fragment", 1002)


func test_64bit_length_with_msb_set() -> void:
	await closed_with("len64_msb", 1002)


# --- size limits: close 1009, memory bounded by inbound_buffer_size -------------------------

func test_message_over_inbound_buffer_size() -> void:
	await closed_with("oversized", 1009)


func test_fragments_over_inbound_buffer_size() -> void:
	await closed_with("oversized_fragments", 1009)


func test_endless_fragments() -> void:
	await closed_with("endless_fragments", 1009)


func test_compressed_bomb_1gib_default_limit() -> void:
	await closed_with("bomb", 1009, [], {"props": {"compression_enabled": true}})


func test_compressed_bomb_1gib_4mib_limit() -> void:
	mem_begin(3 * 4096)
	await closed_with("bomb", 1009, [], {"props": {"compression_enabled": true, "inbound_buffer_size": 4 << 20}})


func test_compressed_bomb_1gib_fragmented() -> void:
	mem_begin(3 * 4096)
	await closed_with("bomb?frag=16384", 1009, [], {"props": {"compression_enabled": true, "inbound_buffer_size": 4 << 20}})


func test_compressed_invalid_deflate_data() -> void:
	await closed_with("deflate_garbage", 1007, [], {"props": {"compression_enabled": true}})


func test_compressed_rsv1_on_control_frame() -> void:
	await closed_with("deflate_rsv1_control", 1002, [], {"props": {"compression_enabled": true}})


func test_compressed_rsv1_on_continuation() -> void:
	await closed_with("deflate_rsv1_continuation", 1002, [], {"props": {"compression_enabled": true}})


# --- floods and back-pressure ---------------------------------------------------------------

func test_ping_flood_server_never_reads_pongs() -> void:
	var r := await ws_client("ping_flood")
	eq(r.state, CLOSED, "ends CLOSED")
	check(r.code != 1000, "not a clean close (code %d)" % r.code)
	finish()


func test_pong_flood() -> void:
	await closed_with("pong_flood", 1000, ["done"])


func test_ping_flood_answered() -> void:
	await closed_with("ping_flood_reading", 1000, ["done"])


func test_server_never_reads_outbound_bounded() -> void:
	var state := {"errs": [], "max_buffered": 0}
	var ws = new_ws()
	tcall(ws, &"connect_to_url", ["ws://%s:%d/ws/never_reads?secs=6" % [HOST, port()]])
	var payload := PackedByteArray()
	payload.resize(60000)
	var deadline := Time.get_ticks_msec() + 8000
	var sent := 0
	while Time.get_ticks_msec() < deadline:
		tcall(ws, &"poll")
		var s: int = tcall(ws, &"get_ready_state")
		if s == WebSocketPeer.STATE_OPEN:
			var err: int = tcall(ws, &"send", [payload])
			state.max_buffered = maxi(state.max_buffered, tcall(ws, &"get_current_outbound_buffered_amount"))
			if err != OK:
				state.errs.append(err)
				break
			sent += 1
		elif s == CLOSED:
			break
		await frame()
	eq(state.errs, [ERR_OUT_OF_MEMORY], "a send fails once the buffer is full (after %d sends)" % sent)
	check(state.max_buffered <= 65535, "queued bytes stay within outbound_buffer_size (%d)" % state.max_buffered)
	eq(tcall(ws, &"get_ready_state"), WebSocketPeer.STATE_OPEN, "the connection stays OPEN")
	finish()


# --- the connection ends early --------------------------------------------------------------

func test_truncated_frame_then_close() -> void:
	await closed_with("truncated_frame", -1, ["complete"])


func test_rst_mid_frame() -> void:
	# Linux drops unread received bytes when a reset arrives, so "complete" may be lost with
	# them; the half frame is never delivered and the close is abnormal (-1).
	var r := await ws_client("rst_mid_frame")
	eq(r.state, CLOSED, "final state")
	eq(r.code, -1, "close code")
	check(r.packets == [] or r.packets == ["complete"], "no partial message (%s)" % [r.packets])
	finish()


func test_last_message_before_close_without_close_frame() -> void:
	await closed_with("message_then_fin", -1, ["last words"])


func test_data_after_close_frame_ignored() -> void:
	await closed_with("data_after_close", 1000)


func test_frame_dripped_one_byte_at_a_time() -> void:
	var r := await ws_client("drip_frame", {"seconds": 2.0})
	check(r.packets.has("drip drip"), "the dripped message arrived (%s)" % [r.packets])
	finish()
