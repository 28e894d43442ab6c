#!/usr/bin/env bash
# demo.sh - the demo: the main scene's showcase (default), the HTTPClient tutorial, multiplayer.
set -euo pipefail
if [ "${1:-}" = multiplayer ]; then shift; exec "$(dirname "$0")/demo_multiplayer.sh" "$@"; fi

usage() {
	cat <<'USAGE'
Usage: scripts/demo.sh                               the showcase (default)
       scripts/demo.sh tutorial [--builtin] [URL]    the HTTPClient tutorial
       scripts/demo.sh multiplayer [...]             the multiplayer demo (scripts/demo_multiplayer.sh)
       scripts/demo.sh --help

(no arguments) builds and installs the addon (scripts/build.sh), starts the loopback scenario
server (tests/servers/http_scenarios.py) and runs the demo project's main scene
(godot_project/demo/main.tscn) headless as a scripted showcase (godot_project/demo/showcase.gd):
its HTTP panel sends four requests and its WebSocket chat panel hosts a chat that a second panel
joins, messages go both ways and the guest closes with code 4000 — once with the RustNet classes,
once with Godot's built-ins (the scene's "built-in vs RustNet" switch). Prints the transcript;
exits non-zero unless it ends with SHOWCASE DONE. Open the same scene in the editor (F5) to use
the panels yourself.

tutorial: runs the HTTPClient tutorial of the Godot docs, ported to Godot 4 with only the class
renamed (godot_project/demo/http_tutorial.gd), in headless Godot, and prints its transcript.
(`scripts/demo.sh URL` and `scripts/demo.sh --builtin` also mean the tutorial.)

  (no URL)    builds and installs the addon (scripts/build.sh), starts the loopback scenario
              server (tests/servers/http_scenarios.py) and runs the tutorial twice against it:
              a chunked page (like the tutorial's php.net ChangeLog) and a Content-Length one
  URL         runs the tutorial once against URL, e.g. http://127.0.0.1:8080/x
              (http:// is assumed without a scheme; https:// passes --tls, which the current
              RustHTTPClient refuses with ERR_UNAVAILABLE)
  --builtin   run the twin script that uses Godot's own HTTPClient instead
              (godot_project/demo/http_tutorial_builtin.gd), for comparison
  GODOT=/path use this Godot instead of scripts/fetch-godot.sh's choice

The tutorial exits non-zero unless every run printed "TUTORIAL DONE" without any SCRIPT ERROR.
USAGE
}

mode=showcase
if [ "${1:-}" = tutorial ]; then
	mode=tutorial
	shift
fi
[ $# -gt 0 ] && mode=tutorial
case "${1:-}" in -h | --help) usage; exit 0 ;; esac

builtin=0
url=""
for arg in "$@"; do
	case "$arg" in
	--builtin) builtin=1 ;;
	-h | --help) usage; exit 0 ;;
	-*) echo "demo.sh: unknown option '$arg'" >&2; usage >&2; exit 2 ;;
	*)
		if [ -n "$url" ]; then
			echo "demo.sh: only one URL, please ('$url', then '$arg')" >&2
			exit 2
		fi
		url=$arg
		;;
	esac
done

# shellcheck source=scripts/lib.sh
. "$(dirname -- "${BASH_SOURCE[0]}")/lib.sh"

if [ "$builtin" = 1 ]; then
	script=demo/http_tutorial_builtin.gd
	class=HTTPClient
else
	script=demo/http_tutorial.gd
	class=RustHTTPClient
fi

# A URL is checked before the build: scheme, host, port and path become the tutorial's arguments.
args=()
if [ -n "$url" ]; then
	case "$url" in *://*) ;; *) url="http://$url" ;; esac
	if ! parts=$(python3 - "$url" <<'PY'
import sys
from urllib.parse import urlsplit

u = urlsplit(sys.argv[1])
if u.scheme not in ("http", "https") or not u.hostname:
    sys.exit(f"demo.sh: not an http:// or https:// URL: {sys.argv[1]}")
try:
    port = u.port or (443 if u.scheme == "https" else 80)
except ValueError as e:
    sys.exit(f"demo.sh: bad port in {sys.argv[1]}: {e}")
path = (u.path or "/") + (f"?{u.query}" if u.query else "")
print(u.scheme, u.hostname, port, path, sep="\n")
PY
	); then
		exit 2
	fi
	mapfile -t p <<<"$parts"
	args=("--host=${p[1]}" "--port=${p[2]}" "--path=${p[3]}")
	[ "${p[0]}" = https ] && args+=(--tls)
fi

step() { printf '\n==> %s\n' "$*"; }

make_run_dir demo

step "build and install the addon (scripts/build.sh)"
if ! scripts/build.sh >"$run_dir/build.log" 2>&1; then
	cat "$run_dir/build.log" >&2
	echo "demo.sh: scripts/build.sh failed" >&2
	exit 1
