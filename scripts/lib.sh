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
