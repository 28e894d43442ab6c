#!/usr/bin/env bash
# bench.sh - RustNet's classes against Godot's built-ins, timed. Not a test: asserts nothing
# about speed.
set -euo pipefail

usage() {
	cat <<'USAGE'
Usage: scripts/bench.sh [http] [--pairs=N] [--help]

Times RustNet's classes against Godot's built-in ones, in one headless Godot run per suite,
and prints each suite's results as a Markdown table on stdout (progress goes to stderr).
Nothing about speed is asserted: it fails only when a run breaks (a request fails, a SCRIPT
ERROR, a Godot crash or time-out).

Suites (no argument: all of them, which is just http for now):
  http        RustHTTPClient against HTTPClient, both talking to bench-server (rust/bench)
              on 127.0.0.1: a 100 MB download with the default read_chunk_size (64 KiB), 10,000
              keep-alive GETs of 100 bytes, and the 100 MB download with read_chunk_size
              1 MiB. The classes alternate (built-in, RustNet, built-in, ...). Writes the
              table, with the date and the machine, to docs/bench-http.md. About 1-2 minutes.

  --pairs=N   measured built-in/RustNet pairs per workload, after one warm-up pair (default 10;
              with fewer than 5 the docs/ file is not written)
  GODOT=/path use this Godot instead of scripts/fetch-godot.sh's choice

Runs scripts/build.sh first (fast when up to date) and builds bench-server in release mode.
USAGE
}

suites=()
pairs=10
for arg in "$@"; do
	case "$arg" in
	http) suites+=("$arg") ;;
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
[ "${#suites[@]}" -gt 0 ] || suites=(http)

root=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd -P)
cd "$root"
mkdir -p .cache
# Same Godot environment as scripts/test.sh: data dirs inside the cache, no backtrace capture.
export XDG_DATA_HOME="$root/.cache/godot-home/data" XDG_CONFIG_HOME="$root/.cache/godot-home/config" XDG_CACHE_HOME="$root/.cache/godot-home/cache"
mkdir -p "$XDG_DATA_HOME" "$XDG_CONFIG_HOME" "$XDG_CACHE_HOME"
unset RUST_BACKTRACE

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

bench_http() {
	step "build the addon and bench-server"
	scripts/build.sh >&2
	cargo build --release -p rustnet-bench >&2
	local godot
	godot=$(scripts/fetch-godot.sh)

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
	local port=${BASH_REMATCH[1]}
	[[ "$line" =~ \"pid\":\ *([0-9]+) ]] && server_pid=${BASH_REMATCH[1]}
	echo "bench-server: 127.0.0.1:$port, pid $server_pid" >&2

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
	local godot_version cpu cores commit
	godot_version=$("$godot" --version 2>/dev/null | tail -n 1)
	cpu=$(grep -m 1 '^model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')
	cores=$(grep -c '^processor' /proc/cpuinfo)
	commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
	if [ -n "$(git status --porcelain 2>/dev/null)" ]; then commit="$commit + uncommitted changes"; fi
	mkdir -p docs
	{
		echo "# HTTP benchmark: \`RustHTTPClient\` vs Godot's \`HTTPClient\`"
		echo
		echo "Written by \`scripts/bench.sh http\` on $(date -u '+%Y-%m-%d %H:%M UTC'). A measurement, not a test:"
		echo "nothing here is asserted. Numbers move from run to run, by tens of percent on a busy machine (see the load average below)."
		echo
		echo "- Godot $godot_version, headless; RustNet release build (commit $commit)"
		echo "- CPU: $cpu, $cores logical cores; Linux $(uname -r); load average $load_before when the run started"
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

for suite in "${suites[@]}"; do
	"bench_$suite"
done
