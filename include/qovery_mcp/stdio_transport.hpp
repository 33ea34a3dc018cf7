#pragma once

#include "qovery_mcp/mcp_server.hpp"

#include <istream>
#include <ostream>

namespace qovery_mcp {

/// Serves MCP over stdio, the way Claude Desktop runs local servers: one
/// JSON-RPC message per line of `in`, each answer written to `out` as one line
/// and flushed, nothing else ever written to `out`. A malformed line gets a
/// JSON-RPC error and the next line is served. Returns at the end of `in`.
void serve_stdio(const mcp::Server &server, std::istream &in, std::ostream &out);

} // namespace qovery_mcp
