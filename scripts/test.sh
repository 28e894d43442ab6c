#!/usr/bin/env bash
# test.sh - every RustNet test: Rust checks, the build, and the GDScript suites in headless Godot.
set -euo pipefail

usage() {
	cat <<'USAGE'
Usage: scripts/test.sh [--skip-rust] [--dir=<suite folders>] [--filter=<text>] [--help]

Runs, in order:
  1. cargo fmt --check, cargo clippy -D warnings, cargo test --workspace
  2. the scenario server's own self-test (python3 unittest)
  3. scripts/build.sh (release build, addon installed into godot_project/, project imported)
  4. every GDScript suite under tests/ in headless Godot, against loopback servers this
     script starts (and stops)
Ends with one line "N passed, N failed" counting the GDScript cases. Exits non-zero on any
failure, any SCRIPT ERROR in Godot's output, or a Godot crash or time-out.

  --skip-rust        skip step 1 (for quick GDScript iterations)
  --dir=a,b          only these suite folders under tests/ (e.g. --dir=http)
  --filter=text      only cases whose "suite::test" name contains text
  GODOT=/path        use this Godot instead of downloading one (scripts/fetch-godot.sh)
USAGE
}

skip_rust=0
runner_args=()
for arg in "$@"; do
	case "$arg" in
	--skip-rust) skip_rust=1 ;;
	--dir=* | --filter=*) runner_args+=("$arg") ;;
	-h | --help) usage; exit 0 ;;
	*) echo "test.sh: unknown argument '$arg'" >&2; usage >&2; exit 2 ;;
	esac
done

root=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd -P)
cd "$root"
mkdir -p .cache
# Godot needs a writable data dir; keep it inside the cache, away from the user's own.
export XDG_DATA_HOME="$root/.cache/godot-home/data" XDG_CONFIG_HOME="$root/.cache/godot-home/config" XDG_CACHE_HOME="$root/.cache/godot-home/cache"
mkdir -p "$XDG_DATA_HOME" "$XDG_CONFIG_HOME" "$XDG_CACHE_HOME"
# Backtrace capture makes every gdext call ~5 us in debug builds; tests don't need it.
unset RUST_BACKTRACE

step() { printf '\n==> %s\n' "$*"; }

if [ "$skip_rust" = 0 ]; then
	step "cargo fmt --check"
	cargo fmt --all -- --check
	step "cargo clippy -D warnings"
	cargo clippy --workspace --all-targets -- -D warnings
	step "cargo test --workspace"
	cargo test --workspace
fi

step "scenario server self-test"
python3 -m unittest tests/servers/test_http_scenarios.py 2>&1 | tail -n 3

step "build and install the addon"
scripts/build.sh
godot=$(scripts/fetch-godot.sh)

# --- loopback servers ---------------------------------------------------------------------
run_dir=$(mktemp -d "${TMPDIR:-/tmp}/rustnet-test.XXXXXX")
pids=()
cleanup() {
	for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
	wait 2>/dev/null || true
	rm -rf "$run_dir"
}
trap cleanup EXIT

start_server() { # name, extra args...
	local name=$1
	shift
	python3 tests/servers/http_scenarios.py --state-file "$run_dir/$name.json" "$@" >"$run_dir/$name.log" 2>&1 &
	pids+=($!)
	local i
	for i in $(seq 1 100); do
		[ -s "$run_dir/$name.json" ] && return 0
		kill -0 "${pids[-1]}" 2>/dev/null || break
		sleep 0.1
	done
	echo "test.sh: the $name server did not start:" >&2
	cat "$run_dir/$name.log" >&2
	return 1
}
json_field() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$1" "$2"; }

start_server http4 --host 127.0.0.1
export RUSTNET_HTTP_PORT=$(json_field "$run_dir/http4.json" port)
export RUSTNET_CLOSED_PORT=$(json_field "$run_dir/http4.json" closed_port)
if start_server http6 --host ::1 2>/dev/null; then
	export RUSTNET_HTTP6_PORT=$(json_field "$run_dir/http6.json" port)
fi

# --- GDScript suites -----------------------------------------------------------------------
step "GDScript suites in headless Godot"
log="$run_dir/godot.log"
set +e
timeout 1500 "$godot" --headless --path godot_project -s "$root/tests/runner.gd" -- "${runner_args[@]}" 2>&1 | tee "$log"
rc=${PIPESTATUS[0]}
set -e

summary=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$log" | tail -n 1 || true)
passed=0
failed=0
if [ -n "$summary" ]; then
	passed=${summary%% passed*}
	failed=${summary#*, }
	failed=${failed%% failed*}
fi
problems=()
script_errors=$(grep -c 'SCRIPT ERROR' "$log" || true)
if [ "$script_errors" -gt 0 ]; then
	problems+=("$script_errors SCRIPT ERROR(s) in Godot's output")
	failed=$((failed + script_errors))
fi
if [ -z "$summary" ]; then
	problems+=("Godot ended without a summary line (exit code $rc: crash or time-out)")
	failed=$((failed + 1))
elif [ "$rc" -ne 0 ] && [ "$failed" -eq 0 ]; then
	problems+=("Godot exited with code $rc")
	failed=1
fi

echo
for p in "${problems[@]}"; do echo "test.sh: $p"; done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
