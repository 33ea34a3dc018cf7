#include "qovery_mcp/stdio_transport.hpp"

#include <string>

namespace qovery_mcp {
namespace {

/// Reads one line of `in`, without its '\n', into `line`, keeping at most
/// `limit` bytes: a longer line sets `too_long` and the rest is read and
/// dropped, so memory stays bounded. False at the end of input with nothing read.
bool read_line(std::istream &in, std::string &line, std::size_t limit, bool &too_long) {
  line.clear();
  too_long = false;
  std::streambuf *buffer = in.rdbuf();
  bool read_any = false;
  for (;;) {
    int c = buffer->sbumpc();
    if (c == std::char_traits<char>::eof()) {
      in.setstate(std::ios::eofbit);
      return read_any;
    }
    read_any = true;
    if (c == '\n')
      return true;
    if (line.size() < limit)
      line.push_back(static_cast<char>(c));
    else
      too_long = true;
  }
}

} // namespace

void serve_stdio(const mcp::Server &server, std::istream &in, std::ostream &out,
                 std::mutex *handling) {
  mcp::Session session("stdio");
  std::string line;
  bool too_long = false;
  while (read_line(in, line, kMaxStdioMessageBytes, too_long)) {
    std::unique_lock<std::mutex> busy;
    if (handling != nullptr)
      busy = std::unique_lock(*handling);
    if (!line.empty() && line.back() == '\r')
      line.pop_back();
    if (!too_long && line.find_first_not_of(" \t") == std::string::npos)
      continue;
    std::optional<std::string> reply;
    if (too_long)
      reply = mcp::error_response(nullptr, mcp::kInvalidRequest,
                                  "invalid request: the message is too large: the limit is " +
                                      std::to_string(kMaxStdioMessageBytes) + " bytes a line")
                  .dump();
    else
      reply = server.respond_text(line, session);
    if (!reply)
      continue;
    // Serialized JSON escapes control characters, so an answer is always one line.
    out << *reply << '\n';
    out.flush();
    if (!out)
      return; // the client closed its end
  }
}

} // namespace qovery_mcp
