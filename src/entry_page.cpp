#include "qovery_mcp/entry_page.hpp"

#include "qovery_mcp/dotenv.hpp"
#include "qovery_mcp/log.hpp"
#include "qovery_mcp/secret_import.hpp"
#include "qovery_mcp/session_token.hpp"
#include "qovery_mcp/text.hpp"

#include <httplib.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/sha.h>

#include <algorithm>
#include <charconv>
#include <set>

namespace qovery_mcp {
namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

/// The longest sealed link id: with the origin and the path, well within
/// the 8 KiB request line this server and nginx's example take, and short
/// enough for a browser's address bar and a cookie's Path.
constexpr std::size_t kMaxSealedId = 3000;
/// How long an ended (used or expired) entry is kept, so that its page says
/// why the link no longer works instead of not knowing it.
constexpr std::chrono::minutes kEndedKept{10};
/// Wrong tokens a link takes before it is revoked: a guess at the token is
/// then worth a new link from the model, which the person would notice.
constexpr int kMaxSignInFailures = 5;
/// The cookie that says the person gave the token for one link.
constexpr const char *kCookie = "qmcp_entry";
/// The page's one style sheet, allowed by its hash in the CSP (no
/// 'unsafe-inline'); small type and width for a phone.
constexpr std::string_view kStyle =
    "body{font-family:system-ui,sans-serif;max-width:34rem;margin:1rem auto;padding:0 1rem;"
    "line-height:1.5}input,button{font-size:1rem;width:100%;box-sizing:border-box;padding:.6rem;"
    "margin:.3rem 0 1rem}dt{font-weight:bold}dd{margin:0 0 .6rem;overflow-wrap:anywhere}"
    ".refused{color:#a00000}textarea{width:100%;box-sizing:border-box;min-height:10rem;"
    "font:.9rem monospace;margin:.3rem 0 1rem}.plan{list-style:none;padding:0}.plan li{"
    "margin:.5rem 0;overflow-wrap:anywhere}.plan input{width:auto;margin:0 .5rem 0 0}";

/// The CSP source of kStyle: 'sha256-<base64 of its digest>'.
std::string style_source() {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char *>(kStyle.data()), kStyle.size(), digest);
  unsigned char encoded[4 * ((SHA256_DIGEST_LENGTH + 2) / 3) + 1];
  EVP_EncodeBlock(encoded, digest, SHA256_DIGEST_LENGTH);
  return "'sha256-" + std::string(reinterpret_cast<const char *>(encoded)) + "'";
}

/// `text` safe inside HTML text and double-quoted attributes.
std::string escape_html(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
    case '&':
      out += "&amp;";
      break;
    case '<':
      out += "&lt;";
      break;
    case '>':
      out += "&gt;";
      break;
    case '"':
      out += "&quot;";
      break;
    case '\'':
      out += "&#39;";
      break;
    default:
      out += c;
    }
  }
  return out;
}

/// The headers of every answer of the pages: not stored, not framed, no
/// referrer, no sniffing, and a CSP that allows only kStyle and forms to the
/// page's own origin.
void set_security_headers(httplib::Response &res) {
  static const std::string kPolicy = "default-src 'none'; style-src " + style_source() +
                                     "; form-action 'self'; frame-ancestors 'none'; "
                                     "base-uri 'none'";
  res.set_header("Cache-Control", "no-store");
  res.set_header("Content-Security-Policy", kPolicy);
  res.set_header("X-Frame-Options", "DENY");
  res.set_header("Referrer-Policy", "no-referrer");
  res.set_header("X-Content-Type-Options", "nosniff");
}

/// `res` a 303 to `path` (after a form was taken).
void see_other(httplib::Response &res, const std::string &path) {
  res.status = 303;
  res.set_header("Location", path);
  set_security_headers(res);
}

/// Writes a whole page: `status`, the security headers, and `body` (HTML)
/// under a heading `title`.
void answer(httplib::Response &res, int status, const std::string &title, const std::string &body) {
  res.status = status;
  set_security_headers(res);
  res.set_content("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
                  "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
                  "<title>" +
                      escape_html(title) + "</title><style>" + std::string(kStyle) +
                      "</style></head><body><h1>" + escape_html(title) + "</h1>" + body +
                      "</body></html>\n",
                  "text/html; charset=utf-8");
}

/// A refusal: `status` and why, and that nothing was sent.
void refuse(httplib::Response &res, int status, const std::string &title, const std::string &why) {
  answer(res, status, title,
         "<p class=\"refused\">" + escape_html(why) +
             "</p><p>Nothing was sent to Qovery. Ask the assistant for a new link if you still "
             "want to make this change.</p>");
}

/// The refusal of a link already used.
void refuse_used(httplib::Response &res) {
  refuse(res, 410, "Link already used", "This link was already used: a link works once.");
}

/// Whether the page may be submitted empty: an edit then keeps the current
/// value (and an alias's, which cannot change, can still be edited).
bool value_optional(const ToolRegistry::Tool &tool) {
  return tool.spec->name == "edit-secret-belonging-job";
}

/// What the page says the call does, by tool.
std::string action_of(const ToolRegistry::Tool &tool) {
  const std::string &name = tool.spec->name;
  if (name == "add-secret-job")
    return "Add a secret to the job";
  if (name == "edit-secret-belonging-job")
    return "Change a secret of the job";
  if (name == "create-secret-override-job-level")
    return "Override an inherited secret for this job";
  return tool.spec->description;
}

/// The string argument `name` of `arguments` or of its body, or "".
std::string argument(const json &arguments, const char *name, bool in_body = false) {
  const json &holder = in_body ? arguments.value("body", json::object()) : arguments;
  auto it = holder.find(name);
  return it != holder.end() && it->is_string() ? it->get<std::string>() : std::string();
}

