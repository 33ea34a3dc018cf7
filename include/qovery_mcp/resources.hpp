#pragma once

#include <optional>
#include <string_view>

namespace qovery_mcp {

/// The contents of a file from `schemas/` embedded at build time, looked up by
/// its file name ("capability.naftiko.yaml", "add-secret-job.input.json"), or
/// nullopt when no such file was embedded.
std::optional<std::string_view> resource(std::string_view name);

} // namespace qovery_mcp
