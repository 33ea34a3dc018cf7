#pragma once

#include <csignal>

namespace qovery_mcp {

/// Blocks SIGINT and SIGTERM in the calling thread and in the threads it
/// starts afterwards, so that one thread can sigwait() for them; returns the
/// set. Call it before any thread starts (POSIX: a new thread inherits its
/// creator's signal mask).
sigset_t block_stop_signals();

/// Ignores SIGPIPE unless a handler is already installed: a peer that closed
/// its end then makes a write fail with EPIPE instead of killing the process
/// (cpp-httplib writes without MSG_NOSIGNAL).
void ignore_sigpipe();

} // namespace qovery_mcp