/// Whether the value is a file's content: a secret created with a mount_path.
bool takes_file(const json &arguments) { return !argument(arguments, "mount_path", true).empty(); }

/// The <dl> naming the job, the secret and the action of `arguments`.
/// `named` is the key of the secret `secretId`, when a read found it.
std::string summary(const ToolRegistry::Tool &tool, const json &arguments,
                    const std::string &named) {
  std::string out = "<dl><dt>Action</dt><dd>" + escape_html(action_of(tool)) + "</dd>";
  out += "<dt>Job</dt><dd>" + escape_html(argument(arguments, "jobId")) + "</dd>";
  std::string key = argument(arguments, "key", true);
  if (key.empty())
    key = named;
  if (!key.empty())
    out += "<dt>Key</dt><dd>" + escape_html(key) + "</dd>";
  if (std::string secret = argument(arguments, "secretId"); !secret.empty())
    out += "<dt>Secret id</dt><dd>" + escape_html(secret) + "</dd>";
  if (std::string path = argument(arguments, "mount_path", true); !path.empty())
    out += "<dt>File mounted at</dt><dd>" + escape_html(path) + "</dd>";
  return out + "</dl>";
}

/// The value of the cookie `name` in the request's Cookie headers, or "".
std::string cookie(const httplib::Request &req, std::string_view name) {
  for (std::size_t i = 0; i < req.get_header_value_count("Cookie"); ++i) {
    std::string header = req.get_header_value("Cookie", i);
    std::string_view rest = header;
    while (!rest.empty()) {
      std::size_t semicolon = rest.find(';');
      std::string_view pair = trim_ows(rest.substr(0, semicolon));
      if (pair.size() > name.size() && pair.starts_with(name) && pair[name.size()] == '=')
        return std::string(pair.substr(name.size() + 1));
      rest = semicolon == std::string_view::npos ? std::string_view() : rest.substr(semicolon + 1);
    }
  }
  return {};
}

/// The first value of form field `name`, or "".
std::string field(const FormFields &fields, const std::string &name) {
  auto it = fields.find(name);
  return it == fields.end() ? std::string() : it->second;
}

/// Whether `text` is UTF-8 that a JSON string can hold.
bool valid_utf8(const std::string &text) {
  try {
    (void)json(text).dump();
    return true;
  } catch (const json::type_error &) {
    return false;
  }
}

/// The read-only tool that lists the job's secrets (the first selected
/// read-only tool), or nullptr.
const ToolRegistry::Tool *list_tool(const ToolRegistry &registry) {
  for (const auto &tool : registry.tools())
    if (tool.selected && tool.spec->hints.read_only)
      return &tool;
  return nullptr;
}

/// Overwrites `text`'s storage (OPENSSL_cleanse: not optimized away) and
/// empties it: a .env value is dropped this way, not just freed.
void wipe(std::string &text) {
  OPENSSL_cleanse(text.data(), text.capacity());
  text.clear();
}

/// The first value of form field `name`, without a copy, or "".
std::string_view field_text(const FormFields &fields, const std::string &name) {
  auto it = fields.find(name);
  return it == fields.end() ? std::string_view() : std::string_view(it->second);
}

/// Why a line of an import plan is left unchecked, or "" to check it: an
/// empty value (often a placeholder), or a secret that is a file (a .env
/// line rarely holds a file's content). `secrets` is the list tool's answer.
std::string unsure(const ImportLine &line, const std::string &value, const json &secrets) {
  if (value.empty())
    return "its value is empty";
  if (line.secret_id.empty())
    return {};
  for (const json &secret : secrets.value("results", json::array()))
    if (secret.is_object() && argument(secret, "id") == line.secret_id)
      if (std::string path = argument(secret, "mount_path"); !path.empty())
        return "the secret is a file mounted at " + path +
               ", and a .env line rarely holds a file's content";
  return {};
}

/// What the outcome page says of a line applied without error.
std::string_view done_word(ImportAction action) {
  switch (action) {
  case ImportAction::Replace:
    return "replaced";
  case ImportAction::Override:
    return "overridden";
  case ImportAction::Create:
  case ImportAction::Refused:
    break;
  }
  return "created";
}

/// What a link's result tells the model, between "Nothing was changed yet:"
/// and the link's life.
struct LinkWording {
  const char *why;   ///< "the user types the value themselves, so that ..."
  const char *steps; ///< what the person does on the page: "type the value and submit it"
  const char *never; ///< what the model must never ask for: "the value"
  const char *done;  ///< what the person says they did: "submitted it"
};

/// What a value page's link tells the model.
constexpr LinkWording kValueWording{
    "the user types the value themselves, so that it never passes through this conversation",
    "type the value and submit it", "the value", "submitted it"};
/// What an import page's link tells the model.
constexpr LinkWording kImportWording{
    "the user gives the .env file on a page of this server, so that its values never pass "
    "through this conversation",
    "paste or upload the file, review the plan (keys only) and confirm it",
    "the file or its values", "confirmed"};

/// Whether `tool` is the server's own .env import (add_import_tool).
bool is_import(const ToolRegistry::Tool &tool) {
  return tool.spec->operation == nullptr && tool.spec->name == kImportToolName;
}

