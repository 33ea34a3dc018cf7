#include "qovery_mcp/request_link.hpp"

namespace qovery_mcp::mcp {

using nlohmann::json;

RequestLink::RequestLink(Session &session, const InFlightRequest &request, const Notify &notify,
                         json progress_token)
    : session_(session), request_(request), notify_(notify),
      progress_token_(std::move(progress_token)), modes_(session.elicitation()) {}

RequestLink::~RequestLink() {
  for (const std::string &id : sent_)
    session_.client_requests().forget(id);
}

std::string RequestLink::request(const std::string &method, json params) {
  std::string id = session_.client_requests().open();
  sent_.push_back(id);
  notify_({{"jsonrpc", "2.0"}, {"id", id}, {"method", method}, {"params", std::move(params)}});
  return id;
}

void RequestLink::notify(const std::string &method, json params) {
  notify_({{"jsonrpc", "2.0"}, {"method", method}, {"params", std::move(params)}});
}

std::optional<Result<json>> RequestLink::response(const std::string &id,
                                                  std::chrono::steady_clock::time_point deadline) {
  return session_.client_requests().take(id, deadline, [this] { return request_.cancelled(); });
}

bool RequestLink::ended() const {
  return request_.cancelled() || session_.client_requests().closed();
}

json progress_token_of(const json &params) {
  auto meta = params.find("_meta");
  if (meta == params.end() || !meta->is_object())
    return nullptr;
  auto token = meta->find("progressToken");
  if (token == meta->end() || !(token->is_string() || token->is_number_integer()))
    return nullptr;
  return *token;
}

} // namespace qovery_mcp::mcp
