#!/bin/bash
# Runs one third-party MCP client against the real server, for ctest:
#
#   tests/clients/run-client.sh CLIENT --npm-dir DIR --server BIN --fake BIN --certs DIR
#
# CLIENT is conformance-2025-11-25 or conformance-2026-07-28 (the official
# suite run with that revision's requirements), sdk-http, sdk-stdio,
# inspector, mcp-remote, one of the agent frameworks: ai-sdk, langchain,
# mastra, openai-agents, sdk-v2, browser-cors (a page in Debian's chromium,
# driven by playwright-core), entry-page (the value-entry page in chromium),
# sdk-elicitation (the SDK client answering URL elicitation in chromium),
# sdk-v2-elicitation (the SDK v2 client fulfilling input_required the same
# way), sdk-elicitation-stdio and sdk-v2-elicitation-stdio (the same over
# stdio), or replicas (three --stateless servers behind
# nginx, with several clients). The
# script makes sure the clients are installed (install.sh, a no-op when they
# are), starts fake-qovery over HTTPS and the server pointed at it (or the
# server in --sandbox for the conformance suite, which calls no tool), each on
# a free port, runs the client, stops what it started, and exits with the
# client's status. Every server gets --rest-port 0 so parallel tests never
# share a port.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
client=${1:?usage: $0 CLIENT --npm-dir DIR --server BIN --fake BIN --certs DIR}
shift
npm_dir="" server_bin="" fake_bin="" cert_dir=""
while [ $# -gt 0 ]; do
  case $1 in
    --npm-dir) npm_dir=$2 ;;
    --server) server_bin=$2 ;;
    --fake) fake_bin=$2 ;;
    --certs) cert_dir=$2 ;;
    *) echo "run-client.sh: unknown option $1" >&2; exit 2 ;;
  esac
  shift 2
done
if [ -z "$npm_dir" ] || [ -z "$server_bin" ] || [ -z "$fake_bin" ] || [ -z "$cert_dir" ]; then
  echo "run-client.sh: --npm-dir, --server, --fake and --certs are all required" >&2
  exit 2
fi

readonly job_id=11111111-1111-4111-8111-111111111111
readonly api_key=qov_clients_test_5e1d0a
log() { echo "run-client.sh[$client]: $*"; }

"$here/install.sh" "$npm_dir" >/dev/null
npm_dir=$(realpath "$npm_dir") server_bin=$(realpath "$server_bin")
fake_bin=$(realpath "$fake_bin") cert_dir=$(realpath "$cert_dir")
# The clients run on the Node 22 installed beside them (node_modules/.bin/node);
# npx resolves the packages from the install, never from the network.
export PATH="$npm_dir/node_modules/.bin:$PATH"
export npm_config_update_notifier=false npm_config_fund=false npm_config_audit=false
mkdir -p "$npm_dir/runs"
work=$(mktemp -d "$npm_dir/runs/$client.XXXXXX")

