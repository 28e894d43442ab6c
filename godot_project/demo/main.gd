## The demo's main scene: a title bar with the "built-in vs RustNet" switch, and two tabs, the
## HTTP panel (http_panel.gd) and the WebSocket chat panel (chat_panel.gd). The switch swaps the
## class behind both panels for their next request or connection, so the two can be compared on
## the same server. scripts/demo.sh drives this same scene headless (showcase.gd).
extends Control

const HttpPanel := preload("http_panel.gd")
const ChatPanel := preload("chat_panel.gd")

var rust_switch: CheckButton
var tabs: TabContainer
var http: HttpPanel
var chat: ChatPanel
var _class_label: Label


func _ready() -> void:
	set_anchors_preset(Control.PRESET_FULL_RECT)
	var bg := Panel.new()
	bg.set_anchors_preset(Control.PRESET_FULL_RECT)
	var sb := StyleBoxFlat.new()
	sb.bg_color = Color(0.13, 0.15, 0.19)
	bg.add_theme_stylebox_override("panel", sb)
	add_child(bg)

	var margin := MarginContainer.new()
	margin.set_anchors_preset(Control.PRESET_FULL_RECT)
	for side in ["left", "right", "top", "bottom"]:
		margin.add_theme_constant_override("margin_" + side, 14)
	add_child(margin)
	var root := VBoxContainer.new()
	root.add_theme_constant_override("separation", 10)
	margin.add_child(root)

	var bar := HBoxContainer.new()
	var title := Label.new()
	title.text = "RustNet demo"
	title.add_theme_font_size_override("font_size", 22)
	bar.add_child(title)
	_class_label = Label.new()
	_class_label.size_flags_horizontal = Control.SIZE_EXPAND_FILL
	_class_label.horizontal_alignment = HORIZONTAL_ALIGNMENT_CENTER
	_class_label.add_theme_color_override("font_color", Color(0.65, 0.72, 0.8))
	bar.add_child(_class_label)
	rust_switch = CheckButton.new()
	rust_switch.text = "RustNet classes (off: Godot's built-ins)"
	rust_switch.button_pressed = true
	rust_switch.toggled.connect(set_use_rust)
	bar.add_child(rust_switch)
	root.add_child(bar)

	tabs = TabContainer.new()
	tabs.size_flags_vertical = Control.SIZE_EXPAND_FILL
	http = HttpPanel.new()
	http.name = "HTTP"
	tabs.add_child(http)
	chat = ChatPanel.new()
	chat.name = "WebSocket chat"
	tabs.add_child(chat)
	root.add_child(tabs)
	set_use_rust(true)


## The switch: true = RustHTTPClient / RustTCPServer + RustWebSocketPeer, false = the built-ins.
func set_use_rust(on: bool) -> void:
	if rust_switch.button_pressed != on:
		rust_switch.set_pressed_no_signal(on)
	http.use_rust = on
	chat.use_rust = on
	_class_label.text = "HTTP: %s   ·   chat: %s" % [http.class_label(), chat.class_label()]
	chat._update_state()
