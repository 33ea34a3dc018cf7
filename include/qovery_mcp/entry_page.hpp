#pragma once

#include "qovery_mcp/audit_log.hpp"
#include "qovery_mcp/http_server.hpp"
#include "qovery_mcp/result.hpp"
#include "qovery_mcp/sealed_box.hpp"
#include "qovery_mcp/tool_caller.hpp"
#include "qovery_mcp/tool_registry.hpp"

#include <nlohmann/json.hpp>

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace qovery_mcp {

/// The fields of a submitted HTML form, by name.
using FormFields = std::multimap<std::string, std::string>;

/// The path under which the value-entry pages are served, beside /mcp.
inline constexpr const char *kEntryPrefix = "/entry/";

/// The origin of a --public-url value: "scheme://host[:port]", lower-cased,
/// trailing slashes dropped; the failure (lower-case, quoting `url`) when it
/// is not http or https, or has a path, query, fragment or user info.
Result<std::string> parse_origin(std::string_view url);
/// The origin of the links of a server listening on `host` and `port` when no
/// --public-url is given: http://host:port, with localhost for a wildcard
/// address (0.0.0.0, ::), which no browser can open.
std::string default_origin(const std::string &host, int port);
/// The host of `origin` as a Host header names it, without the port
/// ("mcp.example.com", "[::1]").
std::string origin_host(std::string_view origin);

/// How the value-entry pages are reached and whom they serve.
struct EntryPageOptions {
  /// The origin a person's browser reaches the server at, without a trailing
  /// slash ("http://127.0.0.1:9090", "https://mcp.example.com"): the links
  /// start with it, and a POST must come from it (its Origin header).
  std::string origin;
  /// How long a link can be used after it is opened (--entry-link-ttl).
  std::chrono::seconds ttl{600};
  /// Links held at once, pending or spent (see EntryPages::open()).
  std::size_t max_entries = 256;
  /// When not empty (--auth-token-file), the page asks the person for this
  /// token once per link, then keeps a session cookie bound to the link;
  /// when empty, the page is served only to loopback peers (a browser on the
  /// machine the server runs on, or a proxy there).
  std::string auth_token;
  /// With --stateless, the key the replicas share (at least 32 bytes): a
  /// link's id is then its entry sealed (SealedBox, under a key derived from
  /// this one), and its CSRF token and session cookie are HMACs of the id
  /// under another, so that any replica serves any link; each replica still
  /// takes one submission per link. Empty: random ids, entries held by this
  /// process only. EntryPages keeps only the derived keys.
  std::string shared_key;
};

/// A pending entry just opened (EntryPages::open_entry).
struct OpenedEntry {
  /// The entry's id: 32 hex digits, unguessable; with a shared key, the
  /// entry sealed (base64url, a few hundred characters).
  std::string id;
  std::string url; ///< the link a person opens: options.origin + kEntryPrefix + id
  /// What the person is asked, in one line of plain text naming the action,
  /// the key (when known) and the job, e.g. "Add a secret to the job: key
  /// DB_URL, job 0b1c...". For an elicitation's `message`; never a value.
  std::string message;
};

/// How an awaited entry stands (EntryPages::await).
enum class EntryState {
  Pending,   ///< not submitted yet, and `deadline` came first
  Submitted, ///< submitted, and the call made: EntryOutcome::result holds its answer
  Expired,   ///< its ttl passed before a submission
  Revoked,   ///< revoke()d (or too many wrong tokens): EntryOutcome::reason says why
  Cancelled, ///< the awaiting side's `cancelled` said so; the entry is left as it was
  Unknown,   ///< no such entry (never opened, or forgotten 10 minutes after it ended)
};

/// What EntryPages::await found.
struct EntryOutcome {
  EntryState state = EntryState::Unknown;
  /// Submitted: the CallToolResult of the call the person's submission made
  /// (ToolCaller::call: the secret projected onto the output schema, no
  /// value), a tool error when Qovery refused it.
  nlohmann::json result;
  /// Revoked: the reason given to revoke().
  std::string reason;
};

/// What EntryPages::await does while it waits.
struct AwaitHooks {
  /// Called every `tick_every` while the entry is pending (progress
  /// notifications); not called when null.
  std::function<void()> on_tick;
  std::chrono::milliseconds tick_every{std::chrono::seconds(10)};
  /// Asked every kCancelPoll and at each wake-up; when it says true, await
  /// returns EntryState::Cancelled at once (the caller then revokes the
  /// entry if it means to). Not asked when null.
  std::function<bool()> cancelled;
};

/// How often EntryPages::await asks AwaitHooks::cancelled: a cancellation is
/// a flag (mcp::InFlightRequest) that wakes nothing.
inline constexpr std::chrono::milliseconds kCancelPoll{200};

/// The value-entry pages (issue 13, the link flow): a call of a tool that
/// takes a secret's value (ToolCaller::takes_value) made without it opens a
/// pending entry and answers with a link; the person opens the link, types
/// the value (a file for a secret with `mount_path`) and submits it, and the
/// server makes the call through the same ToolCaller as a tool call (audit
/// adapter "entry-page", the asking MCP session), the value added to the
/// body. The value never passes through an MCP message, a log line or the
/// page's answer.
///
/// Each link is an unguessable id (128 bits from OpenSSL's CSPRNG, in hex),
/// usable once, until it expires. A POST is served only after these checks,
/// in this order, each refusal an HTML page that sends nothing upstream: the
/// entry exists (404), is not used (410) nor expired (410); the form's CSRF
/// token is the entry's (403, compared in constant time); the request comes
/// from the page's origin (`Origin` equal to options.origin, or with
/// `Origin: null` or none, `Sec-Fetch-Site: same-origin`; 403); the person:
/// the session cookie set after the token was given (403), or a loopback
/// peer (403). Every answer carries Cache-Control: no-store, a strict
/// Content-Security-Policy (no script, no external resource, the one inline
/// style by its hash, forms only to the page's own origin, no framing),
/// X-Frame-Options: DENY, Referrer-Policy: no-referrer and
/// X-Content-Type-Options: nosniff. Safe to use from many threads at once.
class EntryPages {
public:
  /// `caller` must outlive the pages; set the origin before serving when it
  /// is known only once the port is bound (set_origin()).
  EntryPages(const ToolCaller &caller, EntryPageOptions options);
  /// Overwrites the derived keys in memory.
  ~EntryPages();

  /// Whether links are sealed with the replicas' shared key
  /// (EntryPageOptions::shared_key): a call cannot wait on the person then,
  /// since the page may be submitted on another replica.
  bool sealed() const { return box_.has_value(); }

  /// The link flow's CallToolResult for the pending entry `id` of `tool`
  /// (open()'s, `seconds_left` of life left): for a call that cannot learn
  /// whether the person submitted (a sealed link) and hands over to the
  /// model and the list tool.
  nlohmann::json awaiting(const ToolRegistry::Tool &tool, const std::string &id,
                          std::chrono::seconds seconds_left) const;

  /// Sets options.origin; call before serving.
  void set_origin(std::string origin) { options_.origin = std::move(origin); }
  const EntryPageOptions &options() const { return options_; }

  /// Opens a pending entry for `tool` with its validated `arguments` (no
  /// value): its id, link and message. Expired and ended entries are
  /// forgotten here, 10 minutes after they ended (until then the page names
  /// why a link no longer works, and await() finds the outcome); when
  /// options.max_entries are still held, the ended ones are forgotten at
  /// once, and if every one is pending, the failure says so, in a sentence
  /// for the model (nothing is opened). Writes nothing upstream; an
  /// override's key is read first (key_of_secret).
  Result<OpenedEntry> open_entry(const ToolRegistry::Tool &tool, const nlohmann::json &arguments,
                                 CallOrigin origin);

  /// open_entry(), answered as the link flow does: the CallToolResult that
  /// tells the model to show the link to the person and to call the list
  /// tool once they confirm (structuredContent: status kAwaitingValue, link,
  /// expiresInSeconds, for a tool with an output schema); open_entry()'s
  /// failure as a tool error.
  nlohmann::json open(const ToolRegistry::Tool &tool, const nlohmann::json &arguments,
                      CallOrigin origin);

  /// Waits until entry `id` is submitted (and its call answered), expires,
  /// is revoked, or `deadline` passes (then Pending), whichever comes first;
  /// calls hooks.on_tick every hooks.tick_every meanwhile and returns
  /// Cancelled once hooks.cancelled says so. A submission under way (the
  /// person's call is being sent) is waited for past `deadline`: the upstream
  /// bounds it. With `deadline` now, it says how the entry stands without
  /// waiting. Waits on a condition variable that submissions and revoke()
  /// notify; many may await one entry.
  EntryOutcome await(const std::string &id, std::chrono::steady_clock::time_point deadline,
                     const AwaitHooks &hooks = {});

  /// Revokes pending entry `id`: its page then says "this request was
  /// cancelled" with `reason` (plain text shown to the person: no value),
  /// a POST to it sends nothing, and await() returns Revoked. False when the
  /// entry is unknown or no longer pending (submitted, being submitted,
  /// expired or revoked already).
  bool revoke(const std::string &id, const std::string &reason);
  /// Revokes every pending entry with `reason` (the server stops): no
  /// await() is left waiting on a person.
  void revoke_all(const std::string &reason);
  /// Opens a pending .env import for the job named by `arguments` (the
  /// validated arguments of `tool`, the import tool of add_import_tool) and
  /// returns the CallToolResult that tells the model to show the link to the
  /// person and to call the list tool once they confirm; as open(), bounded,
  /// writing nothing upstream. The import page takes the file (pasted, or
  /// uploaded), reads the job's secrets with the list tool and shows the
  /// plan (plan_import: keys, actions and reasons, never a value), each line
  /// that can be applied with a checkbox (checked, unless the value is empty
  /// or the secret it replaces is a file); the values wait in the entry, in
  /// this process's memory only, overwritten when dropped: on confirmation,
  /// on a new file, or once the entry ended and a page or link was asked for
  /// after. On confirmation, the checked lines are applied in file order
  /// through the ToolCaller (audit adapter "entry-page"), each line's outcome
  /// shown; a line that fails does not stop the others. The same checks as
  /// the value page guard each step (usable(), person_verified()).
  nlohmann::json open_import(const ToolRegistry::Tool &tool, const nlohmann::json &arguments,
                             CallOrigin origin);
  /// The pending import open_import() opens: its id, link and message
  /// ("Import secrets from a .env file: job <jobId>"), for a client that
  /// waits on it (InputRequired); the failure's text when it cannot.
  Result<OpenedEntry> open_import_entry(const ToolRegistry::Tool &tool,
                                        const nlohmann::json &arguments, CallOrigin origin);

  /// Registers GET kEntryPrefix<id> (the form, or the token form first),
  /// POST kEntryPrefix<id> (the value), POST kEntryPrefix<id>/login (the
  /// token), and for an import POST kEntryPrefix<id>/plan (the .env file) and
  /// kEntryPrefix<id>/apply (the lines picked) on `http`; any other path
  /// under the prefix gets a 404 page.
  void route(HttpRoutes &http);

  /// Entries held now, pending or ended (for tests of the bound).
  std::size_t size() const;

private:
  /// What an import entry holds: the plan shown last, with its values.
  struct Import;
  /// Where an entry is in its life; expiry is not one: it is the time.
  enum class Stage {
    Pending,    ///< waits for the person
    Submitting, ///< the person submitted; the call is being sent
    Submitted,  ///< the call answered: `result` holds it
    Revoked,    ///< revoke()d or too many wrong tokens: `reason` says why
  };
  struct Entry {
    const ToolRegistry::Tool *tool;
    nlohmann::json arguments;
    std::string session; ///< the MCP session that asked ("" without one)
    std::string named;   ///< the key of the secret `secretId`, when a read found it
    std::string csrf;    ///< the form's hidden token
    std::string person;  ///< the session cookie's value once the token was given
    std::chrono::steady_clock::time_point expires;
    Stage stage = Stage::Pending;
    int failures = 0;        ///< wrong tokens given
    nlohmann::json result{}; ///< Submitted: the call's CallToolResult (no value)
    std::string reason{};    ///< Revoked: why
    /// Set for an import (open_import); shared by the entry's copies, read
    /// and changed with the mutex held.
    std::shared_ptr<Import> import = nullptr;
    /// Sealed: the expiry the link carries (Unix seconds). Forgotten only
    /// after it, by the system clock too, so that a clock stepped back cannot
    /// make a used link new again (see forget_ended()).
    std::int64_t sealed_until = 0;
  };
  /// A POST's form and its entry, as usable() found it.
  struct Posted {
    FormFields fields;
    Entry entry;
  };

  /// For a call on the secret `secretId` that names no key (an override),
  /// its key, read with the list tool when the link is opened; "" when the
  /// read fails or finds none (the page then shows the id alone).
  std::string key_of_secret(const nlohmann::json &arguments, CallOrigin origin) const;
  void show(const httplib::Request &req, httplib::Response &res);
  void submit(const httplib::Request &req, httplib::Response &res);
  void sign_in(const httplib::Request &req, httplib::Response &res);
  /// The entry named by the request's path, checked to be usable (exists,
  /// not used, not expired) and, for a POST, the form's CSRF token and the
  /// origin; nullopt after writing the refusal page. A copy: the map may change.
  std::optional<Entry> usable(const httplib::Request &req, httplib::Response &res,
                              const std::string &csrf, bool posted);
  /// The POSTed form and its entry, checked by usable() with the form's
  /// CSRF token; nullopt after writing the refusal (415 for a body that is no form).
  std::optional<Posted> posted(const httplib::Request &req, httplib::Response &res);
  /// Whether the request carries the session cookie of `entry` (the
  /// token was given for this link).
  bool signed_in(const httplib::Request &req, const Entry &entry) const;
  /// Whether the request comes from the person the page serves (session
  /// cookie of `entry`, or a loopback peer); false after writing the refusal.
  bool person_verified(const httplib::Request &req, const Entry &entry, httplib::Response &res);
  /// Forgets ended entries: those that expired 10 minutes ago, or with
  /// `all` every one (sealed, every expired one: a used or revoked sealed
  /// link not yet expired must stay known, or adopt() would take it as new);
  /// drops the .env values of every ended import. Call with the mutex held.
  void forget_ended(bool all);
  /// Ends a pending `entry` as revoked with `reason`; false when it is not
  /// pending. Call with the mutex held, then notify ended_.
  static bool revoke_entry(Entry &entry, const std::string &reason);
  /// Holds `entry` (its CSRF token set here) under a new id and returns the
  /// id; the failure (a tool error's text) when options.max_entries are
  /// held and none has expired (see open()), or when sealed the id would be
  /// longer than 3000 characters (kMaxSealedId).
  Result<std::string> hold(Entry entry);
  /// Makes room for one more entry (forget_ended()); false when every one
  /// held is pending. Call with the mutex held.
  bool room();
  /// The entry sealed in `id` (a link another replica gave), held from now
  /// on as if opened here; nullopt when there is no box, or `id` does not
  /// open under it or names no tool served. Call with the mutex held.
  std::optional<Entry> adopt(const std::string &id);
  /// The value of a link's secret `purpose` ("csrf", "person"): an HMAC of
  /// the id when sealed, so that every replica computes it; else random.
  std::string token_for(std::string_view purpose, const std::string &id) const;
  /// The import's page for the file (show() of an import entry).
  void show_import(httplib::Response &res, const Entry &entry, const std::string &here,
                   const std::string &csrf_field);
  /// POST <id>/plan: the .env file in, the plan out.
  void plan(const httplib::Request &req, httplib::Response &res);
  /// POST <id>/apply: the lines picked applied, each one's outcome out.
  void apply(const httplib::Request &req, httplib::Response &res);
  /// The POSTed form of an import entry, checked as posted() and
  /// person_verified() do; nullopt after writing the refusal (404 for a
  /// value entry).
  std::optional<Posted> posted_import(const httplib::Request &req, httplib::Response &res);

  const ToolCaller &caller_;
  EntryPageOptions options_;
  std::optional<SealedBox> box_; ///< with a shared key: seals the links
  std::string mac_key_;          ///< with a shared key: derives token_for()
  mutable std::mutex mutex_;
  std::condition_variable ended_; ///< notified when an entry leaves Pending or Submitting
  std::unordered_map<std::string, Entry> entries_;
};

/// The secret `arguments.secretId` of a call as the job's list shows it (an
/// object with id, key, scope, ...), read with the list tool (the first
/// selected read-only tool) through `caller`; nullopt when the call names no
/// secretId, there is no list tool, or the read fails or finds none. For a
/// page or a question that names a secret known to the call by id only.
std::optional<nlohmann::json> listed_secret(const ToolCaller &caller,
                                            const nlohmann::json &arguments, CallOrigin origin);

/// The fields of an HTML form's body: application/x-www-form-urlencoded, or
/// multipart/form-data (RFC 7578; a file's content as its value), by the
/// request's Content-Type; nullopt for any other type or a malformed
/// multipart body. cpp-httplib 0.11.4's multipart parser is internal to its
/// library, and the connection loop reads bodies whole, so it is parsed here.
std::optional<FormFields> form_fields(const httplib::Request &req);

} // namespace qovery_mcp
