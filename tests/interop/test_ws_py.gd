## Interop with Python websockets 17.4: our WebSocket client against its echo server
## (tests/servers/ws_echo_py.py, port in RUSTNET_WS_PY_PORT) and its client (tests/servers/ws_client_py.py) against
## our server (TCP server class + accept_stream). Scenarios: interop_suite.gd.
extends "interop_suite.gd"


func setup() -> void:
	server_port_env = "RUSTNET_WS_PY_PORT"
	client_name = "py"


func test_text_and_binary_echo() -> void:
	await scenario_text_and_binary()


func test_compression() -> void:
	await scenario_compression()


func test_their_client_compressed_against_our_server() -> void:
	await scenario_external_client_compressed()


func test_empty_messages() -> void:
	await scenario_empty_messages()


func test_60kb_messages() -> void:
	await scenario_big_message()


func test_utf8_text() -> void:
	await scenario_utf8()


func test_subprotocol_selection() -> void:
	await scenario_subprotocol()


func test_server_initiated_close() -> void:
	await scenario_server_close()


func test_our_close_seen_by_server() -> void:
	await scenario_our_close()


func test_server_pings_answered() -> void:
	await scenario_server_pings()


func test_their_client_against_our_server() -> void:
	await scenario_external_client()


func test_their_client_no_protocol_default_close() -> void:
	await scenario_external_client_no_protocol()


## Which class this run tested (printed), and that the default is ours once the addon has it.
func test_class_under_test() -> void:
	var cls := ws_class()
	print("interop: testing %s with %s" % [cls, tcp_server_class()])
	check(ClassDB.class_exists(cls), "class %s exists" % cls)
	check(ClassDB.class_exists(tcp_server_class()), "class %s exists" % tcp_server_class())
	if OS.get_environment("RUSTNET_WS_CLASS") == "":
		eq(cls, "RustWebSocketPeer" if ClassDB.class_exists("RustWebSocketPeer") else "WebSocketPeer", "default class")
