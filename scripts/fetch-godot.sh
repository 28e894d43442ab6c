#!/usr/bin/env bash
# fetch-godot.sh - print the absolute path of a runnable Godot >= 4.3.
#
# stdout: exactly one line, the path of the Godot executable (nothing else).
# stderr: all progress, warnings and errors.
#
# See --help for the lookup order. The download fallback needs no root and
# installs nothing system-wide: everything lives under <repo>/.cache/godot/.
set -euo pipefail

MIN_MAJOR=4
MIN_MINOR=3
DEB_ARCH=amd64
MULTIARCH=x86_64-linux-gnu
LOADER_NAME=ld-linux-x86-64.so.2
DEFAULT_KEYRING=/usr/share/keyrings/debian-archive-keyring.gpg
# Suites that identify a Debian archive line in the host's apt sources.
DEBIAN_SUITES_RE='^(oldoldstable|oldstable|stable|testing|unstable|sid|experimental|buster|bullseye|bookworm|trixie|forky|duke)(-updates|-backports|-proposed-updates)?$'

SCRIPT_DIR=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd -P)
REPO_ROOT=$(cd -- "$SCRIPT_DIR/.." && pwd -P)
CACHE_DIR=${GODOT_CACHE_DIR:-$REPO_ROOT/.cache/godot}
APT_DIR=$CACHE_DIR/apt
PREFIX=$CACHE_DIR/prefix
WRAPPER=$CACHE_DIR/godot
STAMP=$CACHE_DIR/.stamp

log()  { printf 'fetch-godot: %s\n' "$*" >&2; }
warn() { printf 'fetch-godot: WARNING: %s\n' "$*" >&2; }
die()  { printf 'fetch-godot: ERROR: %s\n' "$*" >&2; exit 1; }

usage() {
	cat <<EOF
Usage: scripts/fetch-godot.sh [--refresh] [--no-download] [--help]

Print on stdout the absolute path of a runnable Godot >= ${MIN_MAJOR}.${MIN_MINOR}
executable. All progress and diagnostics go to stderr.

Lookup order:
  1. \$GODOT, if set (a path or a command name). It must run '--version' and
     report >= ${MIN_MAJOR}.${MIN_MINOR}; otherwise this script fails (no fallback).
  2. 'godot' or 'godot4' on PATH reporting >= ${MIN_MAJOR}.${MIN_MINOR}.
  3. Debian unstable's (sid) 'godot' package plus its full dependency closure,
     downloaded with a private apt configuration (no root needed, nothing
     installed system-wide) and unpacked into
         ${CACHE_DIR}/prefix
     A wrapper running it through the bundled dynamic loader is written to
         ${WRAPPER}
     The mirror is taken from the host's apt sources
     (/etc/apt/sources.list.d/*.sources, *.list, /etc/apt/sources.list).
     After a successful download, later runs only do a quick existence check.

Options:
  --refresh      ignore the stamp and re-download/re-unpack step 3.
  --no-download  skip step 3 (fail if steps 1-2 find nothing).
  -h, --help     show this help.

Environment:
  GODOT             explicit Godot executable (step 1).
  GODOT_CACHE_DIR   cache directory (default: <repo>/.cache/godot).
  GODOT_APT_MIRROR  Debian mirror URI to use instead of the host's apt sources.
  GODOT_APT_SUITE   Debian suite to download from (default: sid).
  GODOT_APT_KEYRING keyring to verify the suite with (default: the Signed-By
                    of the host's Debian source, else $DEFAULT_KEYRING).
EOF
}

REFRESH=0
NO_DOWNLOAD=0
while [ $# -gt 0 ]; do
	case $1 in
		-h|--help) usage; exit 0 ;;
		--refresh) REFRESH=1 ;;
		--no-download) NO_DOWNLOAD=1 ;;
		*) usage >&2; die "unknown argument: $1" ;;
	esac
	shift
done

SUITE=${GODOT_APT_SUITE:-sid}

# ---------------------------------------------------------------------------
# Version helpers
# ---------------------------------------------------------------------------

# godot_version BIN -> prints e.g. "4.6.3.stable.debian" (empty if unknown).
# The exit status of '--version' is ignored (older versions exit non-zero).
godot_version() {
	local out
	out=$(timeout 120 "$1" --version </dev/null 2>/dev/null) || true
	printf '%s\n' "$out" | tr -d '\r' \
		| grep -Eo '^[0-9]+\.[0-9]+(\.[0-9]+)?(\.[A-Za-z0-9_+~-]+)*' | tail -n 1 || true
}

# version_ok "4.6.3.stable..." -> success if >= MIN_MAJOR.MIN_MINOR
version_ok() {
	local major minor
	IFS=. read -r major minor _ <<<"$1"
	[[ $major =~ ^[0-9]+$ && $minor =~ ^[0-9]+$ ]] || return 1
	(( major > MIN_MAJOR || (major == MIN_MAJOR && minor >= MIN_MINOR) ))
}

abspath() {
	case $1 in
		/*) printf '%s\n' "$1" ;;
		*) printf '%s/%s\n' "$(pwd -P)" "$1" ;;
	esac
}

# ---------------------------------------------------------------------------
# 1. $GODOT
# ---------------------------------------------------------------------------
if [ -n "${GODOT:-}" ]; then
	cand=$GODOT
	if [[ $cand != */* ]]; then
		cand=$(command -v -- "$cand" 2>/dev/null) \
			|| die "\$GODOT='$GODOT' is not a path and was not found on PATH"
	fi
	[ -e "$cand" ] || die "\$GODOT='$GODOT' does not exist"
	[ -x "$cand" ] && [ ! -d "$cand" ] || die "\$GODOT='$GODOT' is not an executable file"
	cand=$(abspath "$cand")
	ver=$(godot_version "$cand")
	[ -n "$ver" ] || die "\$GODOT='$cand' did not print a version for '--version' (is it a Godot binary? does it run?)"
	version_ok "$ver" || die "\$GODOT='$cand' is Godot $ver, but >= ${MIN_MAJOR}.${MIN_MINOR} is required"
	log "using \$GODOT=$cand (Godot $ver)"
	printf '%s\n' "$cand"
	exit 0
