-- (2b) The same tools/call as mcp_call.lua in MCP 2026-07-28: no session; the
-- protocol version, client info and capabilities in params._meta; the
-- MCP-Protocol-Version, Mcp-Method and Mcp-Name headers
-- (2026-07-28 basic/index, basic/transports/streamable-http).
dofile(os.getenv("BENCH_DIR") .. "/common.lua")
wrk.method = "POST"
wrk.path = "/mcp"
wrk.headers = mcp_headers(nil)
wrk.headers["MCP-Protocol-Version"] = "2026-07-28"
wrk.headers["Mcp-Method"] = "tools/call"
wrk.headers["Mcp-Name"] = "list-job-secrets"
wrk.body = '{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"list-job-secrets","arguments":{"jobId":"'
  .. bench_job .. '"},"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28",'
  .. '"io.modelcontextprotocol/clientInfo":{"name":"bench","version":"1"},'
  .. '"io.modelcontextprotocol/clientCapabilities":{}}}}'

function response(status, headers, body)
  if not tool_answer_ok(status, body) then bad = bad + 1 end
end
