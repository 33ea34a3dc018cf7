#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace httplib {
struct Request;
} // namespace httplib

namespace qovery_mcp {

/// Bounds on a request head. RFC 9112 (2.3, 3, 5) leaves them to the server;
/// these are nginx's defaults (large_client_header_buffers 4 8k) and Envoy's
/// header count. They keep what one connection can make the server hold to
/// tens of KiB, whatever it sends.
struct HeadLimits {
  std::size_t max_line_bytes = 8 * 1024;  ///< the request line, or one header line
  std::size_t max_head_bytes = 32 * 1024; ///< the whole head, blank line included
  std::size_t max_header_count = 100;
};

/// Why a request cannot be served as sent: the status to answer (400, 411,
/// 413, 414, 431, 501, 505) and a reason a person can act on. The connection
/// is closed after the answer: its remaining bytes cannot be trusted.
struct HttpRefusal {
  int status;
  std::string reason; ///< empty: the adapter words it (413)
};

/// Finds the end of a request head as its bytes arrive, enforcing
/// HeadLimits on what it has seen so far, so that a head without end is
/// refused once it passes them instead of being read whole. Lines end with
/// CRLF or a lone LF (RFC 9112, 2.2). Each byte is looked at once, however
/// slowly the head arrives.
class HeadScanner {
public:
  explicit HeadScanner(HeadLimits limits = {}) : limits_(limits) {}

  /// Looks at the bytes of `buffer` not yet scanned (the head starts at
  /// offset 0; `buffer` only grows between calls). Returns the size of the
  /// head (just past its blank line), 0 while it is incomplete, or a refusal:
  /// 414 for a request line over the limit, 431 for a header line, the head
  /// or the header count over it.
  std::variant<std::size_t, HttpRefusal> scan(std::string_view buffer);
  /// Forgets what it scanned, for the next request on the connection.
  void reset() { *this = HeadScanner(limits_); }

private:
  HeadLimits limits_;
  std::size_t scanned_ = 0;
  std::size_t line_start_ = 0;
  std::size_t lines_ = 0;
};

/// Parses a whole request head (as HeadScanner delimited it) into `req`:
/// method, target, path (percent-decoded) and query parameters as
/// cpp-httplib gives them, version and headers. Strict where RFC 9112 says a
/// server MUST reject: a request line that is not "method SP target SP
/// HTTP/x.y" (400; 505 for a version other than 1.0 and 1.1), whitespace
/// between a field name and its colon (5.1), obsolete line folding (5.2), CR,
/// LF or NUL inside a field value (RFC 9110, 5.5), a target that is not
/// origin-form, absolute-form or "*" for OPTIONS (3.2). An absolute-form
/// target's authority replaces the Host header (3.2.2).
std::optional<HttpRefusal> parse_head(std::string_view head, httplib::Request &req);

/// How a request's body is delimited (RFC 9112, 6).
struct BodyFraming {
  enum class Kind { none, length, chunked } kind = Kind::none;
  std::uint64_t length = 0; ///< Kind::length: the Content-Length
};

/// The framing of `req`'s body, or why it cannot be trusted: a Content-Length
/// that is not a number, two that differ or one beside Transfer-Encoding
/// (400: whatever sits in front of the server may have framed it another
/// way, RFC 9112, 6.3), a body larger than `max_body_bytes` (413, before a
/// byte of it is read), a transfer coding other than chunked (501), or a
/// chunked body on a method that takes none (411).
std::variant<BodyFraming, HttpRefusal> body_framing(const httplib::Request &req,
                                                    std::size_t max_body_bytes);

/// Decodes a chunked body (RFC 9112, 7.1) as its bytes arrive, counting it
/// against a size limit so that a body over it is refused as soon as it
/// passes it. Chunk extensions are skipped and trailer fields dropped; a
/// chunk-size line or the trailer section over a few KiB is refused.
class ChunkedDecoder {
public:
  enum class Status { need_more, complete };
  explicit ChunkedDecoder(std::size_t max_body_bytes) : max_body_bytes_(max_body_bytes) {}

  /// Consumes the bytes of `input` from `offset` on, appending the data to
  /// `body`, and moves `offset` past what it consumed. Returns whether the
  /// body is complete, or a refusal: 400 for a malformed chunk, 413 past the
  /// limit (with an empty reason, for the adapter to word).
  std::variant<Status, HttpRefusal> decode(std::string_view input, std::size_t &offset,
                                           std::string &body);

private:
  enum class Part { size_line, data, data_end, trailers };
  std::size_t max_body_bytes_;
  Part part_ = Part::size_line;
  std::uint64_t remaining_ = 0; ///< bytes left of the current chunk's data
  std::size_t trailer_bytes_ = 0;
};

/// The reason phrase of `status` (RFC 9110, 15), for a status line.
const char *reason_phrase(int status);

} // namespace qovery_mcp
