#pragma once

// What the value-entry tests share: a browser-like client of the page, and
// the page's and the tool result's parts they read.

#include "stack.hpp"

#include <httplib.h>
#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace test {

/// The text of a CallToolResult's first content block.
std::string text_of(const nlohmann::json &result);

/// The page's hidden CSRF token.
std::string csrf_in(const std::string &page);

/// What a page answer must carry, whatever it says.
void check_security_headers(const HttpReply &reply);

/// A browser-like client of the page on 127.0.0.1:`port` (or `address`);
/// every answer is checked for the security headers.
struct Browser {
  explicit Browser(int port, const std::string &address = "127.0.0.1");
  HttpReply reply(const httplib::Result &res);
  HttpReply get(const std::string &path, const httplib::Headers &headers = {});
  /// POSTs `fields` as application/x-www-form-urlencoded.
  HttpReply post(const std::string &path, const httplib::Params &fields,
                 const httplib::Headers &headers);
  httplib::Client http;
  std::string answers; ///< every page body, for the transcript
};

/// The headers a browser sends with a form from the page at `origin`.
httplib::Headers from_page(const std::string &origin);

/// The requests `fake` got that change something (any method but GET).
std::vector<nlohmann::json> writes_to(FakeQoveryProcess &fake);

/// The whole content of the file at `path`.
std::string read_all(const std::string &path);

} // namespace test
