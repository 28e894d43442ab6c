## Base of the HTTPS suites: the TLS ports scripts/test.sh starts, the test PKI
## (tests/servers/make_certs.sh) and scenario helpers.
extends "http_suite.gd"

const GET := HTTPClient.METHOD_GET
const S_CANT_CONNECT := HTTPClient.STATUS_CANT_CONNECT
const S_CONNECTION_ERROR := HTTPClient.STATUS_CONNECTION_ERROR
const S_TLS_ERROR := HTTPClient.STATUS_TLS_HANDSHAKE_ERROR

var cert_dir := ""
## TLS ports of the scenario server, by the name the suites use: RUSTNET_HTTPS_<NAME>_PORT
## (https13 and https12 are RUSTNET_HTTPS13_PORT / RUSTNET_HTTPS12_PORT).
var tls_ports := {}


func setup() -> void:
	super()
	cert_dir = OS.get_environment("RUSTNET_CERT_DIR")
	check(cert_dir != "", "environment variable RUSTNET_CERT_DIR is not set (run through scripts/test.sh)")
	tls_ports = {
		"https13": env_int("RUSTNET_HTTPS13_PORT"),
		"https12": env_int("RUSTNET_HTTPS12_PORT"),
		"ecdsa": env_int("RUSTNET_HTTPS_ECDSA_PORT"),
		"chain": env_int("RUSTNET_HTTPS_CHAIN_PORT"),
		"expired": env_int("RUSTNET_HTTPS_EXPIRED_PORT"),
		"notyet": env_int("RUSTNET_HTTPS_NOTYET_PORT"),
		"wronghost": env_int("RUSTNET_HTTPS_WRONGHOST_PORT"),
		"selfsigned": env_int("RUSTNET_HTTPS_SELFSIGNED_PORT"),
		"unknownca": env_int("RUSTNET_HTTPS_UNKNOWNCA_PORT"),
	}


## A certificate of the test PKI: "ca", "ca2", "server-rsa", "expired", ...
func cert(name: String) -> X509Certificate:
	var c := X509Certificate.new()
	var err := c.load(cert_dir.path_join(name + ".pem"))
	check(err == OK, "loading certificate %s: error %d" % [name, err])
	return c


func key(name: String) -> CryptoKey:
	var k := CryptoKey.new()
	var err := k.load(cert_dir.path_join(name + ".key"))
	check(err == OK, "loading key %s: error %d" % [name, err])
	return k


## base64(SHA-256(SubjectPublicKeyInfo)) of a certificate of the test PKI.
func pin(name: String) -> String:
	return FileAccess.get_file_as_string(cert_dir.path_join(name + ".pin")).strip_edges()


## TLSOptions.client() trusting the test CA (or the CA named), with an optional name override.
func trusting(ca_name := "ca", common_name_override := "") -> TLSOptions:
	return TLSOptions.client(cert(ca_name), common_name_override)


## Scenario: connect with TLS; when connected, fetch each URL; when not, poll once more (so the
## record holds the error of the failing poll and the one after it).
func tls_get(host: String, tls_port: int, tls: TLSOptions, urls: Array = ["/sized?n=1000"]) -> Callable:
	return func(p):
		if await p.connect_to(host, tls_port, tls):
			for url in urls:
				await p.fetch(GET, url)
		else:
			p.poll()


## The record of a handshake that failed the way Godot fails it: TLS_HANDSHAKE_ERROR, the
## failing poll returns ERR_CANT_CONNECT and later polls ERR_CONNECTION_ERROR.
func expect_handshake_error(rec: Dictionary, what: String) -> void:
	eq(rec.statuses[-1], S_TLS_ERROR, what + ": status")
	eq(rec.poll_errors, [ERR_CANT_CONNECT, ERR_CONNECTION_ERROR], what + ": poll errors")
	eq(rec.responses, [], what + ": no request")


## Drops the client port from /connid bodies ("<port>:<n>" -> "<n>") before a parity comparison.
static func drop_connid_ports(rec: Dictionary) -> void:
	for r in rec.responses:
		if r.get("body", "").contains(":") and r.body.get_slice(":", 0).is_valid_int():
			r.body = r.body.get_slice(":", 1)


## The client ports of the /connid responses of a record.
static func connid_ports(rec: Dictionary) -> Array:
	var out := []
	for r in rec.responses:
		if r.get("body", "").contains(":") and r.body.get_slice(":", 0).is_valid_int():
			out.append(r.body.get_slice(":", 0))
	return out


## Response `i` of a record, or {} when there is none (so a failed side reads as a failed
## assertion, not a script error).
static func nth(rec: Dictionary, i := 0) -> Dictionary:
	return rec.responses[i] if rec.responses.size() > i else {}


## GEN(n) (see tests/servers/http_scenarios.py), fast for large n (Probe.gen is quadratic).
static func gen_big(n: int) -> String:
	return "abcdefghijklmnopqrstuvwxyz0123456789".repeat(n / 36 + 1).left(n)
