#!/usr/bin/env bash
# test.sh - every RustNet test: Rust checks, the build, and the GDScript suites in headless Godot.
set -euo pipefail

usage() {
	cat <<'USAGE'
Usage: scripts/test.sh [--skip-rust] [--skip-fuzz] [--dir=<suite folders>] [--filter=<text>] [--help]

Runs, in order:
  1. cargo fmt --check, cargo clippy -D warnings, cargo test --workspace
     then short fuzz runs: scripts/fuzz.sh, FUZZ_SECONDS (default 30) per target; each
     target counts as one case in the summary
  2. the scenario server's own self-test (python3 unittest)
  3. scripts/build.sh (release build, addon installed into godot_project/, project imported)
     and scripts/package.sh (the Asset Library zip in dist/)
  4. every GDScript suite under tests/ in headless Godot, against loopback servers this
     script starts (and stops)
  5. scripts/mp_processes.sh: multiplayer sessions across separate Godot processes (a server
     and three clients each, built-in and RustNet mixed); each process counts as one case
  6. the new-user check: an empty Godot project in a temporary folder, the zip unzipped into it
     as the Asset Library would, imported, then tests/new_user/new_user.gd uses every class
     once, and a headless editor opens each class in the F1 help (tests/new_user/help_check);
     and every [libraries]/[icons] path of the zip's manifest is in the zip
Ends with one line "N passed, N failed" counting the GDScript cases, the multiplayer processes
and the new-user checks (use --skip-new-user to leave step 6 out). Exits non-zero on any
failure, any SCRIPT ERROR in Godot's output, or a Godot crash or time-out.

  --skip-rust        skip step 1 (for quick GDScript iterations)
  --skip-fuzz        skip the short fuzz runs
  --skip-new-user    skip the packaging and step 5
  --dir=a,b          only these suite folders under tests/ (e.g. --dir=http)
  --filter=text      only cases whose "suite::test" name contains text
  GODOT=/path        use this Godot instead of downloading one (scripts/fetch-godot.sh)
USAGE
}

skip_rust=0
skip_fuzz=0
skip_new_user=0
runner_args=()
for arg in "$@"; do
	case "$arg" in
	--skip-rust) skip_rust=1; skip_fuzz=1 ;;
	--skip-fuzz) skip_fuzz=1 ;;
	--skip-new-user) skip_new_user=1 ;;
	--dir=* | --filter=*) runner_args+=("$arg") ;;
	-h | --help) usage; exit 0 ;;
	*) echo "test.sh: unknown argument '$arg'" >&2; usage >&2; exit 2 ;;
	esac
done

# shellcheck source=scripts/lib.sh
. "$(dirname -- "${BASH_SOURCE[0]}")/lib.sh"

step() { printf '\n==> %s\n' "$*"; }

if [ "$skip_rust" = 0 ]; then
	step "cargo fmt --check"
	cargo fmt --all -- --check
	step "cargo clippy -D warnings"
	cargo clippy --workspace --all-targets -- -D warnings
	step "cargo test --workspace"
	cargo test --workspace
fi

