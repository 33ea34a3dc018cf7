#pragma once

#include "qovery_mcp/dotenv.hpp"
#include "qovery_mcp/tool_registry.hpp"

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <vector>

namespace qovery_mcp {

/// What importing one line of a .env file into a job's secrets does
/// (issue 13's .env import), by the rules of Qovery's job-secret API
/// (NOTES.md, section 2).
enum class ImportAction {
  Create,   ///< a new JOB secret: add-secret-job
  Replace,  ///< the job's own secret of that key gets the value: edit-secret-belonging-job
  Override, ///< an inherited PROJECT or ENVIRONMENT secret is overridden at JOB scope:
            ///< create-secret-override-job-level
  Refused,  ///< nothing is sent; `reason` says why
};

/// One line of the plan: keys, ids and reasons only, never a value, so that
/// the plan can be shown on the page and told to the model.
struct ImportLine {
  int line = 0; ///< the .env line (1-based)
  std::string key;
  ImportAction action = ImportAction::Refused;
  /// For Replace, the job's secret; for Override, the inherited one.
  std::string secret_id;
  /// For Refused: why, lower-case ("an ALIAS: its value cannot change").
  std::string reason;
};

/// "create", "replace", "override" or "refused".
std::string_view action_name(ImportAction action);

/// The plan for importing `file` into a job whose secrets list-job-secrets
/// returned as `secrets` (`{"results": [Secret...]}`; members it lacks are
/// read as absent), one line per assignment and per problem of the file, in
/// file order:
/// - a key Qovery refuses (letters, digits and underscores, starting with a
///   letter; at most 255 characters; not starting with QOVERY_) is refused,
///   saying which rule;
/// - a key assigned again on a later line is refused here, naming that line
///   (the last one counts, as in docker compose);
/// - a key the job has at JOB scope: replaced, unless that secret is an
///   ALIAS (its value cannot change: refused) or BUILT_IN;
/// - else a key inherited at ENVIRONMENT or PROJECT scope: overridden (the
///   ENVIRONMENT one when both exist: it is the one the job sees); a BUILT_IN
///   key is refused;
/// - else created.
/// A job never learns a secret's value, so a replaced one is never
/// "unchanged": the plan cannot know.
std::vector<ImportLine> plan_import(const Dotenv &file, const nlohmann::json &secrets);

/// The name of the server's own .env import tool (add_import_tool).
inline constexpr const char *kImportToolName = "import-job-secrets-from-dotenv";
/// `status` of the import tool's structuredContent once the person applied
/// the file and the client waited for it (a URL elicitation): `lines`, each
/// line's number, key and outcome (created, replaced, overridden, failed,
/// unchecked, or "refused: <reason>"), never a value.
inline constexpr const char *kImported = "imported";

/// The tools an import uses, each selected in the registry.
struct ImportTools {
  const ToolRegistry::Tool *list;            ///< reads the secrets (the plan's input)
  const ToolRegistry::Tool *create;          ///< ImportAction::Create
  const ToolRegistry::Tool *replace;         ///< ImportAction::Replace
  const ToolRegistry::Tool *override_secret; ///< ImportAction::Override
};

/// The tools of `registry` an import needs, found by what their operations
/// do rather than by name, so that any capability shaped like Qovery's
/// job-secret API gets the import and no other does: `list` a GET of a
/// collection path C whose output schema declares `results` (what
/// plan_import reads); `create` a POST to C, `replace` a PUT to C/{item} and
/// `override_secret` a POST to C/{item}/<word>, each taking a secret's value
/// (takes_secret_value: an alias, a POST to C/{item}/alias, takes none).
/// Names would tie the import to one capability's spelling; the methods and
/// paths are what the calls rely on. Nullopt when a role has no selected
/// tool (--read-only, or --tools without one of them).
std::optional<ImportTools> import_tools(const ToolRegistry &registry);

/// Adds the .env import tool (kImportToolName) to `registry` when
/// import_tools() finds its tools (else leaves the registry as it is): its
/// input is the list tool's path arguments (the job's id, as the other tools
/// name it); its output, the link to the import page (awaiting_value_schema);
/// its annotations not read-only, destructive (it can replace values), not
/// idempotent. A call writes nothing: EntryPages::open_import answers it.
/// Call it where the registry is made, before a ToolCaller uses it.
void add_import_tool(ToolRegistry &registry);

/// The arguments of the call that applies `line` (not Refused) of a plan
/// with `value` through `tools`, for the job named by `job` (the import
/// tool's arguments: the collection's path arguments): the item's id as the
/// last path argument of replace and override; `body.key` where the tool's
/// body declares a key; `body.value`.
nlohmann::json import_call_arguments(const ImportTools &tools, const ImportLine &line,
                                     const nlohmann::json &job, const std::string &value);

/// The tool of `tools` that applies `action` (not Refused).
const ToolRegistry::Tool &import_tool_for(const ImportTools &tools, ImportAction action);

} // namespace qovery_mcp
