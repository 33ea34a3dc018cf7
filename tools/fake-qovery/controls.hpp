#pragma once

// The test controls of the fake-qovery program: request recording and fault
// injection around the in-memory FakeQovery. They live here, beside the
// program, and not in libqovery_mcp: the server's --sandbox links the model
// alone, which keeps nothing of the requests it answers.

#include "qovery_mcp/fake_qovery.hpp"
#include "qovery_mcp/result.hpp"

#include <nlohmann/json.hpp>

#include <chrono>
#include <deque>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace fake_qovery {

/// A fault injected into the fake's next answers, for tests of how a client
/// copes with a failing Qovery.
struct FakeFault {
  int status = 0;                     ///< answer this status (Qovery's error shape) instead; 0: no
  std::optional<int> retry_after;     ///< with `status`: a Retry-After header, in seconds
  std::chrono::milliseconds delay{0}; ///< wait this long before answering
  bool reset = false;                 ///< close the connection without answering (nothing changes)
  std::optional<std::string> body;    ///< answer this body, with `status` or else 200, instead
  int count = 1;                      ///< how many requests it applies to
  /// When set, it applies only to requests on this path (e.g. one secret's
  /// override), which the requests before it pass by.
  std::optional<std::string> path;
  /// When set, it applies only to requests whose JSON body's `key` is this
  /// (one key's create, in a test of a partial .env import).
  std::optional<std::string> key;
};

/// The fault of a POST /_fake/faults body: `{"status":503,"count":2,"retry_after":1}`,
/// `{"delay_ms":800}`, `{"reset":true}`, `{"body":"{\"results\":["}`,
/// `{"status":400,"key":"BROKEN"}`, `{"status":500,"path":"/job/.../override"}`;
/// `count` defaults to 1. Fails naming the field that is wrong or unknown.
qovery_mcp::Result<FakeFault> parse_fake_fault(const nlohmann::json &json);

/// What the fake recorded of a request it answered, for tests to check what the
/// server sent. Never the key itself.
struct RecordedRequest {
  std::string method;
  std::string path;
  /// "Token" or "Bearer" (the header's first word), "" when there is no
  /// Authorization header, "other" for anything else (never part of the credential).
  std::string auth_scheme;
  /// The header carried the expected key in the right scheme; always true
  /// when the fake has no api_key.
  bool authorized = false;
  std::string body;
};

/// An answer and how the HTTP front end must deliver it: FakeQovery's status
/// and body, or those of a fault, with the fault's timing.
struct ControlledResponse {
  int status = 200;
  std::string body;                   ///< JSON text, or empty (204)
  std::optional<int> retry_after{};   ///< seconds, sent as a Retry-After header
  std::chrono::milliseconds delay{0}; ///< wait this long before answering
  bool reset = false;                 ///< close the connection without answering
};

/// A FakeQovery with the controls the integration tests drive through
/// /_fake: it records every request it is given, then answers it with the
/// first waiting fault that applies to it (FakeFault::path, FakeFault::key)
/// or else lets the FakeQovery answer. Thread-safe.
class FakeControls {
public:
  explicit FakeControls(qovery_mcp::FakeQoveryOptions options = {});

  /// Records `request`, then answers it (see the class comment).
  ControlledResponse handle(const qovery_mcp::FakeRequest &request);

  /// Injects `fault` into the next `fault.count` requests, after the faults
  /// already waiting; clear_faults() forgets them all.
  void inject(const FakeFault &fault);
  void clear_faults();

  /// The requests received so far, oldest first, and a way to forget them.
  std::vector<RecordedRequest> recorded() const;
  void clear_recorded();
  /// The FakeQovery back to its seeded state, and no recorded requests, no faults.
  void reset();

private:
  qovery_mcp::FakeQovery fake_;
  mutable std::mutex mutex_;
  std::vector<RecordedRequest> recorded_;
  std::deque<FakeFault> faults_; ///< each with the count it has left
};

} // namespace fake_qovery