fi

# ---------------------------------------------------------------------------
# 2. godot / godot4 on PATH
# ---------------------------------------------------------------------------
declare -A seen=()
while IFS= read -r cand; do
	[ -n "$cand" ] || continue
	cand=$(abspath "$cand")
	[ -z "${seen[$cand]:-}" ] || continue
	seen[$cand]=1
	ver=$(godot_version "$cand")
	if [ -z "$ver" ]; then
		log "ignoring $cand: no version from '--version'"
	elif version_ok "$ver"; then
		log "using $cand from PATH (Godot $ver)"
		printf '%s\n' "$cand"
		exit 0
	else
		log "ignoring $cand: Godot $ver < ${MIN_MAJOR}.${MIN_MINOR}"
	fi
done < <(type -ap godot godot4 2>/dev/null || true)

# ---------------------------------------------------------------------------
# 3. Private download of Debian's godot package
# ---------------------------------------------------------------------------

# Fast path: already downloaded. Cheap existence checks only, no apt/network.
cache_ready() {
	[ -f "$STAMP" ] && [ -x "$WRAPPER" ] && [ -x "$PREFIX/usr/lib/$MULTIARCH/$LOADER_NAME" ] \
		&& [ -s "$CACHE_DIR/.godot-bin" ] && [ -x "$PREFIX/$(cat "$CACHE_DIR/.godot-bin")" ]
}
if [ "$REFRESH" = 0 ] && cache_ready; then
	log "using cached $(sed -n 's/^version=//p' "$STAMP" | head -n1) in $CACHE_DIR"
	printf '%s\n' "$WRAPPER"
	exit 0
fi

[ "$NO_DOWNLOAD" = 0 ] || die "no Godot >= ${MIN_MAJOR}.${MIN_MINOR} found (\$GODOT unset, none on PATH) and --no-download given"

for tool in apt-get dpkg dpkg-deb flock find; do
	command -v "$tool" >/dev/null 2>&1 \
		|| die "no Godot >= ${MIN_MAJOR}.${MIN_MINOR} found and '$tool' (needed for the Debian download fallback) is missing; install Godot and set \$GODOT"
done
[ "$(uname -m)" = x86_64 ] || die "download fallback only supports x86_64 hosts (this is $(uname -m)); install Godot >= ${MIN_MAJOR}.${MIN_MINOR} and set \$GODOT"

mkdir -p "$CACHE_DIR"
# Serialize concurrent runs (e.g. parallel test jobs).
exec 9>"$CACHE_DIR/.lock"
if ! flock -n 9; then
	log "another fetch-godot.sh is running on $CACHE_DIR; waiting for it..."
	flock 9
