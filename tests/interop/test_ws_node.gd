## Interop with Node ws 8.23.0: our WebSocket client against its echo server
## (tests/servers/ws_echo_node.js, port in RUSTNET_WS_NODE_PORT) and its client (tests/servers/ws_client_node.js) against
## our server (TCP server class + accept_stream). Scenarios: interop_suite.gd.
extends "interop_suite.gd"


func setup() -> void:
	server_port_env = "RUSTNET_WS_NODE_PORT"
	client_name = "node"


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
