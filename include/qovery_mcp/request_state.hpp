#pragma once

#include "qovery_mcp/result.hpp"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace qovery_mcp::mcp {

/// What a 2026-07-28 `requestState` carries (basic/patterns/mrtr, "Server
/// Requirements"): the call it belongs to, what it waits for, and when it
/// lapses. It names no principal: this server knows one kind of caller, the
/// holder of its bearer token (or the local user), so the call's digest and a
/// short expiry are what bind it.
struct RequestStateClaims {
  /// What the input request asked: "value" (a URL elicitation to the
  /// value-entry page `subject`) or "confirm" (a form elicitation; `subject`
  /// is a random nonce that makes the state usable once).
  std::string purpose;
  std::string tool;            ///< the tool called
  std::string arguments;       ///< call_digest() of the call's arguments
  std::string subject;         ///< the entry's id, or the nonce
  std::int64_t expires_at = 0; ///< Unix time, seconds
};

/// The digest that binds a state to one call: SHA-256 of `arguments`
/// serialized, as 64 hex digits (nlohmann's objects serialize in name order,
/// so equal arguments give equal digests however a client orders them).
std::string call_digest(const nlohmann::json &arguments);

/// Seals and opens the `requestState` of 2026-07-28 input_required results:
/// an attacker-controlled string that the server MUST integrity-protect and
/// verify (basic/patterns/mrtr). The claims, as hex-encoded JSON, and an
/// HMAC-SHA256 of them (RFC 2104) under a key of the server's:
///
///   q1.<claims as JSON, hex>.<HMAC, 64 hex digits>
///
/// With --stateless, the key is the replicas' shared session key, so any
/// replica verifies any state; else a random key made at start (a state
/// then outlives no restart, and the client is asked again). The claims are
/// not secret (a tool name, a digest, a link's id the client has anyway).
class RequestStates {
public:
  /// States under `key` (bytes, at least 32; kept only in memory).
  explicit RequestStates(std::string key);
  /// States under a fresh random key.
  RequestStates();
  RequestStates(RequestStates &&) = default;
  /// Overwrites the key in memory.
  ~RequestStates();

  std::string seal(const RequestStateClaims &claims) const;
  /// The claims of `state` if it was sealed under this key and has not
  /// lapsed at `now` (Unix seconds); the failure names which (for a -32602
  /// error), never quoting the state. The HMAC is compared in constant time.
  Result<RequestStateClaims> open(std::string_view state, std::int64_t now) const;

private:
  std::string key_;
};

} // namespace qovery_mcp::mcp