fi
if [ "$REFRESH" = 0 ] && cache_ready; then
	log "cache was populated by a concurrent run"
	printf '%s\n' "$WRAPPER"
	exit 0
fi

log "no usable Godot found on this machine; fetching Debian '$SUITE' godot into $CACHE_DIR (no root needed)"

# --- find the Debian mirror (and keyring) in the host's apt sources --------
# Prints "URI<TAB>SIGNED_BY" for the first Debian (non-security) entry.
find_mirror() {
	local f r
	# deb822 *.sources files
	for f in /etc/apt/sources.list.d/*.sources; do
		[ -r "$f" ] || continue
		r=$(awk -v suites_re="$DEBIAN_SUITES_RE" '
			function flush() {
				if (types ~ /(^|[ \t])deb([ \t]|$)/ && enabled !~ /^[Nn][Oo]/ && uris != "") {
					n = split(suites, s, /[ \t]+/); ok = 0
					for (i = 1; i <= n; i++) if (s[i] ~ suites_re) ok = 1
					m = split(uris, u, /[ \t]+/)
					if (ok) for (i = 1; i <= m; i++)
						if (u[i] != "" && u[i] !~ /security/) { print u[i] "\t" signed; found = 1; exit }
				}
				types = uris = suites = signed = enabled = ""
			}
			/^[ \t]*#/ { next }
			/^[ \t]*$/ { flush(); next }
			/^[ \t]/ { next }   # continuation line (e.g. inline key block)
			{
				key = $0; sub(/:.*/, "", key); key = tolower(key)
				val = $0; sub(/^[^:]*:[ \t]*/, "", val); sub(/[ \t]+$/, "", val)
				if (key == "types") types = val
				else if (key == "uris") uris = val
				else if (key == "suites") suites = val
				else if (key == "enabled") enabled = val
				else if (key == "signed-by" && val ~ /^\//) signed = val
			}
			END { if (!found) flush() }
		' "$f")
		if [ -n "$r" ]; then printf '%s\n' "$r"; return 0; fi
	done
	# one-line format
	for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
		[ -r "$f" ] || continue
		r=$(awk -v suites_re="$DEBIAN_SUITES_RE" '
			/^[ \t]*deb[ \t]/ {
				line = $0; signed = ""
				if (match(line, /\[[^]]*\]/)) {
					opts = substr(line, RSTART + 1, RLENGTH - 2)
					line = substr(line, 1, RSTART - 1) substr(line, RSTART + RLENGTH)
					n = split(opts, o, /[ \t]+/)
					for (i = 1; i <= n; i++) if (o[i] ~ /^signed-by=/) { signed = o[i]; sub(/^signed-by=/, "", signed) }
				}
				split(line, w, /[ \t]+/)
				# w[1]="deb" (or empty if leading blanks), then uri, suite
				k = (w[1] == "") ? 2 : 1
				uri = w[k + 1]; suite = w[k + 2]
				if (suite ~ suites_re && uri !~ /security/) { print uri "\t" signed; exit }
			}
		' "$f")
		if [ -n "$r" ]; then printf '%s\n' "$r"; return 0; fi
	done
}

if [ -n "${GODOT_APT_MIRROR:-}" ]; then
	MIRROR=$GODOT_APT_MIRROR
	KEYRING=""
