#pragma once

#include <httplib.h>

#include <cstddef>
#include <functional>

namespace qovery_mcp {

/// What one attempt may still read of an answer's head: its status line and
/// header fields, and any interim 1xx answers before them. httplib 0.11.4's
/// client reads a head whole, with no limit of size or count (issue 14, row
/// 11: a 200 MB header block took the process from 85 MB to 550 MB), so the
/// Upstream counts the bytes itself and ends the read once they pass `limit`.
struct HeadBudget {
  std::size_t limit = 0;
  std::size_t read = 0;
  /// Set once the head was read whole (httplib called the response handler):
  /// what follows is body, which the content receiver limits.
  bool done = false;
  /// Set when the head passed `limit`: the read was ended there.
  bool exceeded = false;

  /// Counts `bytes` more read; false once the head passed its limit.
  bool take(std::size_t bytes) {
    if (done)
      return true;
    read += bytes;
    exceeded = exceeded || read > limit;
    return !exceeded;
  }
};

/// httplib's plain HTTP client, whose reads go through `head` while it is set
/// (the attempt under way sets it, and clears it after): a read that takes the
/// head past its limit fails, and httplib reports Error::Read. Over TLS the
/// Upstream counts records instead (SSLClient's stream is out of reach: its
/// process_socket is private, its SSLSocketStream not in the header).
class HeadLimitedClient : public httplib::ClientImpl {
public:
  using httplib::ClientImpl::ClientImpl;

  HeadBudget *head = nullptr;

private:
  bool process_socket(const Socket &socket,
                      std::function<bool(httplib::Stream &)> callback) override;
};

} // namespace qovery_mcp
