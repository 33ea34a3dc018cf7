#include "qovery_mcp/http_head.hpp"

#include "qovery_mcp/text.hpp"

#include <httplib.h>

#include <algorithm>

namespace qovery_mcp {
namespace {

/// A chunk-size line (size, extensions, CRLF) longer than this is refused.
constexpr std::size_t kMaxChunkLineBytes = 4 * 1024;
/// Trailer fields after the last chunk, all together, beyond this are refused.
constexpr std::size_t kMaxTrailerBytes = 8 * 1024;

/// A line of the head without its CRLF or LF.
std::string_view chomp(std::string_view line) {
  if (!line.empty() && line.back() == '\n')
    line.remove_suffix(1);
  if (!line.empty() && line.back() == '\r')
    line.remove_suffix(1);
  return line;
}

HttpRefusal bad_request(std::string reason) { return {400, "bad request: " + std::move(reason)}; }

/// Splits the request-target into path and query as cpp-httplib does; an
/// absolute form's authority goes to `authority`.
std::optional<HttpRefusal> parse_target(std::string_view target, httplib::Request &req,
                                        std::string &authority) {
  if (!std::all_of(target.begin(), target.end(), [](char c) { return c > ' ' && c < 0x7f; }))
    return bad_request("the request target holds a character it may not (RFC 9112, 3.2)");
  std::string_view origin_form = target;
  if (req.method == "OPTIONS" && target == "*") {
    req.path = "*";
    return std::nullopt;
  }
  std::string lowered = to_lower(target.substr(0, 8));
  if (lowered.rfind("http://", 0) == 0 || lowered.rfind("https://", 0) == 0) {
    // Absolute form: its authority is the Host (RFC 9112, 3.2.2).
    std::string_view rest = target.substr(target.find("://") + 3);
    std::size_t path_start = std::min(rest.find_first_of("/?"), rest.size());
    authority = std::string(rest.substr(0, path_start));
    if (authority.empty())
      return bad_request("the absolute request target has no host");
    origin_form = rest.substr(path_start);
  } else if (target.empty() || target.front() != '/') {
    return bad_request("the request target must be a path such as /mcp (RFC 9112, 3.2)");
  }
  std::size_t question = origin_form.find('?');
  req.path = httplib::detail::decode_url(std::string(origin_form.substr(0, question)), false);
  if (req.path.empty())
    req.path = "/";
  if (question != std::string_view::npos && question + 1 < origin_form.size())
    httplib::detail::parse_query_text(std::string(origin_form.substr(question + 1)), req.params);
  return std::nullopt;
}

std::optional<HttpRefusal> parse_request_line(std::string_view line, httplib::Request &req,
                                              std::string &authority) {
  std::size_t first = line.find(' ');
  std::size_t last = line.rfind(' ');
  if (first == std::string_view::npos || first == last)
    return bad_request("the request line must be: method, a space, target, a space, version");
  std::string_view method = line.substr(0, first);
  std::string_view target = line.substr(first + 1, last - first - 1);
  std::string_view version = line.substr(last + 1);
  if (!is_token(method))
    return bad_request("the request method is not a token");
  if (target.empty() || target.find(' ') != std::string_view::npos)
    return bad_request("the request target must not hold a space");
  bool http_version = version.size() == 8 && version.substr(0, 5) == "HTTP/" &&
                      std::isdigit(static_cast<unsigned char>(version[5])) && version[6] == '.' &&
                      std::isdigit(static_cast<unsigned char>(version[7]));
  if (!http_version)
    return bad_request("the request line does not end with an HTTP version such as HTTP/1.1");
  if (version != "HTTP/1.1" && version != "HTTP/1.0")
    return HttpRefusal{505, "HTTP version not supported: this server speaks HTTP/1.1 and 1.0"};
  req.method = std::string(method);
  req.target = std::string(target);
  req.version = std::string(version);
  return parse_target(target, req, authority);
}

std::optional<HttpRefusal> parse_field(std::string_view line, httplib::Request &req) {
  if (line.front() == ' ' || line.front() == '\t')
    return bad_request("a header line is folded onto the next (obsolete line folding, RFC 9112, "
                       "5.2)");
  std::size_t colon = line.find(':');
  if (colon == std::string_view::npos)
    return bad_request("a header line has no colon");
  std::string_view name = line.substr(0, colon);
  if (!is_token(name))
    return bad_request("a header name is empty, or holds a space or a character it may not "
                       "(RFC 9112, 5.1)");
  std::string_view value = trim_ows(line.substr(colon + 1));
  if (std::any_of(value.begin(), value.end(), [](char c) {
        return c == '\0' || c == '\r' || c == '\n' ||
               (static_cast<unsigned char>(c) < ' ' && c != '\t') || c == 0x7f;
      }))
    return bad_request("the value of header " + std::string(name) +
                       " holds a control character (RFC 9110, 5.5)");
  req.headers.emplace(std::string(name), std::string(value));
  return std::nullopt;
}

} // namespace

std::variant<std::size_t, HttpRefusal> HeadScanner::scan(std::string_view buffer) {
  for (; scanned_ < buffer.size(); ++scanned_) {
    if (scanned_ + 1 > limits_.max_head_bytes)
      return HttpRefusal{431, "request header fields too large: the head passed " +
                                  std::to_string(limits_.max_head_bytes / 1024) + " KiB"};
    if (buffer[scanned_] != '\n') {
      if (scanned_ + 1 - line_start_ > limits_.max_line_bytes)
        return lines_ == 0
                   ? HttpRefusal{414, "URI too long: the request line passed " +
                                          std::to_string(limits_.max_line_bytes / 1024) + " KiB"}
                   : HttpRefusal{431, "request header fields too large: a header line passed " +
                                          std::to_string(limits_.max_line_bytes / 1024) + " KiB"};
      continue;
    }
    std::string_view line = chomp(buffer.substr(line_start_, scanned_ + 1 - line_start_));
    line_start_ = scanned_ + 1;
    if (line.empty() && lines_ > 0)
      return ++scanned_;
    if (!line.empty() && ++lines_ > limits_.max_header_count + 1)
      return HttpRefusal{431, "request header fields too large: more than " +
                                  std::to_string(limits_.max_header_count) + " header lines"};
  }
  return std::size_t{0};
}

std::optional<HttpRefusal> parse_head(std::string_view head, httplib::Request &req) {
  bool request_line = true;
  std::string authority; // of an absolute-form target
  while (!head.empty()) {
    std::size_t end = head.find('\n');
    std::string_view raw = head.substr(0, end == std::string_view::npos ? head.size() : end + 1);
    head.remove_prefix(raw.size());
    std::string_view line = chomp(raw);
    if (line.find('\r') != std::string_view::npos)
      return bad_request("a bare CR in the request head (RFC 9112, 2.2)");
    if (line.empty()) {
      if (request_line)
        continue; // empty lines before the request line are ignored (RFC 9112, 2.2)
      break;
    }
    std::optional<HttpRefusal> refusal =
        request_line ? parse_request_line(line, req, authority) : parse_field(line, req);
    if (refusal)
      return refusal;
    request_line = false;
  }
  if (request_line)
    return bad_request("the request has no request line");
  if (!authority.empty()) {
    req.headers.erase("Host");
    req.headers.emplace("Host", authority);
  }
  return std::nullopt;
}

std::variant<BodyFraming, HttpRefusal> body_framing(const httplib::Request &req,
                                                    std::size_t max_body_bytes) {
  std::size_t lengths = req.get_header_value_count("Content-Length");
  bool chunked = req.has_header("Transfer-Encoding");
  if (lengths > 0 && chunked)
    return bad_request("the body's length is given twice (Content-Length with "
                       "Transfer-Encoding)");
  if (chunked) {
    if (req.get_header_value_count("Transfer-Encoding") != 1 ||
        to_lower(req.get_header_value("Transfer-Encoding")) != "chunked")
      return HttpRefusal{501, "not implemented: the only transfer coding served is chunked"};
    if (req.method != "POST" && req.method != "PUT" && req.method != "PATCH" &&
        req.method != "DELETE")
      return HttpRefusal{411, "length required: a request of this method takes no chunked body"};
    return BodyFraming{BodyFraming::Kind::chunked};
  }
  if (lengths == 0)
    return BodyFraming{};
  std::string length = req.get_header_value("Content-Length");
  for (std::size_t i = 0; i < lengths; ++i) {
    std::string other = req.get_header_value("Content-Length", i);
    if (other.empty() || other.find_first_not_of("0123456789") != std::string::npos)
      return bad_request("Content-Length must be a number of bytes");
    if (other != length)
      return bad_request("the body's length is given twice (Content-Lengths that differ)");
  }
  std::string_view digits(length);
  digits.remove_prefix(std::min(digits.find_first_not_of('0'), digits.size()));
  if (digits.size() > 18 || (!digits.empty() && std::stoull(std::string(digits)) > max_body_bytes))
    return HttpRefusal{413, ""};
  std::uint64_t bytes = digits.empty() ? 0 : std::stoull(std::string(digits));
  return bytes == 0 ? BodyFraming{} : BodyFraming{BodyFraming::Kind::length, bytes};
}

std::variant<ChunkedDecoder::Status, HttpRefusal>
ChunkedDecoder::decode(std::string_view input, std::size_t &offset, std::string &body) {
  while (offset < input.size()) {
    std::string_view rest = input.substr(offset);
    if (part_ == Part::data) {
      std::size_t take = static_cast<std::size_t>(std::min<std::uint64_t>(remaining_, rest.size()));
      body.append(rest.data(), take);
      offset += take;
      remaining_ -= take;
      if (remaining_ == 0)
        part_ = Part::data_end;
      continue;
    }
    std::size_t newline = rest.find('\n');
    std::size_t limit =
        part_ == Part::trailers ? kMaxTrailerBytes - trailer_bytes_ : kMaxChunkLineBytes;
    if (newline == std::string_view::npos) {
      if (rest.size() > limit)
        return bad_request("a chunk-size line or the trailer fields of a chunked body are too "
                           "long");
      return Status::need_more;
    }
    if (newline + 1 > limit)
      return bad_request("a chunk-size line or the trailer fields of a chunked body are too long");
    std::string_view line = chomp(rest.substr(0, newline + 1));
    offset += newline + 1;
    if (part_ == Part::data_end) {
      if (!line.empty())
        return bad_request("a chunk's data is longer than its size says");
      part_ = Part::size_line;
    } else if (part_ == Part::trailers) {
      trailer_bytes_ += newline + 1;
      if (line.empty())
        return Status::complete;
    } else {
      std::string_view size = line.substr(0, line.find(';'));
      size = trim_ows(size);
      if (size.empty() || size.size() > 15 || !std::all_of(size.begin(), size.end(), [](char c) {
            return std::isxdigit(static_cast<unsigned char>(c));
          }))
        return bad_request("a chunk size is not a hexadecimal number (RFC 9112, 7.1)");
      remaining_ = std::stoull(std::string(size), nullptr, 16);
      if (remaining_ > max_body_bytes_ - std::min(body.size(), max_body_bytes_))
        return HttpRefusal{413, ""};
      part_ = remaining_ == 0 ? Part::trailers : Part::data;
    }
  }
  return Status::need_more;
}

const char *reason_phrase(int status) {
  switch (status) {
  case 100:
    return "Continue";
  case 200:
    return "OK";
  case 201:
    return "Created";
  case 202:
    return "Accepted";
  case 204:
    return "No Content";
  case 400:
    return "Bad Request";
  case 401:
    return "Unauthorized";
  case 403:
    return "Forbidden";
  case 404:
    return "Not Found";
  case 405:
    return "Method Not Allowed";
  case 406:
    return "Not Acceptable";
  case 408:
    return "Request Timeout";
  case 409:
    return "Conflict";
  case 411:
    return "Length Required";
  case 413:
    return "Content Too Large";
  case 414:
    return "URI Too Long";
  case 415:
    return "Unsupported Media Type";
  case 417:
    return "Expectation Failed";
  case 422:
    return "Unprocessable Content";
  case 429:
    return "Too Many Requests";
  case 431:
    return "Request Header Fields Too Large";
  case 500:
    return "Internal Server Error";
  case 501:
    return "Not Implemented";
  case 502:
    return "Bad Gateway";
  case 503:
    return "Service Unavailable";
  case 504:
    return "Gateway Timeout";
  case 505:
    return "HTTP Version Not Supported";
  default:
    return "";
  }
}

} // namespace qovery_mcp
