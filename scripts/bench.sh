#!/usr/bin/env bash
# bench.sh - RustNet's classes against Godot's built-ins, timed. Not a test: asserts nothing
# about speed.
set -euo pipefail

usage() {
	cat <<'USAGE'
Usage: scripts/bench.sh [http] [https] [ws] [--pairs=N] [--help]

Times RustNet's classes against Godot's built-in ones, in one headless Godot run per suite,
and prints each suite's results as a Markdown table on stdout (progress goes to stderr).
Nothing about speed is asserted: it fails only when a run breaks (a request fails, a SCRIPT
ERROR, a Godot crash or time-out).

Suites (no argument: all of them, http, https, then ws):
  http        RustHTTPClient against HTTPClient, both talking to bench-server (rust/bench)
              on 127.0.0.1: a 100 MB download with the default read_chunk_size (64 KiB), 10,000
              keep-alive GETs of 100 bytes, and the 100 MB download with read_chunk_size
              1 MiB. The classes alternate (built-in, RustNet, built-in, ...). Writes the
              table, with the date and the machine, to docs/bench-http.md. About 1-2 minutes.
  https       the same two classes over HTTPS, against bench-server's TLS ports (rustls; one
              TLS 1.3-only, one TLS 1.2-only) with TLSOptions.client(ca) for the test CA
              rust/core/tests/data/ca.crt: a 100 MB download over TLS 1.3 and over TLS 1.2, and
              the time from connect_to_host() to the first body byte of a new connection over
              TLS 1.2 and TLS 1.3 (median of 10 connections per run). Writes
              docs/bench-https.md. About 1-2 minutes.
  ws          TCPServer + WebSocketPeer against RustTCPServer + RustWebSocketPeer, both ends of
              every connection in the same family and in one Godot process, on 127.0.0.1 (no
              bench-server): 20,000 round trips of a 64-byte message, 100,000 pipelined 1 KiB
              messages client -> server, 200 messages of 1 MiB client -> server, and 1,000
              clients on one server (messages/s echoed with one message in flight per client,
              then the cost of one idle poll() pass over the 1,000 server-side peers). Writes
              docs/bench-ws.md. About 2-4 minutes.

  --pairs=N   measured built-in/RustNet pairs per workload, after one warm-up pair (default 10;
              with fewer than 5 the docs/ file is not written)
  GODOT=/path use this Godot instead of scripts/fetch-godot.sh's choice

Runs scripts/build.sh first (fast when up to date) and, for http and https, builds bench-server
in release mode.
USAGE
}

suites=()
pairs=10
for arg in "$@"; do
	case "$arg" in
	http | https | ws) suites+=("$arg") ;;
	--pairs=*)
		pairs=${arg#--pairs=}
		if ! [[ "$pairs" =~ ^[1-9][0-9]*$ ]]; then
			echo "bench.sh: --pairs needs a positive integer, got '$pairs'" >&2
			exit 2
		fi
		;;
	-h | --help) usage; exit 0 ;;
	*) echo "bench.sh: unknown argument '$arg'" >&2; usage >&2; exit 2 ;;
	esac
done
[ "${#suites[@]}" -gt 0 ] || suites=(http https ws)

# shellcheck source=scripts/lib.sh
. "$(dirname -- "${BASH_SOURCE[0]}")/lib.sh"

run_dir=$(mktemp -d "${TMPDIR:-/tmp}/rustnet-bench.XXXXXX")
server_pid=
server_in=
cleanup() {
	# Closing its stdin ends bench-server; the kill is for a server that is somehow stuck.
	if [ -n "$server_in" ]; then exec {server_in}>&-; fi
	if [ -n "$server_pid" ]; then
		local i
		for i in $(seq 1 50); do
			kill -0 "$server_pid" 2>/dev/null || break
			sleep 0.1
		done
		kill "$server_pid" 2>/dev/null || true
		wait "$server_pid" 2>/dev/null || true
	fi
	rm -rf "$run_dir"
}
trap cleanup EXIT

