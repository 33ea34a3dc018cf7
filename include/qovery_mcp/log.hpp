#pragma once

#include <string_view>

namespace qovery_mcp::log {

enum class Level { Debug, Info, Warning, Error };

/// Messages below `level` are dropped. Default: Info.
void set_level(Level level);
/// Parses "debug", "info", "warning" or "error".
bool parse_level(std::string_view text, Level &level);

/// Writes one line to stderr ("qovery-job-secret-mcp: warning: ..."), whole,
/// from any thread. Callers never pass a secret or the API key.
void write(Level level, std::string_view message);
inline void debug(std::string_view message) { write(Level::Debug, message); }
inline void info(std::string_view message) { write(Level::Info, message); }
inline void warning(std::string_view message) { write(Level::Warning, message); }
inline void error(std::string_view message) { write(Level::Error, message); }

/// The program name printed before each line (default "qovery-job-secret-mcp").
void set_program_name(std::string_view name);

} // namespace qovery_mcp::log
