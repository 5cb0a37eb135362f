#!/usr/bin/env bash
# Makes the TLS test certificates (committed; valid for 100 years):
#   ca.pem            a test root CA
#   server.pem/.key   "localhost" and 127.0.0.1, signed by ca.pem
#   client.pem/.key   a client certificate signed by ca.pem (mutual TLS)
#   other-ca.pem      a root that signed nothing here (unknown issuer)
# Run from this folder: bash make.sh
set -euo pipefail
days=36500
ext() { printf '%s\n' "$@" > "$tmp/ext"; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
root() {
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days $days \
    -subj "/CN=$2" -keyout "$tmp/$1.key" -out "$1.pem" \
    -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign
}
leaf() {  # name, CN, extensions...
  local name=$1 cn=$2; shift 2
  openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=$cn" \
    -keyout "$name.key" -out "$tmp/$name.csr"
  ext "$@"
  openssl x509 -req -in "$tmp/$name.csr" -CA ca.pem -CAkey "$tmp/ca.key" -CAcreateserial \
    -CAserial "$tmp/ca.srl" -days $days -extfile "$tmp/ext" -out "$name.pem"
}
root ca "attologging test CA"
root other-ca "attologging other test CA"
leaf server localhost basicConstraints=CA:FALSE keyUsage=digitalSignature \
  extendedKeyUsage=serverAuth subjectAltName=DNS:localhost,IP:127.0.0.1
leaf client attologging-client basicConstraints=CA:FALSE keyUsage=digitalSignature \
  extendedKeyUsage=clientAuth
