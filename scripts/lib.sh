# lib.sh - sourced by the RustNet scripts: go to the repository root and prepare the environment
# Godot runs in. Sets $root.

root=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd -P)
cd "$root"
mkdir -p .cache
# Godot needs a writable data dir; keep it inside the cache, away from the user's own.
export XDG_DATA_HOME="$root/.cache/godot-home/data" XDG_CONFIG_HOME="$root/.cache/godot-home/config" XDG_CACHE_HOME="$root/.cache/godot-home/cache"
mkdir -p "$XDG_DATA_HOME" "$XDG_CONFIG_HOME" "$XDG_CACHE_HOME"
# Backtrace capture makes every gdext call ~5 us in debug builds; nothing here needs it.
unset RUST_BACKTRACE

# make_run_dir NAME: a fresh temporary directory in $run_dir, removed when the script exits,
# together with every background process whose pid the script appends to the array $pids.
make_run_dir() {
	run_dir=$(mktemp -d "${TMPDIR:-/tmp}/rustnet-$1.XXXXXX")
	pids=()
	trap _cleanup_run_dir EXIT
}
_cleanup_run_dir() {
	local pid
	for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
	wait 2>/dev/null || true
	rm -rf "$run_dir"
}

# venv_install PACKAGE VERSION: installs PACKAGE==VERSION from PyPI into the private venv
# $root/.cache/venv (made on first use), once. Prints nothing when it is already there.
venv="$root/.cache/venv"
venv_install() {
	[ -f "$venv/.$1-$2" ] && return 0
	echo "${0##*/}: installing $1 $2 into $venv" >&2
	[ -x "$venv/bin/pip" ] || python3 -m venv "$venv"
	"$venv/bin/pip" install --quiet --disable-pip-version-check "$1==$2"
	touch "$venv/.$1-$2"
}
