-- (2) MCP tools/call list-job-secrets over one established session (BENCH_SESSION).
dofile(os.getenv("BENCH_DIR") .. "/common.lua")
wrk.method = "POST"
wrk.path = "/mcp"
wrk.headers = mcp_headers(os.getenv("BENCH_SESSION"))
wrk.body = bench_call_body

function response(status, headers, body)
  if not tool_answer_ok(status, body) then bad = bad + 1 end
end
