#pragma once

#include "qovery_mcp/upstream.hpp"

#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

namespace qovery_mcp {

/// An HTTP request as the fake sees it.
struct FakeRequest {
  std::string method;
  std::string path;          ///< without the query string
  std::string authorization; ///< the Authorization header, "" when absent
  std::string body;
};

/// The fake's answer: an HTTP status and a body.
struct FakeResponse {
  int status = 200;
  std::string body; ///< JSON text, or empty (204)
};

/// An answer in Qovery's error shape, `{"status":404,"detail":"..."}`: the
/// fake's own refusals, and those the fake-qovery program injects.
FakeResponse qovery_error_response(int status, const std::string &detail);

/// What a FakeQovery accepts.
struct FakeQoveryOptions {
  /// The key the fake accepts: as "Token <key>" for an API token, as
  /// "Bearer <key>" for a JWT-shaped key. nullopt: every request is accepted
  /// (the sandbox).
  std::optional<std::string> api_key;
};

/// An in-memory stand-in for Qovery's job-secret API, faithful to the rules in
/// NOTES.md: one seeded job whose list includes inherited PROJECT, ENVIRONMENT
/// and BUILT_IN secrets; 401/404/400/409 as Qovery answers; alias and override
/// scope rules. It keeps the secrets' metadata and nothing of the requests it
/// answers: no values (Qovery never returns them, and a rule only needs to know
/// whether one was given), no bodies, so that `--sandbox`, which answers from
/// it, holds no secret and no memory per request. Thread-safe. Deleting never
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

  /// Answers one request to the job-secret API: 401 unless authorizes() its
  /// Authorization header, then the route's answer.
  FakeResponse handle(const FakeRequest &request);

  /// Whether `authorization` (an Authorization header, "" when absent) carries
  /// the expected key in the right scheme; always true without an api_key.
  bool authorizes(std::string_view authorization) const;

  /// Back to the seeded state.
  void reset();

  struct State;

private:
  FakeQoveryOptions options_;
  std::mutex mutex_;
  std::unique_ptr<State> state_;
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
