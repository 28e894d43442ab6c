## Editor help: every member ClassDB registers for a RustNet class has a non-empty description
## in the docs XML the extension loads into the editor (gdext `register-docs` plus the class
## enums, rust/extension/src/docs.rs). scripts/test.sh sets RUSTNET_DOCS_XML_DUMP, and the
## extension (built with its default `docs` feature) writes that XML there at startup.
##
## A missing description is reported as "<Class> <kind> <name>" (kind: class, method, property,
## signal, constant), one per line, so the list is the to-do list.
extends "../lib/suite.gd"

const CLASSES := [
	"RustHTTPClient", "RustTCPServer", "RustStreamPeerTCP", "RustStreamPeerTLS",
	"RustWebSocketPeer", "RustWebSocketClient", "RustWebSocketMultiplayerPeer",
]

static var _docs := {}


## Parses the dumped XML into {class: {"class": text, "method:foo": text, ...}}.
func _load() -> Dictionary:
	if not _docs.is_empty():
		return _docs
	var path := OS.get_environment("RUSTNET_DOCS_XML_DUMP")
	if not check(path != "", "RUSTNET_DOCS_XML_DUMP is not set (run through scripts/test.sh)"):
		return {}
	var text := FileAccess.get_file_as_string(path)
	if not check(text != "", "no docs XML in %s (extension built without the `docs` feature?)" % path):
		return {}
	# One file holds one XML document per class; parse them one by one.
	for doc in text.split("<?xml ", false):
		var parser := XMLParser.new()
		parser.open_buffer(("<?xml " + doc).to_utf8_buffer())
		var cls := ""
		var item := ""
		var target := ""
		var entries := {}
		while parser.read() == OK:
			match parser.get_node_type():
				XMLParser.NODE_ELEMENT:
					var n := parser.get_node_name()
					var empty := parser.is_empty()
					if n == "class":
						cls = parser.get_named_attribute_value_safe("name")
					elif n in ["method", "signal"]:
						item = n + " " + parser.get_named_attribute_value_safe("name")
						entries[item] = ""
					elif n in ["constant", "member"]:
						item = ("property" if n == "member" else n) + " " + parser.get_named_attribute_value_safe("name")
						entries[item] = ""
						target = "" if empty else item
					elif n == "description" and not empty:
						target = item if item != "" else "class"
					elif n == "brief_description" and not empty:
						target = "class"
				XMLParser.NODE_TEXT:
					if target != "":
						entries[target] = entries.get(target, "") + parser.get_node_data()
				XMLParser.NODE_ELEMENT_END:
					var n := parser.get_node_name()
					if n in ["description", "brief_description", "constant", "member"]:
						target = ""
					if n in ["method", "signal", "constant", "member"]:
						item = ""
		if cls != "":
			_docs[cls] = entries
	return _docs


## The members ClassDB registers for `cls` itself (accessors of a property count as the property).
func _registered(cls: String) -> PackedStringArray:
	var out: PackedStringArray = ["class "]
	var accessors := {}
	for p in ClassDB.class_get_property_list(cls, true):
		if p.usage & (PROPERTY_USAGE_CATEGORY | PROPERTY_USAGE_GROUP | PROPERTY_USAGE_SUBGROUP):
			continue
		out.append("property " + p.name)
		accessors[ClassDB.class_get_property_setter(cls, p.name)] = true
		accessors[ClassDB.class_get_property_getter(cls, p.name)] = true
	for m in ClassDB.class_get_method_list(cls, true):
		if not m.name.begins_with("_") and not accessors.has(m.name):
			out.append("method " + m.name)
	for s in ClassDB.class_get_signal_list(cls, true):
		out.append("signal " + s.name)
	for c in ClassDB.class_get_integer_constant_list(cls, true):
		out.append("constant " + c)
	return out


func _check_class(cls: String) -> void:
	var docs := _load()
	if docs.is_empty():
		return
	if not check(ClassDB.class_exists(cls), "ClassDB has no " + cls):
		return
	var entries: Dictionary = docs.get(cls, {})
	var missing: PackedStringArray = []
	var members := _registered(cls)
	for m in members:
		var key := "class" if m == "class " else m
		if String(entries.get(key, "")).strip_edges() == "":
			missing.append(cls + " " + m.strip_edges())
	for m in missing:
		print("DOCS MISSING ", m)
	check(missing.is_empty(), "%d of %d members without a description: %s" % [missing.size(), members.size(), ", ".join(missing)])


func test_http_client() -> void:
	_check_class("RustHTTPClient")


func test_tcp_server() -> void:
	_check_class("RustTCPServer")


func test_stream_peer_tcp() -> void:
	_check_class("RustStreamPeerTCP")


func test_stream_peer_tls() -> void:
	_check_class("RustStreamPeerTLS")


func test_websocket_peer() -> void:
	_check_class("RustWebSocketPeer")


func test_websocket_client() -> void:
	_check_class("RustWebSocketClient")


func test_websocket_multiplayer_peer() -> void:
	_check_class("RustWebSocketMultiplayerPeer")


## The XML covers exactly the RustNet classes: nothing registered is left without a document.
func test_every_class_has_a_document() -> void:
	var docs := _load()
	for cls in CLASSES:
		check(docs.has(cls), "no docs XML for " + cls)