/// The CallToolResult of a call answered with `link`, which works for `ttl`:
/// a text telling the model to show it and, once the person is done, to call
/// the list tool (the first selected read-only one; else the console); with
/// `structured`, the awaiting_value structuredContent (awaiting_value_schema).
json link_result(const ToolCaller &caller, std::chrono::seconds ttl, bool structured,
                 const std::string &link, const LinkWording &wording) {
  const ToolRegistry::Tool *list = list_tool(caller.registry());
  std::string check = list != nullptr ? "call " + list->spec->name + " to check the result"
                                      : "check the result in the Qovery console";
  json result = {
      {"content",
       json::array(
           {{{"type", "text"},
             {"text",
              "Nothing was changed in " + caller.texts().api_name() + " yet: " + wording.why +
                  ". Show the user this link and ask them to open it in their "
                  "browser, " +
                  wording.steps + ": " + link + " . It works once, within " +
                  std::to_string((ttl.count() + 59) / 60) + " minute(s). Never ask the user for " +
                  wording.never + " in the chat. When the user says they have " + wording.done +
                  ", " + check + "."}}})}};
  if (structured)
    result["structuredContent"] = {
        {"status", kAwaitingValue}, {"link", link}, {"expiresInSeconds", ttl.count()}};
  return result;
}

} // namespace

/// What an import entry holds between its plan page and the confirmation.
struct EntryPages::Import {
  /// One line of the plan shown, with what applying it needs.
  struct Line {
    Line(ImportLine planned, std::string &&text, std::string why)
        : plan(std::move(planned)), value(std::move(text)), note(std::move(why)) {}
    Line(Line &&) = default;
    Line &operator=(Line &&) = delete;
    ~Line() { wipe(value); }
    ImportLine plan;
    std::string value; ///< never in a page, a log line or an MCP message
    std::string note;  ///< why the line is left unchecked (unsure()), or ""
  };
  /// The plan page's token: a confirmation of another plan (an older tab)
  /// is refused. Empty before the first plan and once confirmed.
  std::string plan_id;
  std::vector<Line> lines;
};

EntryPages::EntryPages(const ToolCaller &caller, EntryPageOptions options)
    : caller_(caller), options_(std::move(options)) {
  std::string &shared = options_.shared_key;
  if (shared.empty())
    return;
  // Two keys derived from the shared one (HMAC of a label, as
  // SessionTokens::request_states()), so that neither passes for the other
  // nor for a session id's.
  std::string seal_key = *from_hex(mcp::hmac_sha256_hex(shared, "qovery-mcp entry-page seal key"));
  box_.emplace(std::move(seal_key), "qovery-mcp entry v1");
  mac_key_ = mcp::hmac_sha256_hex(shared, "qovery-mcp entry-page token key");
  OPENSSL_cleanse(shared.data(), shared.size());
  shared.clear();
}

EntryPages::~EntryPages() { OPENSSL_cleanse(mac_key_.data(), mac_key_.size()); }

std::string EntryPages::token_for(std::string_view purpose, const std::string &id) const {
  if (!box_)
    return random_hex(16);
  return mcp::hmac_sha256_hex(mac_key_, std::string(purpose) + "." + id).substr(0, 32);
}

json EntryPages::awaiting(const ToolRegistry::Tool &tool, const std::string &id,
                          std::chrono::seconds seconds_left) const {
  return link_result(caller_, seconds_left, tool.output.has_value(),
                     options_.origin + kEntryPrefix + id,
                     is_import(tool) ? kImportWording : kValueWording);
}

std::size_t EntryPages::size() const {
  std::lock_guard lock(mutex_);
  return entries_.size();
}

void EntryPages::forget_ended(bool all) {
  Clock::time_point now = Clock::now();
  std::erase_if(entries_, [&](const auto &item) {
    const Entry &entry = item.second;
    bool ended = entry.stage == Stage::Submitted || entry.stage == Stage::Revoked ||
                 (entry.stage == Stage::Pending && now >= entry.expires);
    if (ended && entry.import)
      entry.import->lines.clear();
    // A sealed link forgotten before it expires would be adopted again as
    // pending (a second use, or a revoked link working), so it stays held
    // until both clocks say it expired.
    if (box_ && mcp::SessionTokens::now() < entry.sealed_until)
      return false;
    return ended && (all ? !box_ || now >= entry.expires : now >= entry.expires + kEndedKept);
  });
}

std::optional<json> listed_secret(const ToolCaller &caller, const json &arguments,
                                  CallOrigin origin) {
  std::string secret = argument(arguments, "secretId");
  const ToolRegistry::Tool *list = list_tool(caller.registry());
  if (secret.empty() || list == nullptr)
    return std::nullopt;
  json listed = caller.call(*list, {{"jobId", argument(arguments, "jobId")}}, origin);
  const json results =
      listed.value("structuredContent", json::object()).value("results", json::array());
  for (const json &found : results)
    if (found.is_object() && found.value("id", "") == secret)
      return found;
  return std::nullopt;
}

std::string EntryPages::key_of_secret(const json &arguments, CallOrigin origin) const {
  if (!argument(arguments, "key", true).empty())
    return {};
  std::optional<json> found = listed_secret(caller_, arguments, origin);
  return found ? found->value("key", "") : std::string();
}

bool EntryPages::room() {
  forget_ended(false);
  if (entries_.size() >= options_.max_entries)
    forget_ended(true);
  return entries_.size() < options_.max_entries;
}

std::optional<EntryPages::Entry> EntryPages::adopt(const std::string &id) {
  std::optional<std::string> text = box_ ? box_->open(id) : std::nullopt;
  if (!text)
    return std::nullopt;
  // Authentic from here on: the fields are ours, but still read strictly.
  try {
    const json sealed = json::parse(*text);
    const ToolRegistry::Tool *tool = caller_.registry().find(sealed.at("t").get<std::string>());
    if (tool == nullptr)
      return std::nullopt; // served by a replica that selects other tools
    const std::int64_t left = sealed.at("x").get<std::int64_t>() - mcp::SessionTokens::now();
    Entry entry{tool,
                sealed.at("a"),
                sealed.at("s").get<std::string>(),
                sealed.at("n").get<std::string>(),
                token_for("csrf", id),
                {},
                Clock::now() + std::chrono::seconds(left)};
    if (is_import(*tool))
      entry.import = std::make_shared<Import>();
    entry.sealed_until = sealed.at("x").get<std::int64_t>();
    entries_.emplace(id, entry);
    return entry;
  } catch (const json::exception &) {
    return std::nullopt;
  }
}

