#!/usr/bin/env bash
# bench.sh - RustNet's classes against Godot's built-ins and a native Rust limit, timed. Not a
# test: asserts nothing about speed, and scripts/test.sh never runs it.
set -euo pipefail

usage() {
	cat <<'USAGE'
Usage: scripts/bench.sh [http] [https] [ws] [server] [all] [--pairs=N] [--no-native] [--help]

Times RustNet's classes against Godot's built-in ones. Each suite is one headless Godot
process that alternates the two (built-in, RustNet, built-in, ... : one warm-up pair, then N
measured pairs) and records every run; then bench/report.py prints the suite's rows and
rewrites docs/benchmarks.md (medians, min-max, the median of the per-pair ratios, the native
limit, the target of issue 8 and whether it is met, the load generators' CPU) and the chart
docs/benchmarks.png from docs/benchmarks.json, where each suite's latest results are kept.
It fails only when a run breaks (a request fails, a message is lost, a SCRIPT ERROR, a crash).

Suites (no argument or `all`: every one, in this order):
  http     RustHTTPClient vs HTTPClient against bench-server (rust/bench) on 127.0.0.1: 100 MB
           with read_chunk_size 64 KiB (default) and 1 MiB, 10,000 keep-alive GETs of 100 B.
  https    the same over rustls (bench-server's TLS ports, test CA): 100 MB over TLS 1.3 and
           1.2, new connection to first body byte over TLS 1.2 and 1.3.
  ws       TCPServer + WebSocketPeer vs RustTCPServer + RustWebSocketPeer, both ends in Godot:
           20,000 round trips of 64 B, 100,000 pipelined 1 KiB messages, 200 messages of 1 MiB,
           1,000 clients echoing, an idle poll() pass over 1,000 server-side peers.
  server   the two servers against bench-native's load generators: an echo server saturated
           by 100 clients, 1,000 clients connecting at once; and resident memory per idle
           peer (one fresh Godot process per run, N pairs of processes).

The native-limit column comes from bench-native (rust/bench): the same workloads written
as plain Rust programs (no Godot), run N times right after each suite.

  --pairs=N     measured pairs per workload (default 5; fewer than 5 leaves the docs alone)
  --no-native   skip the native-limit runs (their column keeps the previous values blank)
  GODOT=/path   use this Godot instead of scripts/fetch-godot.sh's choice

Builds the addon (scripts/build.sh) and rust/bench (release) first, and installs matplotlib
into .cache/venv for the chart. A whole `all` run takes about 15 minutes on 2 cores; run it
on a quiet machine (the load average is recorded with the results).
USAGE
}

suites=()
pairs=5
native=1
for arg in "$@"; do
	case "$arg" in
	http | https | ws | server) suites+=("$arg") ;;
	all) suites+=(http https ws server) ;;
	--pairs=*)
		pairs=${arg#--pairs=}
		if ! [[ "$pairs" =~ ^[1-9][0-9]*$ ]]; then
			echo "bench.sh: --pairs needs a positive integer, got '$pairs'" >&2
			exit 2
		fi
		;;
	--no-native) native=0 ;;
	-h | --help) usage; exit 0 ;;
	*) echo "bench.sh: unknown argument '$arg'" >&2; usage >&2; exit 2 ;;
	esac
done
[ "${#suites[@]}" -gt 0 ] || suites=(http https ws server)

# shellcheck source=scripts/lib.sh
. "$(dirname -- "${BASH_SOURCE[0]}")/lib.sh"

make_run_dir bench
step() { printf '\n==> %s\n' "$*" >&2; }

step "build the addon and bench-server / bench-native (release)"
scripts/build.sh >&2
cargo build --release -p rustnet-bench >&2
godot=$(scripts/fetch-godot.sh)
venv_install matplotlib 3.9.2
bench_native="$root/target/release/bench-native"
ca="$root/rust/core/tests/data/ca.crt"
# 1,000 clients in the load generator and 1,000 (or 2,000) sockets in Godot.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

