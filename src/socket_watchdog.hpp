#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

namespace qovery_mcp {

/// One attempt a SocketWatchdog may end: when its time is up, and the
/// connection it is using.
struct WatchedAttempt {
  std::chrono::steady_clock::time_point until;
  /// A duplicate of the attempt's socket, owned by the watchdog while the
  /// attempt is watched; -1 before there is one.
  int socket = -1;
  /// Set by the watchdog when `until` passed while the attempt was watched.
  bool expired = false;
};

/// Ends attempts that run past their time by shutting their socket down, so
/// that a read blocked in httplib returns at once however slowly the peer
/// sends (httplib's read timeout restarts with every byte). One thread,
/// started by the first watch() and joined by the destructor.
///
/// It shuts down its own duplicate of the socket: the descriptor number
/// cannot be reused by an unrelated socket while the attempt is watched, even
/// after httplib closed its copy, and a shutdown acts on the connection both
/// descriptors share. The calling thread keeps using its httplib client alone.
class SocketWatchdog {
public:
  SocketWatchdog() = default;
  ~SocketWatchdog();
  SocketWatchdog(const SocketWatchdog &) = delete;
  SocketWatchdog &operator=(const SocketWatchdog &) = delete;

  /// Watches `attempt` until its `until`, on `socket` (a pooled connection) or
  /// -1 when it has none yet. `attempt` must stay alive until unwatch().
  void watch(WatchedAttempt &attempt, int socket);
  /// The attempt opened a new connection `socket`: that is the one to end,
  /// at once if its time is already up.
  void follow(WatchedAttempt &attempt, int socket);
  /// Stops watching `attempt`; true when its time ran out while watched.
  bool unwatch(WatchedAttempt &attempt);

private:
  void run();

  std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<WatchedAttempt *> watched_;
  bool stopping_ = false;
  /// When the thread wakes up next by itself (max: only when notified).
  std::chrono::steady_clock::time_point wake_at_ = std::chrono::steady_clock::time_point::max();
  std::thread thread_;
};

} // namespace qovery_mcp