Result<std::string> EntryPages::hold(Entry entry) {
  std::string id = random_hex(16);
  if (box_) {
    entry.sealed_until = mcp::SessionTokens::now() + options_.ttl.count();
    id = box_->seal(json{{"t", entry.tool->spec->name},
                         {"a", entry.arguments},
                         {"s", entry.session},
                         {"n", entry.named},
                         {"x", entry.sealed_until}}
                        .dump());
    if (id.size() > kMaxSealedId)
      return Result<std::string>::failure(
          "nothing was changed in " + caller_.texts().api_name() +
          ": the call's arguments would make a link of " + std::to_string(id.size()) +
          " characters, too long for a browser (at most " + std::to_string(kMaxSealedId) +
          "). Shorten the body's description or mount_path and call again.");
  }
  entry.csrf = token_for("csrf", id);
  std::lock_guard lock(mutex_);
  if (!room())
    return Result<std::string>::failure(
        "nothing was changed in " + caller_.texts().api_name() + ": " +
        std::to_string(options_.max_entries) +
        " links for typing a secret's value or importing a .env file are held and none has "
        "expired yet. Ask the user to use or abandon the links they have (each expires " +
        std::to_string(options_.ttl.count()) + " s after it was given), then call again.");
  entries_.emplace(id, std::move(entry));
  return id;
}

Result<OpenedEntry> EntryPages::open_entry(const ToolRegistry::Tool &tool, const json &arguments,
                                           CallOrigin origin) {
  std::string named = key_of_secret(arguments, origin);
  Result<std::string> id = hold(Entry{
      &tool, arguments, std::string(origin.session), named, {}, {}, Clock::now() + options_.ttl});
  if (!id)
    return Result<OpenedEntry>::failure(id.error());
  std::string key = argument(arguments, "key", true);
  if (key.empty())
    key = named;
  std::string message = action_of(tool) + ":" + (key.empty() ? "" : " key " + key + ",") + " job " +
                        argument(arguments, "jobId");
  std::string url = options_.origin + kEntryPrefix + id.value();
  return OpenedEntry{std::move(id.value()), std::move(url), std::move(message)};
}

json EntryPages::open(const ToolRegistry::Tool &tool, const json &arguments, CallOrigin origin) {
  Result<OpenedEntry> opened = open_entry(tool, arguments, origin);
  if (!opened)
    return tool_error(opened.error());
  return link_result(caller_, options_.ttl, tool.output.has_value(), opened->url, kValueWording);
}

EntryOutcome EntryPages::await(const std::string &id, Clock::time_point deadline,
                               const AwaitHooks &hooks) {
  if (hooks.cancelled && hooks.cancelled())
    return {EntryState::Cancelled, {}, {}};
  Clock::time_point next_tick = Clock::now() + hooks.tick_every;
  std::unique_lock lock(mutex_);
  for (;;) {
    auto it = entries_.find(id);
    if (it == entries_.end())
      return {EntryState::Unknown, {}, {}};
    const Entry &entry = it->second;
    Clock::time_point now = Clock::now();
    if (entry.stage == Stage::Submitted)
      return {EntryState::Submitted, entry.result, {}};
    if (entry.stage == Stage::Revoked)
      return {EntryState::Revoked, {}, entry.reason};
    bool pending = entry.stage == Stage::Pending;
    if (pending && now >= entry.expires)
      return {EntryState::Expired, {}, {}};
    if (pending && now >= deadline)
      return {EntryState::Pending, {}, {}};
    if (hooks.on_tick && now >= next_tick) {
      next_tick = now + hooks.tick_every;
      lock.unlock();
      hooks.on_tick();
      lock.lock();
      continue; // the map may have changed meanwhile
    }
    std::optional<Clock::time_point> wake;
    if (pending)
      wake = std::min(deadline, entry.expires);
    if (hooks.on_tick)
      wake = std::min(wake.value_or(next_tick), next_tick);
    if (hooks.cancelled)
      wake = std::min(wake.value_or(now + kCancelPoll), now + kCancelPoll);
    if (wake)
      ended_.wait_until(lock, *wake);
    else
      ended_.wait(lock);
    if (hooks.cancelled) {
      lock.unlock();
      bool cancelled = hooks.cancelled();
      lock.lock();
      if (cancelled)
        return {EntryState::Cancelled, {}, {}};
    }
  }
}

bool EntryPages::revoke_entry(Entry &entry, const std::string &reason) {
  if (entry.stage != Stage::Pending || Clock::now() >= entry.expires)
    return false;
  entry.stage = Stage::Revoked;
  entry.reason = reason;
  if (entry.import)
    entry.import->lines.clear(); // the .env values, wiped as they go
  return true;
}

bool EntryPages::revoke(const std::string &id, const std::string &reason) {
  bool revoked = false;
  {
    std::lock_guard lock(mutex_);
    auto it = entries_.find(id);
    revoked = it != entries_.end() && revoke_entry(it->second, reason);
  }
  if (revoked)
    ended_.notify_all();
  return revoked;
}

void EntryPages::revoke_all(const std::string &reason) {
  {
    std::lock_guard lock(mutex_);
    for (auto &item : entries_)
      revoke_entry(item.second, reason);
  }
  ended_.notify_all();
}

