#include "qovery_mcp/dotenv.hpp"
#include "qovery_mcp/secret_import.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <string>
#include <utility>
#include <vector>

using nlohmann::json;
using namespace qovery_mcp;

namespace {

/// The value `text` (one assignment of VAR) reads as; fails on a problem.
std::string value_of(const std::string &text) {
  const Dotenv file = parse_dotenv(text);
  INFO(text);
  REQUIRE(file.problems.empty());
  REQUIRE(file.entries.size() == 1);
  CHECK(file.entries[0].key == "VAR");
  return file.entries[0].value;
}

/// The one problem of `text`, as "line N: what".
std::string problem_of(const std::string &text) {
  const Dotenv file = parse_dotenv(text);
  INFO(text);
  REQUIRE(file.problems.size() == 1);
  return "line " + std::to_string(file.problems[0].line) + ": " + file.problems[0].what;
}

} // namespace

TEST_CASE("Dotenv: docker compose's documented examples read as documented", "[dotenv]") {
  // docs.docker.com/compose/how-tos/environment-variables/variable-interpolation/, "Syntax".
  const std::vector<std::pair<std::string, std::string>> examples{
      {"VAR=VAL", "VAL"},
      {"VAR=\"VAL\"", "VAL"},
      {"VAR='VAL'", "VAL"},
      {"VAR=VAL # comment", "VAL"},
      {"VAR=VAL# not a comment", "VAL# not a comment"},
      {"VAR=\"VAL # not a comment\"", "VAL # not a comment"},
      {"VAR=\"VAL\" # comment", "VAL"},
      {"VAR='$OTHER'", "$OTHER"},
      {"VAR='${OTHER}'", "${OTHER}"},
      {"VAR='Let\\'s go!'", "Let's go!"},
      {"VAR=\"{\\\"hello\\\": \\\"json\\\"}\"", "{\"hello\": \"json\"}"},
      {"VAR=\"some\\tvalue\"", "some\tvalue"},
      {"VAR='some\\tvalue'", "some\\tvalue"},
      {"VAR=some\\tvalue", "some\\tvalue"},
  };
  for (const auto &[text, value] : examples)
    CHECK(value_of(text) == value);
}

TEST_CASE("Dotenv: comments, blanks, export, CRLF, empty and multi-line values", "[dotenv]") {
  const Dotenv file = parse_dotenv("# a comment\n"
                                   "\n"
                                   "   \t\n"
                                   "export TOKEN=abc\r\n"
                                   "  SPACED = x y  \n"
                                   "EMPTY=\n"
                                   "EMPTY_COMMENT= # nothing\n"
                                   "PEM='-----BEGIN KEY-----\n"
                                   "MIIB\n"
                                   "-----END KEY-----'\n"
                                   "ESCAPED=\"a\\nb\\\\c\\$d\"\n"
                                   "dotted.name-1=v\n"
                                   "export=is a name\n"
                                   "LAST=end");
  CHECK(file.problems.empty());
  const std::vector<std::tuple<std::string, std::string, int>> expected{
      {"TOKEN", "abc", 4},
      {"SPACED", "x y", 5},
      {"EMPTY", "", 6},
      {"EMPTY_COMMENT", "", 7},
      {"PEM", "-----BEGIN KEY-----\nMIIB\n-----END KEY-----", 8},
      {"ESCAPED", "a\nb\\c$d", 11},
      {"dotted.name-1", "v", 12},
      {"export", "is a name", 13},
      {"LAST", "end", 14},
  };
  REQUIRE(file.entries.size() == expected.size());
  for (std::size_t i = 0; i < expected.size(); ++i) {
    INFO(i);
    CHECK(file.entries[i].key == std::get<0>(expected[i]));
    CHECK(file.entries[i].value == std::get<1>(expected[i]));
    CHECK(file.entries[i].line == std::get<2>(expected[i]));
  }
}

TEST_CASE("Dotenv: expansion uses earlier lines only, as compose's forms say", "[dotenv]") {
  const Dotenv file = parse_dotenv("HOST=db\n"
                                   "EMPTY=\n"
                                   "URL=postgres://$HOST:${PORT:-5432}/app\n"
                                   "QUOTED=\"${HOST}-x\"\n"
                                   "LITERAL='${HOST}'\n"
                                   "A=${EMPTY:-fallback}|${EMPTY-kept}|${HOST:+yes}|${EMPTY:+no}|"
                                   "${EMPTY+set}\n"
                                   "NESTED=${MISSING:-${HOST}s}\n"
                                   "DOLLAR=a$ b$1 $\n"
                                   "REQUIRED=${HOST:?need a host}\n");
  CHECK(file.problems.empty());
  std::map<std::string, std::string> values;
  for (const DotenvEntry &entry : file.entries)
    values[entry.key] = entry.value;
  CHECK(values["URL"] == "postgres://db:5432/app");
  CHECK(values["QUOTED"] == "db-x");
  CHECK(values["LITERAL"] == "${HOST}");
  CHECK(values["A"] == "fallback||yes||set");
  CHECK(values["NESTED"] == "dbs");
  CHECK(values["DOLLAR"] == "a$ b$1 $");
  CHECK(values["REQUIRED"] == "db");
}

