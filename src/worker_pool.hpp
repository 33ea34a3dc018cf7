#pragma once

#include "qovery_mcp/log.hpp"

#include <httplib.h>
#include <malloc.h>

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <list>
#include <mutex>
#include <string>
#include <system_error>
#include <thread>

namespace qovery_mcp {

/// Threads for HTTP work: the answers of ConnectionLoop (one task per
/// request) and the connections of a cpp-httplib server (fake-qovery's: one
/// task per connection). httplib's own ThreadPool queues tasks without bound
/// behind a fixed set of workers. This pool starts `threads` workers and adds
/// one whenever a task arrives and none is free, up to `max_tasks`; at that
/// cap enqueue() waits for a task to end (for httplib, that pauses accept():
/// newcomers wait in the kernel's listen backlog). A worker beyond the first
/// `threads` ends once it has had no task for kIdleWorkerLifetime: each
/// thread keeps its stack and glibc's per-thread cache of freed blocks (tens
/// of KiB each) for as long as it lives, so after a burst the pool would
/// otherwise hold megabytes it no longer needs. When the system refuses a
/// thread (a task limit), tasks wait for the workers that exist.
class WorkerPool final : public httplib::TaskQueue {
public:
  WorkerPool(std::size_t threads, std::size_t max_tasks)
      : core_workers_(std::min(threads, max_tasks)), max_tasks_(max_tasks) {
    std::lock_guard lock(mutex_);
    for (std::size_t i = 0; i < core_workers_; ++i)
      start_worker();
  }

  void enqueue(std::function<void()> task) override {
    {
      std::unique_lock lock(mutex_);
      slot_free_.wait(lock, [this] { return tasks_ < max_tasks_; });
      if (waiting_.size() + 1 > idle_workers_ && workers_.size() < max_tasks_)
        start_worker();
      if (workers_.empty()) {
        // Not one worker could start: serve it here rather than never.
        lock.unlock();
        task();
        return;
      }
      ++tasks_;
      waiting_.push_back(std::move(task));
    }
    task_waiting_.notify_one();
  }

  void shutdown() override {
    {
      std::lock_guard lock(mutex_);
      shutting_down_ = true;
    }
    task_waiting_.notify_all();
    // Once shutting down no worker retires, and only the thread that enqueues,
    // which is calling this, adds workers: both lists are final.
    for (auto &worker : workers_)
      worker.join();
    for (auto &worker : retired_)
      worker.join();
  }

private:
  using Workers = std::list<std::thread>;

  /// How long a worker beyond the first `threads` waits for a task before it ends.
  static constexpr std::chrono::seconds kIdleWorkerLifetime{5};

  /// Starts a worker; with mutex_ held. When the system refuses a thread (a
  /// task limit: `ulimit -u`, a container's pids limit, systemd's TasksMax),
  /// the task waits for a worker that exists, and the refusal is logged
  /// once per listener instead of aborting the process.
  void start_worker() {
    auto self = workers_.emplace(workers_.end());
    try {
      *self = std::thread([this, self] { work(self); });
    } catch (const std::system_error &error) {
      workers_.erase(self);
      if (!thread_refused_)
        log::warning(std::string("HTTP: cannot start another worker thread (") + error.what() +
                     "); work waits for a busy worker instead");
      thread_refused_ = true;
    }
  }

  /// Runs tasks until shutdown() and none is left waiting, or until
  /// it has idled for kIdleWorkerLifetime while the pool has more than its
  /// core workers.
  void work(Workers::iterator self) {
    for (;;) {
      std::function<void()> task;
      {
        std::unique_lock lock(mutex_);
        ++idle_workers_;
        bool woken = task_waiting_.wait_for(lock, kIdleWorkerLifetime,
                                            [this] { return !waiting_.empty() || shutting_down_; });
        --idle_workers_;
        if (!woken) {
          if (workers_.size() > core_workers_)
            return retire(self, lock);
          continue;
        }
        if (waiting_.empty())
          return;
        task = std::move(waiting_.front());
        waiting_.pop_front();
      }
      task();
      {
        std::lock_guard lock(mutex_);
        --tasks_;
      }
      slot_free_.notify_one();
    }
  }

  /// Leaves the pool: this worker's thread is joined by the next worker that
  /// retires, or by shutdown(); it joins the one that retired before it. The
  /// last surplus worker to go hands the memory the burst used back to the
  /// system: glibc keeps freed blocks in its arenas, resident, until trimmed.
  void retire(Workers::iterator self, std::unique_lock<std::mutex> &lock) {
    Workers finished;
    finished.swap(retired_);
    retired_.splice(retired_.end(), workers_, self);
    bool back_to_core = workers_.size() == core_workers_;
    lock.unlock();
    for (auto &worker : finished)
      worker.join();
    if (back_to_core)
      malloc_trim(0);
  }

  const std::size_t core_workers_;
  const std::size_t max_tasks_;
  std::mutex mutex_;
  std::condition_variable task_waiting_;
  std::condition_variable slot_free_;
  std::deque<std::function<void()>> waiting_;
  Workers workers_;
  Workers retired_; ///< ended or ending, not joined yet
  std::size_t idle_workers_ = 0;
  std::size_t tasks_ = 0; ///< waiting or being served
  bool shutting_down_ = false;
  bool thread_refused_ = false; ///< the system refused a thread once: said in the log
};

} // namespace qovery_mcp