server_in=
port=
tls13_port=
tls12_port=
server_pid=
# Starts bench-server once for http and https. Closing its stdin (when this script exits, for
# whatever reason) ends it.
start_bench_server() {
	[ -z "$port" ] || return 0
	step "start bench-server"
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
	pids+=("$server_pid")
	echo "bench-server: 127.0.0.1:$port (HTTPS: TLS 1.3 on $tls13_port, TLS 1.2 on $tls12_port), pid $server_pid" >&2
}

# How and where a suite ran: one line for docs/benchmarks.md.
about() { # load average when the suite started
	local godot_version cpu cores commit
	godot_version=$("$godot" --version 2>/dev/null | tail -n 1)
	cpu=$(grep -m 1 '^model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')
	cores=$(grep -c '^processor' /proc/cpuinfo)
	commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
	if [ -n "$(git status --porcelain -- . ':!docs/benchmarks.*' 2>/dev/null)" ]; then commit="$commit + uncommitted changes"; fi
	echo "$(date -u '+%Y-%m-%d %H:%M UTC'), $pairs pairs; Godot $godot_version headless, RustNet release build (commit $commit); $cpu, $cores logical cores, Linux $(uname -r); load average $1 at the start"
}

# run_godot NAME SCRIPT ARGS...: one headless Godot run of a bench script; fails on a non-zero
# exit, a SCRIPT ERROR in its output, or a missing results file ($run_dir/NAME.json).
run_godot() {
	local name=$1 script=$2 rc
	shift 2
	set +e
	(
		# Godot must not hold bench-server's stdin open.
		if [ -n "$server_in" ]; then exec {server_in}>&-; fi
		exec timeout 1800 "$godot" --headless --path godot_project -s "$root/bench/$script" -- \
			--json="$run_dir/$name.json" "$@"
	) 2>&1 | tee "$run_dir/$name.log" >&2
	rc=${PIPESTATUS[0]}
	set -e
	if [ "$rc" -ne 0 ] || grep -q 'SCRIPT ERROR' "$run_dir/$name.log" || ! [ -s "$run_dir/$name.json" ]; then
		echo "bench.sh: $name failed (Godot exit code $rc; see the output above)" >&2
		return 1
	fi
}

# native ROW SUBCOMMAND ARGS...: bench-native's runs for ROW's native-limit column.
native_args=()
native() {
	[ "$native" = 1 ] || return 0
	local row=$1
	shift
	echo "bench-native $*" >&2
	"$bench_native" "$@" --runs="$pairs" --out="$run_dir/native-$row.json" >&2
	native_args+=(--native "$row=$run_dir/native-$row.json")
}

# Runs of bench-native ws-connect-burst (one run per process) merged into one results file.
native_bursts() { # port
	[ "$native" = 1 ] || return 0
	local i
	for i in $(seq 1 "$pairs"); do
		"$bench_native" ws-connect-burst --port="$1" --clients=1000 --timeout=20 --out="$run_dir/burst-$i.json" >&2
	done
	"$venv/bin/python" - "$run_dir" "$pairs" <<'PY'
import json, sys
d, n = sys.argv[1], int(sys.argv[2])
runs = [json.load(open(f"{d}/burst-{i}.json"))["runs"][0] for i in range(1, n + 1)]
json.dump({"name": "ws-connect-burst", "runs": runs}, open(f"{d}/native-ws_connect_open.json", "w"))
PY
	cp "$run_dir/native-ws_connect_open.json" "$run_dir/native-ws_connect_seconds.json"
	native_args+=(--native "ws_connect_open=$run_dir/native-ws_connect_open.json" --native "ws_connect_seconds=$run_dir/native-ws_connect_seconds.json")
}

