## tls_pinned_public_keys (RustHTTPClient only; HTTPClient has no pinning): each entry is the
## base64 SHA-256 of a SubjectPublicKeyInfo, optionally prefixed "sha256/". With pins set, the
## handshake fails (STATUS_TLS_HANDSHAKE_ERROR, ERR_CANT_CONNECT then ERR_CONNECTION_ERROR) unless
## a certificate of the server's chain matches a pin — on top of the normal verification, which
## pins never relax. The .pin files come from tests/servers/make_certs.sh.
extends "../lib/https_suite.gd"


## Connects a RustHTTPClient with `pins` and `tls` and fetches /sized?n=5 when connected.
func _pinned(pins: Array, host: String, name: String, tls: TLSOptions) -> Dictionary:
	var p = probe("rust")
	p.client.tls_pinned_public_keys = PackedStringArray(pins)
	await tls_get(host, tls_ports[name], tls, ["/sized?n=5"]).call(p)
	return p.obs


func _accepted(rec: Dictionary, what: String) -> void:
	eq(nth(rec).get("body"), "abcde", "RustNet: %s: body" % what)
	eq(rec.poll_errors, [], "RustNet: %s: poll errors" % what)


func _rejected(rec: Dictionary, what: String) -> void:
	expect_handshake_error(rec, "RustNet: " + what)


func test_pin_files_are_sha256_in_base64() -> void:
	for name in ["ca", "server-rsa", "server-ecdsa", "selfsigned"]:
		var raw := Marshalls.base64_to_raw(pin(name))
		eq(raw.size(), 32, name + ".pin decodes to 32 bytes")


func test_pins_read_back() -> void:
	if not rust_side():
		return
	var c = RustHTTPClient.new()
	c.tls_pinned_public_keys = PackedStringArray([pin("ca"), "sha256/" + pin("server-rsa")])
	eq(c.tls_pinned_public_keys, PackedStringArray([pin("ca"), "sha256/" + pin("server-rsa")]), "RustNet: property")


func test_leaf_pin_accepts() -> void:
	if not rust_side():
		return
	_accepted(await _pinned([pin("server-rsa")], "localhost", "https13", trusting()), "leaf pin, TLS 1.3")
	_accepted(await _pinned([pin("server-rsa")], HOST, "https12", trusting()), "leaf pin, TLS 1.2")
	_accepted(await _pinned([pin("server-ecdsa")], "localhost", "ecdsa", trusting()), "ECDSA leaf pin")


func test_ca_pin_accepts() -> void:
	# The servers send only their leaf: the CA is in the verified chain as the trust anchor.
	if not rust_side():
		return
	_accepted(await _pinned([pin("ca")], "localhost", "https13", trusting()), "CA pin")
	# A server that sends its chain: the CA is among the certificates it presents.
	_accepted(await _pinned([pin("ca")], "localhost", "chain", trusting()), "CA pin, chain sent")


func test_sha256_prefix() -> void:
	if not rust_side():
		return
	_accepted(await _pinned(["sha256/" + pin("server-rsa")], "localhost", "https13", trusting()), "sha256/ leaf pin")
	_accepted(await _pinned(["sha256/" + pin("ca")], "localhost", "https13", trusting()), "sha256/ CA pin")


func test_one_matching_pin_among_several_is_enough() -> void:
	if not rust_side():
		return
	var pins := [pin("ca2"), pin("server-ecdsa"), pin("server-rsa")]
	_accepted(await _pinned(pins, "localhost", "https13", trusting()), "third of three pins")


func test_wrong_pin_rejects_a_valid_chain() -> void:
	if not rust_side():
		return
	_rejected(await _pinned([pin("ca2")], "localhost", "https13", trusting()), "ca2 pin on a valid chain")
	_rejected(await _pinned([pin("server-ecdsa")], "localhost", "https13", trusting()), "other leaf's pin")
	_rejected(await _pinned(["sha256/" + pin("unknownca")], HOST, "https12", trusting()), "wrong pin, TLS 1.2")


func test_pins_do_not_bypass_verification() -> void:
	# The expired / unknown-CA / wrong-host certificate is pinned, yet client(ca) still rejects it.
	if not rust_side():
		return
	_rejected(await _pinned([pin("expired")], HOST, "expired", trusting()), "pinned expired leaf")
	_rejected(await _pinned([pin("unknownca"), pin("ca2")], HOST, "unknownca", trusting()), "pinned unknown-CA leaf")
	_rejected(await _pinned([pin("wronghost")], HOST, "wronghost", trusting()), "pinned wrong-host leaf")
	_rejected(await _pinned([pin("selfsigned")], HOST, "selfsigned", trusting()), "pinned self-signed leaf")


func test_pins_are_enforced_with_client_unsafe() -> void:
	# client_unsafe() skips verification but not the pins.
	if not rust_side():
		return
	var unsafe := TLSOptions.client_unsafe()
	_accepted(await _pinned([pin("server-rsa")], HOST, "https13", unsafe), "unsafe + right leaf pin")
	_accepted(await _pinned([pin("selfsigned")], HOST, "selfsigned", unsafe), "unsafe + self-signed leaf pinned")
	_accepted(await _pinned([pin("ca")], HOST, "chain", unsafe), "unsafe + CA pin, chain sent")
	_rejected(await _pinned([pin("ca2")], HOST, "https13", unsafe), "unsafe + wrong pin")
	_rejected(await _pinned([pin("server-rsa")], HOST, "selfsigned", unsafe), "unsafe + another leaf's pin")
	_rejected(await _pinned([pin("ca")], HOST, "unknownca", unsafe), "unsafe + our CA's pin on an unknown-CA leaf")


func test_pins_with_client_unsafe_ca() -> void:
	if not rust_side():
		return
	var unsafe_ca := TLSOptions.client_unsafe(cert("ca"))
	_accepted(await _pinned([pin("wronghost")], HOST, "wronghost", unsafe_ca), "unsafe(ca) + wronghost leaf pinned")
	_rejected(await _pinned([pin("ca2")], HOST, "wronghost", unsafe_ca), "unsafe(ca) + wrong pin")


func test_empty_pins_are_off() -> void:
	if not rust_side():
		return
	_accepted(await _pinned([], "localhost", "https13", trusting()), "no pins")


func test_pins_do_not_affect_plain_http() -> void:
	if not rust_side():
		return
	var p = probe("rust")
	p.client.tls_pinned_public_keys = PackedStringArray([pin("ca2")])
	if await p.connect_to(HOST, port):
		await p.fetch(GET, "/sized?n=2")
	eq(nth(p.obs).get("body"), "ab", "RustNet: plain HTTP with pins set")


func test_pins_apply_at_the_next_connect() -> void:
	# Changing the pins on a connected client takes effect at the next connect_to_host().
	if not rust_side():
		return
	var p = probe("rust")
	if await p.connect_to("localhost", tls_ports.https13, trusting()):
		p.client.tls_pinned_public_keys = PackedStringArray([pin("ca2")])
		await p.fetch(GET, "/sized?n=2")
	eq(nth(p.obs).get("body"), "ab", "RustNet: the open connection is unaffected")
	var ok: bool = await p.connect_to("localhost", tls_ports.https13, trusting())
	eq(ok, false, "RustNet: the next connect checks the new pin")
	eq(p.obs.statuses[-1], S_TLS_ERROR, "RustNet: status")
