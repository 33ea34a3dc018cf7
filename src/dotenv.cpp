#include "qovery_mcp/dotenv.hpp"

#include <map>
#include <optional>

namespace qovery_mcp {
namespace {

bool is_blank(char c) { return c == ' ' || c == '\t'; }
bool is_name_start(char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_'; }
bool is_name_char(char c) { return is_name_start(c) || (c >= '0' && c <= '9'); }
/// What compose accepts in the name of an assignment (more than in `$NAME`).
bool is_key_char(char c) { return is_name_char(c) || c == '.' || c == '-'; }

/// The deepest nesting of `${NAME:-${OTHER:-...}}` read.
constexpr int kMaxNesting = 16;

/// Thrown while reading one assignment; the Reader records it as a problem.
struct LineProblem {
  std::string what;
};

/// Reads the file front to back, one assignment (one or more lines) at a time.
class Reader {
public:
  explicit Reader(std::string_view text) : text_(text) {}

  Dotenv read() {
    while (at_ < text_.size()) {
      const int line = line_;
      const std::size_t start = at_;
      try {
        read_assignment();
      } catch (const LineProblem &problem) {
        out_.problems.push_back({line, problem.what});
        if (at_ > 0 && text_[at_ - 1] != '\n') // go on at the next line
          skip_line();
      }
      if (at_ == start) // nothing consumed: never loop on the same byte
        skip_line();
    }
    return std::move(out_);
  }

private:
  bool at_end() const { return at_ >= text_.size(); }
  char peek() const { return at_end() ? '\n' : text_[at_]; }
  bool at_line_end() const { return at_end() || peek() == '\n' || rest().starts_with("\r\n"); }
  std::string_view rest() const { return text_.substr(at_); }

  void skip_blanks() {
    while (!at_end() && is_blank(peek()))
      ++at_;
  }

  /// Moves past the end of the current line.
  void skip_line() {
    while (!at_end() && text_[at_] != '\n')
      ++at_;
    if (!at_end()) {
      ++at_;
      ++line_;
    }
  }

  /// The next character of a quoted value, CRLF read as LF.
  char take() {
    if (at_end())
      throw LineProblem{"a quote is not closed: the value runs to the end of the file"};
    if (rest().starts_with("\r\n"))
      ++at_;
    const char c = text_[at_++];
    if (c == '\n')
      ++line_;
    if (c == '\0')
      throw LineProblem{"a NUL byte in the value"};
    return c;
  }

  void read_assignment() {
    const int line = line_;
    skip_blanks();
    if (at_line_end() || peek() == '#') {
      skip_line();
      return;
    }
    if (rest().starts_with("export") && rest().size() > 6 && is_blank(rest()[6])) {
      at_ += 6;
      skip_blanks();
    }
    const std::size_t name_start = at_;
    while (!at_end() && is_key_char(peek()))
      ++at_;
    std::string key(text_.substr(name_start, at_ - name_start));
    skip_blanks();
    if (peek() != '=') {
      if (key.empty() || !(at_line_end() || peek() == '#'))
        throw LineProblem{"the name holds a character a variable name cannot have (letters, "
                          "digits, _, . and -), or the line has no name before '='"};
      throw LineProblem{"no '=' after the name (a line is NAME=VALUE; a bare name would take "
                        "the value from the environment, which the server does not read)"};
    }
    if (key.empty())
      throw LineProblem{"no name before '='"};
    ++at_;
    const bool blank_after_equals = is_blank(peek());
    skip_blanks();
    std::string value;
    if (blank_after_equals && peek() == '#') {
      // `NAME= # comment`: an empty value, then a comment.
    } else if (peek() == '\'' || peek() == '"') {
      value = peek() == '\'' ? single_quoted() : double_quoted();
      skip_blanks();
      if (!at_line_end() && peek() != '#')
        throw LineProblem{"text after the closing quote (only a comment may follow it)"};
    } else {
      value = unquoted();
    }
    skip_line();
    (*defined_)[key] = value;
    out_.entries.push_back({std::move(key), std::move(value), line});
  }

  std::string single_quoted() {
    ++at_;
    std::string value;
    for (char c = take(); c != '\''; c = take()) {
      if (c == '\\' && peek() == '\'')
        c = take();
      value += c;
    }
    return value;
  }

  std::string double_quoted() {
    ++at_;
    std::string value;
    for (char c = take(); c != '"'; c = take()) {
      if (c == '$') {
        --at_;
        expand(value);
        continue;
      }
      if (c == '\\' && !at_end()) {
        const char next = peek();
        const std::string_view escapes = "nrt\\\"$";
        if (const auto found = escapes.find(next); found != std::string_view::npos) {
          take();
          value += "\n\r\t\\\"$"[found];
          continue;
        }
      }
      value += c;
    }
    return value;
  }

  std::string unquoted() {
    std::size_t end = at_;
    while (end < text_.size() && text_[end] != '\n' &&
           !(text_[end] == '#' && end > at_ && is_blank(text_[end - 1])))
      ++end;
    std::string_view raw = text_.substr(at_, end - at_);
    while (!raw.empty() && (is_blank(raw.back()) || raw.back() == '\r'))
      raw.remove_suffix(1);
    if (raw.find('\0') != std::string_view::npos)
      throw LineProblem{"a NUL byte in the value"};
    return expand_all(raw);
  }

  /// `raw` with every `$` expression expanded.
  std::string expand_all(std::string_view raw) {
    if (depth_ > kMaxNesting)
      throw LineProblem{"expansions nested more than 16 deep"};
    Reader word(raw);
    word.defined_ = defined_;
    word.line_ = line_;
    word.depth_ = depth_ + 1;
    std::string value;
    while (!word.at_end()) {
      if (word.peek() == '$')
        word.expand(value);
      else
        value += word.text_[word.at_++];
    }
    return value;
  }

  /// Reads the `$` expression at the cursor and appends its expansion to
  /// `value`; a `$` that starts none is itself.
  void expand(std::string &value) {
    ++at_;
    if (peek() != '{') {
      const std::size_t start = at_;
      while (!at_end() && (at_ == start ? is_name_start(peek()) : is_name_char(peek())))
        ++at_;
      if (at_ == start) {
        value += '$';
        return;
      }
      value += defined(text_.substr(start, at_ - start));
      return;
    }
    ++at_;
    const std::size_t start = at_;
    while (!at_end() && is_name_char(peek()))
      ++at_;
    const std::string name(text_.substr(start, at_ - start));
    if (name.empty() || !is_name_start(name.front()))
      throw LineProblem{"a '${' is not followed by a variable name"};
    if (peek() == '}') {
      ++at_;
      value += defined(name);
      return;
    }
    std::string operation;
    if (peek() == ':')
      operation += text_[at_++];
    if (peek() == '-' || peek() == '+' || peek() == '?')
      operation += text_[at_++];
    else if (at_end() || peek() == '\n')
      throw LineProblem{"a '${' is not closed by '}' on its line"};
    else
      throw LineProblem{"a '${NAME' is followed by neither '}' nor :-, -, :+, +, :? or ?"};
    // The word runs to the matching '}', nested ones included.
    const std::size_t word_start = at_;
    for (int depth = 1; depth > 0; ++at_) {
      if (at_end() || peek() == '\n')
        throw LineProblem{"a '${' is not closed by '}' on its line"};
      depth += peek() == '{' ? 1 : peek() == '}' ? -1 : 0;
    }
    const std::string_view word = text_.substr(word_start, at_ - 1 - word_start);
    const auto found = defined_->find(name);
    const bool set = found != defined_->end();
    const bool set_non_empty = set && !found->second.empty();
    const bool chosen = operation.front() == ':' ? set_non_empty : set;
    switch (operation.back()) {
    case '-':
      value += chosen ? found->second : expand_all(word);
      break;
    case '+':
      value += chosen ? expand_all(word) : std::string();
      break;
    case '?':
      if (!chosen)
        throw LineProblem{"a ${NAME" + operation +
                          "...} requires a variable that no earlier "
                          "line assigns" +
                          (operation.front() == ':' ? " a non-empty value" : "")};
      value += found->second;
      break;
    }
  }

  /// The value an earlier line assigned to `name`.
  const std::string &defined(std::string_view name) const {
    const auto found = defined_->find(name);
    if (found == defined_->end())
      throw LineProblem{"the value refers to a variable that no earlier line assigns (the "
                        "server does not read its own environment; to keep a literal $, "
                        "single-quote the value or write \\$ in double quotes)"};
    return found->second;
  }

  std::string_view text_;
  std::size_t at_ = 0;
  int line_ = 1;
  /// How many defaults (`${NAME:-...}`) this word is inside; bounded so that
  /// a hostile file cannot exhaust the stack.
  int depth_ = 0;
  /// Every name assigned so far, with its value; a Reader of one word (a
  /// default, an unquoted value) shares its file's.
  std::map<std::string, std::string, std::less<>> own_;
  std::map<std::string, std::string, std::less<>> *defined_ = &own_;
  Dotenv out_;
};

} // namespace

Dotenv parse_dotenv(std::string_view text) { return Reader(text).read(); }

} // namespace qovery_mcp