results=()
abouts=()
for suite in "${suites[@]}"; do
	load=$(cut -d' ' -f1-3 /proc/loadavg)
	case "$suite" in
	http)
		start_bench_server
		step "http: HTTPClient vs RustHTTPClient ($pairs pairs per workload)"
		run_godot http http_bench.gd --port="$port" --server-pid="$server_pid" --pairs="$pairs"
		step "http: native limit (bench-native)"
		native http_download_64k http-download --port="$port" --bytes=100000000 --chunk=65536
		native http_download_1m http-download --port="$port" --bytes=100000000 --chunk=1048576
		native http_keepalive http-keepalive --port="$port" --requests=10000 --size=100
		;;
	https)
		start_bench_server
		step "https: HTTPClient vs RustHTTPClient over TLS ($pairs pairs per workload)"
		run_godot https https_bench.gd --tls13-port="$tls13_port" --tls12-port="$tls12_port" \
			--ca="$ca" --server-pid="$server_pid" --pairs="$pairs"
		step "https: native limit (bench-native)"
		native https_download_tls13 https-download --port="$tls13_port" --ca="$ca" --bytes=100000000 --chunk=65536
		native tls12_first_byte tls-first-byte --port="$tls12_port" --ca="$ca" --connections=10
		;;
	ws)
		step "ws: TCPServer + WebSocketPeer vs RustTCPServer + RustWebSocketPeer ($pairs pairs per workload)"
		run_godot ws ws_bench.gd --pairs="$pairs"
		step "ws: native limit (bench-native)"
		native ws_roundtrip ws-roundtrip --count=20000 --size=64
		native ws_pipelined_1k ws-pipeline --count=100000 --size=1024
		[ "$native" = 1 ] && native_args+=(--native "ws_pipelined_1k_mbps=$run_dir/native-ws_pipelined_1k.json")
		native ws_1mib ws-pipeline --count=200 --size=1048576
		;;
	server)
		step "server: echo server and connection burst against bench-native ($pairs pairs per workload)"
		run_godot server ws_bench.gd --only=echo,connect --native="$bench_native" --run-dir="$run_dir" --pairs="$pairs"
		step "server: resident memory per idle peer ($pairs pairs of fresh Godot processes)"
		for i in $(seq 1 "$pairs"); do
			for cls in builtin rust; do
				run_godot "rss-$i-$cls" ws_bench.gd --only=rss --class="$cls"
				results+=("$run_dir/rss-$i-$cls.json")
			done
		done
		if [ "$native" = 1 ]; then
			step "server: native limit (bench-native ws-echo-server, single thread)"
			# Its stdin is our pipe: closing it ends the server.
			exec {echo_in}> >(exec "$bench_native" ws-echo-server >"$run_dir/echo-server.out")
			for _ in $(seq 1 100); do
				[ -s "$run_dir/echo-server.out" ] && break
				sleep 0.1
			done
			line=$(head -n 1 "$run_dir/echo-server.out" 2>/dev/null || true)
			[[ "$line" =~ \"pid\":\ *([0-9]+) ]] && pids+=("${BASH_REMATCH[1]}")
			if ! [[ "$line" =~ \"port\":\ *([0-9]+) ]]; then
				echo "bench.sh: ws-echo-server did not report its port (got '$line')" >&2
				exit 1
			fi
			echo_port=${BASH_REMATCH[1]}
			native ws_echo_server ws-echo-load --port="$echo_port" --clients=100 --size=64 --window=16 --seconds=3
			native_bursts "$echo_port"
			exec {echo_in}>&-
		fi
		;;
	esac
	[ "$suite" = server ] || results+=("$run_dir/$suite.json")
	[ "$suite" != server ] || results+=("$run_dir/server.json")
	abouts+=(--about "$suite=$(about "$load")")
done

if [ "$pairs" -lt 5 ]; then
	step "fewer than 5 pairs: docs/benchmarks.* left as they were"
	cp docs/benchmarks.json "$run_dir/store.json" 2>/dev/null || true
	"$venv/bin/python" bench/report.py --store "$run_dir/store.json" --markdown "$run_dir/benchmarks.md" \
		"${abouts[@]}" "${native_args[@]}" "${results[@]}"
	exit 0
fi
step "report: docs/benchmarks.md, docs/benchmarks.png"
"$venv/bin/python" bench/report.py --store docs/benchmarks.json --markdown docs/benchmarks.md \
	--chart docs/benchmarks.png --head bench/benchmarks-notes.md \
	"${abouts[@]}" "${native_args[@]}" "${results[@]}"
