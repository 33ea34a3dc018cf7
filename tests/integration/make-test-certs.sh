#!/bin/sh
# Makes the certificates the integration tests use, in directory $1:
#   ca.pem                      a test CA
#   server.pem, server-key.pem  localhost / 127.0.0.1 / ::1, signed by the CA
#   untrusted.pem, untrusted-key.pem  the same names, self-signed (no one trusts it)
#   wrong-host.pem, wrong-host-key.pem  signed by the CA for wrong.example only
#   cn-only.pem, cn-only-key.pem        signed by the CA, CN=localhost and no subjectAltName
#   cn-only-ip.pem, cn-only-ip-key.pem  signed by the CA, CN=127.0.0.1 and no subjectAltName
set -eu
dir=$1
mkdir -p "$dir"
cd "$dir"
days=2
openssl req -x509 -newkey rsa:2048 -nodes -keyout ca-key.pem -out ca.pem -days $days \
  -subj "/CN=qovery-mcp test CA" -addext "basicConstraints=critical,CA:TRUE" \
  -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null

leaf() { # name san signer [cn]; an empty san leaves the subjectAltName extension out
  openssl req -newkey rsa:2048 -nodes -keyout "$1-key.pem" -out "$1.csr" -subj "/CN=${4:-$1}" 2>/dev/null
  printf 'basicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n' > "$1.ext"
  if [ -n "$2" ]; then printf 'subjectAltName=%s\n' "$2" >> "$1.ext"; fi
  if [ "$3" = self ]; then
    openssl x509 -req -in "$1.csr" -signkey "$1-key.pem" -out "$1.pem" -days $days -extfile "$1.ext" 2>/dev/null
  else
    openssl x509 -req -in "$1.csr" -CA ca.pem -CAkey ca-key.pem -CAcreateserial -out "$1.pem" \
      -days $days -extfile "$1.ext" 2>/dev/null
  fi
  rm -f "$1.csr" "$1.ext"
}
leaf server "DNS:localhost,IP:127.0.0.1,IP:::1" ca
leaf untrusted "DNS:localhost,IP:127.0.0.1,IP:::1" self
leaf wrong-host "DNS:wrong.example" ca
leaf cn-only "" ca localhost
leaf cn-only-ip "" ca 127.0.0.1
