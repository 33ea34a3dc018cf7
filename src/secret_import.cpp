#include "qovery_mcp/secret_import.hpp"

#include "qovery_mcp/input_schema.hpp"

#include <algorithm>
#include <functional>
#include <initializer_list>
#include <map>
#include <string_view>

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

namespace {

/// Whether `path` is `collection` + "/{item}", or with `sub`, + "/{item}/<word>".
bool item_path(std::string_view path, std::string_view collection, bool sub) {
  if (!path.starts_with(collection) || path.size() <= collection.size() + 1 ||
      path[collection.size()] != '/')
    return false;
  const std::string_view rest = path.substr(collection.size() + 1);
  const std::size_t slash = rest.find('/');
  const std::string_view item = rest.substr(0, slash);
  if (item.size() < 3 || item.front() != '{' || item.back() != '}')
    return false;
  if (slash == std::string_view::npos)
    return !sub;
  const std::string_view word = rest.substr(slash + 1);
  return sub && !word.empty() && word.find_first_of("/{}") == std::string_view::npos;
}

/// The member `name` of the object schema at `path` of `schema`'s
/// properties (e.g. {"body"}), or nullptr.
const json *declared(const json &schema, std::initializer_list<const char *> path,
                     const char *name) {
  const json *at = &schema;
  for (const char *step : path) {
    auto properties = at->find("properties");
    if (properties == at->end() || !properties->is_object() || !properties->contains(step))
      return nullptr;
    at = &(*properties)[step];
  }
  auto properties = at->find("properties");
  if (properties == at->end() || !properties->is_object() || !properties->contains(name))
    return nullptr;
  return &(*properties)[name];
}

} // namespace

std::optional<ImportTools> import_tools(const ToolRegistry &registry) {
  const auto &tools = registry.tools();
  using Matches = std::function<bool(std::string_view)>;
  const auto taking_value = [&tools](std::string_view method,
                                     const Matches &matches) -> const ToolRegistry::Tool * {
    for (const auto &tool : tools)
      if (tool.selected && tool.spec->operation != nullptr &&
          tool.spec->operation->method == method && matches(tool.spec->operation->path) &&
          takes_secret_value(tool.input.document()))
        return &tool;
    return nullptr;
  };
  for (const auto &list : tools) {
    if (!list.selected || list.spec->operation == nullptr ||
        list.spec->operation->method != "GET" || !list.output ||
        declared(list.output->document(), {}, "results") == nullptr)
      continue;
    const std::string &collection = list.spec->operation->path;
    ImportTools found{
        &list,
        taking_value("POST", [&](std::string_view path) { return path == collection; }),
        taking_value("PUT",
                     [&](std::string_view path) { return item_path(path, collection, false); }),
        taking_value("POST",
                     [&](std::string_view path) { return item_path(path, collection, true); }),
    };
    if (found.create != nullptr && found.replace != nullptr && found.override_secret != nullptr)
      return found;
  }
  return std::nullopt;
}

void add_import_tool(ToolRegistry &registry) {
  std::optional<ImportTools> tools = import_tools(registry);
  if (!tools)
    return;
  const ToolSpec &list = *tools->list->spec;
  json properties = json::object();
  json required = json::array();
  for (const std::string &param : list.operation->path_params) {
    if (list.fixed.count(param) != 0)
      continue;
    const json *schema = declared(tools->list->input.document(), {}, param.c_str());
    properties[param] = schema != nullptr ? *schema : json{{"type", "string"}};
    required.push_back(param);
  }
  const std::string &create = tools->create->spec->name;
  const std::string &replace = tools->replace->spec->name;
  const std::string &override_secret = tools->override_secret->spec->name;
  json input = {
      {"$schema", kJsonSchemaDialect},
      {"type", "object"},
      {"additionalProperties", false},
      {"properties", std::move(properties)},
      {"required", std::move(required)},
      {"description",
       "Gives a link to a page of this server where the user pastes or uploads a .env file "
       "(docker compose's syntax). The page shows the plan against the job's current secrets, "
       "keys only: create (a new key, with " +
           create + "), replace (the job's own secret of that key gets the file's value, with " +
           replace +
           "), override (an inherited PROJECT or ENVIRONMENT secret gets a value for "
           "this job, with " +
           override_secret +
           ") or refused (with the reason); the user picks the lines and confirms, and the "
           "server applies them. This call changes nothing, and no value passes through the "
           "conversation: show the link to the user, never ask them for the file's content, and "
           "when they say they have confirmed, call " +
           list.name + " to see the result."},
  };
  json output = {
      {"$schema", kJsonSchemaDialect},
      {"type", "object"},
      {"description", "The link to the import page, or, once the user applied the file and the "
                      "client waited for it, each line's outcome."},
      {"anyOf",
       {awaiting_value_schema(
            "Nothing was changed yet. The user opens `link` in a browser, gives the .env file "
            "there and confirms the plan; the values never pass through the conversation.",
            "The import page; usable once."),
        {{"type", "object"},
         {"description", "The user applied the file: each line's key and outcome, no value."},
         {"properties",
          {{"status", {{"const", kImported}}},
           {"lines",
            {{"type", "array"},
             {"items",
              {{"type", "object"},
               {"properties",
                {{"line", {{"type", "integer"}}},
                 {"key", {{"type", "string"}}},
                 {"outcome",
                  {{"type", "string"},
                   {"description", "created, replaced, overridden, failed, unchecked, or "
                                   "\"refused: \" and the reason"}}}}},
               {"required", {"line", "key", "outcome"}}}}}}}},
         {"required", {"status", "lines"}}}}}};
  ToolSpec spec;
  spec.name = kImportToolName;
  spec.description = "Import secrets from a .env file";
  spec.hints = {false, true, false};
  registry.add_own_tool(std::move(spec), Schema::compile(input).value(),
                        Schema::compile(output).value());
}

const ToolRegistry::Tool &import_tool_for(const ImportTools &tools, ImportAction action) {
  switch (action) {
  case ImportAction::Replace:
    return *tools.replace;
  case ImportAction::Override:
    return *tools.override_secret;
  case ImportAction::Create:
  case ImportAction::Refused:
    break;
  }
  return *tools.create;
}

json import_call_arguments(const ImportTools &tools, const ImportLine &line, const json &job,
                           const std::string &value) {
  const ToolRegistry::Tool &tool = import_tool_for(tools, line.action);
  json arguments = job;
  if (line.action != ImportAction::Create)
    arguments[tool.spec->operation->path_params.back()] = line.secret_id;
  json body = json::object();
  if (declared(tool.input.document(), {"body"}, "key") != nullptr)
    body["key"] = line.key;
  body["value"] = value;
  arguments["body"] = std::move(body);
  return arguments;
}

} // namespace qovery_mcp
