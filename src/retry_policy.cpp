#include "qovery_mcp/upstream.hpp"

#include <algorithm>

namespace qovery_mcp {

bool RetryPolicy::retryable(std::string_view method, const UpstreamResponse &response) {
  if (method != "GET" && method != "PUT" && method != "DELETE")
    return false;
  switch (response.error) {
  case UpstreamError::None:
    return response.status == 429 || response.status == 502 || response.status == 503 ||
           response.status == 504;
  case UpstreamError::Connection:
  case UpstreamError::Timeout:
    return true;
  case UpstreamError::Unresolved:
  case UpstreamError::Tls:
  case UpstreamError::BadAnswer:
  case UpstreamError::Other:
    return false;
  }
  return false;
}

std::chrono::milliseconds RetryPolicy::backoff_ceiling(int attempt) const {
  std::chrono::milliseconds ceiling = base_delay;
  for (int n = 1; n < attempt && ceiling < max_delay; ++n)
    ceiling *= 2;
  return std::min(ceiling, max_delay);
}

std::chrono::milliseconds RetryPolicy::backoff(int attempt, double jitter) const {
  std::chrono::milliseconds ceiling = backoff_ceiling(attempt);
  std::chrono::milliseconds floor = ceiling / 2;
  return floor + std::chrono::duration_cast<std::chrono::milliseconds>(
                     (ceiling - floor) * std::clamp(jitter, 0.0, 1.0));
}

std::optional<std::chrono::milliseconds>
RetryPolicy::next_delay(std::string_view method, const UpstreamResponse &response,
                        std::optional<std::chrono::milliseconds> retry_after, int attempt,
                        std::chrono::milliseconds time_left, double jitter) const {
  if (attempt >= max_attempts || !retryable(method, response))
    return std::nullopt;
  std::chrono::milliseconds delay =
      std::max(retry_after.value_or(std::chrono::milliseconds(0)), backoff(attempt, jitter));
  if (delay + min_attempt_time > time_left)
    return std::nullopt;
  return delay;
}

std::optional<std::chrono::milliseconds> parse_retry_after(std::string_view header) {
  while (!header.empty() && (header.front() == ' ' || header.front() == '\t'))
    header.remove_prefix(1);
  while (!header.empty() && (header.back() == ' ' || header.back() == '\t'))
    header.remove_suffix(1);
  if (header.empty() || header.size() > 9 ||
      !std::all_of(header.begin(), header.end(), [](char c) { return c >= '0' && c <= '9'; }))
    return std::nullopt;
  long seconds = 0;
  for (char c : header)
    seconds = seconds * 10 + (c - '0');
  return std::chrono::seconds(seconds);
}

} // namespace qovery_mcp
