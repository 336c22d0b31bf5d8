#!/bin/sh
# A private CA, a server certificate for 127.0.0.1 (HAProxy's gateway.pem: chain then key) and a client
# certificate signed by the same CA (for mutual TLS), all in DIR. Keys are 0600; certificates 0644.
# usage: make_pki.sh DIR
set -eu
dir=$1
cd "$dir"
umask 077
key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null; }
key ca.key
openssl req -x509 -new -key ca.key -out ca.pem -days 2 -subj "/CN=devfleet gateway_network test CA" \
  -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign
for who in server client; do
  key "$who.key"
  openssl req -new -key "$who.key" -out "$who.csr" -subj "/CN=$who.gateway-network.test"
done
printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n' >server.ext
printf 'extendedKeyUsage=clientAuth\n' >client.ext
for who in server client; do
  openssl x509 -req -in "$who.csr" -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 -extfile "$who.ext" \
    -out "$who.pem" 2>/dev/null
done
chmod 0644 ca.pem server.pem client.pem
rm -f ./*.csr ./*.ext ca.srl
