#!/usr/bin/env bash
# One MCP session over streamable HTTP with nothing but curl, grep and sed:
# initialize, notifications/initialized, tools/list, then the tools
# list-job-secrets, add-secret-job and delete-secret-job (on the secret just
# added), and DELETE to end the session. Prints every request and answer, and
# stops with status 1 at the first unexpected HTTP status, JSON-RPC error or
# tool error.
#
#   ./tools/run-sandbox          # first, in another terminal: the server, sandbox mode
#   ./examples/curl-mcp.sh
#
# Environment:
#   MCP_URL     the MCP endpoint (default http://127.0.0.1:9090/mcp)
#   JOB_ID      the Qovery job (default: the sandbox's job)
#   SECRET_KEY  key of the secret added, then deleted (default CURL_EXAMPLE_<pid>)
set -euo pipefail

MCP_URL=${MCP_URL:-http://127.0.0.1:9090/mcp}
JOB_ID=${JOB_ID:-11111111-1111-4111-8111-111111111111}
SECRET_KEY=${SECRET_KEY:-CURL_EXAMPLE_$$}
PROTOCOL_VERSION=2025-11-25

headers=$(mktemp)
body=$(mktemp)
trap 'rm -f "$headers" "$body"' EXIT

fail() {
  echo "curl-mcp.sh: $*" >&2
  exit 1
}

# The headers every request after initialize carries.
session_headers=()

# send METHOD EXPECTED_STATUSES [JSON]: one HTTP request to the endpoint.
# Prints it and the answer; fails unless the status is one of EXPECTED_STATUSES
# (separated by |). Leaves the answer's headers in $headers, its body in $body.
send() {
  local method=$1 expected=$2 data=${3-} status line
  local args=(-sS --max-time 60 -o "$body" -D "$headers" -w '%{http_code}' -X "$method"
    -H 'Accept: application/json, text/event-stream')
  # ${a[@]+"${a[@]}"}: an empty array under set -u, also with macOS's bash 3.2.
  args+=(${session_headers[@]+"${session_headers[@]}"})
  if [ -n "$data" ]; then
    args+=(-H 'Content-Type: application/json' --data-binary "$data")
  fi
  echo
  echo "> $method $MCP_URL"
  if [ -n "$data" ]; then echo "> $data"; fi
  status=$(curl "${args[@]}" "$MCP_URL")
  echo "< HTTP $status"
  while IFS= read -r line || [ -n "$line" ]; do echo "< $line"; done <"$body"
  case "|$expected|" in
  *"|$status|"*) ;;
  *) fail "$method: expected HTTP $expected, got $status" ;;
  esac
}

# rpc ID METHOD PARAMS: a JSON-RPC request that must succeed: HTTP 200 and a
# result (not an error); for tools/call, a result that is not a tool error.
rpc() {
  send POST 200 "{\"jsonrpc\":\"2.0\",\"id\":$1,\"method\":\"$2\",\"params\":$3}"
  grep -q '"result":[[:space:]]*{' "$body" || fail "$2: the answer is a JSON-RPC error"
  if grep -q '"isError":[[:space:]]*true' "$body"; then
    fail "$2: the tool reported an error"
  fi
}

echo "# initialize: the answer's Mcp-Session-Id header names the session"
rpc 1 initialize "{\"protocolVersion\":\"$PROTOCOL_VERSION\",\"capabilities\":{},\"clientInfo\":{\"name\":\"curl-mcp.sh\",\"version\":\"1\"}}"
session=$(grep -i '^mcp-session-id:' "$headers" | sed 's/^[^:]*:[[:space:]]*//' | tr -d '\r') ||
  fail "initialize: no Mcp-Session-Id header in the answer"
[ -n "$session" ] || fail "initialize: empty Mcp-Session-Id"
echo "# session $session"
session_headers=(-H "Mcp-Session-Id: $session" -H "MCP-Protocol-Version: $PROTOCOL_VERSION")

echo
echo "# notifications/initialized: a notification gets 202 and no body"
send POST 202 '{"jsonrpc":"2.0","method":"notifications/initialized"}'

echo
echo "# tools/list"
rpc 2 tools/list '{}'
grep -q '"name":[[:space:]]*"list-job-secrets"' "$body" || fail "tools/list: no list-job-secrets"

echo
echo "# list-job-secrets: the job's secrets and the inherited ones, never a value"
rpc 3 tools/call "{\"name\":\"list-job-secrets\",\"arguments\":{\"jobId\":\"$JOB_ID\"}}"

echo
echo "# add-secret-job: structuredContent is the new secret"
rpc 4 tools/call "{\"name\":\"add-secret-job\",\"arguments\":{\"jobId\":\"$JOB_ID\",\"body\":{\"key\":\"$SECRET_KEY\",\"value\":\"example-value\",\"description\":\"added by curl-mcp.sh\"}}}"
# Its id: the first "id" in structuredContent, before any nested object.
secret_id=$(sed -n 's/.*"structuredContent":[[:space:]]*{[^{}]*"id":[[:space:]]*"\([0-9a-f-]*\)".*/\1/p' "$body")
[ -n "$secret_id" ] || fail "add-secret-job: no secret id in the answer"
echo "# added secret $secret_id ($SECRET_KEY)"

echo
echo "# delete-secret-job on the secret just added"
rpc 5 tools/call "{\"name\":\"delete-secret-job\",\"arguments\":{\"jobId\":\"$JOB_ID\",\"secretId\":\"$secret_id\"}}"
grep -q '"deleted":[[:space:]]*true' "$body" || fail "delete-secret-job: not deleted"
echo "# deleted secret $secret_id"

echo
echo "# DELETE ends the session; the session id is unknown afterwards (404)"
send DELETE '200|204'
send POST 404 '{"jsonrpc":"2.0","id":6,"method":"ping"}'
echo "# session ended"
