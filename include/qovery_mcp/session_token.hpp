#pragma once

#include "qovery_mcp/request_state.hpp"
#include "qovery_mcp/result.hpp"

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace qovery_mcp::mcp {

/// HMAC-SHA256 (RFC 2104) of `text` under `key`, as 64 hex digits: what
/// signs session ids (SessionTokens) and request states (RequestStates).
std::string hmac_sha256_hex(std::string_view key, std::string_view text);

/// What a --stateless session id carries: everything a replica needs to serve
/// a request of the session without having seen its initialize. The server
/// uses nothing else a client declares at initialize: its elicitation modes
/// would be of no use, since a replica cannot ask a 2025-11-25 client when
/// the answer may reach another replica (README, "Several replicas").
struct SessionClaims {
  /// 32 random hexadecimal digits: the session's name in log and audit lines,
  /// the same on every replica (never the whole id, which authenticates).
  std::string session_id;
  /// The version agreed at initialize (one of kSupportedProtocolVersions).
  std::string protocol_version;
  std::int64_t issued_at = 0;  ///< Unix time, seconds
  std::int64_t expires_at = 0; ///< Unix time, seconds: unknown from then on
};

/// Issues and checks the Mcp-Session-Id of --stateless replicas: the claims,
/// in visible ASCII as the 2025-11-25 transport requires of a session id, and
/// an HMAC-SHA256 of them (RFC 2104) under a key every replica shares, so that
/// any replica can serve any session and none needs to remember one:
///
///   s1.<protocol version>.<session_id>.<issued_at>.<expires_at>.<HMAC, 64 hex digits>
///
/// An id altered in any byte, made under another key, expired, or in another
/// format is refused alike (the transport answers 404, as for a session that
/// ended). A session cannot be ended before it expires: nothing records it.
class SessionTokens {
public:
  /// The shortest key accepted: HMAC-SHA256's own output size (RFC 2104,
  /// section 3: "less than L bytes is strongly discouraged").
  static constexpr std::size_t kMinKeyBytes = 32;

  /// Tokens under `key` (bytes, at least kMinKeyBytes; kept only in memory and
  /// never written anywhere), each valid for `lifetime` from its initialize.
  /// Fails, without quoting the key, when it is too short.
  static Result<SessionTokens> create(std::string key, std::chrono::seconds lifetime);

  SessionTokens(SessionTokens &&) = default;
  SessionTokens &operator=(SessionTokens &&) = default;
  /// Overwrites the key in memory.
  ~SessionTokens();

  /// A new session's id, for a session that agreed `protocol_version` at Unix
  /// time `now`, with a fresh random session_id.
  std::string issue(std::string_view protocol_version, std::int64_t now) const;
  /// The claims of `token` if it was issued under this key and has not
  /// expired at `now`; nullopt otherwise. The HMAC is compared in constant time.
  std::optional<SessionClaims> verify(std::string_view token, std::int64_t now) const;

  /// A key for another use than session ids, derived from the shared one
  /// (HMAC-SHA256 of `label`, as 64 hex digits), so that what it signs or
  /// seals and a session id can never pass for each other: the value-entry
  /// pages' links (EntryPageOptions::shared_key).
  std::string derive(std::string_view label) const;

  /// The requestState sealer of these replicas (2026-07-28 input_required
  /// results), under a key derived from this one (an HMAC of a fixed label),
  /// so that a state and a session id can never pass for each other.
  RequestStates request_states() const;

  /// The current Unix time in seconds (the replicas' clocks must agree to
  /// within what a session's lifetime can spare).
  static std::int64_t now();

private:
  SessionTokens(std::string key, std::chrono::seconds lifetime)
      : key_(std::move(key)), lifetime_(lifetime) {}
  /// The claims of an authentic s1 `claims_text` (the id without its HMAC),
  /// read strictly; nullopt when malformed or expired at `now`.
  static std::optional<SessionClaims> read_claims(std::string_view claims_text, std::int64_t now);
  /// The HMAC of `claims_text` under key_, as hexadecimal.
  std::string mac(std::string_view claims_text) const;

  std::string key_;
  std::chrono::seconds lifetime_;
};

} // namespace qovery_mcp::mcp
