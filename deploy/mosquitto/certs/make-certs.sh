#!/usr/bin/env bash
# Make a private CA and the broker's certificate for the gateways' TLS listener (8883):
#   make-certs.sh BROKER_HOST_NAME [DAYS]
# Writes ca.crt, ca.key, broker.crt, broker.key beside this script. Give ca.crt to every
# gateway (broker.tls.ca_file) and keep ca.key offline. The broker's name goes into the
# subject alternative name, which the gateways check.
set -euo pipefail
[ $# -ge 1 ] || { echo "usage: $0 BROKER_HOST_NAME [DAYS]" >&2; exit 2; }
host=$1 days=${2:-825}
cd "$(dirname "$0")"
umask 077
openssl req -x509 -newkey rsa:3072 -sha256 -nodes -days 3650 -keyout ca.key -out ca.crt \
  -subj "/CN=sitewatch broker CA"
openssl req -newkey rsa:3072 -sha256 -nodes -keyout broker.key -out broker.csr \
  -subj "/CN=$host"
openssl x509 -req -in broker.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days "$days" \
  -sha256 -out broker.crt \
  -extfile <(printf 'subjectAltName=DNS:%s\nextendedKeyUsage=serverAuth\n' "$host")
rm -f broker.csr ca.srl
chmod 0644 ca.crt broker.crt
echo "wrote $(pwd)/{ca.crt,broker.crt,broker.key,ca.key}"