step() { printf '\n==> %s\n' "$*" >&2; }

godot=
port=
tls13_port=
tls12_port=
# Builds the addon, once for all suites.
prepare_addon() {
	[ -z "$godot" ] || return 0
	step "build the addon"
	scripts/build.sh >&2
	godot=$(scripts/fetch-godot.sh)
}

# Builds the addon and bench-server and starts the server, once for all suites.
prepare() {
	[ -z "$port" ] || return 0
	prepare_addon
	step "build bench-server"
	cargo build --release -p rustnet-bench >&2

	step "start bench-server"
	# A coprocess: we hold the write end of its stdin, so it exits whenever this script does.
	coproc BENCH_SERVER { exec "$root/target/release/bench-server"; }
	server_in=${BENCH_SERVER[1]}
	local server_out=${BENCH_SERVER[0]} line=
	IFS= read -r -t 30 line <&"$server_out" || true
	exec {server_out}<&-
	if ! [[ "$line" =~ \"port\":\ *([0-9]+) ]]; then
		echo "bench.sh: bench-server did not report its port (got '$line')" >&2
		return 1
	fi
	port=${BASH_REMATCH[1]}
	[[ "$line" =~ \"tls13_port\":\ *([0-9]+) ]] && tls13_port=${BASH_REMATCH[1]}
	[[ "$line" =~ \"tls12_port\":\ *([0-9]+) ]] && tls12_port=${BASH_REMATCH[1]}
	[[ "$line" =~ \"pid\":\ *([0-9]+) ]] && server_pid=${BASH_REMATCH[1]}
	echo "bench-server: 127.0.0.1:$port (HTTPS: TLS 1.3 on $tls13_port, TLS 1.2 on $tls12_port), pid $server_pid" >&2
}

# The lines every docs/bench-*.md starts its description with.
machine_notes() {
	local load_before=$1 godot_version cpu cores commit
	godot_version=$("$godot" --version 2>/dev/null | tail -n 1)
	cpu=$(grep -m 1 '^model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')
	cores=$(grep -c '^processor' /proc/cpuinfo)
	commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
	# The docs/ file being written doesn't count.
	if [ -n "$(git status --porcelain -- . ':!docs/bench-*.md' 2>/dev/null)" ]; then commit="$commit + uncommitted changes"; fi
	echo "- Godot $godot_version, headless; RustNet release build (commit $commit)"
	echo "- CPU: $cpu, $cores logical cores; Linux $(uname -r); load average $load_before when the run started"
}

bench_http() {
	prepare
	step "HTTPClient vs RustHTTPClient in headless Godot ($pairs pairs per workload)"
	local load_before
	load_before=$(cut -d' ' -f1-3 /proc/loadavg)
	local log="$run_dir/godot.log" table="$run_dir/http.md" rc
	set +e
	timeout 900 "$godot" --headless --path godot_project -s "$root/bench/http_bench.gd" -- \
		--port="$port" --server-pid="$server_pid" --pairs="$pairs" --out="$table" \
		{server_in}>&- 2>&1 | tee "$log" >&2
	rc=${PIPESTATUS[0]}
	set -e
	if [ "$rc" -ne 0 ] || grep -q 'SCRIPT ERROR' "$log" || ! [ -s "$table" ]; then
		echo "bench.sh: the http benchmark failed (Godot exit code $rc; see the output above)" >&2
		return 1
	fi

	echo
	cat "$table"

	if [ "$pairs" -lt 5 ]; then
		echo "bench.sh: fewer than 5 pairs, docs/bench-http.md left as it was" >&2
		return 0
	fi
	mkdir -p docs
	{
		echo "# HTTP benchmark: \`RustHTTPClient\` vs Godot's \`HTTPClient\`"
		echo
		echo "Written by \`scripts/bench.sh http\` on $(date -u '+%Y-%m-%d %H:%M UTC'). A measurement, not a test:"
		echo "nothing here is asserted. Numbers move from run to run, by tens of percent on a busy machine (see the load average below)."
		echo
		machine_notes "$load_before"
		echo "- Server: \`bench-server\` (rust/bench) on 127.0.0.1, on the same machine"
		echo "- $pairs measured pairs per workload, after one warm-up pair; in each pair the built-in runs first"
		echo
		cat "$table"
		echo
		cat <<'NOTES'
How to read it:

- Every run uses a fresh client whose connection is made before the clock starts; the timed
  part is `request()` up to the end of the last body. Nothing awaits a frame while timing: the
  loops busy-poll, as a script that wants its data now would write them:
  `while status == STATUS_BODY: var chunk = read_response_body_chunk(); if chunk.is_empty(): poll()`
  (statically typed GDScript, the same source for both classes; see bench/http_bench.gd).
- MB/s counts 10^6 bytes per second of body. requests/s counts complete responses.
- bench-server's response head is minimal (40 bytes: status line and `Content-Length`), the
  most favourable case for the built-in, which reads a response head one byte per `recv()`.
- client CPU s: CPU time of all the threads of the Godot process during the timed part
  (`/proc/self/task/*/schedstat`). The loops busy-poll, so it stays close to the wall time;
  well below it means the client was waiting for a CPU (other processes on the machine).
- server CPU s: bench-server's CPU time during the same interval (its own process).
- Rust / built-in: for each pair, RustNet's number divided by the built-in's, then the median.
  Above 1 is better for RustNet in the rate rows; below 1 is better in the CPU rows.
NOTES
	} >docs/bench-http.md
	echo "bench.sh: wrote docs/bench-http.md" >&2
}

bench_https() {
	prepare
	if [ -z "$tls13_port" ] || [ -z "$tls12_port" ]; then
		echo "bench.sh: bench-server did not report its TLS ports" >&2
		return 1
	fi
	step "HTTPClient vs RustHTTPClient over HTTPS in headless Godot ($pairs pairs per workload)"
	local load_before
	load_before=$(cut -d' ' -f1-3 /proc/loadavg)
	local log="$run_dir/godot-https.log" table="$run_dir/https.md" rc
	set +e
	timeout 900 "$godot" --headless --path godot_project -s "$root/bench/https_bench.gd" -- \
		--tls13-port="$tls13_port" --tls12-port="$tls12_port" --ca="$root/rust/core/tests/data/ca.crt" \
		--server-pid="$server_pid" --pairs="$pairs" --out="$table" \
		{server_in}>&- 2>&1 | tee "$log" >&2
	rc=${PIPESTATUS[0]}
	set -e
	if [ "$rc" -ne 0 ] || grep -q 'SCRIPT ERROR' "$log" || ! [ -s "$table" ]; then
		echo "bench.sh: the https benchmark failed (Godot exit code $rc; see the output above)" >&2
		return 1
	fi

	echo
	cat "$table"

	if [ "$pairs" -lt 5 ]; then
		echo "bench.sh: fewer than 5 pairs, docs/bench-https.md left as it was" >&2
		return 0
	fi
	mkdir -p docs
	{
		echo "# HTTPS benchmark: \`RustHTTPClient\` vs Godot's \`HTTPClient\`"
		echo
		echo "Written by \`scripts/bench.sh https\` on $(date -u '+%Y-%m-%d %H:%M UTC'). A measurement, not a test:"
		echo "nothing here is asserted. Numbers move from run to run, by tens of percent on a busy machine (see the load average below)."
		echo
		machine_notes "$load_before"
		echo "- Server: \`bench-server\` (rust/bench) on 127.0.0.1, on the same machine: rustls 0.23 (ring provider, default cipher suites), one port TLS 1.3-only, one TLS 1.2-only, certificate \`rust/core/tests/data/localhost.crt\` (P-256 ECDSA)"
		echo "- Clients: \`TLSOptions.client(ca)\` with \`ca = X509Certificate\` loaded from \`rust/core/tests/data/ca.crt\`; \`connect_to_host(\"127.0.0.1\", port, tls)\` (the certificate names that IP)"
		echo "- $pairs measured pairs per workload, after one warm-up pair; in each pair the built-in runs first"
		echo
		cat "$table"
		echo
		cat <<'NOTES'
How to read it:

- Downloads: every run uses a fresh client whose connection, TLS handshake included, is made
  before the clock starts; the timed part is `request()` up to the end of the 100 MB body, read
  with the default read_chunk_size (64 KiB). MB/s counts 10^6 bytes per second of body.
- First byte: the time from `connect_to_host()` to the first non-empty
  `read_response_body_chunk()` of a GET of a 100-byte body, on a new client and connection
  (TCP connect, TLS handshake, request, response head, first body byte; no name look-up). Each
  run makes 10 such connections one after the other and reports their median; CPU and server
  CPU are per connection (the run's total divided by 10).
- Nothing awaits a frame while timing: the loops busy-poll, as a script that wants its data now
  would write them (statically typed GDScript, the same source for both classes; see
  bench/https_bench.gd). So client CPU stays close to the wall time even while a client only
  waits for the network; well below it means the client was waiting for a CPU.
- client CPU: CPU time of all the threads of the Godot process during the timed part
  (`/proc/self/task/*/schedstat`). server CPU: bench-server's, during the same interval.
- Rust / built-in: for each pair, RustNet's number divided by the built-in's, then the median.
  Above 1 is better for RustNet in the MB/s rows; below 1 is better in the ms and CPU rows.
- The cipher suites differ: bench-server follows the client's order of preference, and
  `BENCH_SERVER_LOG_TLS=1` shows the built-in (Godot's mbedTLS) choosing ChaCha20-Poly1305 over
  both TLS versions and RustNet (rustls, ring) AES-256-GCM. Each class as shipped: part of the
  download gap is the built-in's choice of a cipher without hardware support.
- Where the built-in's first-byte time goes (strace of the Godot process): its socket has no
  `TCP_NODELAY`, and mbedTLS sends the end of its handshake and the request in separate small
  `send()`s (TLS 1.2: ClientKeyExchange, ChangeCipherSpec, Finished; TLS 1.3: ChangeCipherSpec,
  Finished, then the request). Nagle's algorithm holds the later ones until the server ACKs the
  first, and the server, which can't answer before it has them all, delays that ACK (40 ms
  minimum on Linux): some 40-50 ms of the built-in's time is that wait, over TLS 1.2 and TLS 1.3
  alike. RustNet sets `TCP_NODELAY`.
- RustNet's `connect_to_host()` calls `X509Certificate.save_to_string()` on the CA, which on
  Godot 4.6 prints "Unicode parsing error ... Unexpected NUL character" once per connection; the
  benchmark's log shows one such line per RustNet connection. Harmless here.
NOTES
	} >docs/bench-https.md
	echo "bench.sh: wrote docs/bench-https.md" >&2
}

bench_ws() {
	prepare_addon
	step "TCPServer + WebSocketPeer vs RustTCPServer + RustWebSocketPeer in headless Godot ($pairs pairs per workload)"
	local load_before
	load_before=$(cut -d' ' -f1-3 /proc/loadavg)
	local log="$run_dir/godot-ws.log" table="$run_dir/ws.md" rc
	set +e
	timeout 1800 "$godot" --headless --path godot_project -s "$root/bench/ws_bench.gd" -- \
		--pairs="$pairs" --out="$table" 2>&1 | tee "$log" >&2
	rc=${PIPESTATUS[0]}
	set -e
	if [ "$rc" -ne 0 ] || grep -q 'SCRIPT ERROR' "$log" || ! [ -s "$table" ]; then
		echo "bench.sh: the ws benchmark failed (Godot exit code $rc; see the output above)" >&2
		return 1
	fi

	echo
	cat "$table"

	if [ "$pairs" -lt 5 ]; then
		echo "bench.sh: fewer than 5 pairs, docs/bench-ws.md left as it was" >&2
		return 0
	fi
	mkdir -p docs
	{
		echo "# WebSocket benchmark: \`RustWebSocketPeer\` vs Godot's \`WebSocketPeer\`"
		echo
		echo "Written by \`scripts/bench.sh ws\` on $(date -u '+%Y-%m-%d %H:%M UTC'). A measurement, not a test:"
		echo "nothing here is asserted. Numbers move from run to run, by tens of percent on a busy machine (see the load average below)."
		echo
		machine_notes "$load_before"
		echo "- Both ends of every connection in this one Godot process, over 127.0.0.1: built-in = \`TCPServer\` + \`WebSocketPeer\` (client and server side), RustNet = \`RustTCPServer\` + \`RustWebSocketPeer\` (client and server side)"
		echo "- $pairs measured pairs per workload, after one warm-up pair; in each pair the built-in runs first"
		echo
		cat "$table"
		echo
		cat <<'NOTES'
How to read it:

- One family per measurement: the client and the server side of a connection are the same
  family, so each number is the cost of both ends of the class under test (a script that uses
  `WebSocketPeer` uses it on both sides). In every workload the client side generates the load
  and the server side (the peer made by `accept_stream()` on a connection taken from the
  family's TCP server) receives or echoes it, the same for both families. The loops are
  statically typed GDScript, the same source compiled once per family (see bench/ws_bench.gd),
  so the GDScript work per message is identical and is part of both numbers.
- Connections are made before the clock starts. Nothing awaits a frame while timing: the loops
  busy-poll both ends (`poll()`, then `get_available_packet_count()` / `get_packet()`).
- Round trips: the client `send()`s 64 bytes (binary), the server polls until it has them and
  `send()`s them back, the client polls until the echo is there and compares it; 20,000 times.
- Pipelined messages: the client `send()`s while `get_current_outbound_buffered_amount()` leaves
  room under its `outbound_buffer_size` (1 MiB for the 1 KiB messages, 1 MiB + 64 KiB for the
  1 MiB ones; a `send()` refused with `ERR_OUT_OF_MEMORY` would be retried after a poll, and the
  progress log counts them: none so far), then polls itself and the server, which takes every
  message. The clock stops when the server has them all. MB/s counts 10^6 bytes of payload per
  second. Receivers: `inbound_buffer_size` 1 MiB and `max_queued_packets` 4096 for the 1 KiB
  messages, 4 MiB + 64 KiB and 4096 for the 1 MiB ones (both ends get the same settings).
- 1,000 clients: one server, 1,000 client peers in the same process (Godot's default buffer
  sizes). Every client keeps one 64-byte message in flight and sends the next when its echo
  arrives, 20 each (20,000 echoes); each pass polls the 1,000 server-side peers (echoing what
  they got) and then the 1,000 clients. messages/s counts echoes received by the clients.
  Then, with nothing in flight, 200 timed passes of `poll()` over the 1,000 server-side peers;
  the row is the median pass. The GDScript loop itself is part of it, the same for both: the
  next row, the same passes calling `get_ready_state()` instead of `poll()`, is that loop and
  call overhead. An idle `poll()` is one `recvfrom()` answered `EAGAIN` in both classes (strace),
  so the syscall is most of either number.
- process CPU / wall: CPU time of all of Godot's threads over wall time during the timed part
  (`/proc/self/task/*/schedstat`). The loops busy-poll one thread, so it stays close to 1.0;
  well below it means the benchmark waited for a CPU (other processes on the machine).
- RustNet / built-in: for each pair, RustNet's number divided by the built-in's, then the
  median. Above 1 is better for RustNet, except in the µs rows (lower is better).

Where RustNet's time goes in these workloads (perf, with suggestions): docs/bench-ws-profile.md.
NOTES
	} >docs/bench-ws.md
	echo "bench.sh: wrote docs/bench-ws.md" >&2
}

for suite in "${suites[@]}"; do
	"bench_$suite"
done
