#!/usr/bin/env bash
# make_certs.sh - the test PKI for the HTTPS suites, made with the openssl command line only.
#
# Usage: tests/servers/make_certs.sh <dir>
#
# Writes into <dir> (created if missing):
#   ca.pem ca.key            "RustNet Test CA" (the CA the suites trust)
#   ca2.pem ca2.key          "RustNet Unknown CA" (a second CA nobody trusts)
#   <name>.pem <name>.key    server certificates, <name> one of:
#     server-rsa     RSA-2048, SAN DNS:localhost IP:127.0.0.1, signed by ca, valid 2020..2049
#     server-ecdsa   ECDSA P-256, same SANs, signed by ca
#     expired        RSA, same SANs, signed by ca, valid 2000-01-01..2001-01-01
#     notyet         RSA, same SANs, signed by ca, valid 2090-01-01..2091-01-01
#     wronghost      RSA, SAN DNS:wrong.example only, signed by ca
#     selfsigned     RSA, same SANs as server-rsa, self-signed (no CA)
#     unknownca      RSA, same SANs, signed by ca2
#   server-rsa.chain.pem     server-rsa.pem followed by ca.pem (a server that sends its chain)
#   <name>.pin               base64(SHA-256(DER SubjectPublicKeyInfo)) of each certificate above,
#                            ca and ca2 included (the format of tls_pinned_public_keys)
#
# Idempotent and fast: a stamp file records what was made; a second run with everything in
# place (and the CA not about to expire) does nothing. Prints nothing unless it fails.
set -euo pipefail

