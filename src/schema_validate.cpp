#include "schema_node.hpp"

#include "qovery_mcp/text.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <utility>

namespace qovery_mcp {

namespace {

using namespace schema_detail;
using Node = Schema::Node;

/// Strings longer than this (in code points) are never quoted in messages.
constexpr std::size_t kMaxQuotedLength = 64;

/// One step of the path from the root to the value being checked. Frames
/// live on the validator's stack; the dotted path is only rendered on error.
struct PathFrame {
  const PathFrame *parent;
  std::string_view name;
  std::size_t index;
  bool is_index;
};

std::string render_path(const PathFrame *frame) {
  std::vector<const PathFrame *> frames;
  for (; frame; frame = frame->parent)
    frames.push_back(frame);
  std::string path;
  for (auto it = frames.rbegin(); it != frames.rend(); ++it) {
    if ((*it)->is_index) {
      path += '[' + std::to_string((*it)->index) + ']';
      continue;
    }
    if (!path.empty())
      path += '.';
    path += (*it)->name;
  }
  return path;
}

std::optional<ValidationError> fail(const PathFrame *path, std::string message) {
  return ValidationError{render_path(path), std::move(message)};
}

std::string plural(std::size_t count, std::string_view noun, std::string_view plural_noun) {
  return std::to_string(count) + ' ' + std::string(count == 1 ? noun : plural_noun);
}

/// ", got \"...\"" for a string that may be shown, or a description of it
/// when it is too long; nothing at all when it is write-only.
std::string got_string(std::string_view text, bool hidden) {
  if (hidden)
    return "";
  const std::size_t length = code_points(text);
  if (length > kMaxQuotedLength)
    return ", got a string of " + std::to_string(length) + " characters";
  return ", got " + dump(json(text));
}

bool is_integer(const json &instance) {
  if (instance.is_number_integer())
    return true;
  if (!instance.is_number_float())
    return false;
  const double value = instance.get<double>();
  return std::isfinite(value) && std::trunc(value) == value;
}

unsigned type_bits(const json &instance) {
  switch (instance.type()) {
  case json::value_t::null:
    return kNull;
  case json::value_t::boolean:
    return kBoolean;
  case json::value_t::string:
    return kString;
  case json::value_t::object:
    return kObject;
  case json::value_t::array:
    return kArray;
  case json::value_t::number_integer:
  case json::value_t::number_unsigned:
  case json::value_t::number_float:
    return is_integer(instance) ? kNumber | kInteger : kNumber;
  default:
    return 0;
  }
}

std::string type_mismatch(const Node &node, const json &instance, bool hidden) {
  if (instance.is_number() && (node.types & kInteger) && !hidden)
    return node.type_message + ", got " + dump(instance);
  return node.type_message + ", got " + std::string(instance.type_name());
}

bool digits(std::string_view text, std::size_t position, std::size_t count, int &value) {
  value = 0;
  for (std::size_t i = position; i < position + count; ++i) {
    if (i >= text.size() || text[i] < '0' || text[i] > '9')
      return false;
    value = value * 10 + (text[i] - '0');
  }
  return true;
}

int days_in_month(int year, int month) {
  static constexpr std::array<int, 12> kDays{31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  return month == 2 && leap ? 29 : kDays[static_cast<std::size_t>(month - 1)];
}

/// Whether `text` starts with an RFC 3339 section 5.6 `full-date`: 2026-11-26.
bool starts_with_full_date(std::string_view text) {
  int year = 0, month = 0, day = 0;
  return digits(text, 0, 4, year) && text.size() >= 10 && text[4] == '-' &&
         digits(text, 5, 2, month) && text[7] == '-' && digits(text, 8, 2, day) && month >= 1 &&
         month <= 12 && day >= 1 && day <= days_in_month(year, month);
}

/// RFC 3339 section 5.6 `date-time`: 2026-11-26T22:40:00Z, with optional
/// fractional seconds and a Z or +hh:mm/-hh:mm offset.
bool is_date_time(std::string_view text) {
  int hour = 0, minute = 0, second = 0;
  if (!starts_with_full_date(text) || text.size() < 20 || (text[10] != 'T' && text[10] != 't') ||
      !digits(text, 11, 2, hour) || text[13] != ':' || !digits(text, 14, 2, minute) ||
      text[16] != ':' || !digits(text, 17, 2, second))
    return false;
  if (hour > 23 || minute > 59 || second > 60)
    return false;
  std::size_t position = 19;
  if (text[position] == '.') {
    const std::size_t first_digit = ++position;
    while (position < text.size() && text[position] >= '0' && text[position] <= '9')
      ++position;
    if (position == first_digit)
      return false;
  }
  const std::string_view offset = text.substr(position);
  if (offset == "Z" || offset == "z")
    return true;
  int offset_hour = 0, offset_minute = 0;
  return offset.size() == 6 && (offset[0] == '+' || offset[0] == '-') &&
         digits(offset, 1, 2, offset_hour) && offset[3] == ':' &&
         digits(offset, 4, 2, offset_minute) && offset_hour <= 23 && offset_minute <= 59;
}

std::optional<ValidationError> check(const Node &node, const json &instance, const PathFrame *path,
                                     bool hidden);

std::optional<ValidationError> check_string(const Node &node, const std::string &text,
                                            const PathFrame *path, bool hidden) {
  if (node.min_length || node.max_length) {
    const std::size_t length = code_points(text);
    const std::string got = hidden ? "" : ", got " + std::to_string(length);
    if (node.min_length && length < *node.min_length)
      return fail(path,
                  "must be at least " + plural(*node.min_length, "character", "characters") + got);
    if (node.max_length && length > *node.max_length)
      return fail(path,
                  "must be at most " + plural(*node.max_length, "character", "characters") + got);
  }
  if (node.format == Format::kUuid && !is_uuid(text))
    return fail(path, "must be a UUID" + got_string(text, hidden));
  if (node.format == Format::kDateTime && !is_date_time(text))
    return fail(path, "must be an RFC 3339 date-time" + got_string(text, hidden));
  if (node.format == Format::kDate && (text.size() != 10 || !starts_with_full_date(text)))
    return fail(path, "must be an RFC 3339 full-date (YYYY-MM-DD)" + got_string(text, hidden));
  if (node.pattern && !std::regex_search(text, *node.pattern))
    return fail(path, node.pattern_rule + got_string(text, hidden));
  if (!node.forbidden_prefix.empty() && text.starts_with(node.forbidden_prefix))
    return fail(path, node.forbidden_prefix_message + got_string(text, hidden));
  return std::nullopt;
}

std::optional<ValidationError> check_object(const Node &node, const json &instance,
                                            const PathFrame *path, bool hidden) {
  for (const auto &name : node.required) {
    if (instance.find(name) == instance.end()) {
      const PathFrame missing{path, name, 0, false};
      return fail(&missing, "is required");
    }
  }
  for (auto it = instance.begin(); it != instance.end(); ++it) {
    const PathFrame child{path, it.key(), 0, false};
    const auto property = node.properties.find(it.key());
    if (property == node.properties.end()) {
      if (!node.additional_properties)
        return fail(&child, node.not_allowed_message);
      continue;
    }
    if (auto error = check(*property->second, it.value(), &child, hidden))
      return error;
  }
  if (node.min_properties && instance.size() < *node.min_properties)
    return fail(path, "must have at least " +
                          plural(*node.min_properties, "property", "properties") + ", got " +
                          std::to_string(instance.size()));
  return std::nullopt;
}

/// -1, 0 or 1 as `x` is less than, equal to or greater than `y`.
template <typename T> int three_way(T x, T y) { return x < y ? -1 : x > y ? 1 : 0; }

/// How `a` compares with `b` (three_way): exactly when both are integers
/// (64-bit, signed or not), else as doubles.
int compare_numbers(const json &a, const json &b) {
  if (a.is_number_float() || b.is_number_float())
    return three_way(a.get<double>(), b.get<double>());
  if (a.is_number_unsigned() && b.is_number_unsigned())
    return three_way(a.get<std::uint64_t>(), b.get<std::uint64_t>());
  // At least one is signed: a negative one is below every unsigned one, and a
  // non-negative one compares as unsigned.
  if (a.is_number_unsigned() || b.is_number_unsigned()) {
    const json &signed_one = a.is_number_unsigned() ? b : a;
    if (signed_one.get<std::int64_t>() < 0)
      return a.is_number_unsigned() ? 1 : -1;
    return three_way(a.get<std::uint64_t>(), b.get<std::uint64_t>());
  }
  return three_way(a.get<std::int64_t>(), b.get<std::int64_t>());
}

std::optional<ValidationError> check_number(const Node &node, const json &instance,
                                            const PathFrame *path, bool hidden) {
  const std::string got = hidden ? "" : ", got " + dump(instance);
  if (node.minimum && compare_numbers(instance, *node.minimum) < 0)
    return fail(path, "must be at least " + dump(*node.minimum) + got);
  if (node.maximum && compare_numbers(instance, *node.maximum) > 0)
    return fail(path, "must be at most " + dump(*node.maximum) + got);
  if (node.exclusive_minimum && compare_numbers(instance, *node.exclusive_minimum) <= 0)
    return fail(path, "must be greater than " + dump(*node.exclusive_minimum) + got);
  if (node.exclusive_maximum && compare_numbers(instance, *node.exclusive_maximum) >= 0)
    return fail(path, "must be less than " + dump(*node.exclusive_maximum) + got);
  return std::nullopt;
}

std::optional<ValidationError> check_array(const Node &node, const json &instance,
                                           const PathFrame *path, bool hidden) {
  if (node.min_items && instance.size() < *node.min_items)
    return fail(path, "must have at least " + plural(*node.min_items, "item", "items") + ", got " +
                          std::to_string(instance.size()));
  if (node.max_items && instance.size() > *node.max_items)
    return fail(path, "must have at most " + plural(*node.max_items, "item", "items") + ", got " +
                          std::to_string(instance.size()));
  if (!node.items)
    return std::nullopt;
  for (std::size_t i = 0; i < instance.size(); ++i) {
    const PathFrame element{path, {}, i, true};
    if (auto error = check(*node.items, instance[i], &element, hidden))
      return error;
  }
  return std::nullopt;
}

/// anyOf (`exactly_one` false) or oneOf: nullopt when at least one, or
/// exactly one, of `branches` holds. Otherwise the error names how many
/// alternatives there are and, when none holds, why the first one fails.
std::optional<ValidationError> check_alternatives(const std::vector<const Node *> &branches,
                                                  bool exactly_one, const json &instance,
                                                  const PathFrame *path, bool hidden) {
  const std::string alternatives =
      "must match " + std::string(exactly_one ? "exactly" : "at least") + " one of its " +
      std::to_string(branches.size()) + " alternatives";
  std::optional<ValidationError> first_error;
  std::vector<std::size_t> matches;
  for (std::size_t i = 0; i < branches.size(); ++i) {
    auto error = check(*branches[i], instance, path, hidden);
    if (!error) {
      matches.push_back(i + 1);
      if (!exactly_one || matches.size() == 2)
        break;
    } else if (!first_error) {
      first_error = std::move(error);
    }
  }
  if (matches.empty()) {
    const std::string here = render_path(path);
    const std::string where =
        first_error->path == here
            ? ""
            : first_error->path.substr(here.empty() ? 0 : here.size() + 1) + " ";
    return fail(path, alternatives + " (the first: " + where + first_error->message + ")");
  }
  if (matches.size() > 1)
    return fail(path, alternatives + ", but matches alternatives " + std::to_string(matches[0]) +
                          " and " + std::to_string(matches[1]));
  return std::nullopt;
}

std::optional<ValidationError> check(const Node &node, const json &instance, const PathFrame *path,
                                     bool hidden) {
  if (node.rejects_everything)
    return fail(path, "is not allowed");
  hidden = hidden || node.write_only;
  if (node.ref) {
    if (auto error = check(*node.ref, instance, path, hidden))
      return error;
  }
  for (const Node *branch : node.all_of)
    if (auto error = check(*branch, instance, path, hidden))
      return error;
  if (!node.any_of.empty())
    if (auto error = check_alternatives(node.any_of, false, instance, path, hidden))
      return error;
  if (!node.one_of.empty())
    if (auto error = check_alternatives(node.one_of, true, instance, path, hidden))
      return error;
  if (node.types && !(node.types & type_bits(instance)))
    return fail(path, type_mismatch(node, instance, hidden));
  if (!node.enum_values.empty() && std::find(node.enum_values.begin(), node.enum_values.end(),
                                             instance) == node.enum_values.end())
    return fail(path, node.enum_message);
  if (node.has_const && node.const_value != instance)
    return fail(path, node.const_message);
  if (instance.is_string())
    return check_string(node, instance.get_ref<const std::string &>(), path, hidden);
  if (instance.is_object())
    return check_object(node, instance, path, hidden);
  if (instance.is_array())
    return check_array(node, instance, path, hidden);
  if (instance.is_number())
    return check_number(node, instance, path, hidden);
  return std::nullopt;
}

/// What project() uses where the schema declares nothing: an object there
/// loses every member.
const Node kNothingDeclared{};

/// Whether no instance conforms to `node`: it is, or a subschema that
/// applies in place is, the schema `false`.
bool accepts_nothing(const Node &node) {
  return node.in_place() ? node.chain_rejects_everything : node.rejects_everything;
}

void project_onto(const Node &node, json &instance) {
  if (instance.is_object()) {
    const auto &declared = node.in_place() ? node.chain_properties : node.properties;
    auto &members = instance.get_ref<json::object_t &>();
    for (auto member = members.begin(); member != members.end();) {
      const auto property = declared.find(member->first);
      if (property == declared.end() || accepts_nothing(*property->second)) {
        member = members.erase(member);
        continue;
      }
      project_onto(*property->second, member->second);
      ++member;
    }
    return;
  }
  if (!instance.is_array())
    return;
  const Node *items = node.in_place() ? node.chain_items : node.items;
  if (items != nullptr && accepts_nothing(*items)) {
    instance.get_ref<json::array_t &>().clear();
    return;
  }
  for (json &element : instance)
    project_onto(items != nullptr ? *items : kNothingDeclared, element);
}

} // namespace

std::optional<ValidationError> Schema::validate(const nlohmann::json &instance) const {
  return check(*root_, instance, nullptr, false);
}

nlohmann::json Schema::project(nlohmann::json instance) const {
  project_onto(*root_, instance);
  return instance;
}

} // namespace qovery_mcp
