#pragma once

#include "qovery_mcp/result.hpp"

#include <nlohmann/json.hpp>

#include <chrono>
#include <optional>
#include <string>

namespace qovery_mcp {

/// The elicitation modes a client declared at initialize (MCP 2025-11-25,
/// client/elicitation "Capabilities"): `capabilities.elicitation` with
/// `form` and/or `url`; an empty object means form only.
struct ElicitationModes {
  bool form = false;
  bool url = false;
  bool any() const { return form || url; }
  bool operator==(const ElicitationModes &) const = default;
};

/// The modes of an initialize request's `params.capabilities`; none when it
/// declares no `elicitation` object (or is no object).
ElicitationModes elicitation_modes(const nlohmann::json &capabilities);

/// The client of one request being handled, as a call that asks the person
/// through it needs it (MCP 2025-11-25: requests and notifications the
/// server sends on the stream of the request it is handling, basic/
/// transports). The MCP adapter gives one to a call only for a client that
/// declared elicitation, over a transport that can carry it.
class ClientLink {
public:
  virtual ~ClientLink() = default;

  /// The elicitation modes the client declared.
  virtual ElicitationModes modes() const = 0;
  /// The request's params._meta.progressToken (basic/utilities/progress);
  /// null when it gave none.
  virtual const nlohmann::json &progress_token() const = 0;

  /// Sends request `method` with `params` to the client; returns its id,
  /// for response().
  virtual std::string request(const std::string &method, nlohmann::json params) = 0;
  /// Sends notification `method` with `params` to the client.
  virtual void notify(const std::string &method, nlohmann::json params) = 0;
  /// The client's response to request `id`, once it came: its `result`, or
  /// a failure quoting its error's message. Nullopt while none came, and
  /// at once after `deadline`. Waits at most until `deadline`, or until
  /// ended() says so.
  virtual std::optional<Result<nlohmann::json>>
  response(const std::string &id, std::chrono::steady_clock::time_point deadline) = 0;
  /// Whether the request being handled ended on the client's side or the
  /// server's: the client cancelled it (notifications/cancelled), went away,
  /// or the transport stops. A call that waits on the person then stops
  /// waiting and revokes what it opened.
  virtual bool ended() const = 0;
};

} // namespace qovery_mcp
