#pragma once

#include <string>
#include <string_view>

namespace qovery_mcp {

/// `text` with ASCII letters lower-cased (header names, schemes, host names).
std::string to_lower(std::string_view text);
/// `text` with ASCII letters upper-cased (HTTP methods).
std::string to_upper(std::string_view text);

} // namespace qovery_mcp
