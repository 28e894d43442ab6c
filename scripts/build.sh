#!/usr/bin/env bash
# build.sh - build the RustNet extension and install it into godot_project/addons/rustnet/.
set -euo pipefail

usage() {
	cat <<'USAGE'
Usage: scripts/build.sh [--debug] [--no-import] [--help]

Builds the `rustnet` GDExtension (release by default), assembles the addon in
godot_project/addons/rustnet/ (rustnet.gdextension, bin/librustnet.linux.x86_64.so,
icons/, LICENSE), then imports the project headlessly so the extension is loaded
by the next `godot -s` run.

  --debug      build the debug profile instead of release
  --no-import  skip the Godot import step (no Godot needed)
  GODOT=/path  use this Godot instead of scripts/fetch-godot.sh's choice
USAGE
}

profile=release
import=1
for arg in "$@"; do
	case "$arg" in
	--debug) profile=debug ;;
	--no-import) import=0 ;;
	-h | --help) usage; exit 0 ;;
	*) echo "build.sh: unknown argument '$arg'" >&2; usage >&2; exit 2 ;;
	esac
done

root=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd -P)
cd "$root"

echo "build.sh: cargo build ($profile)" >&2
if [ "$profile" = release ]; then
	cargo build --release -p rustnet
else
	cargo build -p rustnet
fi

addon=godot_project/addons/rustnet
mkdir -p "$addon/bin" "$addon/icons"
cp addon.gdextension "$addon/rustnet.gdextension"
# Copy through a temporary name: Godot may have the old library mapped.
cp "target/$profile/librustnet.so" "$addon/bin/.librustnet.tmp"
mv -f "$addon/bin/.librustnet.tmp" "$addon/bin/librustnet.linux.x86_64.so"
cp addon/icons/*.svg "$addon/icons/"
cp LICENSE "$addon/LICENSE"
echo "build.sh: installed the addon in $addon" >&2

if [ "$import" = 1 ]; then
	godot=$("$root/scripts/fetch-godot.sh")
	# The first headless import of a fresh project can crash at exit (godot#111048); the
	# second one is the one that counts.
	"$godot" --headless --path godot_project --import >/dev/null 2>&1 || true
	if ! "$godot" --headless --path godot_project --import >"$root/.cache/import.log" 2>&1; then
		cat "$root/.cache/import.log" >&2
		echo "build.sh: Godot failed to import godot_project" >&2
		exit 1
	fi
	echo "build.sh: imported godot_project" >&2
fi
