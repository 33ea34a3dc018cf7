// Fuzz target for the .env reader and the import plan: the input is a .env
// file as a person would paste or upload it on the import page.
//
// Beyond crashes, it checks that every problem is one of the reader's own
// sentences (so none quotes the file, which holds secrets), that lines are
// numbered from 1 in file order, and that the plan has one line per
// assignment and per problem, none of which carries a value.
#include "fuzz_target.hpp"

#include "qovery_mcp/dotenv.hpp"
#include "qovery_mcp/secret_import.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

namespace {

using namespace qovery_mcp;

[[noreturn]] void broken(const char *what) {
  std::fprintf(stderr, "invariant violated: %s\n", what);
  std::abort();
}

/// Whether `what` is a sentence of the reader's, with nothing from the file.
bool is_own_sentence(const std::string &what) {
  static const std::string_view kSentences[]{
      "a quote is not closed: the value runs to the end of the file",
      "a NUL byte in the value",
      "expansions nested more than 16 deep",
      "the name holds a character a variable name cannot have (letters, digits, _, . and -), or "
      "the line has no name before '='",
      "no '=' after the name (a line is NAME=VALUE; a bare name would take the value from the "
      "environment, which the server does not read)",
      "no name before '='",
      "text after the closing quote (only a comment may follow it)",
      "a '${' is not followed by a variable name",
      "a '${' is not closed by '}' on its line",
      "a '${NAME' is followed by neither '}' nor :-, -, :+, +, :? or ?",
      "a ${NAME:?...} requires a variable that no earlier line assigns a non-empty value",
      "a ${NAME?...} requires a variable that no earlier line assigns",
      "the value refers to a variable that no earlier line assigns (the server does not read its "
      "own environment; to keep a literal $, single-quote the value or write \\$ in double "
      "quotes)",
  };
  return std::find(std::begin(kSentences), std::end(kSentences), what) != std::end(kSentences);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char *>(data), size);
  const Dotenv file = parse_dotenv(text);
  const int lines = static_cast<int>(std::count(text.begin(), text.end(), '\n')) + 1;
  int previous = 0;
  for (const DotenvEntry &entry : file.entries) {
    if (entry.line <= previous || entry.line > lines)
      broken("assignments are not numbered in file order within the file");
    if (entry.key.empty())
      broken("an assignment has no name");
    previous = entry.line;
  }
  for (const DotenvProblem &problem : file.problems) {
    if (problem.line < 1 || problem.line > lines)
      broken("a problem's line is outside the file");
    if (!is_own_sentence(problem.what))
      broken("a problem is not one of the reader's sentences");
  }
  const auto plan = plan_import(file, nlohmann::json::object());
  if (plan.size() != file.entries.size() + file.problems.size())
    broken("the plan does not have one line per assignment and per problem");
  for (std::size_t i = 0; i < plan.size(); ++i) {
    if (i > 0 && plan[i].line < plan[i - 1].line)
      broken("the plan is not in file order");
    if (plan[i].action != ImportAction::Create && plan[i].action != ImportAction::Refused)
      broken("a job with no secrets gets something other than create or refused");
  }
  return 0;
}
