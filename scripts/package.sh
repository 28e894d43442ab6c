#!/usr/bin/env bash
# package.sh - build RustNet in release and write the Asset Library zip dist/rustnet-<version>.zip.
set -euo pipefail

usage() {
	cat <<'USAGE'
Usage: scripts/package.sh [--target <triple>]... [--help]

Builds the `rustnet` GDExtension in release and writes dist/rustnet-<version>.zip (version from
Cargo.toml), holding addons/rustnet/ only:
  rustnet.gdextension   the manifest; its [libraries] list exactly the libraries in bin/
  bin/                  per platform: the game library (no editor docs) and, on desktop
                        platforms, an editor library with the F1 help (cargo feature `docs`)
  icons/                one 16x16 SVG per class, wired in the manifest's [icons]
  LICENSE, README.md, CHANGELOG.md

The host (x86_64-unknown-linux-gnu) is always built. Each --target adds that platform when its
Rust target is installed (rustup target add <triple>) and the linker it needs is on PATH:
  x86_64-pc-windows-gnu    windows x86_64   (needs x86_64-w64-mingw32-gcc)
  x86_64-pc-windows-msvc   windows x86_64   (build on Windows)
  aarch64-unknown-linux-gnu linux arm64     (needs aarch64-linux-gnu-gcc)
  x86_64-apple-darwin      macos x86_64     (build on macOS)
  aarch64-apple-darwin     macos arm64      (build on macOS)
  aarch64-linux-android    android arm64    (needs cargo-ndk / ANDROID_NDK_HOME)
  x86_64-linux-android     android x86_64   (needs cargo-ndk / ANDROID_NDK_HOME)
  aarch64-apple-ios        ios arm64        (build on macOS)
A --target whose toolchain is missing fails the run with the command to install it.
USAGE
}

targets=()
while [ $# -gt 0 ]; do
	case "$1" in
	--target)
		[ $# -ge 2 ] || { echo "package.sh: --target needs a triple" >&2; exit 2; }
		targets+=("$2")
		shift 2
		;;
	--target=*) targets+=("${1#--target=}"); shift ;;
	-h | --help) usage; exit 0 ;;
	*) echo "package.sh: unknown argument '$1'" >&2; usage >&2; exit 2 ;;
	esac
done

root=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd -P)
cd "$root"

host=x86_64-unknown-linux-gnu
version=$(sed -n '/^\[workspace.package\]/,/^\[/ s/^version = "\(.*\)"/\1/p' Cargo.toml)
[ -n "$version" ] || { echo "package.sh: no version in Cargo.toml [workspace.package]" >&2; exit 1; }

# platform <triple>: prints "<godot platform> <godot arch> <library prefix> <extension> <editor 0|1>".
platform() {
	case "$1" in
	x86_64-unknown-linux-gnu) echo "linux x86_64 lib so 1" ;;
	aarch64-unknown-linux-gnu) echo "linux arm64 lib so 1" ;;
	x86_64-pc-windows-gnu | x86_64-pc-windows-msvc) echo "windows x86_64 '' dll 1" ;;
	x86_64-apple-darwin) echo "macos x86_64 lib dylib 1" ;;
	aarch64-apple-darwin) echo "macos arm64 lib dylib 1" ;;
	aarch64-linux-android) echo "android arm64 lib so 0" ;;
	x86_64-linux-android) echo "android x86_64 lib so 0" ;;
	aarch64-apple-ios) echo "ios arm64 lib dylib 0" ;;
	*) return 1 ;;
	esac
}

# The linker each cross target needs (empty: cargo's default is enough on a matching host).
cross_tool() {
	case "$1" in
	x86_64-pc-windows-gnu) echo x86_64-w64-mingw32-gcc ;;
	aarch64-unknown-linux-gnu) echo aarch64-linux-gnu-gcc ;;
	*-linux-android) echo cargo-ndk ;;
	*) echo "" ;;
	esac
}

