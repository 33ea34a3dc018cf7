#include "qovery_mcp/secret_import.hpp"

#include <algorithm>
#include <map>

namespace qovery_mcp {
namespace {

using nlohmann::json;

/// The longest key Qovery takes (its console's limit, as for descriptions).
constexpr std::size_t kMaxKeyLength = 255;

/// Why Qovery would refuse `key`, or "" when it would not (NOTES.md: key naming).
std::string key_problem(const std::string &key) {
  const auto letter = [](char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'); };
  const auto key_char = [&](char c) { return letter(c) || (c >= '0' && c <= '9') || c == '_'; };
  if (key.empty() || !letter(key.front()) || !std::all_of(key.begin(), key.end(), key_char))
    return "Qovery refuses this key: letters, digits and underscores only, starting with a letter";
  if (key.size() > kMaxKeyLength)
    return "Qovery refuses this key: at most 255 characters";
  if (key.starts_with("QOVERY_"))
    return "Qovery refuses this key: QOVERY_ is reserved for its built-in variables";
  return {};
}

std::string member(const json &secret, const char *name) {
  const auto found = secret.find(name);
  return found != secret.end() && found->is_string() ? found->get<std::string>() : std::string();
}

/// The plan for a key that Qovery takes and the file assigns last here.
ImportLine plan_key(const DotenvEntry &entry, const json &results) {
  const json *own = nullptr, *environment = nullptr, *project = nullptr, *built_in = nullptr;
  for (const json &secret : results) {
    if (!secret.is_object() || member(secret, "key") != entry.key)
      continue;
    const std::string scope = member(secret, "scope");
    if (scope == "JOB")
      own = &secret;
    else if (scope == "ENVIRONMENT")
      environment = &secret;
    else if (scope == "PROJECT")
      project = &secret;
    else if (scope == "BUILT_IN")
      built_in = &secret;
  }
  if (own != nullptr) {
    const std::string type = member(*own, "variable_type");
    if (type == "ALIAS" || type == "BUILT_IN")
      return {entry.line, entry.key, ImportAction::Refused, member(*own, "id"),
              "the job's secret of this key is an " + type + ": its value cannot change"};
    return {entry.line, entry.key, ImportAction::Replace, member(*own, "id"), {}};
  }
  if (const json *inherited = environment != nullptr ? environment : project)
    return {entry.line, entry.key, ImportAction::Override, member(*inherited, "id"), {}};
  if (built_in != nullptr)
    return {entry.line, entry.key, ImportAction::Refused, member(*built_in, "id"),
            "a BUILT_IN secret of Qovery's: it cannot be replaced or overridden"};
  return {entry.line, entry.key, ImportAction::Create, {}, {}};
}

} // namespace

std::string_view action_name(ImportAction action) {
  switch (action) {
  case ImportAction::Create:
    return "create";
  case ImportAction::Replace:
    return "replace";
  case ImportAction::Override:
    return "override";
  case ImportAction::Refused:
    break;
  }
  return "refused";
}

std::vector<ImportLine> plan_import(const Dotenv &file, const nlohmann::json &secrets) {
  static const json kNone = json::array();
  const json &results =
      secrets.is_object() && secrets.contains("results") && secrets["results"].is_array()
          ? secrets["results"]
          : kNone;
  std::map<std::string, int> last_line;
  for (const DotenvEntry &entry : file.entries)
    last_line[entry.key] = entry.line;

  std::vector<ImportLine> plan;
  for (const DotenvProblem &problem : file.problems)
    plan.push_back({problem.line, {}, ImportAction::Refused, {}, problem.what});
  for (const DotenvEntry &entry : file.entries) {
    if (std::string problem = key_problem(entry.key); !problem.empty())
      plan.push_back({entry.line, entry.key, ImportAction::Refused, {}, std::move(problem)});
    else if (const int last = last_line.at(entry.key); last != entry.line)
      plan.push_back({entry.line,
                      entry.key,
                      ImportAction::Refused,
                      {},
                      "assigned again on line " + std::to_string(last) +
                          ", which counts instead (the last one, as in docker compose)"});
    else
      plan.push_back(plan_key(entry, results));
  }
  std::stable_sort(plan.begin(), plan.end(),
                   [](const ImportLine &a, const ImportLine &b) { return a.line < b.line; });
  return plan;
}

} // namespace qovery_mcp