pids=()
cleanup() {
  local status=$?
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do # SIGTERM stops them cleanly; SIGKILL after 5 s
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null && sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  # Kept for the secret scan (tests/integration/secret_scan_test.cpp).
  if [ -n "${QMCP_SERVER_OUTPUT_DIR:-}" ]; then
    mkdir -p "$QMCP_SERVER_OUTPUT_DIR/clients-$client"
    cp "$work"/*.log "$QMCP_SERVER_OUTPUT_DIR/clients-$client/" 2>/dev/null || true
  fi
  if [ "$status" -ne 0 ]; then
    for file in "$work"/*.log; do
      [ -s "$file" ] || continue
      echo "---- last lines of $(basename "$file") ----"
      tail -n 40 "$file"
    done
  fi
  rm -rf "$work"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# start NAME PATTERN COMMAND...: starts COMMAND with stderr in $work/NAME.log
# and waits (10 s at most) for a stderr line matching PATTERN; sets $started_line.
start() {
  local name=$1 pattern=$2
  shift 2
  "$@" 2>"$work/$name.log" >/dev/null </dev/null &
  pids+=($!)
  local pid=$!
  for _ in $(seq 1 200); do
    if started_line=$(grep -s -m1 -E "$pattern" "$work/$name.log"); then
      return 0
    fi
    if ! kill -0 "$pid" 2>/dev/null; then
      log "error: $name exited before it was ready"
      return 1
    fi
    sleep 0.05
  done
  log "error: $name printed no line matching '$pattern' within 10 s"
  return 1
}

# fake-qovery over HTTPS with the test certificate; sets $fake_url.
start_fake() {
  # The directory may not exist yet when this client runs before any other test.
  [ -z "${QMCP_SERVER_OUTPUT_DIR:-}" ] || mkdir -p "$QMCP_SERVER_OUTPUT_DIR"
  start fake-qovery 'listening on https://' env QOVERY_API_KEY="$api_key" "$fake_bin" \
    --cert "$cert_dir/server.pem" --key "$cert_dir/server-key.pem" --port 0 \
    --record-secrets "${QMCP_SERVER_OUTPUT_DIR:-$work}/secrets-clients-$client.txt"
  fake_url=$(sed -E 's|.*listening on (https://[^ ]+).*|\1|' <<<"$started_line")
  log "fake-qovery at $fake_url"
}

# The server over HTTP, pointed at fake-qovery (the key only in the
# environment, as in production); sets $mcp_url.
start_server() {
  start server 'MCP endpoint http://' env QOVERY_API_KEY="$api_key" "$server_bin" \
    --api-url "$fake_url" --ca-file "$cert_dir/ca.pem" --mcp-port 0 --rest-port 0
  mcp_url=$(sed -E 's|.*MCP endpoint (http://[^ ]+/mcp).*|\1|' <<<"$started_line")
  log "server at $mcp_url"
}

# Copies a client program next to the install, so that its imports resolve
# from $npm_dir/node_modules.
program() {
  # With the helpers every program may import (framework-test.mjs, person.mjs, ...).
  cp "$here"/*.mjs "$work/"
  echo "$work/$1"
}

case $client in
  conformance-2025-11-25 | conformance-2026-07-28)
    # The official suite with exactly the scenarios one revision requires.
    revision=${client#conformance-}
    start server 'MCP endpoint http://' "$server_bin" --sandbox --mcp-port 0 --rest-port 0
    port=$(sed -E 's|.*MCP endpoint http://[^:]+:([0-9]+)/mcp.*|\1|' <<<"$started_line")
    # localhost, not 127.0.0.1: dns-rebinding-protection requires a localhost URL.
    url="http://localhost:$port/mcp"
    log "server at $url"
    baseline="$here/conformance-baseline-$revision.yml"
    status=0
    started=$(date +%s)
    (cd "$npm_dir" && npx --no-install @modelcontextprotocol/conformance server --url "$url" \
      --requirements "$revision" --expected-failures "$baseline" -o "$work/results") \
      </dev/null >"$work/conformance.out" 2>&1 || status=$?
    sed -n '/=== SUMMARY ===/,$p' "$work/conformance.out"
    log "the suite ran in $(($(date +%s) - started)) s, exit status $status"
    # Why each failing scenario failed, and the baseline checked both ways for
    # the scenarios the revision does not score too.
    echo "Why each scenario failed or warned:"
    node "$(program conformance-failures.mjs)" "$work/results" "$baseline" || status=1
    # The scenarios this server must pass: present in the run, and passed.
    if [ "$revision" = 2025-11-25 ]; then
      required="server-initialize ping tools-list server-sse-multiple-streams dns-rebinding-protection
                logging-set-level server-session-lifecycle"
    else
      required="tools-list server-sse-multiple-streams dns-rebinding-protection http-header-validation
                input-required-result-unsupported-methods input-required-result-validate-input"
    fi
    for scenario in $required; do
      if grep -qE "^✓ $scenario: [1-9][0-9]* passed, 0 failed$" "$work/conformance.out"; then
        log "ok: required scenario $scenario passed"
      else
        log "FAILED: required scenario $scenario did not pass"
        status=1
      fi
    done
    [ "$status" -eq 0 ] || cat "$work/conformance.out" >"$work/conformance-full.log"
    exit "$status"
    ;;
  sdk-http)
    start_fake
    start_server
    NODE_EXTRA_CA_CERTS="$cert_dir/ca.pem" node "$(program sdk-client.mjs)" \
      --http "$mcp_url" --fake "$fake_url" --job "$job_id" </dev/null
    ;;
  sdk-stdio)
    start_fake # the client spawns the server itself, over stdio
    # The client prints the server's stderr: kept in client.log for the secret scan.
    NODE_EXTRA_CA_CERTS="$cert_dir/ca.pem" QOVERY_API_KEY="$api_key" node "$(program sdk-client.mjs)" \
      --stdio "$server_bin" --fake "$fake_url" --ca-file "$cert_dir/ca.pem" --job "$job_id" \
      </dev/null 2>&1 | tee "$work/client.log"
    ;;
  inspector)
    start_fake
    start_server
    MCP_STORAGE_DIR="$work/inspector-storage" MCP_CATALOG_PATH="$work/inspector-mcp.json" \
      npm_dir="$npm_dir" node "$(program inspector-cli.mjs)" --url "$mcp_url" --job "$job_id" </dev/null
    ;;
  mcp-remote)
    start_fake
    start_server
    MCP_REMOTE_CONFIG_DIR="$work/mcp-auth" npm_dir="$npm_dir" \
      node "$(program mcp-remote-client.mjs)" --url "$mcp_url" --job "$job_id" </dev/null
    ;;
  ai-sdk | langchain | mastra | openai-agents | sdk-v2)
    # The framework's client over HTTP to this server, and over stdio to one it
    # spawns; then the programs of examples/$client.md. The fake model runs
    # inside the client program, on loopback.
    start_fake
    start_server
    program fake-model.mjs >/dev/null
    program framework-test.mjs >/dev/null
    # Kept in client.log for the secret scan (it holds the stdio servers' stderr).
    # No network: the frameworks' own tracing and telemetry are off.
    NODE_EXTRA_CA_CERTS="$cert_dir/ca.pem" QOVERY_API_KEY="$api_key" OPENAI_AGENTS_DISABLE_TRACING=1 \
      MASTRA_TELEMETRY_DISABLED=1 LANGSMITH_TRACING=false node "$(program "$client-client.mjs")" \
      --url "$mcp_url" --server "$server_bin" --fake "$fake_url" --ca-file "$cert_dir/ca.pem" \
      --job "$job_id" --examples "$here/../../examples" </dev/null 2>&1 | tee "$work/client.log"
    ;;
  browser-cors)
    start_fake
    start page 'page at http://' node "$(program browser-cors.mjs)" --serve-page
    page_port=$(sed -E 's|.*page at http://[^:]+:([0-9]+).*|\1|' <<<"$started_line")
    # An inbound token, so that the page also sends Authorization (and the scan looks for it).
    export AUTH_TOKEN=inbound-browser-3f9a27c1
    echo "$AUTH_TOKEN" >>"${QMCP_SERVER_OUTPUT_DIR:-$work}/secrets-clients-$client.txt"
    # REST on too, so on a port picked here: another process may take it first, then retry.
    for attempt in 1 2 3; do
      rest_port=$(node -e 'const s = require("net").createServer().listen(0, "127.0.0.1",
        () => { console.log(s.address().port); s.close(); })')
      if start server 'REST endpoint http://' env QOVERY_API_KEY="$api_key" \
        QOVERY_MCP_AUTH_TOKEN="$AUTH_TOKEN" "$server_bin" --api-url "$fake_url" \
        --ca-file "$cert_dir/ca.pem" --mcp-port 0 --rest-port "$rest_port" \
        --allowed-origin "http://app.test:$page_port"; then
        break
      fi
      [ "$attempt" -lt 3 ] || exit 1
    done
    mcp_url=$(grep -m1 -oE 'MCP endpoint http://[^ ]+/mcp' "$work/server.log" | cut -d' ' -f3)
    rest_url=$(grep -m1 -oE 'REST endpoint http://[^ ]+' "$work/server.log" | cut -d' ' -f3)
    log "server at $mcp_url and $rest_url, page on port $page_port"
    NODE_EXTRA_CA_CERTS="$cert_dir/ca.pem" node "$(program browser-cors.mjs)" --page-port "$page_port" \
      --mcp "$mcp_url" --rest "$rest_url" --fake "$fake_url" --job "$job_id" </dev/null
    ;;
  entry-page)
    # The value-entry page in chromium, behind an inbound token (the page asks
    # for it); screenshots go to $QMCP_SCREENSHOT_DIR (the build tree).
    start_fake
    export AUTH_TOKEN=inbound-entry-page-9b41d6
    echo "$AUTH_TOKEN" >>"${QMCP_SERVER_OUTPUT_DIR:-$work}/secrets-clients-$client.txt"
    start server 'MCP endpoint http://' env QOVERY_API_KEY="$api_key" \
      QOVERY_MCP_AUTH_TOKEN="$AUTH_TOKEN" "$server_bin" --api-url "$fake_url" \
      --ca-file "$cert_dir/ca.pem" --mcp-port 0 --rest-port 0 --log-level debug
    mcp_url=$(sed -E 's|.*MCP endpoint (http://[^ ]+/mcp).*|\1|' <<<"$started_line")
    log "server at $mcp_url"
    NODE_EXTRA_CA_CERTS="$cert_dir/ca.pem" node "$(program entry-page.mjs)" --mcp "$mcp_url" \
      --fake "$fake_url" --job "$job_id" --shots "${QMCP_SCREENSHOT_DIR:-$work}" </dev/null
    ;;
  sdk-elicitation | sdk-v2-elicitation)
    # The SDK client (v1 on 2025-11-25, v2 on 2026-07-28) with an elicitation
    # handler that opens the URL in chromium; a 10 s link, so progress comes
    # every second.
    start_fake
    start server 'MCP endpoint http://' env QOVERY_API_KEY="$api_key" "$server_bin" \
      --api-url "$fake_url" --ca-file "$cert_dir/ca.pem" --mcp-port 0 --rest-port 0 \
      --log-level debug --entry-link-ttl 10
    mcp_url=$(sed -E 's|.*MCP endpoint (http://[^ ]+/mcp).*|\1|' <<<"$started_line")
    log "server at $mcp_url"
    program elicitation-person.mjs >/dev/null
    NODE_EXTRA_CA_CERTS="$cert_dir/ca.pem" node "$(program "$client.mjs")" --http "$mcp_url" \
      --fake "$fake_url" --job "$job_id" --log "$work/server.log" </dev/null
    ;;
  sdk-elicitation-stdio | sdk-v2-elicitation-stdio)
    # The same clients spawning the server with --stdio (its pages on a
    # loopback port of their own); its stderr goes to server.log.
    start_fake
    program elicitation-person.mjs >/dev/null
    NODE_EXTRA_CA_CERTS="$cert_dir/ca.pem" QOVERY_API_KEY="$api_key" \
      node "$(program "${client%-stdio}.mjs")" --server "$server_bin" --ca-file "$cert_dir/ca.pem" \
      --fake "$fake_url" --job "$job_id" --log "$work/server.log" </dev/null
    ;;
  replicas)
    # examples/nginx-replicas.conf as written but for its ports, certificate
    # paths and pid file, in front of three --stateless servers sharing a
    # session key, over one fake-qovery; their debug logs count the calls each served.
    start_fake
    session_key=$(head -c 48 /dev/urandom | base64 -w0)
    echo "$session_key" >>"${QMCP_SERVER_OUTPUT_DIR:-$work}/secrets-clients-$client.txt"
    conf=$(cat "$here/../../examples/nginx-replicas.conf")
    nginx_port=$(node -e 'const s = require("net").createServer().listen(0, "127.0.0.1",
      () => { console.log(s.address().port); s.close(); })')
    logs=()
    for i in 1 2 3; do
      start "server-$i" 'MCP endpoint http://' env QOVERY_API_KEY="$api_key" \
        QOVERY_MCP_SESSION_KEY="$session_key" "$server_bin" --stateless --api-url "$fake_url" \
        --ca-file "$cert_dir/ca.pem" --mcp-port 0 --rest-port 0 --log-level debug \
        --public-url "https://127.0.0.1:$nginx_port"
      port=$(sed -E 's|.*MCP endpoint http://[^:]+:([0-9]+)/mcp.*|\1|' <<<"$started_line")
      # Both upstreams: the round robin and the pages' hash.
      conf=${conf//"server 127.0.0.1:909$i "/"server 127.0.0.1:$port "}
      logs+=("$work/server-$i.log")
    done
    conf=${conf/"pid /run/qovery-mcp-replicas-nginx.pid;"/"pid $work/nginx.pid;"}
    conf=${conf/"listen 443 ssl;"/"listen 127.0.0.1:$nginx_port ssl;"}
    conf=${conf/"/etc/qovery-mcp/tls/fullchain.pem"/"$cert_dir/server.pem"}
    conf=${conf/"/etc/qovery-mcp/tls/privkey.pem"/"$cert_dir/server-key.pem"}
    for gone in 'server 127.0.0.1:909[123] ' '/etc/qovery-mcp' '/run/'; do
      if grep -vE '^\s*#' <<<"$conf" | grep -qE "$gone"; then
        log "error: examples/nginx-replicas.conf no longer holds what this test replaces ($gone)"
        exit 1
      fi
    done
    mkdir -p "$work/nginx"
    printf '%s\n' "$conf" >"$work/nginx.conf"
    /usr/sbin/nginx -p "$work/nginx" -c "$work/nginx.conf" -g 'daemon off;' 2>"$work/nginx.log" &
    pids+=($!)
    for _ in $(seq 1 100); do
      (exec 3<>"/dev/tcp/127.0.0.1/$nginx_port") 2>/dev/null && break
      sleep 0.1
    done
    log "nginx at https://127.0.0.1:$nginx_port/mcp in front of three replicas"
    program fake-model.mjs >/dev/null
    program framework-test.mjs >/dev/null
    NODE_EXTRA_CA_CERTS="$cert_dir/ca.pem" npm_dir="$npm_dir" LOAD_CALLS=3000 \
      REPLICA_LOGS="$(IFS=:; echo "${logs[*]}")" MCP_STORAGE_DIR="$work/inspector-storage" \
      MCP_CATALOG_PATH="$work/inspector-mcp.json" node "$(program replicas-client.mjs)" \
      --url "https://127.0.0.1:$nginx_port/mcp" --server "$server_bin" --fake "$fake_url" \
      --ca-file "$cert_dir/ca.pem" --job "$job_id" --examples "$here/../../examples" </dev/null
    ;;
  *)
    echo "run-client.sh: unknown client $client" >&2
    exit 2
    ;;
esac
