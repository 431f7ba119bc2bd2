#!/usr/bin/env bash
# Makes src/lab/certs/mta-sts.pem / mta-sts.key: the certificate of the lab's MTA-STS policy
# server (src/lab/mta-sts-server.ts), issued by the existing lab CA (ca.pem / ca.key), which this
# script reads and never rewrites. RFC 8461 §3.3 fetches the policy from https://mta-sts.<domain>/,
# so the certificate names mta-sts.<domain> for every lab mail domain (src/lab/zones.ts).
#   mta-sts.pem / mta-sts.key     RSA 2048 leaf, SHA-256, 20 years
# make-lab-certs.sh runs this after making a new CA; run it alone to add the leaf to existing certs.
set -euo pipefail
out=$(cd "$(dirname "$0")/../src/lab/certs" && pwd)
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
cd "$tmp"
sans="DNS:mta-sts.good.example,DNS:mta-sts.weak.example,DNS:mta-sts.broken.example,DNS:mta-sts.nullmx.example"

openssl req -new -newkey rsa:2048 -nodes -sha256 -subj "/O=mailcheck lab/CN=mta-sts.good.example" \
  -keyout mta-sts.key -out mta-sts.csr 2>/dev/null
printf 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\nsubjectAltName=%s\n' \
  "$sans" > mta-sts.ext
# -CAserial in the temporary directory: the CA's serial file is not kept with the certs.
openssl x509 -req -in mta-sts.csr -CA "$out/ca.pem" -CAkey "$out/ca.key" -CAserial ca.srl -CAcreateserial \
  -sha256 -days 7300 -extfile mta-sts.ext -out mta-sts.pem 2>/dev/null

cp mta-sts.pem mta-sts.key "$out/"
echo "MTA-STS certificate written to $out"
