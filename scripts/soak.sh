#!/usr/bin/env bash
# soak.sh - load and soak run: a Godot echo server on RustTCPServer + RustWebSocketPeer with N
# concurrent WebSocket clients, plus a RustHTTPClient doing keep-alive requests in a loop.
set -euo pipefail

usage() {
	cat <<'USAGE'
Usage: scripts/soak.sh [--mode=steady|churn|both] [--clients=N] [--duration=SECONDS]
                       [--rate=MSGS_PER_CLIENT_PER_SECOND] [--out=FILE] [--no-build]

Builds and installs the addon (scripts/build.sh, release), starts the Godot soak server
(bench/soak/soak_server.gd) and a keep-alive HTTP server, then runs the Python load generator
(bench/soak/soak_load.py, with the `websockets` package it installs into .cache/venv the first
time). Modes: steady (clients stay connected), churn (each client closes or aborts its
connection every few seconds and reconnects), both (one after the other; the default).
Defaults: 1000 clients, 600 s per mode, 2 messages per client per second.
Writes a Markdown report (messages sent/received/lost/duplicated/reordered, the server's RSS at
start and end, poll() time per frame p50/p99, HTTP counts) to --out (default docs/soak.md).
Exits non-zero if any message was lost, duplicated or reordered, or any HTTP request failed.
Not part of scripts/test.sh.
USAGE
}

mode=both
clients=1000
duration=600
rate=2
out=docs/soak.md
build=1
for arg in "$@"; do
	case "$arg" in
	--mode=*) mode=${arg#*=} ;;
	--clients=*) clients=${arg#*=} ;;
	--duration=*) duration=${arg#*=} ;;
	--rate=*) rate=${arg#*=} ;;
	--out=*) out=${arg#*=} ;;
	--no-build) build=0 ;;
	-h | --help) usage; exit 0 ;;
	*) echo "soak.sh: unknown argument '$arg'" >&2; usage >&2; exit 2 ;;
	esac
done
case "$mode" in steady) modes=(steady) ;; churn) modes=(churn) ;; both) modes=(steady churn) ;;
*) echo "soak.sh: bad --mode" >&2; exit 2 ;; esac

# shellcheck source=scripts/lib.sh
. "$(dirname -- "${BASH_SOURCE[0]}")/lib.sh"

venv_install websockets 17.4
python=$venv/bin/python
if [ "$build" = 1 ]; then scripts/build.sh; fi
godot=$(scripts/fetch-godot.sh)
ulimit -n "$((clients * 2 + 1024))" 2>/dev/null || true

make_run_dir soak