fi
godot=$(scripts/fetch-godot.sh 2>"$run_dir/fetch.log") || {
	cat "$run_dir/fetch.log" >&2
	exit 1
}
echo "done; Godot is $godot"

# Runs the tutorial once: run_tutorial <url shown> <tutorial args...>. Prints the transcript
# without Godot's banner, and counts it as a failure unless it printed TUTORIAL DONE (and no
# SCRIPT ERROR).
runs=0
failures=0
run_tutorial() {
	local shown=$1
	shift
	step "the tutorial with $class: GET $shown"
	echo "\$ godot --headless --path godot_project -s $script -- $*"
	local log="$run_dir/godot.log" rc=0
	# A script error makes a `-s` script hang instead of exiting: always under a time-out.
	timeout 120 "$godot" --headless --path godot_project -s "$script" -- "$@" >"$log" 2>&1 || rc=$?
	# Drop the banner: godot-rust's "Initialize godot-rust (...)", "Godot Engine v..." and the
	# blank line after it.
	awk '
		/^Initialize godot-rust \(/ { next }
		/^Godot Engine v[0-9]/ { banner = 1; next }
		banner && /^$/ { banner = 0; next }
		{ banner = 0; print }
	' "$log"
	runs=$((runs + 1))
	local why=""
	if grep -q 'SCRIPT ERROR' "$log"; then
		why="SCRIPT ERROR in Godot's output"
	elif [ "$rc" = 124 ]; then
		why="timed out after 120 s"
	elif ! grep -qx 'TUTORIAL DONE' "$log"; then
		why=$(grep -m1 '^TUTORIAL FAILED' "$log" || echo "no TUTORIAL DONE line (Godot exit code $rc)")
	fi
	if [ -n "$why" ]; then
		echo "demo.sh: FAILED: $why"
		failures=$((failures + 1))
	fi
}

start_scenario_server() {
	step "start the scenario server (tests/servers/http_scenarios.py)"
	python3 tests/servers/http_scenarios.py --host 127.0.0.1 --state-file "$run_dir/server.json" >"$run_dir/server.log" 2>&1 &
	server_pid=$!
	pids+=("$server_pid")
	for _ in $(seq 1 100); do
		[ -s "$run_dir/server.json" ] && break
		kill -0 "$server_pid" 2>/dev/null || break
		sleep 0.1
	done
	if [ ! -s "$run_dir/server.json" ]; then
		cat "$run_dir/server.log" >&2
		echo "demo.sh: the scenario server did not start" >&2
		exit 1
	fi
	port=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["port"])' "$run_dir/server.json")
	echo "listening on 127.0.0.1:$port"
}

if [ "$mode" = showcase ]; then
	start_scenario_server
	step "the demo scene's showcase (godot_project/demo/showcase.gd)"
	echo "\$ godot --headless --path godot_project -s demo/showcase.gd -- --http-port=$port"
	log="$run_dir/showcase.log"
	rc=0
	timeout 300 "$godot" --headless --path godot_project -s demo/showcase.gd -- "--http-port=$port" >"$log" 2>&1 || rc=$?
	awk '
		/^Initialize godot-rust \(/ { next }
		/^Godot Engine v[0-9]/ { banner = 1; next }
		banner && /^$/ { banner = 0; next }
		{ banner = 0; print }
	' "$log"
	echo
	if grep -q 'SCRIPT ERROR' "$log"; then
		echo "demo.sh: FAILED: SCRIPT ERROR in Godot's output"
		exit 1
	elif [ "$rc" = 124 ]; then
		echo "demo.sh: FAILED: the showcase timed out after 300 s"
		exit 1
	elif ! grep -qx 'SHOWCASE DONE' "$log"; then
		echo "demo.sh: FAILED: $(grep -m1 '^SHOWCASE FAILED' "$log" || echo "no SHOWCASE DONE line (Godot exit code $rc)")"
		exit 1
	fi
	echo "demo.sh: the showcase ran with the RustNet classes and with the built-ins: SHOWCASE DONE"
	exit 0
fi

if [ -n "$url" ]; then
	run_tutorial "$url" "${args[@]}"
else
	start_scenario_server
	for path in "/chunked?sizes=4096,8192,8192,2500" "/sized?n=5000"; do
		run_tutorial "http://127.0.0.1:$port$path" --host=127.0.0.1 "--port=$port" "--path=$path"
	done
fi

echo
if [ "$failures" -gt 0 ]; then
	echo "demo.sh: $failures of $runs tutorial run(s) with $class FAILED"
	exit 1
fi
echo "demo.sh: $runs of $runs tutorial run(s) with $class printed TUTORIAL DONE"