void EntryPages::route(HttpRoutes &http) {
  // 32 hex digits, or a sealed entry's base64url (a few hundred characters).
  const std::string id = std::string(kEntryPrefix) + "([A-Za-z0-9_-]{32,})";
  http.Get(id, [this](const httplib::Request &req, httplib::Response &res) { show(req, res); });
  http.add("POST", id,
           [this](const httplib::Request &req, httplib::Response &res) { submit(req, res); });
  http.add("POST", id + "/login",
           [this](const httplib::Request &req, httplib::Response &res) { sign_in(req, res); });
  auto unknown = [](const httplib::Request &, httplib::Response &res) {
    refuse(res, 404, "Unknown link", "This link is not one this server gave.");
  };
  http.add("POST", id + "/plan",
           [this](const httplib::Request &req, httplib::Response &res) { plan(req, res); });
  http.add("POST", id + "/apply",
           [this](const httplib::Request &req, httplib::Response &res) { apply(req, res); });
  for (const char *method : {"GET", "POST"})
    http.add(method, std::string(kEntryPrefix) + ".*", unknown);
}

std::optional<EntryPages::Entry> EntryPages::usable(const httplib::Request &req,
                                                    httplib::Response &res, const std::string &csrf,
                                                    bool posted) {
  std::optional<Entry> entry;
  bool full = false;
  {
    std::lock_guard lock(mutex_);
    const std::string id = req.matches[1].str();
    auto it = entries_.find(id);
    if (it != entries_.end())
      entry = it->second;
    else if (box_ && !(full = !room()))
      entry = adopt(id);
  }
  if (full) {
    res.set_header("Retry-After", "60");
    refuse(res, 503, "Busy", "This server holds as many links as it may: try again in a minute.");
    return std::nullopt;
  }
  if (!entry) {
    refuse(res, 404, "Unknown link",
           "This link is not known here: it was never given, it ended more than 10 minutes ago, "
           "or the server restarted since.");
    return std::nullopt;
  }
  if (entry->stage == Stage::Revoked) {
    refuse(res, 410, "This request was cancelled",
           entry->reason.empty() ? "This link was cancelled." : entry->reason);
    return std::nullopt;
  }
  if (entry->stage != Stage::Pending) {
    refuse_used(res);
    return std::nullopt;
  }
  if (Clock::now() >= entry->expires) {
    refuse(res, 410, "Link expired",
           "This link expired: it could be used for " + std::to_string(options_.ttl.count()) +
               " seconds after it was given.");
    return std::nullopt;
  }
  if (!posted)
    return entry;
  if (csrf.size() != entry->csrf.size() || !token_matches(csrf, entry->csrf)) {
    refuse(res, 403, "Form not accepted",
           "The form did not carry this link's token: submit it from the page of the link.");
    return std::nullopt;
  }
  std::string origin = req.get_header_value("Origin");
  bool same_origin = req.has_header("Origin") && origin != "null"
                         ? to_lower(origin) == to_lower(options_.origin)
                         : to_lower(req.get_header_value("Sec-Fetch-Site")) == "same-origin";
  if (!same_origin) {
    refuse(res, 403, "Form not accepted",
           "The form was not sent from this server's own page (" + options_.origin + ").");
    return std::nullopt;
  }
  return entry;
}

bool EntryPages::signed_in(const httplib::Request &req, const Entry &entry) const {
  // Sealed, every replica computes the cookie the replica that took the token set.
  const std::string expected = box_ ? token_for("person", req.matches[1].str()) : entry.person;
  const std::string presented = cookie(req, kCookie);
  return !expected.empty() && presented.size() == expected.size() &&
         token_matches(presented, expected);
}

bool EntryPages::person_verified(const httplib::Request &req, const Entry &entry,
                                 httplib::Response &res) {
  if (!options_.auth_token.empty()) {
    if (signed_in(req, entry))
      return true;
    refuse(res, 403, "Sign in first",
           "This page needs the server's access token first: open the link again and give it.");
    return false;
  }
  if (is_loopback_host(req.remote_addr))
    return true;
  refuse(res, 403, "Not served here",
         "This page is served only to a browser on the machine the server runs on.");
  return false;
}

void EntryPages::show(const httplib::Request &req, httplib::Response &res) {
  std::optional<Entry> entry = usable(req, res, {}, false);
  if (!entry)
    return;
  std::string csrf = "<input type=\"hidden\" name=\"csrf\" value=\"" + entry->csrf + "\">";
  std::string here = escape_html(req.path);
  if (!options_.auth_token.empty() && !signed_in(req, *entry)) {
    answer(res, 200, "Access token",
           summary(*entry->tool, entry->arguments, entry->named) +
               "<p>Give this server's access token (the one its MCP clients use) to go on.</p>"
               "<form method=\"post\" action=\"" +
               here + "/login\">" + csrf +
               "<label for=\"token\">Access token</label><input id=\"token\" name=\"token\" "
               "type=\"password\" autocomplete=\"off\" required><button type=\"submit\">Go "
               "on</button></form>");
    return;
  }
  if (options_.auth_token.empty() && !person_verified(req, *entry, res))
    return;
  if (entry->import) {
    show_import(res, *entry, here, csrf);
    return;
  }
  bool file = takes_file(entry->arguments);
  bool optional = value_optional(*entry->tool);
  std::string input =
      file ? "<label for=\"value\">The file's content</label><input id=\"value\" name=\"value\" "
             "type=\"file\" required>"
           : "<label for=\"value\">Value</label><input id=\"value\" name=\"value\" "
             "type=\"password\" autocomplete=\"new-password\"" +
                 std::string(optional ? ">" : " required>");
  answer(res, 200, action_of(*entry->tool),
         summary(*entry->tool, entry->arguments, entry->named) + "<form method=\"post\" action=\"" +
             here + "\"" + (file ? " enctype=\"multipart/form-data\"" : "") + ">" + csrf + input +
             (optional ? "<p>Leave it empty to keep the current value.</p>" : "") +
             "<button type=\"submit\">Send to Qovery</button></form><p>The value goes from "
             "this page to Qovery; the assistant never sees it. This link works once.</p>");
}

