-- (4) MCP tools/list over one established session (BENCH_SESSION).
dofile(os.getenv("BENCH_DIR") .. "/common.lua")
wrk.method = "POST"
wrk.path = "/mcp"
wrk.headers = mcp_headers(os.getenv("BENCH_SESSION"))
wrk.body = '{"jsonrpc":"2.0","id":3,"method":"tools/list"}'

function response(status, headers, body)
  if status ~= 200 or body:find('"tools"', 1, true) == nil then bad = bad + 1 end
end
