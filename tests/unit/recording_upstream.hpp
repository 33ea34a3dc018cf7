#pragma once

#include "qovery_mcp/upstream.hpp"

#include <functional>
#include <vector>

namespace qovery_mcp::test {

/// An upstream that records what it was asked and answers a fixed response:
/// for the unit tests that check what a call sends.
struct RecordingUpstream : Upstream {
  std::vector<UpstreamRequest> requests;
  UpstreamResponse answer{200, R"({"results":[]})", UpstreamError::None, ""};
  /// Run while a request is on its way, as a transport handles a message it
  /// reads meanwhile.
  std::function<void()> while_sending;
  UpstreamResponse send(const UpstreamRequest &request) override {
    requests.push_back(request);
    if (while_sending)
      while_sending();
    return answer;
  }
};

} // namespace qovery_mcp::test