std::optional<EntryPages::Posted> EntryPages::posted(const httplib::Request &req,
                                                     httplib::Response &res) {
  std::optional<FormFields> fields = form_fields(req);
  if (!fields) {
    refuse(res, 415, "Form not accepted", "The form's body could not be read.");
    return std::nullopt;
  }
  std::optional<Entry> entry = usable(req, res, field(*fields, "csrf"), true);
  if (!entry)
    return std::nullopt;
  return Posted{std::move(*fields), std::move(*entry)};
}

void EntryPages::sign_in(const httplib::Request &req, httplib::Response &res) {
  std::optional<Posted> form = posted(req, res);
  if (!form)
    return;
  const FormFields &fields = form->fields;
  const Entry *entry = &form->entry;
  std::string id = req.matches[1].str();
  std::string here = std::string(kEntryPrefix) + id;
  if (options_.auth_token.empty()) {
    see_other(res, here);
    return;
  }
  bool right = token_matches(field(fields, "token"), options_.auth_token);
  std::string person = right ? token_for("person", id) : std::string();
  bool revoked = false;
  {
    std::lock_guard lock(mutex_);
    auto it = entries_.find(id);
    if (it == entries_.end() || it->second.stage != Stage::Pending) {
      refuse_used(res);
      return;
    }
    if (right)
      it->second.person = person;
    else if (++it->second.failures >= kMaxSignInFailures)
      revoked = revoke_entry(it->second, "The access token was given wrong " +
                                             std::to_string(kMaxSignInFailures) + " times.");
  }
  if (revoked)
    ended_.notify_all();
  if (!right) {
    log::warning("value-entry page: a wrong access token was given");
    refuse(res, 403, "Wrong access token",
           "That is not this server's access token. Open the link again to retry; after " +
               std::to_string(kMaxSignInFailures) + " wrong tokens the link stops working.");
    return;
  }
  auto left = std::chrono::duration_cast<std::chrono::seconds>(entry->expires - Clock::now());
  see_other(res, here);
  res.set_header("Set-Cookie", std::string(kCookie) + "=" + person + "; Path=" + here +
                                   "; Max-Age=" + std::to_string(std::max<long>(left.count(), 1)) +
                                   "; HttpOnly; SameSite=Strict" +
                                   (options_.origin.starts_with("https://") ? "; Secure" : ""));
}

void EntryPages::submit(const httplib::Request &req, httplib::Response &res) {
  std::optional<Posted> form = posted(req, res);
  if (!form || !person_verified(req, form->entry, res))
    return;
  if (form->entry.import) {
    refuse(res, 404, "Not this page's form", "This link is an import's: open it again.");
    return;
  }
  const Entry *entry = &form->entry;
  std::string value = field(form->fields, "value");
  bool optional = value_optional(*entry->tool);
  if (value.empty() && !optional) {
    answer(res, 400, "No value",
           "<p class=\"refused\">The value is empty: go back and type it.</p>");
    return;
  }
  if (!valid_utf8(value)) {
    answer(res, 400, "Not text",
           "<p class=\"refused\">The value is not UTF-8 text, which Qovery stores: go back and "
           "give a text file.</p>");
    return;
  }
  {
    std::lock_guard lock(mutex_);
    auto it = entries_.find(req.matches[1].str());
    if (it == entries_.end() || it->second.stage != Stage::Pending) {
      refuse_used(res);
      return;
    }
    it->second.stage = Stage::Submitting;
  }
  json arguments = entry->arguments;
  if (!value.empty())
    arguments["body"]["value"] = std::move(value);
  // send(), not call(): the value comes from the person, not the model.
  const CallOrigin origin{"entry-page", entry->session};
  json result =
      caller_.result(*entry->tool, arguments, caller_.send(*entry->tool, arguments, origin));
  {
    std::lock_guard lock(mutex_);
    auto it = entries_.find(req.matches[1].str());
    if (it != entries_.end()) {
      it->second.stage = Stage::Submitted;
      it->second.result = result;
    }
  }
  ended_.notify_all();
  if (result.value("isError", false)) {
    std::string text = result["content"][0].value("text", "");
    answer(res, 502, "Not done",
           summary(*entry->tool, entry->arguments, entry->named) + "<p class=\"refused\">" +
               escape_html(text) + "</p><p>Tell the assistant; it can give you a new link.</p>");
    return;
  }
  const json secret = result.value("structuredContent", json::object());
  answer(res, 200, "Done",
         summary(*entry->tool, entry->arguments, entry->named) + "<p>Qovery has the secret <b>" +
             escape_html(secret.value("key", "")) + "</b> (scope " +
             escape_html(secret.value("scope", "")) + ", id " +
             escape_html(secret.value("id", "")) +
             "). It takes effect at the job's next deployment.</p><p>You can close this page "
             "and tell the assistant you are done.</p>");
}

Result<OpenedEntry> EntryPages::open_import_entry(const ToolRegistry::Tool &tool,
                                                  const json &arguments, CallOrigin origin) {
  Entry entry{&tool, arguments, std::string(origin.session), {},
              {},    {},        Clock::now() + options_.ttl};
  entry.import = std::make_shared<Import>();
  Result<std::string> id = hold(std::move(entry));
  if (!id)
    return Result<OpenedEntry>::failure(id.error());
  std::string url = options_.origin + kEntryPrefix + id.value();
  return OpenedEntry{std::move(id.value()), std::move(url),
                     action_of(tool) + ": job " + argument(arguments, "jobId")};
}

json EntryPages::open_import(const ToolRegistry::Tool &tool, const json &arguments,
                             CallOrigin origin) {
  Result<OpenedEntry> opened = open_import_entry(tool, arguments, origin);
  if (!opened)
    return tool_error(opened.error());
  return link_result(caller_, options_.ttl, tool.output.has_value(), opened->url, kImportWording);
}

