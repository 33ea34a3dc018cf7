#pragma once

#include "qovery_mcp/result.hpp"

#include <nlohmann/json.hpp>

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

namespace qovery_mcp::mcp {

/// The requests the server sent to one client (2025-11-25: elicitation/create
/// during a tools/call) that are not answered yet, by id: the transport
/// delivers each response it reads from the client, and the call that sent
/// the request takes it. Safe to use from many threads at once.
class ClientRequests {
public:
  /// How often take() asks its `ended` predicate: a cancellation is a flag
  /// that wakes nothing.
  static constexpr std::chrono::milliseconds kEndedPoll{200};

  /// Registers a new request and returns its id: "q" and 16 random hex
  /// digits, so that no two calls (nor two --stateless replicas) pick the same.
  std::string open();
  /// Hands a response message (classify() says Response) to the call that
  /// waits for it; false when its id is none of ours (never sent, already
  /// taken, or forgotten), which the receiver ignores.
  bool deliver(const nlohmann::json &response);
  /// The response to request `id` once delivered: its `result`, or a
  /// failure quoting its error's message (never more than 200 characters);
  /// the id is forgotten then. Nullopt when `deadline` passes first, when
  /// `ended` (asked every kEndedPoll; may be empty) says so, or once closed.
  std::optional<Result<nlohmann::json>> take(const std::string &id,
                                             std::chrono::steady_clock::time_point deadline,
                                             const std::function<bool()> &ended = nullptr);
  /// Forgets request `id`: its response, if it comes, is ignored.
  void forget(const std::string &id);
  /// Ends every wait at once and every later one (the transport stops).
  void close();
  bool closed() const;

private:
  mutable std::mutex mutex_;
  std::condition_variable delivered_;
  /// Sent and not taken: the response once delivered, else nullopt.
  std::unordered_map<std::string, std::optional<nlohmann::json>> pending_;
  bool closed_ = false;
};

} // namespace qovery_mcp::mcp
