#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace qovery_mcp {

/// One assignment read from a .env file.
struct DotenvEntry {
  std::string key;
  std::string value; ///< after quotes, escapes and expansion: what the variable holds
  int line = 0;      ///< 1-based, where the assignment starts
};

/// A line of a .env file that assigns nothing, and why. `what` never quotes
/// the line, not even a name inside its value: a .env file holds secrets,
/// and a malformed line, or the text after a `$` in a password, may be one.
struct DotenvProblem {
  int line = 0;
  std::string what; ///< lower-case, e.g. "no '=' after the name (a line is NAME=VALUE)"
};

/// What parse_dotenv read: every assignment in file order (a key given twice
/// appears twice; the last one is the one that counts), and every line that
/// could not be read.
struct Dotenv {
  std::vector<DotenvEntry> entries;
  std::vector<DotenvProblem> problems;
};

/// Reads a .env file as docker compose documents its syntax
/// (docs.docker.com/compose/how-tos/environment-variables/variable-interpolation/
/// and .../env-file/, "Syntax"), so that a file that works with compose means
/// the same here:
/// - blank lines and lines starting with `#` are skipped; an `export ` prefix
///   is allowed; blanks around the name and after `=` are not part of either;
/// - `NAME=VAL`: unquoted, to the end of the line, without an inline comment
///   (a `#` after a blank) or trailing blanks; backslashes are kept as typed;
/// - `NAME='VAL'`: literal, with `\'` for a quote; it may span lines;
/// - `NAME="VAL"`: `\n`, `\r`, `\t`, `\\`, `\"` and `\$` are escapes; it may
///   span lines; after the closing quote only a comment may follow;
/// - unquoted and double-quoted values expand `$NAME`, `${NAME}`,
///   `${NAME:-default}`, `${NAME-default}`, `${NAME:+other}`,
///   `${NAME+other}`, `${NAME:?message}` and `${NAME?message}` against the
///   names the file assigns on earlier lines only: never the server's own
///   environment, which holds its API key. A name no earlier line assigns is a
///   problem (compose would read the shell's), as is a required one missing,
///   and defaults nested more than 16 deep (a bound on the reader's stack).
/// Names are letters, digits, `_`, `.` and `-` (what compose accepts); whether
/// Qovery accepts one is the import plan's question. CRLF line ends are read
/// as LF. A NUL byte, an unclosed quote, or text after a closing quote make
/// their line a problem; reading goes on at the next line.
Dotenv parse_dotenv(std::string_view text);

} // namespace qovery_mcp
