#!/usr/bin/env python3
"""Opens N MCP sessions (initialize + notifications/initialized) on one
keep-alive connection and leaves them open. Usage: sessions.py PORT N"""
import http.client
import json
import sys

port, count = int(sys.argv[1]), int(sys.argv[2])
conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
headers = {"Content-Type": "application/json", "Accept": "application/json, text/event-stream"}
init = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "initialize",
                   "params": {"protocolVersion": "2025-11-25", "capabilities": {},
                              "clientInfo": {"name": "bench", "version": "1"}}})
done = json.dumps({"jsonrpc": "2.0", "method": "notifications/initialized"})
opened = 0
for _ in range(count):
    conn.request("POST", "/mcp", init, headers)
    answer = conn.getresponse()
    answer.read()
    session = answer.getheader("Mcp-Session-Id")
    if answer.status != 200 or not session:
        sys.exit(f"initialize failed: {answer.status}")
    conn.request("POST", "/mcp", done, dict(headers, **{"Mcp-Session-Id": session}))
    answer = conn.getresponse()
    answer.read()
    if answer.status != 202:
        sys.exit(f"notifications/initialized failed: {answer.status}")
    opened += 1
print(opened)
