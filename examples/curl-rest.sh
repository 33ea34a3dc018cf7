#!/usr/bin/env bash
# Every route of the REST adapter with nothing but curl, grep and sed: list the
# job's secrets, add one, edit it, alias a PROJECT secret, override an
# ENVIRONMENT secret, then delete the three secrets it made, leaving the job as
# it found it. Prints every request and answer, and stops with status 1 at the
# first unexpected HTTP status.
#
#   ./tools/run-sandbox          # first, in another terminal: the server, sandbox mode
#   ./examples/curl-rest.sh
#
# Environment:
#   REST_URL            the REST adapter's base (default http://127.0.0.1:8080/v1)
#   JOB_ID              the Qovery job (default: the sandbox's job)
#   ALIAS_TARGET_ID     a PROJECT or ENVIRONMENT secret of the job, to alias
#                       (default: the sandbox's PROJECT secret)
#   OVERRIDE_TARGET_ID  a PROJECT or ENVIRONMENT secret of the job, to override
#                       (default: the sandbox's ENVIRONMENT secret)
#   SECRET_KEY          key of the secret added (default CURL_EXAMPLE_<pid>)
# Against real Qovery, take the targets' ids from the list (their "scope").
set -euo pipefail

REST_URL=${REST_URL:-http://127.0.0.1:8080/v1}
JOB_ID=${JOB_ID:-11111111-1111-4111-8111-111111111111}
ALIAS_TARGET_ID=${ALIAS_TARGET_ID:-22222222-2222-4222-8222-222222222222}
OVERRIDE_TARGET_ID=${OVERRIDE_TARGET_ID:-33333333-3333-4333-8333-333333333333}
SECRET_KEY=${SECRET_KEY:-CURL_EXAMPLE_$$}
secrets="$REST_URL/job/$JOB_ID/secret"

body=$(mktemp)
trap 'rm -f "$body"' EXIT

fail() {
  echo "curl-rest.sh: $*" >&2
  exit 1
}

# send METHOD URL EXPECTED_STATUS [JSON]: one HTTP request. Prints it and the
# answer; fails unless the status is EXPECTED_STATUS. Leaves the body in $body.
send() {
  local method=$1 url=$2 expected=$3 data=${4-} status line
  local args=(-sS --max-time 60 -o "$body" -w '%{http_code}' -X "$method"
    -H 'Accept: application/json')
  if [ -n "$data" ]; then
    args+=(-H 'Content-Type: application/json' --data-binary "$data")
  fi
  echo
  echo "> $method $url"
  if [ -n "$data" ]; then echo "> $data"; fi
  status=$(curl "${args[@]}" "$url")
  echo "< HTTP $status"
  while IFS= read -r line || [ -n "$line" ]; do echo "< $line"; done <"$body"
  [ "$status" = "$expected" ] || fail "$method $url: expected HTTP $expected, got $status"
}

# The id of the secret in $body: its own "id", not that of the secret it
# aliases or overrides (the nested objects are dropped first).
secret_id() {
  local id
  id=$(tr -d '\n' <"$body" |
    sed -n -e 's/^[[:space:]]*{//' -e 's/{[^{}]*}//g' \
      -e 's/.*"id":[[:space:]]*"\([0-9a-f-]*\)".*/\1/p')
  [ -n "$id" ] || fail "no secret id in the answer"
  echo "$id"
}

echo "# list: the job's secrets and the inherited ones, never a value"
send GET "$secrets" 200

echo
echo "# create"
send POST "$secrets" 201 "{\"key\":\"$SECRET_KEY\",\"value\":\"example-value\",\"description\":\"added by curl-rest.sh\"}"
secret=$(secret_id)
echo "# created secret $secret ($SECRET_KEY)"

echo
echo "# edit: a new value (the key is required, and unchanged here)"
send PUT "$secrets/$secret" 200 "{\"key\":\"$SECRET_KEY\",\"value\":\"example-value-2\"}"

echo
echo "# alias: a new key in the job for a higher-scope secret"
send POST "$secrets/$ALIAS_TARGET_ID/alias" 201 "{\"key\":\"${SECRET_KEY}_ALIAS\"}"
alias=$(secret_id)
echo "# created alias $alias"

echo
echo "# override: a new value in the job for a higher-scope secret"
send POST "$secrets/$OVERRIDE_TARGET_ID/override" 201 '{"value":"example-override"}'
override=$(secret_id)
echo "# created override $override"

echo
echo "# delete what this script made"
for id in "$alias" "$override" "$secret"; do
  send DELETE "$secrets/$id" 204
done

echo
echo "# list again: none of them is left"
send GET "$secrets" 200
for id in "$alias" "$override" "$secret"; do
  if grep -q "\"$id\"" "$body"; then fail "secret $id is still listed"; fi
done
echo "# all routes answered as expected"