void EntryPages::show_import(httplib::Response &res, const Entry &entry, const std::string &here,
                             const std::string &csrf_field) {
  answer(res, 200, action_of(*entry.tool),
         summary(*entry.tool, entry.arguments, entry.named) + "<form method=\"post\" action=\"" +
             here + "/plan\" enctype=\"multipart/form-data\">" + csrf_field +
             "<label for=\"dotenv\">Paste the .env file</label><textarea id=\"dotenv\" "
             "name=\"dotenv\" autocomplete=\"off\" autocapitalize=\"off\" spellcheck=\"false\">"
             "</textarea><label for=\"file\">or choose the file</label><input id=\"file\" "
             "name=\"file\" type=\"file\"><button type=\"submit\">Show the plan</button></form>"
             "<p>Nothing changes before you confirm the plan on the next page, which shows keys "
             "only. The values go from this page to Qovery through this server; the assistant "
             "never sees them. This link works once.</p>");
}

std::optional<EntryPages::Posted> EntryPages::posted_import(const httplib::Request &req,
                                                            httplib::Response &res) {
  std::optional<Posted> form = posted(req, res);
  if (!form || !person_verified(req, form->entry, res))
    return std::nullopt;
  if (!form->entry.import) {
    refuse(res, 404, "Not this page's form", "This link is not an import's: open it again.");
    return std::nullopt;
  }
  return form;
}

void EntryPages::plan(const httplib::Request &req, httplib::Response &res) {
  std::optional<Posted> form = posted_import(req, res);
  if (!form)
    return;
  // The file's text is wiped from the form on every way out.
  struct WipeFields {
    FormFields &fields;
    ~WipeFields() {
      for (auto &[name, text] : fields)
        wipe(text);
    }
  } wipe_fields{form->fields};
  const Entry &entry = form->entry;
  const std::string here = std::string(kEntryPrefix) + req.matches[1].str();
  const std::string head = summary(*entry.tool, entry.arguments, entry.named);
  std::string_view pasted = field_text(form->fields, "dotenv");
  std::string_view uploaded = field_text(form->fields, "file");
  if (!pasted.empty() && !uploaded.empty()) {
    answer(res, 400, "Two files",
           head + "<p class=\"refused\">Paste the file or choose it, not both: go back and "
                  "clear one.</p>");
    return;
  }
  std::string_view text = uploaded.empty() ? pasted : uploaded;
  std::optional<ImportTools> tools = import_tools(caller_.registry());
  if (text.empty() || !tools) {
    answer(res, 400, "No file",
           head + "<p class=\"refused\">No file was given: go back, paste it or choose it.</p>");
    return;
  }
  const CallOrigin origin{"entry-page", entry.session};
  json listed = caller_.call(*tools->list, entry.arguments, origin);
  if (listed.value("isError", false)) {
    answer(res, 502, "Secrets not read",
           head + "<p class=\"refused\">" + escape_html(listed["content"][0].value("text", "")) +
               "</p><p>Nothing was changed. Go back and try again.</p>");
    return;
  }
  const json secrets = listed.value("structuredContent", json::object());
  Dotenv file = parse_dotenv(text);
  std::map<int, std::string *> values;
  for (DotenvEntry &assigned : file.entries)
    values[assigned.line] = &assigned.value;
  std::vector<Import::Line> lines;
  lines.reserve(file.entries.size() + file.problems.size());
  for (ImportLine &planned : plan_import(file, secrets)) {
    std::string value;
    std::string note;
    if (planned.action != ImportAction::Refused) {
      value = std::move(*values.at(planned.line));
      if (!valid_utf8(value)) {
        wipe(value);
        planned.action = ImportAction::Refused;
        planned.reason = "the value is not UTF-8 text, which Qovery stores";
      } else {
        note = unsure(planned, value, secrets);
      }
    }
    lines.emplace_back(std::move(planned), std::move(value), std::move(note));
    wipe(value);
  }
  for (DotenvEntry &assigned : file.entries)
    wipe(assigned.value);

  std::string items;
  bool applicable = false;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    const ImportLine &line = lines[i].plan;
    std::string key = line.key.empty() ? "" : "<b>" + escape_html(line.key) + "</b> ";
    std::string where = " <small>(line " + std::to_string(line.line) + ")</small>";
    if (line.action == ImportAction::Refused) {
      items +=
          "<li class=\"refused\">" + key + "refused: " + escape_html(line.reason) + where + "</li>";
      continue;
    }
    applicable = true;
    const std::string &note = lines[i].note;
    items += "<li><label><input type=\"checkbox\" name=\"line\" value=\"" + std::to_string(i) +
             "\"" + (note.empty() ? " checked" : "") + ">" + key +
             std::string(action_name(line.action)) + where + "</label>" +
             (note.empty() ? "" : "<br><small>Left unchecked: " + escape_html(note) + ".</small>") +
             "</li>";
  }
  std::string plan_id = random_hex(16);
  std::string body =
      head + (lines.empty() ? "<p>The file assigns nothing.</p>"
                            : "<p>The plan, one line per assignment of the file (keys only):</p>");
  if (applicable)
    body += "<form method=\"post\" action=\"" + here +
            "/apply\"><input type=\"hidden\" "
            "name=\"csrf\" value=\"" +
            entry.csrf +
            "\"><input type=\"hidden\" name=\"plan\" "
            "value=\"" +
            plan_id + "\"><ul class=\"plan\">" + items +
            "</ul><button type=\"submit\">Apply the checked lines</button></form>";
  else
    body += "<ul class=\"plan\">" + items + "</ul><p>Nothing here can be imported. <a href=\"" +
            here + "\">Give another file</a>.</p>";
  body += "<p><b>create</b>: a new secret of the job. <b>replace</b>: the job's own secret of "
          "that key gets the file's value; its current value cannot be read, so it cannot be "
          "compared or restored. <b>override</b>: a secret the job inherits from its "
          "environment or project gets the file's value for this job only.</p>";
  {
    std::lock_guard lock(mutex_);
    auto it = entries_.find(req.matches[1].str());
    if (it == entries_.end() || it->second.stage != Stage::Pending) {
      refuse_used(res);
      return;
    }
    it->second.import->plan_id = applicable ? plan_id : std::string();
    it->second.import->lines.swap(lines); // the previous plan's lines, wiped on return
  }
  answer(res, 200, "Review the import", body);
}

