## The demo's HTTP panel: URL, method, headers and body in; status, response code, headers, a
## progress bar, a body preview and timings out. `use_rust` picks the class behind it:
## RustHTTPClient or Godot's HTTPClient (the same calls drive both).
##
## The UI is built in code so the headless showcase (showcase.gd) runs exactly this logic.
## `line` is emitted for every event worth a transcript line.
extends VBoxContainer

signal line(text: String)
signal finished(ok: bool)

const UI := preload("ui.gd")

const METHODS := ["GET", "POST", "PUT", "DELETE", "HEAD", "OPTIONS", "PATCH"]
const METHOD_IDS := {
	"GET": HTTPClient.METHOD_GET, "POST": HTTPClient.METHOD_POST, "PUT": HTTPClient.METHOD_PUT,
	"DELETE": HTTPClient.METHOD_DELETE, "HEAD": HTTPClient.METHOD_HEAD,
	"OPTIONS": HTTPClient.METHOD_OPTIONS, "PATCH": HTTPClient.METHOD_PATCH,
}
const STATUS_NAMES := [
	"DISCONNECTED", "RESOLVING", "CANT_RESOLVE", "CONNECTING", "CANT_CONNECT", "CONNECTED",
	"REQUESTING", "BODY", "CONNECTION_ERROR", "TLS_HANDSHAKE_ERROR",
]
const PREVIEW_BYTES := 4096

var use_rust := true

var method_button: OptionButton
var url_edit: LineEdit
var send_button: Button
var headers_edit: TextEdit
var body_edit: TextEdit
var status_label: Label
var code_label: Label
var progress: ProgressBar
var bytes_label: Label
var timings_label: Label
var response_headers: TextEdit
var preview: TextEdit

var _client: RefCounted = null
var _phase := ""
var _last_status := -1
var _path := ""
var _body := PackedByteArray()
var _total := -1
var _t0 := 0
var _t_connected := 0
var _t_first_byte := 0


func _ready() -> void:
	add_theme_constant_override("separation", 8)
	var row := HBoxContainer.new()
	method_button = OptionButton.new()
	for m in METHODS:
		method_button.add_item(m)
	row.add_child(method_button)
	url_edit = UI.line_edit(row, "", "http://127.0.0.1:8080/path or https://…", true, send)
	send_button = UI.button(row, "  Send  ", send)
	add_child(row)

	var req := HBoxContainer.new()
	req.custom_minimum_size.y = 90
	headers_edit = UI.text_box(req, "Request headers, one per line", false)
	headers_edit.text = "Accept: */*\nUser-Agent: RustNet demo"
	body_edit = UI.text_box(req, "Request body (POST/PUT/PATCH)", false)
	add_child(req)

	var grid := GridContainer.new()
	grid.columns = 4
	grid.add_theme_constant_override("h_separation", 16)
	status_label = UI.field(grid, "Status")
	code_label = UI.field(grid, "Response code")
	bytes_label = UI.field(grid, "Body")
	timings_label = UI.field(grid, "Timings")
	add_child(grid)

	progress = ProgressBar.new()
	progress.custom_minimum_size.y = 22
	progress.max_value = 1.0
	progress.show_percentage = true
	var fill := StyleBoxFlat.new()
	fill.bg_color = Color(0.25, 0.62, 0.42)
	fill.set_corner_radius_all(3)
	progress.add_theme_stylebox_override("fill", fill)
	add_child(progress)

	var resp := HBoxContainer.new()
	resp.size_flags_vertical = Control.SIZE_EXPAND_FILL
	response_headers = UI.text_box(resp, "Response headers", true)
	preview = UI.text_box(resp, "Body preview (first %d bytes)" % PREVIEW_BYTES, true)
	preview.size_flags_stretch_ratio = 1.6
	add_child(resp)
	_show_idle()


func _show_idle() -> void:
	status_label.text = "—"
	code_label.text = "—"
	bytes_label.text = "—"
	timings_label.text = "—"
	progress.value = 0


func class_label() -> String:
	return "RustHTTPClient" if use_rust else "HTTPClient"


func is_busy() -> bool:
	return _phase != ""


## Starts the request in the fields. Progress arrives in _process (or poll_once()).
func send() -> void:
	if is_busy():
		return
	var url := url_edit.text.strip_edges()
	if not url.contains("://"):
		url = "http://" + url
	var tls := url.begins_with("https://")
	var rest := url.substr(url.find("://") + 3)
	var slash := rest.find("/")
	var hostport := rest if slash < 0 else rest.substr(0, slash)
	_path = "/" if slash < 0 else rest.substr(slash)
	var host := hostport
	var port := 443 if tls else 80
	var colon := hostport.rfind(":")
	if colon > 0 and not hostport.ends_with("]"):
		host = hostport.substr(0, colon)
		port = int(hostport.substr(colon + 1))
	host = host.trim_prefix("[").trim_suffix("]")
	_client = RustHTTPClient.new() if use_rust else HTTPClient.new()
	_body = PackedByteArray()
	response_headers.text = ""
	preview.text = ""
	_show_idle()
	_total = -1
	_t0 = Time.get_ticks_usec()
	_t_connected = 0
	_t_first_byte = 0
	_last_status = -1
	var err: int = _client.connect_to_host(host, port, TLSOptions.client() if tls else null)
	line.emit("%s %s %s with %s" % [METHODS[method_button.selected], host, _path, class_label()])
	if err != OK:
		_finish(false, "connect_to_host: %s" % error_string(err))
		return
	_phase = "connect"
	send_button.disabled = true


