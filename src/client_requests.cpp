#include "qovery_mcp/client_requests.hpp"

#include "qovery_mcp/text.hpp"

#include <algorithm>

namespace qovery_mcp::mcp {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

std::string ClientRequests::open() {
  std::string id = "q" + random_hex(8);
  std::lock_guard lock(mutex_);
  pending_.emplace(id, std::nullopt);
  return id;
}

bool ClientRequests::deliver(const json &response) {
  auto id = response.find("id");
  if (id == response.end() || !id->is_string())
    return false;
  {
    std::lock_guard lock(mutex_);
    auto it = pending_.find(id->get<std::string>());
    if (it == pending_.end() || it->second)
      return false;
    it->second = response;
  }
  delivered_.notify_all();
  return true;
}

std::optional<Result<json>> ClientRequests::take(const std::string &id, Clock::time_point deadline,
                                                 const std::function<bool()> &ended) {
  std::unique_lock lock(mutex_);
  for (;;) {
    auto it = pending_.find(id);
    if (it == pending_.end() || closed_)
      return std::nullopt;
    if (it->second) {
      json response = std::move(*it->second);
      pending_.erase(it);
      if (auto result = response.find("result"); result != response.end())
        return Result<json>(std::move(*result));
      const json &error = response["error"];
      auto text = error.is_object() ? error.find("message") : error.end();
      std::string message =
          text != error.end() && text->is_string() ? text->get<std::string>() : std::string();
      if (message.size() > 200)
        message = message.substr(0, 200) + "...";
      return Result<json>::failure(message.empty() ? "an error with no message" : message);
    }
    Clock::time_point now = Clock::now();
    if (now >= deadline)
      return std::nullopt;
    delivered_.wait_until(lock, ended ? std::min(deadline, now + kEndedPoll) : deadline);
    if (ended) {
      lock.unlock();
      bool over = ended();
      lock.lock();
      if (over)
        return std::nullopt;
    }
  }
}

void ClientRequests::forget(const std::string &id) {
  std::lock_guard lock(mutex_);
  pending_.erase(id);
}

void ClientRequests::close() {
  {
    std::lock_guard lock(mutex_);
    closed_ = true;
  }
  delivered_.notify_all();
}

bool ClientRequests::closed() const {
  std::lock_guard lock(mutex_);
  return closed_;
}

} // namespace qovery_mcp::mcp