void EntryPages::apply(const httplib::Request &req, httplib::Response &res) {
  std::optional<Posted> form = posted_import(req, res);
  if (!form)
    return;
  const Entry &entry = form->entry;
  const std::string head = summary(*entry.tool, entry.arguments, entry.named);
  std::set<std::size_t> picked;
  for (auto [it, end] = form->fields.equal_range("line"); it != end; ++it) {
    std::size_t index = 0;
    const std::string &text = it->second;
    if (std::from_chars(text.data(), text.data() + text.size(), index).ec == std::errc())
      picked.insert(index);
  }
  std::string plan_id = field(form->fields, "plan");
  std::optional<ImportTools> tools = import_tools(caller_.registry());
  std::vector<Import::Line> lines;
  {
    std::lock_guard lock(mutex_);
    auto it = entries_.find(req.matches[1].str());
    if (it == entries_.end() || it->second.stage != Stage::Pending) {
      refuse_used(res);
      return;
    }
    Import &held = *it->second.import;
    if (held.plan_id.empty() || plan_id.size() != held.plan_id.size() ||
        !token_matches(plan_id, held.plan_id) || !tools) {
      answer(res, 409, "Not the current plan",
             head + "<p class=\"refused\">This confirmation is not of the last plan shown for "
                    "this link. Nothing was sent to Qovery: open the link again and give the "
                    "file.</p>");
      return;
    }
    if (picked.empty()) {
      answer(res, 400, "Nothing checked",
             head + "<p class=\"refused\">No line was checked: go back, check the lines to "
                    "apply and confirm.</p>");
      return;
    }
    it->second.stage = Stage::Submitting;
    held.plan_id.clear();
    lines.swap(held.lines);
  }
  const CallOrigin origin{"entry-page", entry.session};
  std::string items;
  int applied = 0;
  int failed = 0;
  json outcomes = json::array();
  for (std::size_t i = 0; i < lines.size(); ++i) {
    const ImportLine &line = lines[i].plan;
    std::string what = (line.key.empty() ? "" : "<b>" + escape_html(line.key) + "</b> ") +
                       "<small>(line " + std::to_string(line.line) + ")</small>: ";
    // What the model may learn of the line: its key and outcome, never a value or a detail.
    const auto learned = [&outcomes, &line](std::string_view outcome) {
      outcomes.push_back({{"line", line.line}, {"key", line.key}, {"outcome", outcome}});
    };
    if (line.action == ImportAction::Refused) {
      items += "<li>" + what + "not applied (refused: " + escape_html(line.reason) + ")</li>";
      learned("refused: " + line.reason);
      continue;
    }
    if (picked.count(i) == 0) {
      items += "<li>" + what + "not applied (unchecked)</li>";
      learned("unchecked");
      continue;
    }
    json arguments = import_call_arguments(*tools, line, entry.arguments, lines[i].value);
    // send(), not call(): the values come from the person, not the model.
    const ToolRegistry::Tool &tool = import_tool_for(*tools, line.action);
    json result = caller_.result(tool, arguments, caller_.send(tool, arguments, origin));
    wipe(arguments["body"]["value"].get_ref<std::string &>());
    if (result.value("isError", false)) {
      ++failed;
      items += "<li class=\"refused\">" + what + "not " + std::string(done_word(line.action)) +
               ": " + escape_html(result["content"][0].value("text", "")) + "</li>";
      learned("failed");
      continue;
    }
    ++applied;
    learned(done_word(line.action));
    std::string id = argument(result.value("structuredContent", json::object()), "id");
    items += "<li>" + what + std::string(done_word(line.action)) +
             (id.empty() ? "" : " (id " + escape_html(id) + ")") + "</li>";
  }
  log::write(failed == 0 ? log::Level::Info : log::Level::Warning, "import page: lines applied",
             {{"session", session_label(entry.session)}, {"applied", applied}, {"failed", failed}});
  {
    std::lock_guard lock(mutex_);
    if (auto it = entries_.find(req.matches[1].str()); it != entries_.end()) {
      it->second.stage = Stage::Submitted;
      json imported = {{"status", kImported}, {"lines", std::move(outcomes)}};
      it->second.result = {
          {"content",
           json::array({{{"type", "text"},
                         {"text", "The user imported the .env file: " + std::to_string(applied) +
                                      " line(s) applied, " + std::to_string(failed) +
                                      " failed. Each line's key and outcome: " +
                                      imported["lines"].dump()}}})},
          {"structuredContent", std::move(imported)}};
    }
  }
  ended_.notify_all();
  answer(res, failed == 0 ? 200 : 502, failed == 0 ? "Done" : "Not all done",
         head + "<ul class=\"plan\">" + items +
             "</ul><p>What was applied takes effect at the job's next deployment.</p>" +
             (failed == 0 ? ""
                          : "<p>Tell the assistant which lines were not done; it can give you "
                            "a new link for them.</p>") +
             "<p>You can close this page and tell the assistant you are done.</p>");
}

} // namespace qovery_mcp
