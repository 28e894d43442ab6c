## A Logger that keeps every error (and, with `keep_messages`, every printed message) a test
## case produces, for the suites that check what RustNet reports: exactly one error per panic
## (tests/panic), no secret in any message (tests/security). Add it with OS.add_logger() in
## setup() and remove it in teardown().
extends Logger

var keep_messages := false
var _lines: PackedStringArray = []
var _lock := Mutex.new()


func _init(messages_too := false) -> void:
	keep_messages = messages_too


func _log_error(function: String, file: String, line: int, code: String, rationale: String,
		editor_notify: bool, error_type: int, script_backtraces: Array[ScriptBacktrace]) -> void:
	_lock.lock()
	_lines.append("%s %s" % [code, rationale])
	_lock.unlock()


func _log_message(message: String, error: bool) -> void:
	if not keep_messages:
		return
	_lock.lock()
	_lines.append(message)
	_lock.unlock()


## The kept lines that contain `text`.
func containing(text: String) -> PackedStringArray:
	_lock.lock()
	var out: PackedStringArray = []
	for l in _lines:
		if text in l:
			out.append(l)
	_lock.unlock()
	return out


func clear() -> void:
	_lock.lock()
	_lines.clear()
	_lock.unlock()