all=("$host")
for t in "${targets[@]}"; do
	[ "$t" = "$host" ] && continue
	if ! platform "$t" >/dev/null; then
		echo "package.sh: unsupported target '$t' (see --help)" >&2
		exit 2
	fi
	if ! rustup target list --installed 2>/dev/null | grep -qx "$t"; then
		echo "package.sh: the Rust target $t is not installed: rustup target add $t" >&2
		exit 1
	fi
	tool=$(cross_tool "$t")
	if [ -n "$tool" ] && ! command -v "$tool" >/dev/null; then
		echo "package.sh: $t needs '$tool' on PATH" >&2
		exit 1
	fi
	case "$t" in
	*-apple-*) [ "$(uname -s)" = Darwin ] || { echo "package.sh: $t builds on macOS only" >&2; exit 1; } ;;
	*-windows-msvc) case "$(uname -s)" in MINGW* | MSYS* | CYGWIN*) ;; *) echo "package.sh: $t builds on Windows only" >&2; exit 1 ;; esac ;;
	esac
	all+=("$t")
done

stage=$(mktemp -d "${TMPDIR:-/tmp}/rustnet-package.XXXXXX")
trap 'rm -rf "$stage"' EXIT
addon="$stage/addons/rustnet"
mkdir -p "$addon/bin" "$addon/icons"

# cargo_build <triple> <profile> <features args...>: builds, prints the built library's path.
# The game library uses the profile `game` (Cargo.toml): release settings in target/game/.
cargo_build() {
	local t=$1 profile=$2
	shift 2
	local cmd=(cargo build --profile "$profile" -p rustnet "$@")
	local dir="target/$profile"
	if [ "$t" != "$host" ]; then
		case "$t" in
		*-linux-android) cmd=(cargo ndk --target "$t" build --profile "$profile" -p rustnet "$@") ;;
		*) cmd+=(--target "$t") ;;
		esac
		dir="target/$t/$profile"
	fi
	echo "package.sh: ${cmd[*]}" >&2
	"${cmd[@]}" >&2
	local name
	case "$t" in
	*-windows-*) name=rustnet.dll ;;
	*-apple-*) name=librustnet.dylib ;;
	*) name=librustnet.so ;;
	esac
	echo "$dir/$name"
}

libraries=()
for t in "${all[@]}"; do
	read -r plat arch prefix ext editor <<<"$(platform "$t")"
	prefix=${prefix//\'/}
	# The game library: no `register-docs` (gdext warns when it is in an exported game).
	lib=$(cargo_build "$t" game --no-default-features)
	game="bin/${prefix}rustnet.$plat.$arch.$ext"
	cp "$lib" "$addon/$game"
	if [ "$editor" = 1 ]; then
		# The editor library carries the F1 help. Listed first: Godot picks the first of the
		# entries with the most matching feature tags, and the editor also has "debug".
		lib=$(cargo_build "$t" release)
		ed="bin/${prefix}rustnet.$plat.editor.$arch.$ext"
		cp "$lib" "$addon/$ed"
		libraries+=("$plat.editor.$arch = \"$ed\"")
	fi
	libraries+=("$plat.debug.$arch = \"$game\"" "$plat.release.$arch = \"$game\"")
done

# The manifest: addon.gdextension with its [libraries] section replaced by what bin/ holds.
awk -v libs="$(printf '%s\n' "${libraries[@]}")" '
	/^\[libraries\]/ { print; print libs; skip = 1; next }
	/^\[/ { if (skip) print ""; skip = 0 }
	skip { next }
	{ print }
' addon.gdextension >"$addon/rustnet.gdextension"

cp addon/icons/*.svg "$addon/icons/"
cp LICENSE "$addon/LICENSE"
cp addon/README.md "$addon/README.md"
cp CHANGELOG.md "$addon/CHANGELOG.md"

mkdir -p dist
zip_path="$root/dist/rustnet-$version.zip"
rm -f "$zip_path"
(cd "$stage" && zip -q -r -X "$zip_path" addons)
echo "package.sh: wrote dist/rustnet-$version.zip:" >&2
unzip -l "$zip_path" >&2
echo "$zip_path"
