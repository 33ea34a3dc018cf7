#include "qovery_mcp/api_texts.hpp"

#include "base_url.hpp"

#include <span>
#include <string_view>

namespace qovery_mcp {
namespace {

/// The advice after one status, or (for 3, 4, 5) after any status of that
/// class the rows do not name. Placeholders: {api}, {env} (the API key's
/// variable), {base_uri}, {params} (the operation's path parameters).
struct StatusAdvice {
  int status;
  std::string_view text;
};

/// What any API gets: nothing here names a resource the capability does not.
constexpr StatusAdvice kAnyApiAdvice[] = {
    // Redirects are not followed: the key would go wherever they point.
    {3, "The API's address answered with a redirect, which this server does not follow; nothing "
        "was done. The user should check --api-url (the API's base URL, {base_uri} by default)."},
    {400, "{api} rejected the request. Fix the arguments as the detail says."},
    {401, "{api} did not accept the API key. The user must set {env} to a valid {api} API token "
          "(or check --auth-scheme); retrying will not help."},
    {403, "{api} refused access: the API key may lack permission, or what {params} name may not "
          "exist. Check {params} with the user."},
    {404, "Not found: check the values of {params} with the user."},
    {409, "The request conflicts with what exists already (such as a name or key in use): change "
          "the arguments, or edit what exists instead."},
    {429, "{api} is rate limiting requests: wait before retrying."},
    {4, "{api} refused the request."},
    {5, "{api} failed to handle the request: retry later."},
};

constexpr StatusAdvice kQoveryAdvice[] = {
    {403, "{api} refused access: the API key may lack permission, or what {params} name may not "
          "exist (Qovery answers 403 for some unknown resources). Check {params} with the user."},
};

constexpr StatusAdvice kQoveryJobSecretAdvice[] = {
    {400, "Qovery rejected the request. Fix the arguments as the detail says. Remember: BUILT_IN "
          "secrets cannot be edited or deleted; aliases and overrides can only be created on a "
          "secret of a higher scope (PROJECT or ENVIRONMENT, and BUILT_IN for an alias), never on "
          "a JOB-scope secret or an alias; an override's key and an alias's value cannot be "
          "edited."},
    {403, "Qovery refused access: the API key may lack permission on this job, or the job or "
          "secret may not exist (Qovery answers 403 for some unknown resources). Check jobId with "
          "the user."},
    {404, "Not found: check that jobId is the job's id and that secretId comes from listing this "
          "job's secrets."},
    {409, "A secret with this key already exists at this scope: edit that secret instead, or "
          "choose another key."},
};

/// One row of the table: what an API (by base URI) or one capability of it
/// (by MCP namespace as well) needs said that its document cannot say.
/// Empty members leave the rows before it (and the derived text) in force.
struct ApiRow {
  std::string_view base_uri;
  std::string_view mcp_namespace; ///< empty: every capability of the API
  std::string_view name;
  std::span<const StatusAdvice> advice;
  std::string_view outcome_unknown;
  std::string_view reads_still_work;
  std::string_view instructions_resource;
};

/// The per-API table, most general rows first.
constexpr ApiRow kApiTable[] = {
    {"https://api.qovery.com", "", "Qovery", kQoveryAdvice, "", "", ""},
    {"https://api.qovery.com", "qovery-job-secret-mcp", "", kQoveryJobSecretAdvice,
     " The change may or may not have been applied: list the job's secrets to check before "
     "trying again.",
     "secrets can still be listed", "server-instructions.md"},
};

/// `text` with every `{name}` replaced by `value`.
std::string fill(std::string text, std::string_view name, std::string_view value) {
  const std::string placeholder = "{" + std::string(name) + "}";
  for (std::size_t at = text.find(placeholder); at != std::string::npos;
       at = text.find(placeholder, at + value.size()))
    text.replace(at, placeholder.size(), value);
  return text;
}

/// "jobId", "jobId and secretId", "a, b and c"; "the arguments" for none.
std::string listed(const std::vector<std::string> &names) {
  if (names.empty())
    return "the arguments";
  std::string out;
  for (std::size_t i = 0; i < names.size(); ++i)
    out += (i == 0 ? "" : i + 1 == names.size() ? " and " : ", ") + names[i];
  return out;
}

/// Whether `path` lies under `prefix` ("/job/{jobId}/secret" holds
/// "/job/{jobId}/secret/{secretId}"), or is it.
bool lies_under(std::string_view path, std::string_view prefix) {
  return path.starts_with(prefix) && (path.size() == prefix.size() || path[prefix.size()] == '/');
}

} // namespace

ApiTexts::ApiTexts(const Capability &capability)
    : capability_(capability), reads_still_work_("the read-only tools still work") {
  Result<BaseUrl> base = parse_base_url(capability.base_uri);
  api_name_ = base ? base->host : capability.base_uri;
  for (const StatusAdvice &row : kAnyApiAdvice)
    advice_[row.status] = row.text;
  for (const ApiRow &row : kApiTable) {
    if (row.base_uri != capability.base_uri ||
        (!row.mcp_namespace.empty() && row.mcp_namespace != capability.mcp_namespace))
      continue;
    if (!row.name.empty())
      api_name_ = row.name;
    for (const StatusAdvice &advice : row.advice)
      advice_[advice.status] = advice.text;
    if (!row.outcome_unknown.empty())
      outcome_unknown_ = row.outcome_unknown;
    if (!row.reads_still_work.empty())
      reads_still_work_ = row.reads_still_work;
    if (!row.instructions_resource.empty())
      instructions_resource_ = row.instructions_resource;
  }
  for (auto &[status, text] : advice_)
    text = fill(fill(fill(std::move(text), "api", api_name_), "env", capability.api_key_env),
                "base_uri", capability.base_uri);
}

std::string ApiTexts::advice(int status, const Operation &operation) const {
  auto found = advice_.find(status);
  if (found == advice_.end())
    found = advice_.find(status >= 500 ? 5 : status >= 300 && status < 400 ? 3 : 4);
  return fill(found->second, "params", listed(operation.path_params));
}

std::string ApiTexts::outcome_unknown(const ToolSpec &tool) const {
  if (!outcome_unknown_.empty())
    return outcome_unknown_;
  // The read-only tool closest above the change: its listing shows whether it happened.
  const ToolSpec *check = nullptr;
  for (const ToolSpec &candidate : capability_.tools) {
    if (!candidate.hints.read_only || !lies_under(tool.operation->path, candidate.operation->path))
      continue;
    if (check == nullptr || candidate.operation->path.size() > check->operation->path.size())
      check = &candidate;
  }
  if (check == nullptr)
    return " The change may or may not have been applied: check before trying again.";
  return " The change may or may not have been applied: call " + check->name +
         " to check before trying again.";
}

} // namespace qovery_mcp