# Short fuzz runs; counted with the GDScript cases at the end (one case per target).
fuzz_passed=0
fuzz_failed=0
if [ "$skip_fuzz" = 0 ]; then
	step "short fuzz runs (scripts/fuzz.sh ${FUZZ_SECONDS:-30})"
	fuzz_log=$(mktemp "${TMPDIR:-/tmp}/rustnet-fuzz.XXXXXX")
	set +e
	scripts/fuzz.sh "${FUZZ_SECONDS:-30}" 2>&1 | tee "$fuzz_log"
	set -e
	fuzz_summary=$(grep -E '^fuzz: [0-9]+ passed, [0-9]+ failed$' "$fuzz_log" | tail -n 1 || true)
	if [ -n "$fuzz_summary" ]; then
		fuzz_passed=${fuzz_summary#fuzz: }
		fuzz_passed=${fuzz_passed%% passed*}
		fuzz_failed=${fuzz_summary#*, }
		fuzz_failed=${fuzz_failed%% failed*}
	else
		fuzz_failed=1
	fi
	rm -f "$fuzz_log"
fi

step "scenario server self-test"
python3 -m unittest tests/servers/test_http_scenarios.py 2>&1 | tail -n 3

step "build and install the addon"
scripts/build.sh
godot=$(scripts/fetch-godot.sh)
if [ "$skip_new_user" = 0 ]; then
	step "package the addon (scripts/package.sh)"
	zip_path=$(scripts/package.sh)
fi

# --- loopback servers ---------------------------------------------------------------------
make_run_dir test

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
json_field() { # file, key[.subkey]
	python3 -c 'import json,sys
v = json.load(open(sys.argv[1]))
for k in sys.argv[2].split("."):
    v = v[k]
print(v)' "$1" "$2"
}
wait_for_file() { # path, pid, what: waits until the file is non-empty while pid lives
	local i
	for i in $(seq 1 150); do
		[ -s "$1" ] && return 0
		kill -0 "$2" 2>/dev/null || break
		sleep 0.1
	done
	echo "test.sh: $3 did not start" >&2
	return 1
}

# The test PKI for the HTTPS suites (cached; tests/servers/make_certs.sh documents every file).
cert_dir="$root/.cache/certs"
tests/servers/make_certs.sh "$cert_dir"
export RUSTNET_CERT_DIR="$cert_dir"
tls_arg() { # name, certificate file stem, [min], [max]
	local key=${2%.chain}
	printf -- '--tls=%s:%s/%s.pem:%s/%s.key:%s:%s' "$1" "$cert_dir" "$2" "$cert_dir" "$key" "${3:-}" "${4:-}"
}

# The main scenario server: the plain port (also our CONNECT proxy), the HTTPS ports, and the
# ports that misbehave on purpose.
start_server http4 --host 127.0.0.1 \
	"$(tls_arg https13 server-rsa 1.3 1.3)" "$(tls_arg https12 server-rsa 1.2 1.2)" \
	"$(tls_arg ecdsa server-ecdsa)" "$(tls_arg chain server-rsa.chain)" \
	"$(tls_arg expired expired)" "$(tls_arg notyet notyet)" "$(tls_arg wronghost wronghost)" \
	"$(tls_arg selfsigned selfsigned)" "$(tls_arg unknownca unknownca)" \
	--garbage-port --silent-port --blackhole-port
state="$run_dir/http4.json"
export RUSTNET_HTTP_PORT=$(json_field "$state" port)
export RUSTNET_CLOSED_PORT=$(json_field "$state" closed_port)
export RUSTNET_HTTPS13_PORT=$(json_field "$state" tls_ports.https13)
export RUSTNET_HTTPS12_PORT=$(json_field "$state" tls_ports.https12)
export RUSTNET_HTTPS_ECDSA_PORT=$(json_field "$state" tls_ports.ecdsa)
export RUSTNET_HTTPS_CHAIN_PORT=$(json_field "$state" tls_ports.chain)
export RUSTNET_HTTPS_EXPIRED_PORT=$(json_field "$state" tls_ports.expired)
export RUSTNET_HTTPS_NOTYET_PORT=$(json_field "$state" tls_ports.notyet)
export RUSTNET_HTTPS_WRONGHOST_PORT=$(json_field "$state" tls_ports.wronghost)
export RUSTNET_HTTPS_SELFSIGNED_PORT=$(json_field "$state" tls_ports.selfsigned)
export RUSTNET_HTTPS_UNKNOWNCA_PORT=$(json_field "$state" tls_ports.unknownca)
export RUSTNET_TLS_GARBAGE_PORT=$(json_field "$state" garbage_port)
export RUSTNET_SILENT_PORT=$(json_field "$state" silent_port)
export RUSTNET_BLACKHOLE_PORT=$(json_field "$state" blackhole_port)
if start_server http6 --host ::1 2>/dev/null; then
	export RUSTNET_HTTP6_PORT=$(json_field "$run_dir/http6.json" port)
fi

# A real proxy that we did not write: proxy.py from PyPI, in a private venv (installed once).
venv_install proxy.py 2.4.10
# WebSocket peers that we did not write, for tests/interop: Python websockets (same venv) and
# Node's ws (npm, into .cache/node; nothing global). Installed once each.
venv_install websockets 17.4
ws_node_version=8.23.0
node_dir="$root/.cache/node"
if [ ! -f "$node_dir/.ws-$ws_node_version" ]; then
	echo "test.sh: installing ws $ws_node_version into $node_dir" >&2
	mkdir -p "$node_dir"
	npm install --prefix "$node_dir" --no-save --no-audit --no-fund --silent "ws@$ws_node_version"
	touch "$node_dir/.ws-$ws_node_version"
fi
start_proxy() { # name, extra args...: proxy.py on an ephemeral loopback port, no plugins
	local name=$1
	shift
	"$venv/bin/proxy" --hostname 127.0.0.1 --port 0 --port-file "$run_dir/$name.port" \
		--num-workers 1 --num-acceptors 1 --log-level WARNING "$@" >"$run_dir/$name.log" 2>&1 &
	pids+=($!)
}
start_proxy proxy
start_proxy proxy-auth --basic-auth user:pass
wait_for_file "$run_dir/proxy.port" "${pids[-2]}" "proxy.py" || { cat "$run_dir/proxy.log" >&2; exit 1; }
wait_for_file "$run_dir/proxy-auth.port" "${pids[-1]}" "proxy.py (auth)" || { cat "$run_dir/proxy-auth.log" >&2; exit 1; }
export RUSTNET_REAL_PROXY_PORT=$(head -n 1 "$run_dir/proxy.port")
export RUSTNET_REAL_PROXY_AUTH_PORT=$(head -n 1 "$run_dir/proxy-auth.port")

# The WebSocket echo servers (tests/servers/ws_echo_*), and what the interop suite needs to run
# the matching clients itself.
export NODE_PATH="$node_dir/node_modules"
export RUSTNET_PYTHON="$venv/bin/python" RUSTNET_NODE=$(command -v node) RUSTNET_RUN_DIR="$run_dir"
export RUSTNET_WS_CLIENT_PY="$root/tests/servers/ws_client_py.py" RUSTNET_WS_CLIENT_NODE="$root/tests/servers/ws_client_node.js"
"$RUSTNET_PYTHON" tests/servers/ws_echo_py.py --state-file "$run_dir/ws-py.json" >"$run_dir/ws-py.log" 2>&1 &
pids+=($!)
wait_for_file "$run_dir/ws-py.json" "${pids[-1]}" "ws_echo_py.py" || { cat "$run_dir/ws-py.log" >&2; exit 1; }
"$RUSTNET_NODE" tests/servers/ws_echo_node.js --state-file "$run_dir/ws-node.json" >"$run_dir/ws-node.log" 2>&1 &
pids+=($!)
wait_for_file "$run_dir/ws-node.json" "${pids[-1]}" "ws_echo_node.js" || { cat "$run_dir/ws-node.log" >&2; exit 1; }
export RUSTNET_WS_PY_PORT=$(json_field "$run_dir/ws-py.json" port)
export RUSTNET_WS_NODE_PORT=$(json_field "$run_dir/ws-node.json" port)

# The hostile peers of tests/hostile (tests/servers/hostile.py): servers that misbehave on
# purpose, and on request a client that attacks a Godot server.
python3 tests/servers/hostile.py --state-file "$run_dir/hostile.json" \
	--cert "$cert_dir/server-rsa.pem" --key "$cert_dir/server-rsa.key" >"$run_dir/hostile.log" 2>&1 &
pids+=($!)
wait_for_file "$run_dir/hostile.json" "${pids[-1]}" "hostile.py" || { cat "$run_dir/hostile.log" >&2; exit 1; }
export RUSTNET_HOSTILE_PORT=$(json_field "$run_dir/hostile.json" port)
export RUSTNET_HOSTILE_TLS_PORT=$(json_field "$run_dir/hostile.json" tls_port)
export RUSTNET_HOSTILE_RAW_TLS=$(python3 -c 'import json,sys; print(json.dumps(json.load(open(sys.argv[1]))["raw_tls"]))' "$run_dir/hostile.json")

# openssl s_server -www (TLS 1.3 only): it cannot report an ephemeral port, so take a free one
# and try again if another process grabbed it first.
for attempt in 1 2 3 4 5; do
	port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
	openssl s_server -quiet -www -tls1_3 -accept "127.0.0.1:$port" \
		-cert "$cert_dir/server-rsa.pem" -key "$cert_dir/server-rsa.key" >"$run_dir/openssl.log" 2>&1 &
	pids+=($!)
	for i in $(seq 1 50); do
		kill -0 "${pids[-1]}" 2>/dev/null || break
		if python3 -c 'import socket, sys; socket.create_connection(("127.0.0.1", int(sys.argv[1])), 1).close()' "$port" 2>/dev/null; then
			export RUSTNET_OPENSSL_PORT=$port
			break 2
		fi
		sleep 0.1
	done
	kill "${pids[-1]}" 2>/dev/null || true
done
if [ -z "${RUSTNET_OPENSSL_PORT:-}" ]; then
	echo "test.sh: openssl s_server did not start:" >&2
	cat "$run_dir/openssl.log" >&2
	exit 1
fi

# The test-only panic switch of rust/extension/src/panic_guard.rs (tests/panic); read once at load.
export RUSTNET_TEST_INJECT_PANIC=1

# --- GDScript suites -----------------------------------------------------------------------
# tests/docs reads the editor-help XML the extension writes here at startup.
export RUSTNET_DOCS_XML_DUMP="$run_dir/docs.xml"
step "GDScript suites in headless Godot"
log="$run_dir/godot.log"
set +e
timeout 1500 "$godot" --headless --path godot_project -s "$root/tests/runner.gd" -- "${runner_args[@]}" 2>&1 | tee "$log"
rc=${PIPESTATUS[0]}
set -e

# --- the new-user check ----------------------------------------------------------------------
# Prints "NEWUSER PASS/FAIL <name>" lines; counted with the suites' cases below.
new_user_check() {
	local proj="$run_dir/new-user-project" lib
	mkdir -p "$proj"
	printf 'config_version=5\n\n[application]\n\nconfig/name="New user"\n' >"$proj/project.godot"
	# The Asset Library installs the zip's addons/ folder at res://addons/.
	unzip -q "$zip_path" -d "$proj"
	local manifest="$proj/addons/rustnet/rustnet.gdextension"
	if [ ! -f "$manifest" ]; then
		echo "NEWUSER FAIL manifest: no addons/rustnet/rustnet.gdextension in the zip"
		return
	fi
	# Every library and icon the manifest names is a file the zip really holds.
	python3 - "$manifest" "$proj/addons/rustnet" <<'PY'
import configparser, os, sys
cfg = configparser.ConfigParser()
cfg.optionxform = str
cfg.read(sys.argv[1])
libs = dict(cfg["libraries"]) if cfg.has_section("libraries") else {}
print(f"NEWUSER {'PASS' if libs else 'FAIL'} manifest lists libraries" + ("" if libs else ": [libraries] is empty"))
for section in ("libraries", "icons"):
    for key, value in (cfg[section].items() if cfg.has_section(section) else []):
        rel = value.strip().strip('"')
        ok = not rel.startswith("res://") and os.path.isfile(os.path.join(sys.argv[2], rel))
        print(f"NEWUSER {'PASS' if ok else 'FAIL'} [{section}] {key} = {rel}" + ("" if ok else ": not in the zip (or not relative)"))
PY
	# The editor libraries carry the F1 help; the game libraries must not (gdext warns in exported
	# games). The marker is a string of gdext's docs XML, linked in only with `register-docs`.
	for lib in "$proj"/addons/rustnet/bin/*; do
		local has=0
		grep -q noNamespaceSchemaLocation "$lib" && has=1
		case "$lib" in
		*.editor.*)
			[ "$has" = 1 ] && echo "NEWUSER PASS editor library with docs: $(basename "$lib")" \
				|| echo "NEWUSER FAIL editor library with docs: $(basename "$lib") has no register-docs"
			;;
		*)
			[ "$has" = 0 ] && echo "NEWUSER PASS game library without docs: $(basename "$lib")" \
				|| echo "NEWUSER FAIL game library without docs: $(basename "$lib") has register-docs"
			;;
		esac
	done
	cp tests/new_user/new_user.gd "$proj/new_user.gd"
	# The first headless import of a project with a GDExtension can crash at exit (godot#111048).
	timeout 300 "$godot" --headless --path "$proj" --import >"$run_dir/new-user-import1.log" 2>&1 || true
	if ! timeout 300 "$godot" --headless --path "$proj" --import >"$run_dir/new-user-import.log" 2>&1; then
		echo "NEWUSER FAIL import: Godot failed to import the new project"
		cat "$run_dir/new-user-import.log"
		return
	fi
	echo "NEWUSER PASS import"
	local nlog="$run_dir/new-user.log" nrc=0
	timeout 300 "$godot" --headless --path "$proj" -s res://new_user.gd >"$nlog" 2>&1 || nrc=$?
	grep -v '^NEWUSER ' "$nlog" | grep -E 'ERROR|WARNING' || true
	grep '^NEWUSER ' "$nlog" | grep -v '^NEWUSER DONE' || true
	if ! grep -qx 'NEWUSER DONE' "$nlog"; then
		echo "NEWUSER FAIL new_user.gd finished: no NEWUSER DONE (exit code $nrc)"
		cat "$nlog"
	fi
	if grep -q 'SCRIPT ERROR' "$nlog"; then
		echo "NEWUSER FAIL new_user.gd without SCRIPT ERROR"
	fi
	# The editor: each class opened in the F1 help (tests/new_user/help_check, an editor plugin
	# enabled in this project only).
	mkdir -p "$proj/addons/rustnet_help_check"
	cp tests/new_user/help_check/plugin.cfg tests/new_user/help_check/plugin.gd "$proj/addons/rustnet_help_check/"
	printf '\n[editor_plugins]\n\nenabled=PackedStringArray("res://addons/rustnet_help_check/plugin.cfg")\n' >>"$proj/project.godot"
	local hlog="$run_dir/new-user-editor.log" hrc=0
	timeout 300 "$godot" --headless --editor --path "$proj" >"$hlog" 2>&1 || hrc=$?
	grep '^NEWUSER ' "$hlog" | grep -v '^NEWUSER HELP DONE' || true
	if ! grep -qx 'NEWUSER HELP DONE' "$hlog"; then
		echo "NEWUSER FAIL editor help check finished: no NEWUSER HELP DONE (exit code $hrc)"
		tail -n 30 "$hlog"
	fi
	if grep -q 'SCRIPT ERROR' "$hlog"; then
		echo "NEWUSER FAIL editor help check without SCRIPT ERROR"
	fi
}
if [ "$skip_new_user" = 0 ]; then
	step "new-user check: $(basename "$zip_path") unzipped into an empty project"
	new_user_check | tee "$run_dir/new-user-summary.log"
fi

summary=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$log" | tail -n 1 || true)
passed=0
failed=0
if [ -n "$summary" ]; then
	passed=${summary%% passed*}
	failed=${summary#*, }
	failed=${failed%% failed*}
fi
problems=()
if [ "$skip_new_user" = 0 ]; then
	nu_passed=$(grep -c '^NEWUSER PASS ' "$run_dir/new-user-summary.log" || true)
	nu_failed=$(grep -c '^NEWUSER FAIL ' "$run_dir/new-user-summary.log" || true)
	[ "$nu_failed" -gt 0 ] && problems+=("$nu_failed new-user check(s) failed")
	passed=$((passed + nu_passed))
	failed=$((failed + nu_failed))
fi
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

if [ "$fuzz_failed" -gt 0 ]; then
	problems+=("$fuzz_failed fuzz target(s) failed (scripts/fuzz.sh)")
fi
passed=$((passed + fuzz_passed))
failed=$((failed + fuzz_failed))

# --- multiplayer across separate Godot processes (server + clients; tests/mp_processes) -------
# Runs with the whole suite, or when --dir/--filter names mp_processes.
if [ "${#runner_args[@]}" -eq 0 ] || printf '%s\n' "${runner_args[@]}" | grep -q mp_processes; then
	step "multiplayer across Godot processes (scripts/mp_processes.sh)"
	mp_log="$run_dir/mp_processes.log"
	set +e
	GODOT="$godot" timeout 600 scripts/mp_processes.sh 2>&1 | tee "$mp_log"
	set -e
	mp_summary=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$mp_log" | tail -n 1 || true)
	if [ -n "$mp_summary" ]; then
		mp_failed=${mp_summary#*, }
		passed=$((passed + ${mp_summary%% passed*}))
		failed=$((failed + ${mp_failed%% failed*}))
	else
		problems+=("scripts/mp_processes.sh ended without a summary line")
		failed=$((failed + 1))
	fi
fi

echo
for p in "${problems[@]}"; do echo "test.sh: $p"; done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
