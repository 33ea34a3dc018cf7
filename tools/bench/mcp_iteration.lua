-- (3) The session-per-iteration pattern of the public benchmarks:
-- initialize -> notifications/initialized -> tools/call list-job-secrets -> DELETE.
-- A state machine per wrk thread: run it with as many threads as connections
-- (-t N -c N), so that each Lua state drives exactly one connection. wrk's
-- latency figures are per HTTP request; "calls" counts whole iterations.
dofile(os.getenv("BENCH_DIR") .. "/common.lua")

local step = 0
local session = nil
local init_body = '{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25",'
  .. '"capabilities":{},"clientInfo":{"name":"wrk","version":"1"}}}'
local initialized_body = '{"jsonrpc":"2.0","method":"notifications/initialized"}'

function request()
  if step == 0 then
    return wrk.format("POST", "/mcp", mcp_headers(nil), init_body)
  elseif step == 1 then
    return wrk.format("POST", "/mcp", mcp_headers(session), initialized_body)
  elseif step == 2 then
    return wrk.format("POST", "/mcp", mcp_headers(session), bench_call_body)
  else
    local h = mcp_headers(session)
    h["Content-Type"] = nil
    return wrk.format("DELETE", "/mcp", h)
  end
end

function response(status, headers, body)
  if step == 0 then
    session = headers["Mcp-Session-Id"] or headers["mcp-session-id"]
    if status ~= 200 or not session then bad = bad + 1; return end
    step = 1
  elseif step == 1 then
    if status ~= 202 then bad = bad + 1 end
    step = 2
  elseif step == 2 then
    if not tool_answer_ok(status, body) then bad = bad + 1 end
    step = 3
  else
    if status ~= 200 then bad = bad + 1 end
    calls = calls + 1
    step = 0
  end
end
