#include "socket_watchdog.hpp"

#include <algorithm>
#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

namespace qovery_mcp {
namespace {

/// A close-on-exec duplicate of `socket`, or -1.
int duplicate(int socket) { return socket < 0 ? -1 : ::fcntl(socket, F_DUPFD_CLOEXEC, 0); }

void close_duplicate(WatchedAttempt &attempt) {
  if (attempt.socket >= 0)
    ::close(attempt.socket);
  attempt.socket = -1;
}

/// Ends the attempt's connection: reads and writes on it fail from now on.
void expire(WatchedAttempt &attempt) {
  attempt.expired = true;
  if (attempt.socket >= 0)
    ::shutdown(attempt.socket, SHUT_RDWR);
}

} // namespace

SocketWatchdog::~SocketWatchdog() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  changed_.notify_one();
  if (thread_.joinable())
    thread_.join();
}

void SocketWatchdog::watch(WatchedAttempt &attempt, int socket) {
  {
    std::lock_guard lock(mutex_);
    attempt.socket = duplicate(socket);
    attempt.expired = false;
    watched_.push_back(&attempt);
    if (!thread_.joinable())
      thread_ = std::thread([this] { run(); });
    // The thread already wakes up in time for this one: no wake-up (and no
    // context switch) per call, as every call gets about the same deadline.
    if (attempt.until >= wake_at_)
      return;
  }
  changed_.notify_one();
}

void SocketWatchdog::follow(WatchedAttempt &attempt, int socket) {
  std::lock_guard lock(mutex_);
  close_duplicate(attempt);
  attempt.socket = duplicate(socket);
  if (attempt.expired)
    expire(attempt);
}

bool SocketWatchdog::unwatch(WatchedAttempt &attempt) {
  std::lock_guard lock(mutex_);
  watched_.erase(std::find(watched_.begin(), watched_.end(), &attempt));
  close_duplicate(attempt);
  return attempt.expired;
}

void SocketWatchdog::run() {
  using Clock = std::chrono::steady_clock;
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    auto now = Clock::now();
    auto next = Clock::time_point::max();
    for (WatchedAttempt *attempt : watched_) {
      if (attempt->expired)
        continue;
      if (attempt->until <= now)
        expire(*attempt);
      else
        next = std::min(next, attempt->until);
    }
    wake_at_ = next;
    if (next == Clock::time_point::max())
      changed_.wait(lock);
    else
      changed_.wait_until(lock, next);
  }
}

} // namespace qovery_mcp
