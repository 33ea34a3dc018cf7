#pragma once

#include "qovery_mcp/dotenv.hpp"

#include <nlohmann/json.hpp>

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

} // namespace qovery_mcp
