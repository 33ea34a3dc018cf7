#include "controls.hpp"

#include <algorithm>
#include <array>
#include <string_view>
#include <utility>

namespace fake_qovery {
namespace {

using Json = nlohmann::json;

/// The "Token"/"Bearer" word of an Authorization header, "" when absent and
/// "other" otherwise: never any part of the credential itself.
std::string auth_scheme_of(std::string_view authorization) {
  if (authorization.empty())
    return "";
  if (authorization.starts_with("Token "))
    return "Token";
  if (authorization.starts_with("Bearer "))
    return "Bearer";
  return "other";
}

/// FakeQovery's `answer`, delivered at once.
ControlledResponse delivered(qovery_mcp::FakeResponse answer) {
  ControlledResponse response;
  response.status = answer.status;
  response.body = std::move(answer.body);
  return response;
}

/// The answer a fault with a status or a body replaces the real one with.
ControlledResponse injected_response(const FakeFault &fault) {
  ControlledResponse response =
      fault.status != 0
          ? delivered(qovery_mcp::qovery_error_response(fault.status, "fault injected by the test"))
          : ControlledResponse{};
  if (fault.body)
    response.body = *fault.body;
  response.retry_after = fault.retry_after;
  return response;
}

/// Whether `fault` applies to `request`: its path and body key, when set, match.
bool applies_to(const FakeFault &fault, const qovery_mcp::FakeRequest &request) {
  if (fault.path && *fault.path != request.path)
    return false;
  if (!fault.key)
    return true;
  Json body = Json::parse(request.body, nullptr, false);
  auto key = body.is_object() ? body.find("key") : body.end();
  return body.is_object() && key != body.end() && *key == *fault.key;
}

/// `value` when it is an integer from `min` to `max`.
std::optional<int> integer_in(const Json &value, int min, int max) {
  if (!value.is_number_integer())
    return std::nullopt;
  auto number = value.get<long long>();
  if (number < min || number > max)
    return std::nullopt;
  return static_cast<int>(number);
}

} // namespace

qovery_mcp::Result<FakeFault> parse_fake_fault(const Json &json) {
  using Failure = qovery_mcp::Result<FakeFault>;
  if (!json.is_object())
    return Failure::failure("a fault must be a JSON object");
  struct IntegerField {
    std::string_view name;
    int min;
    int max;
  };
  static constexpr std::array<IntegerField, 4> kIntegerFields{{{"status", 100, 599},
                                                               {"retry_after", 0, 86400},
                                                               {"delay_ms", 0, 600000},
                                                               {"count", 1, 1000000}}};
  FakeFault fault;
  for (const auto &[name, value] : json.items()) {
    if (name == "reset") {
      if (!value.is_boolean())
        return Failure::failure("field 'reset' must be a boolean");
      fault.reset = value.get<bool>();
      continue;
    }
    if (name == "body" || name == "path" || name == "key") {
      if (!value.is_string())
        return Failure::failure("field '" + name + "' must be a string");
      (name == "body"   ? fault.body
       : name == "path" ? fault.path
                        : fault.key) = value.get<std::string>();
      continue;
    }
    // An init-capture: clang 14 cannot capture a structured binding.
    auto field = std::find_if(
        kIntegerFields.begin(), kIntegerFields.end(),
        [&key = name](const IntegerField &candidate) { return candidate.name == key; });
    if (field == kIntegerFields.end())
      return Failure::failure(
          "unknown field '" + name +
          "' (fields: status, retry_after, delay_ms, reset, body, count, path, key)");
    std::optional<int> number = integer_in(value, field->min, field->max);
    if (!number)
      return Failure::failure("field '" + name + "' must be an integer from " +
                              std::to_string(field->min) + " to " + std::to_string(field->max));
    if (name == "status")
      fault.status = *number;
    else if (name == "retry_after")
      fault.retry_after = *number;
    else if (name == "delay_ms")
      fault.delay = std::chrono::milliseconds(*number);
    else
      fault.count = *number;
  }
  if (fault.retry_after && fault.status == 0)
    return Failure::failure("'retry_after' needs a status");
  if (fault.status == 0 && !fault.body && !fault.reset && fault.delay.count() == 0)
    return Failure::failure("a fault needs status, body, reset or delay_ms");
  if (fault.reset && (fault.status != 0 || fault.body))
    return Failure::failure("'reset' closes the connection: it takes no status or body");
  return fault;
}

FakeControls::FakeControls(qovery_mcp::FakeQoveryOptions options) : fake_(std::move(options)) {}

ControlledResponse FakeControls::handle(const qovery_mcp::FakeRequest &request) {
  // Held while the FakeQovery answers too, so that the recorded order is the
  // order in which the requests changed its state.
  std::lock_guard lock(mutex_);
  recorded_.push_back({request.method, request.path, auth_scheme_of(request.authorization),
                       fake_.authorizes(request.authorization), request.body});
  FakeFault fault; // none unless one applies
  auto applies = std::find_if(faults_.begin(), faults_.end(), [&request](const FakeFault &waiting) {
    return applies_to(waiting, request);
  });
  if (applies != faults_.end()) {
    fault = *applies;
    if (--applies->count == 0)
      faults_.erase(applies);
  }
  ControlledResponse response;
  if (fault.reset)
    response.reset = true;
  else if (fault.status != 0 || fault.body)
    response = injected_response(fault);
  else
    response = delivered(fake_.handle(request));
  response.delay = fault.delay;
  return response;
}

void FakeControls::inject(const FakeFault &fault) {
  std::lock_guard lock(mutex_);
  faults_.push_back(fault);
}

void FakeControls::clear_faults() {
  std::lock_guard lock(mutex_);
  faults_.clear();
}

std::vector<RecordedRequest> FakeControls::recorded() const {
  std::lock_guard lock(mutex_);
  return recorded_;
}

void FakeControls::clear_recorded() {
  std::lock_guard lock(mutex_);
  recorded_.clear();
}

void FakeControls::reset() {
  std::lock_guard lock(mutex_);
  fake_.reset();
  recorded_.clear();
  faults_.clear();
}

} // namespace fake_qovery
