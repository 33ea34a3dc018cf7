#pragma once

#include "qovery_mcp/result.hpp"
#include "qovery_mcp/upstream.hpp"

#include <nlohmann/json.hpp>

#include <chrono>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace qovery_mcp {

/// An HTTP request as the fake sees it.
struct FakeRequest {
  std::string method;
  std::string path;          ///< without the query string
  std::string authorization; ///< the Authorization header, "" when absent
  std::string body;
};

/// The fake's answer: an HTTP status and a body, and how the HTTP front end
/// (fake-qovery) must deliver it. SandboxUpstream delivers only status and body.
struct FakeResponse {
  int status = 200;
  std::string body;                   ///< JSON text, or empty (204)
  std::optional<int> retry_after{};   ///< seconds, sent as a Retry-After header
  std::chrono::milliseconds delay{0}; ///< wait this long before answering
  bool reset = false;                 ///< close the connection without answering
};

/// A fault injected into the fake's next answers, for tests of how a client
/// copes with a failing Qovery.
struct FakeFault {
  int status = 0;                     ///< answer this status (Qovery's error shape) instead; 0: no
  std::optional<int> retry_after;     ///< with `status`: a Retry-After header, in seconds
  std::chrono::milliseconds delay{0}; ///< wait this long before answering
  bool reset = false;                 ///< close the connection without answering (nothing changes)
  std::optional<std::string> body;    ///< answer this body, with `status` or else 200, instead
  int count = 1;                      ///< how many requests it applies to
};

/// The fault of a POST /_fake/faults body: `{"status":503,"count":2,"retry_after":1}`,
/// `{"delay_ms":800}`, `{"reset":true}`, `{"body":"{\"results\":["}`; `count`
/// defaults to 1. Fails naming the field that is wrong or unknown.
Result<FakeFault> parse_fake_fault(const nlohmann::json &json);

/// What the fake recorded of a request it answered, for tests to check what the
/// server sent. Never the key itself.
struct RecordedRequest {
  std::string method;
  std::string path;
  /// "Token" or "Bearer" (the header's first word), "" when there is no
  /// Authorization header, "other" for anything else (never part of the credential).
  std::string auth_scheme;
  /// The header carried the expected key in the right scheme; always true
  /// when the fake has no api_key (the sandbox accepts every request).
  bool authorized = false;
  std::string body;
};

struct FakeQoveryOptions {
  /// The key the fake accepts: as "Token <key>" for an API token, as
  /// "Bearer <key>" for a JWT-shaped key. nullopt: every request is accepted
  /// (the sandbox).
  std::optional<std::string> api_key;
};

/// An in-memory stand-in for Qovery's job-secret API, faithful to the rules in
/// NOTES.md: one seeded job whose list includes inherited PROJECT, ENVIRONMENT
/// and BUILT_IN secrets; 401/404/400/409 as Qovery answers; alias and override
/// scope rules; values stored but never returned. Thread-safe. Deleting never
/// cascades here: only JOB-scope secrets can be deleted through the job API,
/// and aliases and overrides only target higher-scope secrets.
class FakeQovery {
public:
  /// The seeded job; any other job id is unknown (404).
  static constexpr const char *kJobId = "11111111-1111-4111-8111-111111111111";
  /// Seeded secrets visible in the job's list.
  static constexpr const char *kProjectSecretId = "22222222-2222-4222-8222-222222222222";
  static constexpr const char *kEnvironmentSecretId = "33333333-3333-4333-8333-333333333333";
  static constexpr const char *kBuiltInSecretId = "44444444-4444-4444-8444-444444444444";
  static constexpr const char *kJobSecretId = "55555555-5555-4555-8555-555555555555";

  explicit FakeQovery(FakeQoveryOptions options = {});
  ~FakeQovery();

  /// Answers one request to the job-secret API, or with the next injected fault.
  FakeResponse handle(const FakeRequest &request);

  /// Injects `fault` into the next `fault.count` requests, after the faults
  /// already waiting; clear_faults() forgets them all.
  void inject(const FakeFault &fault);
  void clear_faults();

  /// The requests answered so far, oldest first, and a way to forget them.
  std::vector<RecordedRequest> recorded() const;
  void clear_recorded();
  /// Back to the seeded state (and no recorded requests, no faults).
  void reset();

  struct State;

private:
  FakeQoveryOptions options_;
  mutable std::mutex mutex_;
  std::unique_ptr<State> state_;
  std::vector<RecordedRequest> recorded_;
  std::deque<FakeFault> faults_; ///< each with the count it has left
};

/// An Upstream answered in process by a FakeQovery: `--sandbox`.
class SandboxUpstream : public Upstream {
public:
  explicit SandboxUpstream(FakeQovery &fake) : fake_(fake) {}
  UpstreamResponse send(const UpstreamRequest &request) override;

private:
  FakeQovery &fake_;
};

} // namespace qovery_mcp