## One step of the request: poll, then react to the status. Returns false when done.
func poll_once() -> bool:
	if _phase == "":
		return false
	_client.poll()
	var status: int = _client.get_status()
	if status != _last_status:
		_last_status = status
		status_label.text = "STATUS_" + STATUS_NAMES[status]
		line.emit("  status  STATUS_%s  (%.1f ms)" % [STATUS_NAMES[status], _ms(Time.get_ticks_usec())])
	match _phase:
		"connect":
			if status == HTTPClient.STATUS_CONNECTED:
				_t_connected = Time.get_ticks_usec()
				var headers := PackedStringArray()
				for h in headers_edit.text.split("\n", false):
					if h.strip_edges() != "":
						headers.append(h.strip_edges())
				var method: String = METHODS[method_button.selected]
				var err: int = _client.request(METHOD_IDS[method], _path, headers, body_edit.text if method in ["POST", "PUT", "PATCH"] else "")
				if err != OK:
					_finish(false, "request: %s" % error_string(err))
					return false
				_phase = "request"
			elif status not in [HTTPClient.STATUS_RESOLVING, HTTPClient.STATUS_CONNECTING]:
				_finish(false, "could not connect")
				return false
		"request":
			if status == HTTPClient.STATUS_BODY or (status == HTTPClient.STATUS_CONNECTED and _client.has_response()):
				_t_first_byte = Time.get_ticks_usec()
				_got_head()
				_phase = "body"
			elif status != HTTPClient.STATUS_REQUESTING:
				_finish(false, "the request failed")
				return false
		"body":
			if status == HTTPClient.STATUS_BODY:
				var chunk: PackedByteArray = _client.read_response_body_chunk()
				if not chunk.is_empty():
					var before := _body.size()
					_body.append_array(chunk)
					_show_progress()
					# One transcript line per 25% (or per 1 KiB without a Content-Length).
					var step := (_total / 4) if _total > 0 else 1024
					if step > 0 and before / step != _body.size() / step:
						line.emit("  body    %d of %s bytes" % [_body.size(), str(_total) if _total >= 0 else "?"])
			else:
				_finish(status == HTTPClient.STATUS_CONNECTED, "")
				return false
	return true


func _process(_delta: float) -> void:
	if _phase != "":
		poll_once()


func _got_head() -> void:
	var code: int = _client.get_response_code()
	code_label.text = str(code)
	_total = _client.get_response_body_length()
	var lines := PackedStringArray()
	for h in _client.get_response_headers():
		lines.append(h)
	response_headers.text = "\n".join(lines)
	line.emit("  head    %d, %d headers, body length %d" % [code, lines.size(), _total])
	_show_progress()


func _show_progress() -> void:
	if _total > 0:
		progress.value = float(_body.size()) / float(_total)
		bytes_label.text = "%s of %s" % [String.humanize_size(_body.size()), String.humanize_size(_total)]
	else:
		progress.value = 0.0 if _total != 0 else 1.0
		bytes_label.text = "%s (length unknown)" % String.humanize_size(_body.size())
	preview.text = _body.slice(0, PREVIEW_BYTES).get_string_from_utf8()
	timings_label.text = _timings(Time.get_ticks_usec())


func _ms(t: int) -> float:
	return (t - _t0) / 1000.0


func _timings(now: int) -> String:
	var parts := PackedStringArray()
	if _t_connected:
		parts.append("connect %.1f ms" % _ms(_t_connected))
	if _t_first_byte:
		parts.append("first byte %.1f ms" % _ms(_t_first_byte))
	parts.append("total %.1f ms" % _ms(now))
	return ", ".join(parts)


func _finish(ok: bool, why: String) -> void:
	var now := Time.get_ticks_usec()
	_phase = ""
	send_button.disabled = false
	if ok:
		progress.value = 1.0
		_show_progress()
		timings_label.text = _timings(now)
		var text := _body.slice(0, 60).get_string_from_utf8().replace("\n", "\\n")
		line.emit("  done    %d bytes, %s; body starts \"%s\"" % [_body.size(), _timings(now), text])
	else:
		status_label.text += "  (%s)" % why
		line.emit("  failed  %s (status %d)" % [why, _last_status])
	if _client:
		_client.close()
	_client = null
	finished.emit(ok)
