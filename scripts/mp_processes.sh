#!/usr/bin/env bash
# mp_processes.sh - multiplayer sessions across separate headless Godot processes: one server
# and three clients per scenario, mixing Godot's WebSocketMultiplayerPeer, RustNet's
# RustWebSocketMultiplayerPeer and RustWebSocketClient (gd_mp_api), with and without
# compression. Each process runs tests/mp_processes/node.gd and prints one [PASS]/[FAIL] line
# per check; this script adds them up and ends with "N passed, N failed".
set -euo pipefail

usage() {
	cat <<'USAGE'
Usage: scripts/mp_processes.sh [--keep-logs] [--help]

Needs the addon installed (scripts/build.sh). Run by scripts/test.sh after the GDScript suites.
Each scenario: the server starts first and writes the port it got to a file; the clients start
once it exists (polled, with a deadline). Every process runs under `timeout`; all are stopped
at the end. Exits non-zero on any failed check, SCRIPT ERROR, crash or time-out.

  --keep-logs  print every process's log, not only the failing ones'
  GODOT=/path  use this Godot instead of scripts/fetch-godot.sh's choice
USAGE
}

keep_logs=0
for arg in "$@"; do
	case "$arg" in
	--keep-logs) keep_logs=1 ;;
	-h | --help) usage; exit 0 ;;
	*) echo "mp_processes.sh: unknown argument '$arg'" >&2; usage >&2; exit 2 ;;
	esac
done

# shellcheck source=scripts/lib.sh
. "$(dirname -- "${BASH_SOURCE[0]}")/lib.sh"
godot=$(scripts/fetch-godot.sh)
node="$root/tests/mp_processes/node.gd"

make_run_dir mp

passed=0
failed=0
fail() { # name, why
	echo "[FAIL] $1: $2"
	failed=$((failed + 1))
}

start() { # log file, node.gd arguments...
	local log=$1
	shift
	timeout 90 "$godot" --headless --path godot_project -s "$node" -- "$@" >"$log" 2>&1 &
	pids+=($!)
}

# scenario name, server impl ("ours", "ours+compress", "builtin"), then one client spec per
# client: name:impl[+compress][:want-compress]
scenario() {
	local name=$1 server=$2
	shift 2
	local dir="$run_dir/$name"
	mkdir -p "$dir"
	local names=()
	local spec
	for spec in "$@"; do names+=("${spec%%:*}"); done
	local name_list
	name_list=$(IFS=,; echo "${names[*]}")
	local server_args=(--scenario="$name" --role=server --names="$name_list" --port-file="$dir/port")
	case "$server" in
	ours) server_args+=(--impl=ours) ;;
	ours+compress) server_args+=(--impl=ours --compress) ;;
	builtin) server_args+=(--impl=builtin) ;;
	esac
	local logs=("$dir/server.log") procs=()
	start "$dir/server.log" "${server_args[@]}"
	procs+=("${pids[-1]}")
	local i
	for i in $(seq 1 300); do
		[ -s "$dir/port" ] && break
		kill -0 "${pids[-1]}" 2>/dev/null || break
		sleep 0.1
	done
	if [ ! -s "$dir/port" ]; then
		fail "mp_processes::$name" "the server did not publish its port"
		cat "$dir/server.log"
		return
	fi
	local port
	port=$(cat "$dir/port")
	for spec in "$@"; do
		local cname=${spec%%:*} rest=${spec#*:}
		local impl=${rest%%:*} want=""
		[ "$rest" != "$impl" ] && want=${rest#*:}
		local args=(--scenario="$name" --role=client --name="$cname" --names="$name_list" --port="$port")
		case "$impl" in
		*+compress) args+=(--impl="${impl%+compress}" --compress) ;;
		*) args+=(--impl="$impl") ;;
		esac
		[ -n "$want" ] && args+=(--want-compress="$want")
		start "$dir/$cname.log" "${args[@]}"
		procs+=("${pids[-1]}")
		logs+=("$dir/$cname.log")
	done
	local k rc
	for k in "${!procs[@]}"; do
		rc=0
		wait "${procs[$k]}" || rc=$?
		local log=${logs[$k]} who
		who=$(basename "$log" .log)
		local p f e why=()
		p=$(grep -c '^\[PASS\]' "$log" || true)
		f=$(grep -c '^\[FAIL\]' "$log" || true)
		e=$(grep -c 'SCRIPT ERROR' "$log" || true)
		[ "$f" -gt 0 ] && why+=("$f failed check(s)")
		[ "$e" -gt 0 ] && why+=("$e SCRIPT ERROR(s)")
		[ "$rc" -ne 0 ] && why+=("exit code $rc")
		[ "$p" -eq 0 ] && why+=("no check ran")
		if [ "${#why[@]}" -eq 0 ]; then
			echo "[PASS] mp_processes::$name::$who ($p checks)"
			passed=$((passed + 1))
		else
			fail "mp_processes::$name::$who" "$(IFS=,; echo "${why[*]}")"
		fi
		if [ "$keep_logs" = 1 ] || [ "${#why[@]}" -gt 0 ]; then
			echo "----- $name/$who.log"
			grep -v '^Godot Engine\|^Initialize godot-rust\|^$' "$log" || true
		fi
	done
}

# Our server with a built-in client, our client and the Godot 3 client.
scenario our_server_mixed ours b1:builtin o1:ours g1:g3
# Godot's server with our clients (one offering compression, which the built-in declines).
scenario builtin_server_mixed builtin o1:ours oc:ours+compress:0 g1:g3
# Our server compressing: compressed with our clients, plain with the built-in one.
scenario our_server_compressed ours+compress oc:ours+compress:1 gc:g3+compress:1 b1:builtin

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
