#!/usr/bin/env bash
# fuzz.sh - builds the libFuzzer targets in fuzz/ and runs each for a while.
set -euo pipefail

usage() {
	cat <<'USAGE'
Usage: scripts/fuzz.sh [seconds per target] [target...]

Builds fuzz/ with cargo-fuzz (installed into .cache/cargo-fuzz on first use; the stable
toolchain is enough: RUSTC_BOOTSTRAP=1 unlocks the coverage flags libFuzzer needs) and runs
every target (or the ones named) for the given seconds (default 30), one after another.
Each run starts from the committed seeds in fuzz/seeds/<target> plus what earlier runs found
(.cache/fuzz-corpus/<target>). A crash or failed invariant saves its input under
.cache/fuzz-artifacts/<target>/ and counts as a failure.

Ends with "fuzz: N passed, N failed" and exits non-zero on any failure.
  FUZZ_NICE=19     run the fuzzers under this nice level (default 0)
  FUZZ_JOBS=n      run n targets at a time (default 1)
  FUZZ_LOG_DIR=d   write the libFuzzer logs there (default .cache/fuzz-logs)
  FUZZ_BIN_DIR=d   run the target binaries already built in d (a copy), skip the build
Targets: http_head http_body ws_handshake ws_session ws_inflate ws_url query_string
USAGE
}

case "${1:-}" in -h | --help) usage; exit 0 ;; esac
seconds=${1:-30}
shift || true
case "$seconds" in '' | *[!0-9]*) echo "fuzz.sh: seconds must be a number" >&2; usage >&2; exit 2 ;; esac
all_targets=(http_head http_body ws_handshake ws_session ws_inflate ws_url query_string)
if [ "$#" -gt 0 ]; then targets=("$@"); else targets=("${all_targets[@]}"); fi

# shellcheck source=scripts/lib.sh
. "$(dirname -- "${BASH_SOURCE[0]}")/lib.sh"

if [ -n "${FUZZ_BIN_DIR:-}" ]; then
	bin_dir=$(cd -- "$FUZZ_BIN_DIR" && pwd -P)
else
	cargo_fuzz="$root/.cache/cargo-fuzz/bin/cargo-fuzz"
	if [ ! -x "$cargo_fuzz" ]; then
		echo "fuzz.sh: installing cargo-fuzz into .cache/cargo-fuzz"
		cargo install cargo-fuzz --version 0.13.2 --locked --root "$root/.cache/cargo-fuzz"
	fi
	echo "fuzz.sh: building the fuzz targets"
	# -s none: the code under test has no `unsafe`, so AddressSanitizer would only slow it
	# down; -a: debug assertions (integer overflow checks) stay on.
	(cd fuzz && RUSTC_BOOTSTRAP=1 "$cargo_fuzz" build -O -a -s none)
	bin_dir="$root/fuzz/target/x86_64-unknown-linux-gnu/release"
fi

nice_level=${FUZZ_NICE:-0}
jobs=${FUZZ_JOBS:-1}
log_dir=${FUZZ_LOG_DIR:-$root/.cache/fuzz-logs}
mkdir -p "$log_dir"

run_one() {
	local t=$1
	mkdir -p ".cache/fuzz-corpus/$t" ".cache/fuzz-artifacts/$t"
	# -timeout: one input taking over 10 s is a hang, reported like a crash.
	timeout -s KILL $((seconds + 120)) nice -n "$nice_level" "$bin_dir/$t" \
		-max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
		-artifact_prefix=".cache/fuzz-artifacts/$t/" \
		".cache/fuzz-corpus/$t" "fuzz/seeds/$t" >"$log_dir/$t.log" 2>&1
}

passed=0
failed=0
report() {
	local t=$1 rc=$2 execs
	execs=$(grep -E '^stat::number_of_executed_units:' "$log_dir/$t.log" | awk '{print $2}' | tail -n 1)
	if [ "$rc" -eq 0 ]; then
		passed=$((passed + 1))
		printf '  ok    %-14s %s executions in %s s\n' "$t" "${execs:-?}" "$seconds"
	else
		failed=$((failed + 1))
		printf '  FAIL  %-14s exit %s after %s executions; log: %s\n' "$t" "$rc" "${execs:-?}" "$log_dir/$t.log"
		grep -E 'panicked at|SUMMARY|Test unit written|deadly signal|timeout' "$log_dir/$t.log" | head -n 5 | sed 's/^/        /'
	fi
}

echo "fuzz.sh: ${#targets[@]} targets, $seconds s each, $jobs at a time"
i=0
while [ "$i" -lt "${#targets[@]}" ]; do
	batch=("${targets[@]:i:jobs}")
	pids=()
	for t in "${batch[@]}"; do
		if [ ! -x "$bin_dir/$t" ]; then
			echo "fuzz.sh: unknown target '$t'" >&2
			exit 2
		fi
		run_one "$t" &
		pids+=($!)
	done
	for k in "${!batch[@]}"; do
		rc=0
		wait "${pids[$k]}" || rc=$?
		report "${batch[$k]}" "$rc"
	done
	i=$((i + jobs))
done
echo "fuzz: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
