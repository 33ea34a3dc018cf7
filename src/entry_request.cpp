// What the value-entry pages read from requests besides their routes: the
// fields of a submitted form, and the origin their links and forms use.

#include "qovery_mcp/entry_page.hpp"

#include "qovery_mcp/text.hpp"

#include <httplib.h>

namespace qovery_mcp {
namespace {

/// The parameters of a header value after its first ';' ("form-data;
/// name=\"value\"; filename=\"a.txt\""), names lower-cased, quotes removed.
std::multimap<std::string, std::string> header_parameters(std::string_view value) {
  std::multimap<std::string, std::string> parameters;
  std::size_t semicolon = value.find(';');
  while (semicolon != std::string_view::npos) {
    value = value.substr(semicolon + 1);
    semicolon = value.find(';');
    std::string_view parameter = trim_ows(value.substr(0, semicolon));
    std::size_t equals = parameter.find('=');
    if (equals == std::string_view::npos)
      continue;
    std::string_view text = trim_ows(parameter.substr(equals + 1));
    if (text.size() >= 2 && text.front() == '"' && text.back() == '"')
      text = text.substr(1, text.size() - 2);
    parameters.emplace(to_lower(trim_ows(parameter.substr(0, equals))), std::string(text));
  }
  return parameters;
}

/// The fields of a multipart/form-data `body` with `boundary` (RFC 7578, RFC
/// 2046 5.1.1), or nullopt when it is malformed. A part's name is its
/// Content-Disposition's `name`; its value is its content.
std::optional<FormFields> multipart_fields(const std::string &body, const std::string &boundary) {
  FormFields fields;
  const std::string delimiter = "--" + boundary;
  std::size_t at = body.find(delimiter);
  if (boundary.empty() || at == std::string::npos)
    return std::nullopt;
  for (;;) {
    at += delimiter.size();
    if (body.compare(at, 2, "--") == 0)
      return fields;
    if (body.compare(at, 2, "\r\n") != 0)
      return std::nullopt;
    at += 2;
    std::size_t head_end = body.find("\r\n\r\n", at);
    if (head_end == std::string::npos)
      return std::nullopt;
    std::string name;
    std::string_view head(body.data() + at, head_end - at);
    while (!head.empty()) {
      std::size_t line_end = head.find("\r\n");
      std::string_view line = head.substr(0, line_end);
      if (to_lower(line.substr(0, 20)) == "content-disposition:") {
        auto parameters = header_parameters(line);
        auto it = parameters.find("name");
        if (it != parameters.end())
          name = it->second;
      }
      head = line_end == std::string_view::npos ? std::string_view() : head.substr(line_end + 2);
    }
    std::size_t content = head_end + 4;
    std::size_t next = body.find("\r\n" + delimiter, content);
    if (next == std::string::npos || name.empty())
      return std::nullopt;
    fields.emplace(std::move(name), body.substr(content, next - content));
    at = next + 2;
  }
}

} // namespace

std::optional<FormFields> form_fields(const httplib::Request &req) {
  std::string content_type = req.get_header_value("Content-Type");
  std::string type = media_type(content_type);
  if (type == "application/x-www-form-urlencoded") {
    httplib::Params params;
    httplib::detail::parse_query_text(req.body, params);
    return FormFields(params.begin(), params.end());
  }
  if (type != "multipart/form-data")
    return std::nullopt;
  auto parameters = header_parameters(content_type);
  auto boundary = parameters.find("boundary");
  if (boundary == parameters.end())
    return std::nullopt;
  return multipart_fields(req.body, boundary->second);
}

Result<std::string> parse_origin(std::string_view url) {
  std::string origin = to_lower(url);
  while (!origin.empty() && origin.back() == '/')
    origin.pop_back();
  std::size_t scheme_end = origin.find("://");
  std::string scheme = origin.substr(0, scheme_end);
  if (scheme_end == std::string::npos || (scheme != "http" && scheme != "https"))
    return Result<std::string>::failure("must start with http:// or https://, got \"" +
                                        std::string(url) + "\"");
  std::string authority = origin.substr(scheme_end + 3);
  if (authority.empty() || authority.find_first_of("/?#@ ") != std::string::npos)
    return Result<std::string>::failure(
        "must be an origin, scheme://host[:port], with no path, got \"" + std::string(url) + "\"");
  return origin;
}

std::string default_origin(const std::string &host, int port) {
  bool wildcard = host == "0.0.0.0" || host == "::" || host == "[::]";
  return "http://" + (wildcard ? std::string("localhost") : url_host(host)) + ":" +
         std::to_string(port);
}

std::string origin_host(std::string_view origin) {
  std::size_t scheme_end = origin.find("://");
  std::string_view authority =
      scheme_end == std::string_view::npos ? origin : origin.substr(scheme_end + 3);
  if (!authority.empty() && authority.front() == '[')
    return std::string(authority.substr(0, authority.find(']') + 1));
  return std::string(authority.substr(0, authority.find(':')));
}

} // namespace qovery_mcp
