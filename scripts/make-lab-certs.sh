#!/usr/bin/env bash
# Regenerates the lab's test PKI in src/lab/certs (committed; the lab and tests load them).
# Nothing here is secret: these keys exist only to make loopback fixtures look like real MTAs.
#   ca.pem / ca.key               lab root CA (RSA 2048, SHA-256)
#   good.pem / good.key           leaf for mail.lab.example + localhost + 127.0.0.1-127.0.0.20 + ::1, 20 years
#   good-chain.pem                good leaf followed by the lab CA (what a correct server sends)
#   weak.pem / weak.key           self-signed RSA 1024, SHA-1, CN legacy.lab.example, already expired
#   other.pem / other.key         leaf from the lab CA for a different name (wrong-host.example), 20 years
#   ec.pem / ec.key               EC P-256 leaf for mail.lab.example from the lab CA
#   mta-sts.pem / mta-sts.key     leaf for mta-sts.<lab domain> from the lab CA (make-mta-sts-cert.sh)
set -euo pipefail
out=$(cd "$(dirname "$0")/../src/lab/certs" && pwd)
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
cd "$tmp"
san="DNS:mail.lab.example,DNS:localhost"
for i in $(seq 1 20); do san="$san,IP:127.0.0.$i"; done
san="$san,IP:::1"

openssl req -x509 -newkey rsa:2048 -sha256 -nodes -days 7300 -subj "/O=mailcheck lab/CN=mailcheck lab root CA" \
  -keyout ca.key -out ca.pem -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null

leaf() { # name keyalgopts cn san
  local name=$1 cn=$3 sans=$4
  # shellcheck disable=SC2086
  openssl req -new -newkey $2 -nodes -sha256 -subj "/O=mailcheck lab/CN=$cn" -keyout "$name.key" -out "$name.csr" 2>/dev/null
  printf 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\nsubjectAltName=%s\n' "$sans" > "$name.ext"
  openssl x509 -req -in "$name.csr" -CA ca.pem -CAkey ca.key -CAcreateserial -sha256 -days 7300 -extfile "$name.ext" -out "$name.pem" 2>/dev/null
}
leaf good "rsa:2048" mail.lab.example "$san"
leaf other "rsa:2048" wrong-host.example "DNS:wrong-host.example"
leaf ec "ec -pkeyopt ec_paramgen_curve:P-256" mail.lab.example "$san"
cat good.pem ca.pem > good-chain.pem

# The legacy server's certificate: everything an auditor should flag at once. `openssl ca` is the
# only portable way to set a start and end date in the past.
mkdir -p weakca/newcerts; : > weakca/index.txt; echo 01 > weakca/serial
cat > weak.cnf <<CNF
[ca]
default_ca = weak
[weak]
dir = weakca
database = weakca/index.txt
new_certs_dir = weakca/newcerts
serial = weakca/serial
policy = any
default_md = sha1
copy_extensions = none
x509_extensions = ext
[any]
commonName = supplied
[ext]
basicConstraints = CA:FALSE
subjectAltName = DNS:legacy.lab.example
CNF
openssl req -new -newkey rsa:1024 -nodes -sha1 -subj "/CN=legacy.lab.example" -keyout weak.key -out weak.csr 2>/dev/null
openssl ca -batch -config weak.cnf -selfsign -keyfile weak.key -in weak.csr -md sha1 \
  -startdate 20200101000000Z -enddate 20210101000000Z -out weak.pem -notext 2>/dev/null

cp ca.pem ca.key good.pem good.key good-chain.pem other.pem other.key ec.pem ec.key weak.pem weak.key "$out/"
echo "lab certificates written to $out"

# The MTA-STS policy server's leaf is made by its own script so it can be added to an existing CA.
bash "$out/../../../scripts/make-mta-sts-cert.sh"
bash "$out/../../../scripts/make-mx-cert.sh"
