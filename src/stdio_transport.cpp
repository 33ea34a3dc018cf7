#include "qovery_mcp/stdio_transport.hpp"

#include <string>

namespace qovery_mcp {

void serve_stdio(const mcp::Server &server, std::istream &in, std::ostream &out) {
  mcp::Session session("stdio");
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r')
      line.pop_back();
    if (line.find_first_not_of(" \t") == std::string::npos)
      continue;
    std::optional<nlohmann::json> reply = server.handle_text(line, session);
    if (!reply)
      continue;
    // dump() escapes control characters, so an answer is always one line.
    out << reply->dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << '\n';
    out.flush();
    if (!out)
      return; // the client closed its end
  }
}

} // namespace qovery_mcp
