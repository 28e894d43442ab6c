extends SceneTree

# RustHTTPClient demo
# This simple class can do HTTP requests; it will not block, but it needs to be polled.
#
# The "HTTP client class" tutorial of the Godot docs, ported to Godot 4. Run it with:
#   godot --headless --path godot_project -s <this script> -- [--host=H] [--port=P] [--path=/p] [--tls]
# (defaults: the tutorial's www.php.net, port 80 (443 with --tls), /ChangeLog-5.php).
# It ends with the line "TUTORIAL DONE", or "TUTORIAL FAILED: <why>" and exit code 1.
#
# Changes from the tutorial, all forced by Godot 4 or by running it unattended:
# - the body of _init() moved to the static run() below, so a test can call it in-process;
#   every line it prints is also appended to `out`, and the 500 ms poll delay is a parameter;
# - yield() became await, and the asserts became checks that print "TUTORIAL FAILED: <why>"
#   (a failed assert stops a headless Godot without ever quitting);
# - only the first 400 characters of the text are printed.


func _init():
	var host = "www.php.net"
	var port = -1
	var path = "/ChangeLog-5.php"
	var tls = false
	for arg in OS.get_cmdline_user_args():
		if arg.begins_with("--host="):
			host = arg.trim_prefix("--host=")
		elif arg.begins_with("--port="):
			port = int(arg.trim_prefix("--port="))
		elif arg.begins_with("--path="):
			path = arg.trim_prefix("--path=")
		elif arg == "--tls":
			tls = true
	if port == -1:
		port = 443 if tls else 80

	var err = await run(host, port, path, tls, 500, [])
	quit(0 if err == OK else 1)


# Prints a line and appends it to `out`.
static func _print(out: Array, line: String) -> void:
	print(line)
	out.append(line)


# Prints "TUTORIAL FAILED: <why>"; returns FAILED.
static func _fail(out: Array, why: String) -> int:
	_print(out, "TUTORIAL FAILED: " + why)
	return FAILED


static func run(host: String, port: int, path: String, tls: bool, delay_msec: int, out: Array) -> int:
	var err = 0
	var http = RustHTTPClient.new() # Create the Client.

	if tls:
		err = http.connect_to_host(host, port, TLSOptions.client()) # Connect to host/port, over TLS.
	else:
		err = http.connect_to_host(host, port) # Connect to host/port.
	if err != OK: # Make sure connection is OK.
		return _fail(out, "connect_to_host(\"%s\", %d) returned %s (error %d)" % [host, port, error_string(err), err])

	# Wait until resolved and connected.
	while http.get_status() == RustHTTPClient.STATUS_CONNECTING or http.get_status() == RustHTTPClient.STATUS_RESOLVING:
		http.poll()
		_print(out, "Connecting...")
		if not OS.has_feature("web"):
			OS.delay_msec(delay_msec)
		else:
			await Engine.get_main_loop().process_frame

	if http.get_status() != RustHTTPClient.STATUS_CONNECTED: # Check if the connection was made successfully.
		return _fail(out, "could not connect to %s:%d (status %d)" % [host, port, http.get_status()])

	# Some headers
	var headers = [
		"User-Agent: Pirulo/1.0 (Godot)",
		"Accept: */*"
	]

	err = http.request(RustHTTPClient.METHOD_GET, path, headers) # Request a page from the site (this one was chunked..)
	if err != OK: # Make sure all is OK.
		return _fail(out, "request() returned %s (error %d)" % [error_string(err), err])

	while http.get_status() == RustHTTPClient.STATUS_REQUESTING:
		# Keep polling for as long as the request is being processed.
		http.poll()
		_print(out, "Requesting...")
		if OS.has_feature("web"):
			# Synchronous HTTP requests are not supported on the web,
			# so wait for the next main loop iteration.
			await Engine.get_main_loop().process_frame
		else:
			OS.delay_msec(delay_msec)

	if not (http.get_status() == RustHTTPClient.STATUS_BODY or http.get_status() == RustHTTPClient.STATUS_CONNECTED): # Make sure request finished well.
		return _fail(out, "the request failed (status %d)" % http.get_status())

	_print(out, str("response? ", http.has_response())) # Site might not have a response.

	if http.has_response():
		# If there is a response...

		headers = http.get_response_headers_as_dictionary() # Get response headers.
		_print(out, str("code: ", http.get_response_code())) # Show response code.
		_print(out, str("**headers:\\n", headers)) # Show headers.

		# Getting the HTTP Body

		if http.is_response_chunked():
			# Does it use chunks?
			_print(out, "Response is Chunked!")
		else:
			# Or just plain Content-Length
			var bl = http.get_response_body_length()
			_print(out, str("Response Length: ", bl))

		# This method works for both anyway

		var rb = PackedByteArray() # Array that will hold the data.

		while http.get_status() == RustHTTPClient.STATUS_BODY:
			# While there is body left to be read
			http.poll()
			# Get a chunk.
			var chunk = http.read_response_body_chunk()
			if chunk.size() == 0:
				if not OS.has_feature("web"):
					# Got nothing, wait for buffers to fill a bit.
					OS.delay_usec(1000)
				else:
					await Engine.get_main_loop().process_frame
			else:
				rb = rb + chunk # Append to read buffer.
		# Done!

		_print(out, str("bytes got: ", rb.size()))
		var text = rb.get_string_from_ascii()
		if text.length() <= 400:
			_print(out, str("Text: ", text))
		else:
			_print(out, str("Text: ", text.left(400), " [... %d characters in all]" % text.length()))

	_print(out, "TUTORIAL DONE")
	return OK