TEST_CASE("Dotenv: the server's own environment is never read", "[dotenv]") {
  // The server holds QOVERY_API_KEY; a file must not be able to copy it.
  const std::string unassigned =
      "the value refers to a variable that no earlier line assigns (the server does not read its "
      "own environment; to keep a literal $, single-quote the value or write \\$ in double "
      "quotes)";
  CHECK(problem_of("VAR=$QOVERY_API_KEY") == "line 1: " + unassigned);
  CHECK(problem_of("VAR=\"${HOME}\"") == "line 1: " + unassigned);
  CHECK(problem_of("LATER=${B}\nB=1") == "line 1: " + unassigned);
  CHECK(problem_of("VAR=${PATH:?unset}") ==
        "line 1: a ${NAME:?...} requires a variable that no earlier line assigns a non-empty "
        "value");
  CHECK(problem_of("VAR=${PATH?unset}") ==
        "line 1: a ${NAME?...} requires a variable that no earlier line assigns");
}

TEST_CASE("Dotenv: each malformed line is a problem that quotes nothing, and reading goes on",
          "[dotenv]") {
  const std::vector<std::pair<std::string, std::string>> cases{
      {"hunter2", "no '=' after the name (a line is NAME=VALUE; a bare name would take the value "
                  "from the environment, which the server does not read)"},
      {"pass word=hunter2", "the name holds a character a variable name cannot have (letters, "
                            "digits, _, . and -), or the line has no name before '='"},
      {"=hunter2", "no name before '='"},
      {"VAR='hunter2' trailing", "text after the closing quote (only a comment may follow it)"},
      {"VAR=\"hunter2\"x", "text after the closing quote (only a comment may follow it)"},
      {"VAR=${hunter2", "a '${' is not closed by '}' on its line"},
      {"VAR=${hunter2:-x", "a '${' is not closed by '}' on its line"},
      {"VAR=${1hunter2}", "a '${' is not followed by a variable name"},
      {"VAR=${hunter2#x}", "a '${NAME' is followed by neither '}' nor :-, -, :+, +, :? or ?"},
      {"VAR=pass$hunter2", "the value refers to a variable that no earlier line assigns (the "
                           "server does not read its own environment; to keep a literal $, "
                           "single-quote the value or write \\$ in double quotes)"},
      {std::string("VAR=hun\0ter2", 12), "a NUL byte in the value"},
      {std::string("VAR=\"hun\0ter2\"", 14), "a NUL byte in the value"},
  };
  for (const auto &[line, what] : cases) {
    INFO(line);
    const Dotenv file = parse_dotenv("FIRST=1\n" + line + "\nNEXT=2\n");
    REQUIRE(file.problems.size() == 1);
    CHECK(file.problems[0].line == 2);
    CHECK(file.problems[0].what == what);
    CHECK(file.problems[0].what.find("ter2") == std::string::npos);
    REQUIRE(file.entries.size() == 2);
    CHECK(file.entries[1].key == "NEXT");
    CHECK(file.entries[1].line == 3);
  }
  // Nesting is bounded, so a hostile file cannot exhaust the stack.
  std::string nested = "A=1\nVAR=";
  for (int i = 0; i < 100000; ++i)
    nested += "${B:-";
  CHECK(problem_of(nested + "x" + std::string(100000, '}')) ==
        "line 2: expansions nested more than 16 deep");
  std::string sixteen = "VAR=";
  for (int i = 0; i < 16; ++i)
    sixteen += "${B:-";
  CHECK(value_of(sixteen + "x" + std::string(16, '}')) == "x");
  // An unclosed quote takes the rest of the file, as compose would read it.
  const Dotenv unclosed = parse_dotenv("A=1\nVAR='hunter2\nB=2\n");
  REQUIRE(unclosed.problems.size() == 1);
  CHECK(unclosed.problems[0].line == 2);
  CHECK(unclosed.problems[0].what ==
        "a quote is not closed: the value runs to the end of the file");
  CHECK(unclosed.entries.size() == 1);
}

