#pragma once

#include "qovery_mcp/client_link.hpp"
#include "qovery_mcp/mcp_server.hpp"

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace qovery_mcp::mcp {

/// The ClientLink of one 2025-11-25 request being handled: requests and
/// notifications go out through the transport's `notify` (on stdio a line,
/// on HTTP an event of the SSE stream answering the request), responses come
/// back through the session's ClientRequests, and the request ends when the
/// client cancels it (InFlightRequest) or the transport closes the session's
/// ClientRequests. Lives on the stack of the call; forgets the requests it
/// sent when it ends.
class RequestLink final : public ClientLink {
public:
  /// All must outlive the link; `progress_token` is the request's
  /// params._meta.progressToken (null when absent).
  RequestLink(Session &session, const InFlightRequest &request, const Notify &notify,
              nlohmann::json progress_token);
  ~RequestLink() override;
  RequestLink(const RequestLink &) = delete;
  RequestLink &operator=(const RequestLink &) = delete;

  ElicitationModes modes() const override { return modes_; }
  const nlohmann::json &progress_token() const override { return progress_token_; }
  std::string request(const std::string &method, nlohmann::json params) override;
  void notify(const std::string &method, nlohmann::json params) override;
  std::optional<Result<nlohmann::json>>
  response(const std::string &id, std::chrono::steady_clock::time_point deadline) override;
  bool ended() const override;

private:
  Session &session_;
  const InFlightRequest &request_;
  const Notify &notify_;
  nlohmann::json progress_token_;
  ElicitationModes modes_;
  std::vector<std::string> sent_; ///< ids of the requests it sent
};

/// The progress token of a request's `params` (params._meta.progressToken,
/// a string or an integer: basic/utilities/progress); null when absent.
nlohmann::json progress_token_of(const nlohmann::json &params);

} // namespace qovery_mcp::mcp
