#!/usr/bin/env bash
# screenshots.sh - regenerate docs/demo-*.png: the demo's main scene rendered in a real window.
set -euo pipefail

usage() {
	cat <<'USAGE'
Usage: scripts/screenshots.sh [--help]

Builds and installs the addon (scripts/build.sh), starts a virtual X display (Xvfb) and the
loopback scenario server (tests/servers/http_scenarios.py), and runs the demo's main scene in a
real Godot window with the OpenGL compatibility renderer (--rendering-driver opengl3) through
godot_project/demo/screenshots.gd, which saves each panel mid-transfer:
  docs/demo-http.png   the HTTP panel part-way through a slow download
  docs/demo-chat.png   the WebSocket chat panel hosting a chat with a guest

Needs Xvfb and Mesa's software OpenGL (Debian: xvfb, libgl1-mesa-dri, libegl1). When they are
missing and this runs as root (a development machine), it installs them with apt-get; otherwise
it says what to install. Not part of scripts/test.sh.
USAGE
}
case "${1:-}" in -h | --help) usage; exit 0 ;; "") ;; *) usage >&2; exit 2 ;; esac

# shellcheck source=scripts/lib.sh
. "$(dirname -- "${BASH_SOURCE[0]}")/lib.sh"

if ! command -v Xvfb >/dev/null || [ ! -e /usr/lib/x86_64-linux-gnu/dri/swrast_dri.so ]; then
	if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
		echo "screenshots.sh: installing xvfb and Mesa (apt-get)" >&2
		DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
			xvfb xauth libgl1-mesa-dri libegl1 libgl1 >&2
	else
		echo "screenshots.sh: needs Xvfb and Mesa: apt-get install xvfb libgl1-mesa-dri libegl1" >&2
		exit 1
	fi
fi

make_run_dir shots

scripts/build.sh >"$run_dir/build.log" 2>&1 || { cat "$run_dir/build.log" >&2; exit 1; }
godot=$(scripts/fetch-godot.sh)

# Xvfb picks a free display number and writes it to the fd we give it.
exec 3>"$run_dir/display"
Xvfb -displayfd 3 -screen 0 1100x680x24 -nolisten tcp >"$run_dir/xvfb.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 100); do
	[ -s "$run_dir/display" ] && break
	sleep 0.1
done
exec 3>&-
[ -s "$run_dir/display" ] || { cat "$run_dir/xvfb.log" >&2; echo "screenshots.sh: Xvfb did not start" >&2; exit 1; }
export DISPLAY=":$(head -n 1 "$run_dir/display")"

python3 tests/servers/http_scenarios.py --host 127.0.0.1 --state-file "$run_dir/server.json" >"$run_dir/server.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 100); do
	[ -s "$run_dir/server.json" ] && break
	sleep 0.1
done
port=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["port"])' "$run_dir/server.json")

mkdir -p docs
rc=0
timeout 120 "$godot" --display-driver x11 --rendering-driver opengl3 --path godot_project \
	-s demo/screenshots.gd -- "--http-port=$port" "--out=$root/docs" >"$run_dir/godot.log" 2>&1 || rc=$?
grep -E '^saved |SCRIPT ERROR|^ERROR' "$run_dir/godot.log" || true
if ! grep -qx 'SCREENSHOTS DONE' "$run_dir/godot.log" || grep -q 'SCRIPT ERROR' "$run_dir/godot.log"; then
	cat "$run_dir/godot.log" >&2
	echo "screenshots.sh: FAILED (Godot exit code $rc)" >&2
	exit 1
fi
echo "screenshots.sh: wrote docs/demo-http.png and docs/demo-chat.png"