wait_file() { # path, pid
	local i
	for i in $(seq 1 300); do
		[ -s "$1" ] && return 0
		kill -0 "$2" 2>/dev/null || return 1
		sleep 0.1
	done
	return 1
}
rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }
field() { "$python" -c 'import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$1" "$2"; }

"$python" bench/soak/soak_load.py http-server --port-file "$run_dir/http.port" &
pids+=($!)
wait_file "$run_dir/http.port" "${pids[-1]}" || { echo "soak.sh: HTTP server did not start" >&2; exit 1; }
http_port=$(cat "$run_dir/http.port")

failed=0
report="$run_dir/report.md"
{
	echo "# Soak run"
	echo
	echo "Produced by \`scripts/soak.sh --mode=$mode --clients=$clients --duration=$duration --rate=$rate\`"
	echo "on $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores ($(uname -m)), Godot $("$godot" --version 2>/dev/null | head -n 1), release build."
	echo "Server: \`bench/soak/soak_server.gd\` (RustTCPServer + RustWebSocketPeer echo, plus a RustHTTPClient"
	echo "doing keep-alive GETs in a loop against a Python HTTP/1.1 server). Clients: \`bench/soak/soak_load.py\`"
	echo "(Python \`websockets\`, one asyncio process; messages are \`client:session:seq\` text frames)."
	echo "Poll time is the server's whole frame of work: accepting, polling every peer, echoing, the HTTP step."
	echo "The machine is shared with other jobs, so times are noisy; the counts are what matter."
	echo
} >"$report"

for m in "${modes[@]}"; do
	churn=0
	[ "$m" = churn ] && churn=3
	echo "soak.sh: mode $m: $clients clients, $duration s, $rate msg/s each"
	rm -f "$run_dir/ws.port" "$run_dir/server.json" "$run_dir/load.json"
	# The server runs a little longer than the clients so they can drain and close first.
	"$godot" --headless --path godot_project -s "$root/bench/soak/soak_server.gd" -- \
		--port-file="$run_dir/ws.port" --summary="$run_dir/server.json" \
		--duration="$((duration + 40))" --http-port="$http_port" >"$run_dir/godot-$m.log" 2>&1 &
	gpid=$!
	pids+=($gpid)
	wait_file "$run_dir/ws.port" "$gpid" || { echo "soak.sh: Godot server did not start" >&2; cat "$run_dir/godot-$m.log" >&2; exit 1; }
	ws_port=$(cat "$run_dir/ws.port")
	"$python" bench/soak/soak_load.py clients --url "ws://127.0.0.1:$ws_port/" --clients "$clients" \
		--duration "$duration" --rate "$rate" --churn "$churn" --summary "$run_dir/load.json" &
	lpid=$!
	pids+=($lpid)
	# RSS: first sample once every client had time to connect (ramp 10 s + margin), then
	# every 10 s; the last one just before the clients stop.
	sleep 20
	rss_start=$(rss_kb "$gpid")
	rss_max=$rss_start
	rss_end=$rss_start
	t=20
	while kill -0 "$lpid" 2>/dev/null; do
		sleep 10
		t=$((t + 10))
		if [ "$t" -le "$duration" ]; then
			r=$(rss_kb "$gpid")
			[ "$r" -gt "$rss_max" ] && rss_max=$r
			rss_end=$r
		fi
	done
	wait "$lpid" || true
	wait "$gpid" || true
	if [ ! -s "$run_dir/load.json" ] || [ ! -s "$run_dir/server.json" ]; then
		echo "soak.sh: mode $m produced no summary" >&2
		tail -n 20 "$run_dir/godot-$m.log" >&2
		failed=1
		continue
	fi
	sent=$(field "$run_dir/load.json" sent)
	received=$(field "$run_dir/load.json" received)
	lost=$(field "$run_dir/load.json" lost)
	dup=$(field "$run_dir/load.json" duplicated)
	reord=$(field "$run_dir/load.json" reordered)
	http_bad=$(($(field "$run_dir/server.json" http_bad_bodies) + $(field "$run_dir/server.json" http_errors)))
	verdict=PASS
	if [ "$lost" != 0 ] || [ "$dup" != 0 ] || [ "$reord" != 0 ] || [ "$http_bad" != 0 ] || [ "$sent" != "$received" ]; then
		verdict=FAIL
		failed=1
	fi
	script_errors=$(grep -c 'SCRIPT ERROR' "$run_dir/godot-$m.log" || true)
	{
		echo "## Mode: $m ($verdict)"
		echo
		if [ "$m" = churn ]; then
			echo "Each connection lives 1.5–4.5 s, stops sending, waits for its echoes, then closes (half with a"
			echo "close handshake, half by aborting the TCP connection) and reconnects."
			echo
		fi
		echo "| measure | value |"
		echo "|---|---|"
		echo "| clients | $clients concurrent, $rate msg/s each, $duration s |"
		echo "| messages sent / received | $sent / $received |"
		echo "| lost / duplicated / reordered | $lost / $dup / $reord |"
		echo "| WebSocket connections (client connects, connect errors) | $(field "$run_dir/load.json" connects), $(field "$run_dir/load.json" connect_errors) |"
		echo "| sessions closed cleanly / aborted / dropped by the server | $(field "$run_dir/load.json" sessions_closed) / $(field "$run_dir/load.json" sessions_aborted) / $(field "$run_dir/load.json" unexpected_disconnects) |"
		echo "| server: peers accepted / most at once | $(field "$run_dir/server.json" ws_accepted) / $(field "$run_dir/server.json" ws_max_concurrent) |"
		echo "| server: echo send errors | $(field "$run_dir/server.json" ws_echo_errors) |"
		echo "| server RSS start / end / max (KiB) | $rss_start / $rss_end / $rss_max |"
		echo "| poll() time per frame p50 / p99 / max (µs) | $(field "$run_dir/server.json" poll_us_p50) / $(field "$run_dir/server.json" poll_us_p99) / $(field "$run_dir/server.json" poll_us_max) |"
		echo "| frames | $(field "$run_dir/server.json" frames) in $(field "$run_dir/server.json" seconds) s |"
		echo "| HTTP keep-alive requests ok / bad body / errors / connections | $(field "$run_dir/server.json" http_requests_ok) / $(field "$run_dir/server.json" http_bad_bodies) / $(field "$run_dir/server.json" http_errors) / $(field "$run_dir/server.json" http_connections) |"
		echo "| SCRIPT ERRORs in the server log | $script_errors |"
		echo
	} >>"$report"
	[ "$script_errors" = 0 ] || failed=1
	echo "soak.sh: mode $m: $verdict (sent $sent, received $received, lost $lost)"
done

mkdir -p "$(dirname "$out")"
cp "$report" "$out"
echo "soak.sh: report written to $out"
cat "$out"
exit "$failed"