else
	mirror_line=$(find_mirror) || true
	[ -n "$mirror_line" ] || die "could not find a Debian mirror in /etc/apt/sources.list{,.d/*.sources,.d/*.list}; set GODOT_APT_MIRROR to a Debian mirror URI, or install Godot >= ${MIN_MAJOR}.${MIN_MINOR} and set \$GODOT"
	MIRROR=${mirror_line%%$'\t'*}
	KEYRING=${mirror_line#*$'\t'}
fi
MIRROR=${MIRROR%/}
[ -z "${GODOT_APT_KEYRING:-}" ] || KEYRING=$GODOT_APT_KEYRING
if [ -z "$KEYRING" ] || [ ! -r "$KEYRING" ]; then
	KEYRING=$DEFAULT_KEYRING
fi
[ -r "$KEYRING" ] || KEYRING=""
log "mirror: $MIRROR (suite $SUITE, main), keyring: ${KEYRING:-<none>}"

# --- private apt setup -------------------------------------------------------
mkdir -p "$APT_DIR"/etc/apt.conf.d "$APT_DIR"/etc/sources.list.d "$APT_DIR"/etc/preferences.d \
	"$APT_DIR"/etc/trusted.gpg.d "$APT_DIR"/state/lists/partial "$APT_DIR"/cache/archives/partial \
	"$APT_DIR"/log
: >"$APT_DIR/state/status"   # EMPTY dpkg status: apt computes the full closure
# This file is read before anything else (APT_CONFIG); pointing Dir::Etc at a
# private dir keeps the host's apt.conf.d, sources, pins and keys out of it.
cat >"$APT_DIR/apt.conf" <<EOF
Dir::Etc "$APT_DIR/etc";
Dir::Etc::main "apt.conf";
Dir::Etc::parts "apt.conf.d";
EOF
export APT_CONFIG="$APT_DIR/apt.conf"
export LC_ALL=C DEBIAN_FRONTEND=noninteractive

APT_OPTS=(
	-o "Dir::Etc::SourceList=$APT_DIR/etc/sources.list"
	-o "Dir::Etc::SourceParts=$APT_DIR/etc/sources.list.d"
	-o "Dir::State=$APT_DIR/state"
	-o "Dir::State::Lists=$APT_DIR/state/lists"
	-o "Dir::State::status=$APT_DIR/state/status"
	-o "Dir::Cache=$APT_DIR/cache"
	-o "Dir::Cache::archives=$APT_DIR/cache/archives"
	-o "Dir::Log=$APT_DIR/log"
	-o "Debug::NoLocking=1"
	-o "APT::Architecture=$DEB_ARCH"
	-o "APT::Architectures::=$DEB_ARCH"
	-o "APT::Install-Recommends=0"
	-o "APT::Install-Suggests=0"
	-o "APT::Get::Assume-Yes=1"
	-o "Acquire::Languages=none"
	-o "Acquire::Retries=3"
	-o "Binary::apt-get::APT::Keep-Downloaded-Packages=1"
)
if [ "$(id -u)" = 0 ]; then
	# Avoid apt's "_apt can't access the cache" warning: our dirs belong to root.
	APT_OPTS+=(-o "APT::Sandbox::User=root")
fi

write_sources() { # $1 = extra option text inside [...]
	printf 'deb [%s] %s %s main\n' "$1" "$MIRROR" "$SUITE" >"$APT_DIR/etc/sources.list"
}

# run_apt LOGFILE args... : runs apt-get, copies its output to stderr and LOGFILE.
run_apt() {
	local logf=$1; shift
	local rc=0
	apt-get "${APT_OPTS[@]}" "$@" >"$logf" 2>&1 || rc=$?
	cat "$logf" >&2
	return "$rc"
}

# apt_update: runs 'apt-get update'; if the only problem is an expired
# Release file (frozen snapshot mirror or skewed clock), retries once without
# the Valid-Until check for this private download.
apt_update() {
	local logf=$APT_DIR/log/update.log
	if run_apt "$logf" update \
		&& ! grep -Eq '^(W|E): ' "$logf"; then
		return 0
	fi
	if grep -q 'is expired' "$logf" \
		&& ! grep -Eq '^E: .*(is not signed|signature)' "$logf"; then
		warn "the '$SUITE' Release file is expired (stale mirror snapshot or wrong clock); retrying with Acquire::Check-Valid-Until=false for this private download"
		APT_OPTS+=(-o "Acquire::Check-Valid-Until=false")
		run_apt "$logf" update && ! grep -Eq '^(W|E): ' "$logf"
		return
	fi
	return 1
}

update_ok=0
if [ -n "$KEYRING" ]; then
	write_sources "arch=$DEB_ARCH signed-by=$KEYRING"
	log "apt-get update ($SUITE, signature checked with $KEYRING)"
	if apt_update; then
		update_ok=1
	elif grep -Eq 'NO_PUBKEY|is not signed|EXPKEYSIG|GPG error|signatures couldn.t be verified|OpenPGP signature verification failed|Missing key' "$APT_DIR/log/update.log"; then
		warn "the '$SUITE' Release file is not signed by a key in $KEYRING (host keyring too old?)"
	else
		die "apt-get update for '$SUITE' from $MIRROR failed (see output above / $APT_DIR/log/update.log)"
	fi
else
	warn "no Debian archive keyring found on this machine"
fi
if [ "$update_ok" = 0 ]; then
	warn "falling back to [trusted=yes] for this PRIVATE download only (packages are not signature-checked; nothing is installed system-wide)"
	write_sources "arch=$DEB_ARCH trusted=yes"
	rm -rf "$APT_DIR/state/lists"; mkdir -p "$APT_DIR/state/lists/partial"
	if ! apt_update; then
		if grep -q '^E: ' "$APT_DIR/log/update.log" || ! ls "$APT_DIR"/state/lists/*_Packages* >/dev/null 2>&1; then
			die "apt-get update for '$SUITE' from $MIRROR failed even with trusted=yes (see output above / $APT_DIR/log/update.log)"
		fi
		warn "apt-get update printed warnings (see above); continuing"
	fi
fi

log "computing the dependency closure of 'godot' (empty dpkg status)"
# Simulate first: 'Inst NAME (VERSION ORIGIN [ARCH])' lines give the exact
# closure, hence the .deb file names apt will store (':' is stored as %3a).
run_apt "$APT_DIR/log/simulate.log" -s install godot >/dev/null 2>&1 \
	|| { cat "$APT_DIR/log/simulate.log" >&2; die "apt cannot resolve the dependencies of 'godot' in '$SUITE' (see $APT_DIR/log/simulate.log)"; }
debs=()
while read -r name ver arch; do
	debs+=("$APT_DIR/cache/archives/${name}_${ver//:/%3a}_${arch}.deb")
done < <(sed -nE 's/^Inst ([^ ]+) \(([^ ]+) .*\[([^]]+)\]\).*/\1 \2 \3/p' "$APT_DIR/log/simulate.log")
[ "${#debs[@]}" -gt 0 ] || die "apt computed an empty package set for 'godot' (see $APT_DIR/log/simulate.log)"
# Drop stale .debs from earlier runs; ones still wanted are reused by apt.
declare -A wanted=()
for deb in "${debs[@]}"; do wanted[$deb]=1; done
for deb in "$APT_DIR"/cache/archives/*.deb; do
	if [ -e "$deb" ] && [ -z "${wanted[$deb]:-}" ]; then rm -f -- "$deb"; fi
done

log "downloading ${#debs[@]} packages"
run_apt "$APT_DIR/log/install.log" install --download-only godot \
	|| die "apt-get install --download-only godot failed (see output above / $APT_DIR/log/install.log)"
for deb in "${debs[@]}"; do
	[ -f "$deb" ] || die "expected package file $deb was not downloaded (see $APT_DIR/log/install.log)"
done
log "downloaded ${#debs[@]} packages ($(du -sh "$APT_DIR/cache/archives" | cut -f1))"

# --- unpack ------------------------------------------------------------------
log "unpacking into $PREFIX"
rm -f "$STAMP"
rm -rf "$PREFIX.tmp"
mkdir -p "$PREFIX.tmp"
# Packages never share files, so unpacking them in parallel is safe.
printf '%s\0' "${debs[@]}" \
	| xargs -0 -P "$(nproc 2>/dev/null || echo 2)" -I{} dpkg-deb -x {} "$PREFIX.tmp" \
	|| die "failed to unpack the downloaded packages into $PREFIX.tmp (disk full?)"
rm -rf "$PREFIX"
mv "$PREFIX.tmp" "$PREFIX"

# Absolute symlinks would point into the host's /; re-point them into the prefix.
while IFS= read -r -d '' link; do
	target=$(readlink -- "$link")
	ln -sfn -- "$(realpath -m --relative-to="$(dirname -- "$link")" "$PREFIX$target")" "$link"
done < <(find "$PREFIX" -type l -lname '/*' -print0)

LOADER_REL=usr/lib/$MULTIARCH/$LOADER_NAME
[ -e "$PREFIX/$LOADER_REL" ] || die "dynamic loader not found at $PREFIX/$LOADER_REL after unpacking (libc6 layout changed?)"

# Locate the real Godot ELF binary shipped by the package (usr/bin/godot may
# also be a symlink or a shell wrapper around something under usr/lib).
GODOT_BIN_REL=""
shopt -s nullglob
for f in "$PREFIX"/usr/bin/godot "$PREFIX"/usr/bin/godot4 "$PREFIX"/usr/games/godot* \
	"$PREFIX"/usr/lib/godot*/godot* "$PREFIX"/usr/lib/godot*/bin/godot* "$PREFIX"/usr/bin/godot*; do
	if [ -L "$f" ]; then f=$(readlink -f -- "$f"); fi   # symlinks were re-pointed into the prefix
	[ -f "$f" ] || continue
	if [ "$(head -c 4 -- "$f" | tr -d '\0')" = $'\x7fELF' ]; then
		GODOT_BIN_REL=${f#"$PREFIX/"}
		break
	fi
done
shopt -u nullglob
[ -n "$GODOT_BIN_REL" ] || die "could not find the Godot ELF executable in $PREFIX (godot files: $(cd "$PREFIX" && find . -path '*godot*' -type f -perm -u+x | head -n 20 | tr '\n' ' '))"
log "godot binary: prefix/$GODOT_BIN_REL"

# Library search path: multiarch dirs, plus dirs listed in the prefix's ld.so.conf.d.
libdirs=()
add_libdir() {
	local d=$1 x
	[ -d "$PREFIX/$d" ] && [ ! -L "$PREFIX/$d" ] || return 0
	# only directories that actually contain shared objects
	compgen -G "$PREFIX/$d/*.so*" >/dev/null || return 0
	for x in "${libdirs[@]}"; do [ "$x" = "$d" ] && return 0; done
	libdirs+=("$d")
}
add_libdir "usr/lib/$MULTIARCH"
add_libdir "usr/lib/$MULTIARCH/pulseaudio"
add_libdir "lib/$MULTIARCH"
add_libdir "usr/lib"
if [ -d "$PREFIX/etc/ld.so.conf.d" ]; then
	while IFS= read -r d; do
		add_libdir "${d#/}"
	done < <(cat "$PREFIX"/etc/ld.so.conf.d/*.conf 2>/dev/null | sed 's/#.*//' | grep -E '^[[:space:]]*/' | tr -d ' \t' || true)
fi

# Write the wrapper (self-locating, so the cache dir may move).
{
	echo '#!/bin/sh'
	echo "# Generated by scripts/fetch-godot.sh - runs Debian's godot from ./prefix"
	echo '# through the bundled dynamic loader (no installation needed).'
	echo 'P=$(dirname -- "$(readlink -f -- "$0")")/prefix'
	printf 'exec "$P/%s" --library-path "' "$LOADER_REL"
	sep=""
	for d in "${libdirs[@]}"; do printf '%s$P/%s' "$sep" "$d"; sep=:; done
	printf '" "$P/%s" "$@"\n' "$GODOT_BIN_REL"
} >"$WRAPPER.tmp"
chmod +x "$WRAPPER.tmp"
mv "$WRAPPER.tmp" "$WRAPPER"

# Check every shared-library dependency resolves.
lp=""
for d in "${libdirs[@]}"; do lp=${lp:+$lp:}$PREFIX/$d; done
ldd_out=$("$PREFIX/$LOADER_REL" --library-path "$lp" --list "$PREFIX/$GODOT_BIN_REL" 2>&1) \
	|| die "the bundled loader cannot load $GODOT_BIN_REL:"$'\n'"$ldd_out"
if grep -q 'not found' <<<"$ldd_out"; then
	die "unresolved libraries for $GODOT_BIN_REL:"$'\n'"$(grep 'not found' <<<"$ldd_out")"
fi
if grep -v "$PREFIX" <<<"$ldd_out" | grep -q '=> /'; then
	warn "some libraries resolve outside the prefix: $(grep -v "$PREFIX" <<<"$ldd_out" | grep '=> /' | tr -s ' \t' ' ' | tr '\n' ';')"
fi

ver=$(godot_version "$WRAPPER")
[ -n "$ver" ] || die "the downloaded Godot does not run: '$WRAPPER --version' printed no version (try running it by hand)"
version_ok "$ver" || die "Debian '$SUITE' ships Godot $ver, but >= ${MIN_MAJOR}.${MIN_MINOR} is required; install a newer Godot and set \$GODOT"

printf '%s\n' "$GODOT_BIN_REL" >"$CACHE_DIR/.godot-bin"
{
	echo "version=$ver"
	echo "suite=$SUITE"
	echo "date=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
	echo "packages=${#debs[@]}"
} >"$STAMP"
log "ready: Godot $ver"
printf '%s\n' "$WRAPPER"