usage() { sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; }
if [ $# -eq 1 ] && { [ "$1" = "-h" ] || [ "$1" = "--help" ]; }; then
	usage
	exit 0
fi
if [ $# -ne 1 ]; then
	usage >&2
	exit 2
fi

dir=$1
# Bump when the set of files or their properties change: forces a rebuild of old caches.
version="rustnet-test-pki v1"
leaves=(server-rsa server-ecdsa expired notyet wronghost selfsigned unknownca)

mkdir -p "$dir"
dir=$(cd -- "$dir" && pwd -P)

up_to_date() {
	[ -f "$dir/.stamp" ] && [ "$(cat "$dir/.stamp")" = "$version" ] || return 1
	local f
	for f in ca ca2 "${leaves[@]}"; do
		[ -s "$dir/$f.pem" ] && [ -s "$dir/$f.key" ] && [ -s "$dir/$f.pin" ] || return 1
	done
	[ -s "$dir/server-rsa.chain.pem" ] || return 1
	# Regenerate well before the CA (valid 10 years from creation) expires.
	openssl x509 -checkend $((86400 * 60)) -noout -in "$dir/ca.pem" >/dev/null 2>&1
}
up_to_date && exit 0

work=$(mktemp -d "${TMPDIR:-/tmp}/rustnet-certs.XXXXXX")
trap 'rm -rf "$work"' EXIT
# Build everything in a scratch dir, then move it into place: a failed run leaves no half state.
out=$work/out
mkdir -p "$out"

run() { # quiet openssl; show its output only when it fails
	if ! "$@" >"$work/log" 2>&1; then
		echo "make_certs.sh: failed: $*" >&2
		cat "$work/log" >&2
		exit 1
	fi
}

cat >"$work/req.cnf" <<'EOF'
[ req ]
distinguished_name = dn
prompt = no
[ dn ]
CN = unused
[ v3_ca ]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
[ v3_self ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth
subjectKeyIdentifier = hash
subjectAltName = DNS:localhost, IP:127.0.0.1
EOF

cat >"$work/ext.cnf" <<'EOF'
[ leaf_rsa ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
subjectAltName = DNS:localhost, IP:127.0.0.1
[ leaf_ec ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
subjectAltName = DNS:localhost, IP:127.0.0.1
[ leaf_wrong ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
subjectAltName = DNS:wrong.example
EOF

rsa_key() { run openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$1"; }
ec_key() { run openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1"; }

make_ca() { # name, CN
	rsa_key "$out/$1.key"
	run openssl req -new -x509 -config "$work/req.cnf" -extensions v3_ca -key "$out/$1.key" \
		-subj "/O=RustNet tests/CN=$2" -days 3650 -sha256 -out "$out/$1.pem"
	# `openssl ca` bookkeeping for this CA.
	mkdir -p "$work/$1.db/new"
	: >"$work/$1.db/index.txt"
	openssl rand -hex 16 >"$work/$1.db/serial"
	cat >"$work/$1.db/ca.cnf" <<EOF
[ ca ]
default_ca = this
[ this ]
database = $work/$1.db/index.txt
new_certs_dir = $work/$1.db/new
serial = $work/$1.db/serial
certificate = $out/$1.pem
private_key = $out/$1.key
default_md = sha256
policy = anything
unique_subject = no
copy_extensions = none
email_in_dn = no
[ anything ]
commonName = supplied
organizationName = optional
EOF
}

sign() { # name, ca, extensions section, startdate, enddate
	run openssl req -new -config "$work/req.cnf" -key "$out/$1.key" \
		-subj "/O=RustNet tests/CN=$1" -out "$work/$1.csr"
	run openssl ca -batch -notext -config "$work/$2.db/ca.cnf" -in "$work/$1.csr" -out "$out/$1.pem" \
		-extfile "$work/ext.cnf" -extensions "$3" -startdate "$4" -enddate "$5"
}

valid_from=20200101000000Z
valid_to=20491231000000Z

make_ca ca "RustNet Test CA"
make_ca ca2 "RustNet Unknown CA"

rsa_key "$out/server-rsa.key"
sign server-rsa ca leaf_rsa "$valid_from" "$valid_to"
ec_key "$out/server-ecdsa.key"
sign server-ecdsa ca leaf_ec "$valid_from" "$valid_to"
rsa_key "$out/expired.key"
sign expired ca leaf_rsa 20000101000000Z 20010101000000Z
rsa_key "$out/notyet.key"
sign notyet ca leaf_rsa 20900101000000Z 20910101000000Z
rsa_key "$out/wronghost.key"
sign wronghost ca leaf_wrong "$valid_from" "$valid_to"
rsa_key "$out/unknownca.key"
sign unknownca ca2 leaf_rsa "$valid_from" "$valid_to"
rsa_key "$out/selfsigned.key"
run openssl req -new -x509 -config "$work/req.cnf" -extensions v3_self -key "$out/selfsigned.key" \
	-subj "/O=RustNet tests/CN=localhost" -days 3650 -sha256 -out "$out/selfsigned.pem"

cat "$out/server-rsa.pem" "$out/ca.pem" >"$out/server-rsa.chain.pem"

for f in ca ca2 "${leaves[@]}"; do
	openssl x509 -in "$out/$f.pem" -pubkey -noout | openssl pkey -pubin -outform der |
		openssl dgst -sha256 -binary | openssl base64 -A >"$out/$f.pin"
	[ "$(wc -c <"$out/$f.pin")" -eq 44 ] || { echo "make_certs.sh: bad pin for $f" >&2; exit 1; }
done
chmod 600 "$out"/*.key

# Sanity: every CA-signed leaf verifies against its CA (ignoring dates for the two dated ones).
for f in server-rsa server-ecdsa wronghost; do
	run openssl verify -CAfile "$out/ca.pem" "$out/$f.pem"
done
for f in expired notyet; do
	run openssl verify -no_check_time -CAfile "$out/ca.pem" "$out/$f.pem"
done
run openssl verify -CAfile "$out/ca2.pem" "$out/unknownca.pem"

rm -f "$dir/.stamp"
for f in "$out"/*; do
	mv -f "$f" "$dir/"
done
echo "$version" >"$dir/.stamp"
