## The few widgets the demo panels build in code (http_panel.gd, chat_panel.gd), in one look:
## each function makes the widget, adds it to `parent` and returns it.
extends RefCounted

const CAPTION_COLOR := Color(0.65, 0.72, 0.8)


static func caption(parent: Control, text: String) -> Label:
	var l := Label.new()
	l.text = text
	l.add_theme_color_override("font_color", CAPTION_COLOR)
	parent.add_child(l)
	return l


static func button(parent: Control, text: String, on_pressed: Callable) -> Button:
	var b := Button.new()
	b.text = text
	b.pressed.connect(on_pressed)
	parent.add_child(b)
	return b


## A LineEdit; `expand` lets it take the row's free width, `on_submit` (if valid) runs on Enter.
static func line_edit(parent: Control, text: String, placeholder := "", expand := false, on_submit := Callable()) -> LineEdit:
	var e := LineEdit.new()
	e.text = text
	e.placeholder_text = placeholder
	if expand:
		e.size_flags_horizontal = Control.SIZE_EXPAND_FILL
	if on_submit.is_valid():
		e.text_submitted.connect(func(_t): on_submit.call())
	parent.add_child(e)
	return e


static func spin(parent: Control, min_value: float, max_value: float, value: float) -> SpinBox:
	var s := SpinBox.new()
	s.min_value = min_value
	s.max_value = max_value
	s.value = value
	parent.add_child(s)
	return s


## A titled TextEdit that fills its share of `parent`.
static func text_box(parent: Control, title: String, read_only: bool) -> TextEdit:
	var box := VBoxContainer.new()
	box.size_flags_horizontal = Control.SIZE_EXPAND_FILL
	box.size_flags_vertical = Control.SIZE_EXPAND_FILL
	caption(box, title)
	var edit := TextEdit.new()
	edit.editable = not read_only
	edit.size_flags_vertical = Control.SIZE_EXPAND_FILL
	edit.wrap_mode = TextEdit.LINE_WRAPPING_BOUNDARY
	box.add_child(edit)
	parent.add_child(box)
	return edit


## "Title:" and a value label in two cells of `grid`; returns the value label.
static func field(grid: GridContainer, title: String) -> Label:
	caption(grid, title + ":")
	var value := Label.new()
	value.custom_minimum_size.x = 190
	grid.add_child(value)
	return value


## The dark rounded background of the log views.
static func panel_box() -> StyleBoxFlat:
	var sb := StyleBoxFlat.new()
	sb.bg_color = Color(0.1, 0.12, 0.15)
	sb.set_content_margin_all(8)
	sb.set_corner_radius_all(4)
	return sb
