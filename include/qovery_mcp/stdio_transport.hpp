#pragma once

#include "qovery_mcp/mcp_server.hpp"

#include <istream>
#include <mutex>
#include <ostream>

namespace qovery_mcp {

/// The longest message line serve_stdio() reads (the HTTP body limit too); a
/// longer one gets a -32600 error with id null, and the next line is served.
inline constexpr std::size_t kMaxStdioMessageBytes = 4 * 1024 * 1024;

/// Serves MCP over stdio, the way Claude Desktop runs local servers: one
/// JSON-RPC message per line of `in`, each answer written to `out` as one line
/// and flushed, nothing else ever written to `out`. A malformed line gets a
/// JSON-RPC error and the next line is served. Returns at the end of `in`.
/// `handling`, when given, is held from reading a message's last byte to
/// flushing its answer, so that a stop can wait for the answer in flight.
void serve_stdio(const mcp::Server &server, std::istream &in, std::ostream &out,
                 std::mutex *handling = nullptr);

} // namespace qovery_mcp
