#!/usr/bin/env bash
# demo_multiplayer.sh - `scripts/demo.sh multiplayer`: the multiplayer demo scene
# (godot_project/multiplayer/dots.tscn) as one headless server and two headless clients, each
# its own Godot process, for a few seconds; prints what each saw.
set -euo pipefail

usage() {
	cat <<'USAGE'
Usage: scripts/demo.sh multiplayer [--seconds=N] [--compress] [--server-class=C]
                                   [--clients=C1,C2] [--help]

Builds and installs the addon (scripts/build.sh), then runs godot_project/multiplayer/dots.tscn
headless: a server, then two clients ("alice" and "bob") that join it, move their dots and get
the whole world back by RPC ten times a second. After N seconds (default 4) each prints what it
saw; the server runs a little longer, to see them leave.

  --seconds=N          how long the clients play (default 4)
  --compress           permessage-deflate on the RustNet peers (agreed per connection)
  --server-class=C     ours (RustWebSocketMultiplayerPeer, default) or builtin
                       (Godot's WebSocketMultiplayerPeer)
  --clients=C1,C2      the two clients' classes: ours, builtin or godot3 (RustWebSocketClient
                       with gd_mp_api); default ours,builtin
  GODOT=/path          use this Godot instead of scripts/fetch-godot.sh's choice

Exits non-zero unless all three printed "DEMO DONE" without a SCRIPT ERROR.
USAGE
}

seconds=4
compress=()
server_class=ours
clients=ours,builtin
for arg in "$@"; do
	case "$arg" in
	--seconds=*) seconds=${arg#*=} ;;
	--compress) compress=(--compress) ;;
	--server-class=*) server_class=${arg#*=} ;;
	--clients=*) clients=${arg#*=} ;;
	-h | --help) usage; exit 0 ;;
	*) echo "demo.sh multiplayer: unknown argument '$arg'" >&2; usage >&2; exit 2 ;;
	esac
done
case "$seconds" in '' | *[!0-9.]*) echo "demo.sh multiplayer: --seconds needs a number" >&2; exit 2 ;; esac
IFS=, read -r class_a class_b <<<"$clients"
for c in "$server_class" "$class_a" "$class_b"; do
	case "$c" in ours | builtin | godot3) ;; *) echo "demo.sh multiplayer: unknown class '$c'" >&2; exit 2 ;; esac
done
[ "$server_class" = godot3 ] && { echo "demo.sh multiplayer: godot3 is a client only" >&2; exit 2; }

# shellcheck source=scripts/lib.sh
. "$(dirname -- "${BASH_SOURCE[0]}")/lib.sh"

make_run_dir demo-mp

step() { printf '\n==> %s\n' "$*"; }

step "build and install the addon (scripts/build.sh)"
if ! scripts/build.sh >"$run_dir/build.log" 2>&1; then
	cat "$run_dir/build.log" >&2
	echo "demo.sh multiplayer: scripts/build.sh failed" >&2
	exit 1
fi
godot=$(scripts/fetch-godot.sh 2>"$run_dir/fetch.log") || {
	cat "$run_dir/fetch.log" >&2
	exit 1
}
echo "done; Godot is $godot"

scene=res://multiplayer/dots.tscn
limit=$(python3 -c "import sys; print(int(float(sys.argv[1])) + 60)" "$seconds")
run() { # name, args...: one headless process of the scene, under a time-out
	local name=$1
	shift
	echo "\$ godot --headless --path godot_project $scene -- $*"
	timeout "$limit" "$godot" --headless --path godot_project "$scene" -- "$@" >"$run_dir/$name.log" 2>&1 &
	pids+=($!)
}

step "a server and two clients, $seconds seconds"
server_seconds=$(python3 -c "import sys; print(float(sys.argv[1]) + 1.5)" "$seconds")
run server --server --class="$server_class" --port-file="$run_dir/port" --seconds="$server_seconds" "${compress[@]}"
for i in $(seq 1 300); do
	[ -s "$run_dir/port" ] && break
	kill -0 "${pids[0]}" 2>/dev/null || break
	sleep 0.1
done
if [ ! -s "$run_dir/port" ]; then
	cat "$run_dir/server.log" >&2
	echo "demo.sh multiplayer: the server did not start" >&2
	exit 1
fi
url="ws://127.0.0.1:$(cat "$run_dir/port")"
run alice --client="$url" --name=alice --class="$class_a" --seconds="$seconds" "${compress[@]}"
run bob --client="$url" --name=bob --class="$class_b" --seconds="$seconds" "${compress[@]}"

failures=0
names=(server alice bob)
for k in 0 1 2; do
	rc=0
	wait "${pids[$k]}" || rc=$?
	name=${names[$k]}
	step "what $name saw"
	# Without Godot's banner lines.
	grep -v '^Initialize godot-rust (\|^Godot Engine v[0-9]\|^$' "$run_dir/$name.log" || true
	if grep -q 'SCRIPT ERROR' "$run_dir/$name.log"; then
		echo "demo.sh multiplayer: FAILED: SCRIPT ERROR in $name's output"
		failures=$((failures + 1))
	elif ! grep -q "^\[$name\] DEMO DONE$" "$run_dir/$name.log"; then
		echo "demo.sh multiplayer: FAILED: $name did not finish (exit code $rc)"
		failures=$((failures + 1))
	fi
done
pids=()
echo
if [ "$failures" -eq 0 ]; then
	echo "demo.sh multiplayer: server and both clients done"
else
	echo "demo.sh multiplayer: $failures of 3 processes failed"
	exit 1
fi
