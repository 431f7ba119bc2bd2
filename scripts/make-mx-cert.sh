#!/usr/bin/env bash
# Makes src/lab/certs/mx.pem and mx-chain.pem: the certificate of good.example's MX hosts in the
# lab (src/lab/lab.ts), issued by the existing lab CA (ca.pem / ca.key) for the SAME key as
# good.pem (good.key). good.example publishes TLSA 3 1 1 for mx1.good.example: the SHA-256 of
# good.pem's SubjectPublicKeyInfo (RFC 6698 §2.1, src/lab/zones.ts), which this certificate
# therefore matches too. Reads ca.pem, ca.key and good.key; rewrites none of them.
#   mx.pem         RSA 2048 leaf (key good.key), SHA-256, 20 years: mx1/mx2.good.example,
#                  mail.lab.example, localhost, 127.0.0.1-127.0.0.20, ::1
#   mx-chain.pem   mx.pem followed by the lab CA (what a correct server sends)
# Run it again whenever make-lab-certs.sh has made a new CA or a new good.key.
set -euo pipefail
out=$(cd "$(dirname "$0")/../src/lab/certs" && pwd)
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
cd "$tmp"
sans="DNS:mx1.good.example,DNS:mx2.good.example,DNS:mail.lab.example,DNS:localhost"
for i in $(seq 1 20); do sans="$sans,IP:127.0.0.$i"; done
sans="$sans,IP:::1"

openssl req -new -key "$out/good.key" -sha256 -subj "/O=mailcheck lab/CN=mx1.good.example" -out mx.csr 2>/dev/null
printf 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\nsubjectAltName=%s\n' \
  "$sans" > mx.ext
# -CAserial in the temporary directory: the CA's serial file is not kept with the certs.
openssl x509 -req -in mx.csr -CA "$out/ca.pem" -CAkey "$out/ca.key" -CAserial ca.srl -CAcreateserial \
  -sha256 -days 7300 -extfile mx.ext -out mx.pem 2>/dev/null

# The TLSA record in the lab zones is computed from good.pem: refuse to write a certificate that would not match it.
spki() { openssl x509 -in "$1" -noout -pubkey | openssl pkey -pubin -outform DER | openssl dgst -sha256 -r | cut -d' ' -f1; }
if [ "$(spki mx.pem)" != "$(spki "$out/good.pem")" ]; then
  echo "mx.pem and good.pem have different public keys; is good.key the key of good.pem?" >&2
  exit 1
fi
cat mx.pem "$out/ca.pem" > mx-chain.pem

cp mx.pem mx-chain.pem "$out/"
echo "MX certificate written to $out"
