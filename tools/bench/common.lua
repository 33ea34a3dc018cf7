-- Shared by the wrk scripts of tools/bench: counts bad answers per wrk thread
-- and prints one machine-readable line at the end, read by tools/bench/run.
--   BENCH calls=N requests=N seconds=S rps=R p50=US p99=US p999=US errors=N
-- rps is calls per second: one call is one request, except for the
-- session-per-iteration script where a call is one whole iteration.
local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

bad = 0   -- per wrk thread: answers with a wrong status or a tool error
calls = 0 -- per wrk thread: completed calls, for the iteration script

function done(summary, latency, requests)
  local bad_total, calls_total = 0, 0
  for _, thread in ipairs(threads) do
    bad_total = bad_total + (thread:get("bad") or 0)
    calls_total = calls_total + (thread:get("calls") or 0)
  end
  if calls_total == 0 then calls_total = summary.requests end
  local e = summary.errors
  local errors = bad_total + e.connect + e.read + e.write + e.status + e.timeout
  local seconds = summary.duration / 1e6
  io.write(string.format(
    "BENCH calls=%d requests=%d seconds=%.3f rps=%.1f p50=%d p99=%d p999=%d errors=%d\n",
    calls_total, summary.requests, seconds, calls_total / seconds,
    latency:percentile(50.0), latency:percentile(99.0), latency:percentile(99.9), errors))
end

bench_job = os.getenv("BENCH_JOB") or "11111111-1111-4111-8111-111111111111"
bench_call_body = '{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"list-job-secrets","arguments":{"jobId":"'
  .. bench_job .. '"}}}'

function mcp_headers(session)
  local h = {
    ["Content-Type"] = "application/json",
    ["Accept"] = "application/json, text/event-stream",
  }
  if session then h["Mcp-Session-Id"] = session end
  return h
end

-- A tools/call answer is good when it is 200 with a result that is no tool error.
function tool_answer_ok(status, body)
  return status == 200 and body:find('"result"', 1, true) ~= nil
    and body:find('"isError":true', 1, true) == nil
end
