// Fuzz target for the connection layer's readers of client bytes: the head
// scanner, the head parser, the body framing and the chunked decoder, fed the
// input as a request would arrive (all at once, and in pieces).
//
// Beyond crashes, it checks that the scanner finds the same end (or refuses
// with the same status) whether the bytes come at once or in pieces, that a
// found head is within the limits, that every refusal has a status of 4xx or
// 5xx and a reason, and that a chunked body never passes its limit.
#include "fuzz_target.hpp"

#include "qovery_mcp/http_head.hpp"

#include <httplib.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <variant>

namespace {

using namespace qovery_mcp;

constexpr std::size_t kMaxBody = 1024;

[[noreturn]] void broken(const char *what) {
  std::fprintf(stderr, "invariant violated: %s\n", what);
  std::abort();
}

void check_refusal(const HttpRefusal &refusal) {
  if (refusal.status < 400 || refusal.status > 599)
    broken("a refusal's status is not 4xx or 5xx");
  if (refusal.reason.empty() && refusal.status != 413)
    broken("a refusal has no reason");
}

/// The scanner's answer for `bytes` given `step` bytes at a time: the head's
/// size (0: incomplete) or the refusal's status, negated.
long scan(std::string_view bytes, std::size_t step) {
  HeadScanner scanner;
  std::string buffer;
  for (std::size_t at = 0; at < bytes.size(); at += step) {
    buffer.append(bytes.substr(at, step));
    auto result = scanner.scan(buffer);
    if (auto *refusal = std::get_if<HttpRefusal>(&result)) {
      check_refusal(*refusal);
      return -refusal->status;
    }
    if (std::size_t end = std::get<std::size_t>(result); end != 0)
      return static_cast<long>(end);
  }
  return 0;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size) {
  std::string_view bytes(reinterpret_cast<const char *>(data), size);
  long whole = scan(bytes, bytes.size() == 0 ? 1 : bytes.size());
  if (scan(bytes, 7) != whole || scan(bytes, 1) != whole)
    broken("the scanner's answer depends on how the bytes arrive");
  if (whole > static_cast<long>(HeadLimits{}.max_head_bytes))
    broken("a head longer than the limit was accepted");
  if (whole <= 0)
    return 0;

  httplib::Request req;
  if (std::optional<HttpRefusal> refusal = parse_head(bytes.substr(0, whole), req)) {
    check_refusal(*refusal);
    return 0;
  }
  if (req.method.empty() || req.path.empty())
    broken("a parsed head has no method or path");
  auto framing = body_framing(req, kMaxBody);
  if (auto *refusal = std::get_if<HttpRefusal>(&framing)) {
    check_refusal(*refusal);
    return 0;
  }
  const BodyFraming &body_framing_of = std::get<BodyFraming>(framing);
  if (body_framing_of.kind == BodyFraming::Kind::length && body_framing_of.length > kMaxBody)
    broken("a Content-Length over the limit was accepted");
  if (body_framing_of.kind != BodyFraming::Kind::chunked)
    return 0;
  ChunkedDecoder decoder(kMaxBody);
  std::string rest(bytes.substr(whole)), body;
  std::size_t offset = 0;
  auto decoded = decoder.decode(rest, offset, body);
  if (auto *refusal = std::get_if<HttpRefusal>(&decoded))
    check_refusal(*refusal);
  if (body.size() > kMaxBody)
    broken("a chunked body passed its limit");
  if (offset > rest.size())
    broken("the decoder consumed more than it was given");
  return 0;
}