TEST_CASE("Import plan: create, replace, override or refused, keys and ids only", "[dotenv]") {
  const json secrets = json::parse(R"({"results": [
    {"id": "own-1", "key": "DB_PASSWORD", "scope": "JOB", "variable_type": "VALUE"},
    {"id": "own-2", "key": "DB_HOST_ALIAS", "scope": "JOB", "variable_type": "ALIAS"},
    {"id": "own-3", "key": "OVERRIDDEN", "scope": "JOB", "variable_type": "OVERRIDE"},
    {"id": "proj-1", "key": "OVERRIDDEN", "scope": "PROJECT", "variable_type": "VALUE"},
    {"id": "proj-2", "key": "API_URL", "scope": "PROJECT", "variable_type": "VALUE"},
    {"id": "env-1", "key": "API_URL", "scope": "ENVIRONMENT", "variable_type": "VALUE"},
    {"id": "proj-3", "key": "SENTRY_DSN", "scope": "PROJECT", "variable_type": "VALUE"},
    {"id": "bi-1", "key": "QOVERY_ENV_ID", "scope": "BUILT_IN", "variable_type": "BUILT_IN"},
    {"id": "bi-2", "key": "HOSTNAME", "scope": "BUILT_IN", "variable_type": "BUILT_IN"},
    {"key": "NO_ID", "scope": "JOB"},
    "not a secret"
  ]})");
  const Dotenv file = parse_dotenv("NEW_TOKEN=s1\n"
                                   "DB_PASSWORD=s2\n"
                                   "DB_HOST_ALIAS=s3\n"
                                   "OVERRIDDEN=s4\n"
                                   "API_URL=s5\n"
                                   "SENTRY_DSN=s6\n"
                                   "HOSTNAME=s7\n"
                                   "QOVERY_ENV_ID=s8\n"
                                   "1BAD=s9\n"
                                   "bad-name=s10\n"
                                   "TWICE=s11\n"
                                   "broken line\n"
                                   "TWICE=s12\n"
                                   "NO_ID=s13\n");
  const std::vector<ImportLine> plan = plan_import(file, secrets);
  struct Expected {
    int line;
    std::string key;
    std::string action;
    std::string id;
    std::string reason;
  };
  const std::string bad_key =
      "Qovery refuses this key: letters, digits and underscores only, starting with a letter";
  const std::vector<Expected> expected{
      {1, "NEW_TOKEN", "create", "", ""},
      {2, "DB_PASSWORD", "replace", "own-1", ""},
      {3, "DB_HOST_ALIAS", "refused", "own-2",
       "the job's secret of this key is an ALIAS: its value cannot change"},
      {4, "OVERRIDDEN", "replace", "own-3", ""}, // the job's own override wins
      {5, "API_URL", "override", "env-1", ""},   // the one the job sees
      {6, "SENTRY_DSN", "override", "proj-3", ""},
      {7, "HOSTNAME", "refused", "bi-2",
       "a BUILT_IN secret of Qovery's: it cannot be replaced or overridden"},
      {8, "QOVERY_ENV_ID", "refused", "",
       "Qovery refuses this key: QOVERY_ is reserved for its built-in variables"},
      {9, "1BAD", "refused", "", bad_key},
      {10, "bad-name", "refused", "", bad_key},
      {11, "TWICE", "refused", "",
       "assigned again on line 13, which counts instead (the last one, as in docker compose)"},
      {12, "", "refused", "",
       "the name holds a character a variable name cannot have (letters, digits, _, . and -), "
       "or the line has no name before '='"},
      {13, "TWICE", "create", "", ""},
      {14, "NO_ID", "replace", "", ""},
  };
  REQUIRE(plan.size() == expected.size());
  for (std::size_t i = 0; i < plan.size(); ++i) {
    INFO(expected[i].line << " " << expected[i].key);
    CHECK(plan[i].line == expected[i].line);
    CHECK(plan[i].key == expected[i].key);
    CHECK(action_name(plan[i].action) == expected[i].action);
    CHECK(plan[i].secret_id == expected[i].id);
    CHECK(plan[i].reason == expected[i].reason);
  }
  CHECK(plan_import(parse_dotenv(std::string("K=v\n") + std::string(250, 'A') + "=v"),
                    json::object())[1]
            .action == ImportAction::Create);
  CHECK(plan_import(parse_dotenv(std::string(256, 'A') + "=v"), json::parse("[1]"))[0].reason ==
        "Qovery refuses this key: at most 255 characters");
}
