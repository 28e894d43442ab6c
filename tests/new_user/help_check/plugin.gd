## The new-user check's editor half (scripts/test.sh copies this plugin into the new-user
## project and starts the editor headless): opens each RustNet class in the editor's F1 help, as
## a user would, and reads the page. A class passes when its page opens with a description and
## shows none of Godot's "There is currently no description for this …" placeholders (which it
## prints for every member without text). GLTFState, an engine class with undocumented methods,
## is the control that the placeholder is detected. Prints "NEWUSER PASS/FAIL …", then quits.
@tool
extends EditorPlugin

const CLASSES := [
	"RustHTTPClient", "RustTCPServer", "RustStreamPeerTCP", "RustStreamPeerTLS",
	"RustWebSocketPeer", "RustWebSocketClient", "RustWebSocketMultiplayerPeer",
]
const PLACEHOLDER := "There is currently no description for this"


func _enter_tree() -> void:
	_run.call_deferred()


func _find(n: Node, cls: String) -> Array:
	var out := []
	if n.get_class() == cls:
		out.append(n)
	for c in n.get_children(true):
		out.append_array(_find(c, cls))
	return out


## The text of the help page for `cls`, once the help shows it (bounded), or "".
func _page(cls: String) -> String:
	var se := EditorInterface.get_script_editor()
	var start := Time.get_ticks_msec()
	while Time.get_ticks_msec() - start < 30000:
		se.goto_help("class_name:" + cls)
		for h in _find(se, "EditorHelp"):
			if not h.is_visible_in_tree():
				continue
			for r in _find(h, "RichTextLabel"):
				var t: String = r.get_parsed_text()
				# The page starts with "Class: <name>" (non-breaking spaces around the name).
				if t.get_slice("\n", 0).replace(char(0xA0), " ").trim_prefix("Class:").strip_edges() == cls:
					return t
		await get_tree().process_frame
	return ""


func _run() -> void:
	var control := await _page("GLTFState")
	var ok := control.count(PLACEHOLDER) > 0
	print("NEWUSER ", "PASS" if ok else "FAIL", " editor help: the placeholder of an undocumented member is detected (GLTFState)")
	for cls in CLASSES:
		var t := await _page(cls)
		var missing := t.count(PLACEHOLDER)
		if t == "":
			print("NEWUSER FAIL editor help: ", cls, ": the help page did not open")
		elif missing > 0 or not t.contains("Description"):
			print("NEWUSER FAIL editor help: ", cls, ": ", missing, " member(s) without a description")
		else:
			print("NEWUSER PASS editor help: ", cls, " (%d characters, every member described)" % t.length())
	print("NEWUSER HELP DONE")
	get_tree().quit()
