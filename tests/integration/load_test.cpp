// Load: 200 MCP sessions live at once, each on its own keep-alive connection,
// making 20,000 tools/call against fake-qovery over HTTPS. Every answer is
// checked (status, JSON-RPC id, one answer per request, no tool error), and
// the server's resident memory is read from /proc before, at the peak, after
// the sessions are DELETEd and after a second batch expired by
// --session-timeout: it must come back near where it started.
//
// No bound here is on speed: the figures are printed, not judged.

#include "stack.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <atomic>
#include <barrier>
#include <chrono>
#include <fstream>
#include <functional>
#include <iomanip>
#include <iostream>
#include <memory>
#include <mutex>
#include <optional>
#include <sstream>
#include <thread>

using nlohmann::json;
using namespace test;
using namespace std::chrono_literals;

namespace {

using Clock = std::chrono::steady_clock;

// Calls per session: in the measured phase, and in the warm-up before it.
// Under a sanitizer (kSanitized) the same 200 concurrent sessions make fewer
// calls each (2,000 in all), and resident memory is printed but not bounded.
constexpr int kCallsPerSession = kSanitized ? 10 : 100;
constexpr int kWarmUpCallsPerSession = kSanitized ? 5 : 10;
/// --session-timeout. The first session a thread opens then waits, idle,
/// until all 200 are open; that must fit in it: about 1 s here, 10 s under
/// TSan with the rest of the suite running beside it.
constexpr int kSessionTimeoutSeconds = kSanitized ? 30 : 5;

constexpr int kSessions = 200;
/// Client threads; each drives kSessions / kClientThreads sessions in turn,
/// each session on its own keep-alive connection.
constexpr int kClientThreads = 20;
constexpr int kSessionsPerThread = kSessions / kClientThreads;
static_assert(kSessions % kClientThreads == 0);
/// Calls each session makes in the batch left to expire.
constexpr int kExpiringCallsPerSession = 5;
/// JSON-RPC ids each session may use (its requests, with initialize): ids
/// stay unique across the sessions numbered up to 2,200 and fit in an int.
constexpr int kIdsPerSession = 10'000;
static_assert(kCallsPerSession < kIdsPerSession / 2);
/// The calls of one session repeat this cycle: add, delete it, alias,
/// delete it, edit, then lists. Each session deletes what it creates, so the
/// job's list stays short and the fake's state does not grow.
constexpr int kCycle = 25;

/// The server's resident set size in KiB.
long rss_kib(int pid) { return proc_status(pid, "VmRSS"); }

/// VmRSS once it is at most `bound`, or after 10 s: the server trims what it
/// freed once idle for 2 s.
long settled_rss_kib(int pid, long bound) {
  auto until = Clock::now() + std::chrono::seconds(10);
  long rss = rss_kib(pid);
  while (rss > bound && Clock::now() < until) {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    rss = rss_kib(pid);
  }
  return rss;
}

/// Waits until the server runs no more than `threads` threads: the workers
/// started for a burst of connections end 5 s after their last one. False
/// if they are still there after a minute.
bool wait_for_threads(int pid, long threads) {
  auto until = Clock::now() + 60s;
  while (proc_status(pid, "Threads") > threads) {
    if (Clock::now() > until)
      return false;
    std::this_thread::sleep_for(100ms);
  }
  return true;
}

std::string mib(long kib) {
  std::ostringstream text;
  text << std::fixed << std::setprecision(1) << static_cast<double>(kib) / 1024 << " MiB";
  return text.str();
}

/// What the clients saw: every request sent, every answer that was right, and
/// the first few things that went wrong.
struct Tally {
  std::atomic<long> calls_sent{0};
  std::atomic<long> calls_answered{0};
  std::atomic<long> errors{0};
  std::atomic<long> adds{0};
  std::atomic<long> aliases{0};
  std::atomic<long> deletes{0};
  std::atomic<long> edits{0};
  std::atomic<long> lists{0};
  std::atomic<long> reconnects{0};
  std::mutex mutex;
  std::vector<std::string> first_errors;

  void error(std::string what) {
    ++errors;
    std::lock_guard lock(mutex);
    if (first_errors.size() < 10)
      first_errors.push_back(std::move(what));
  }
};

/// One MCP session on its own keep-alive connection. JSON-RPC ids are unique
/// across all sessions (session number * kIdsPerSession + n), so an answer meant
/// for another session would be caught as a wrong id.
class LoadSession {
public:
  LoadSession(int port, int number) : client_(port), number_(number) {
    client_.http.set_keep_alive(true);
    client_.http.set_tcp_nodelay(true);
    client_.http.set_read_timeout(120, 0);
    client_.http.set_write_timeout(120, 0);
    client_.http.set_connection_timeout(30, 0);
    client_.next_id = number * kIdsPerSession + 1;
  }

  /// initialize + notifications/initialized; false (and an error counted) if it failed.
  bool open(Tally &tally) {
    try {
      before_request(tally);
      json reply = client_.initialize();
      if (client_.session_id.empty() || !reply.contains("result")) {
        tally.error("initialize of session " + std::to_string(number_) + ": " + reply.dump());
        return false;
      }
      return true;
    } catch (const std::exception &e) {
      tally.error("initialize of session " + std::to_string(number_) + ": " + e.what());
      return false;
    }
  }

  /// One tools/call, checked: HTTP 200, a JSON-RPC response with this
  /// request's id and a result that is not a tool error. Returns its
  /// structuredContent, or nullopt (with the error counted).
  std::optional<json> call(Tally &tally, const std::string &tool, const json &arguments) {
    long id = client_.next_id++;
    ++tally.calls_sent;
    std::string where =
        tool + " (session " + std::to_string(number_) + ", id " + std::to_string(id) + "): ";
    try {
      before_request(tally);
      HttpReply reply = client_.post(json{{"jsonrpc", "2.0"},
                                          {"id", id},
                                          {"method", "tools/call"},
                                          {"params", {{"name", tool}, {"arguments", arguments}}}},
                                     {{"MCP-Protocol-Version", "2025-11-25"}});
      if (reply.status != 200) {
        tally.error(where + "HTTP " + std::to_string(reply.status) + " " + reply.body);
        return std::nullopt;
      }
      json response = json::parse(reply.body);
      if (response.value("jsonrpc", "") != "2.0" || !response.contains("id") ||
          response["id"] != id) {
        tally.error(where + "answer with another id: " + reply.body.substr(0, 200));
        return std::nullopt;
      }
      const json &result = response.contains("result") ? response["result"] : json();
      if (!result.is_object() || result.value("isError", false) ||
          !result.contains("structuredContent")) {
        tally.error(where + reply.body.substr(0, 300));
        return std::nullopt;
      }
      ++tally.calls_answered;
      return result["structuredContent"];
    } catch (const std::exception &e) {
      tally.error(where + e.what());
      return std::nullopt;
    }
  }

  /// The `n`-th call of the cycle: kCycle calls, 5 of them changing something.
  void call_number(Tally &tally, int n) {
    std::string suffix = std::to_string(number_) + "_" + std::to_string(n);
    switch (n % kCycle) {
    case 0: {
      auto added = call(tally, "add-secret-job",
                        {{"jobId", kJobId},
                         {"body", {{"key", "LOAD_" + suffix}, {"value", "load-v4lue-" + suffix}}}});
      ++tally.adds;
      created_ = added && (*added)["key"] == "LOAD_" + suffix ? added->value("id", "") : "";
      if (added && created_.empty())
        tally.error("add-secret-job answered " + added->dump());
      return;
    }
    case 2: {
      auto alias = call(tally, "create-secret-alias-job-level",
                        {{"jobId", kJobId},
                         {"secretId", kProjectSecretId},
                         {"body", {{"key", "LOAD_ALIAS_" + suffix}}}});
      ++tally.aliases;
      created_ = alias && (*alias)["variable_type"] == "ALIAS" ? alias->value("id", "") : "";
      if (alias && created_.empty())
        tally.error("create-secret-alias-job-level answered " + alias->dump());
      return;
    }
    case 1:
    case 3: {
      if (created_.empty())
        return; // the create failed, and was counted
      auto deleted = call(tally, "delete-secret-job", {{"jobId", kJobId}, {"secretId", created_}});
      ++tally.deletes;
      if (deleted && (*deleted)["deleted"] != true)
        tally.error("delete-secret-job answered " + deleted->dump());
      created_.clear();
      return;
    }
    case 4: {
      auto edited = call(tally, "edit-secret-belonging-job",
                         {{"jobId", kJobId},
                          {"secretId", kJobSecretId},
                          {"body", {{"key", "JOB_SIGNING_KEY"}, {"value", "load-" + suffix}}}});
      ++tally.edits;
      if (edited && (*edited)["id"] != kJobSecretId)
        tally.error("edit-secret-belonging-job answered " + edited->dump());
      return;
    }
    default: {
      auto list = call(tally, "list-job-secrets", {{"jobId", kJobId}});
      ++tally.lists;
      if (list && (!(*list)["results"].is_array() || (*list)["results"].size() < 4))
        tally.error("list-job-secrets answered " + list->dump().substr(0, 300));
      return;
    }
    }
  }

  /// DELETE /mcp: 200 while the session lives.
  int end(Tally &tally) {
    try {
      before_request(tally);
      return client_.end_session().status;
    } catch (const std::exception &e) {
      tally.error("DELETE of session " + std::to_string(number_) + ": " + e.what());
      return 0;
    }
  }

  const std::string &id() const { return client_.session_id; }

private:
  /// The server closes a connection idle for 5 s (its Keep-Alive: timeout=5).
  /// A request sent on it just as it closes is lost, so, as HTTP clients that
  /// honour that header do, one idle for 4 s is closed here and the request
  /// goes on a new connection. Only waits between phases (all 200 sessions
  /// opening, or all threads finishing) are that long, under a sanitizer.
  void before_request(Tally &tally) {
    auto now = Clock::now();
    if (last_request_ != Clock::time_point() && now - last_request_ > 4s) {
      client_.http.stop();
      ++tally.reconnects;
    }
    last_request_ = now;
  }

  Clock::time_point last_request_;
  McpClient client_;
  int number_;
  std::string created_; ///< the secret this session created and will delete next
};

/// Runs `work(thread_index)` on kClientThreads threads and joins them; what a
/// thread throws is counted as an error instead of ending the test binary.
void run_clients(Tally &tally, const std::function<void(int)> &work) {
  std::vector<std::thread> threads;
  for (int t = 0; t < kClientThreads; ++t)
    threads.emplace_back([&, t] {
      try {
        work(t);
      } catch (const std::exception &e) {
        tally.error(std::string("client thread: ") + e.what());
      }
    });
  for (auto &thread : threads)
    thread.join();
}

/// Opens kSessions sessions, makes `calls` calls in each (the threads taking
/// their sessions in turn), then calls `while_live` once every thread is done
/// and before any session ends. The sessions are returned still live.
std::vector<std::unique_ptr<LoadSession>> load(int port, int first_number, int calls, Tally &tally,
                                               const std::function<void()> &all_open,
                                               const std::function<void()> &while_live) {
  std::vector<std::unique_ptr<LoadSession>> sessions(kSessions);
  std::vector<char> open(kSessions, 0);
  // Client threads and this one: all sessions open; all calls made; figures read.
  std::barrier sync(kClientThreads + 1);
  std::thread main_side([&] {
    sync.arrive_and_wait();
    all_open();
    sync.arrive_and_wait();
    while_live();
    sync.arrive_and_wait();
  });
  run_clients(tally, [&](int t) {
    int begin = t * kSessionsPerThread, end = begin + kSessionsPerThread;
    for (int s = begin; s < end; ++s) {
      sessions[s] = std::make_unique<LoadSession>(port, first_number + s);
      open[s] = sessions[s]->open(tally);
    }
    sync.arrive_and_wait();
    for (int n = 0; n < calls; ++n)
      for (int s = begin; s < end; ++s)
        if (open[s])
          sessions[s]->call_number(tally, n);
    sync.arrive_and_wait();
    sync.arrive_and_wait();
  });
  main_side.join();
  return sessions;
}

std::string describe(const Tally &tally) {
  std::string text = std::to_string(tally.errors.load()) + " error(s)";
  for (const auto &error : tally.first_errors)
    text += "\n  " + error;
  return text;
}

} // namespace

TEST_CASE("Load: 200 concurrent sessions, 20,000 tools/call, memory back after they end",
          "[load]") {
  auto test_started = Clock::now();
  FakeQoveryProcess fake;
  // As a user expecting 200 clients that keep their connections open would
  // start it: room for all of them, and idle sessions ending after a few
  // seconds so the test can watch them go.
  ServerProcess server({"--api-url", fake.url(), "--ca-file", kCertDir + "/ca.pem", "--threads",
                        "64", "--max-connections", "256", "--session-timeout",
                        std::to_string(kSessionTimeoutSeconds)});
  const int pid = server.process->pid();
  // One call first: the worker pool starts with the first connection, and the
  // upstream's deadline watchdog with the first call.
  McpClient first(server.port);
  first.initialize();
  REQUIRE_FALSE(first.call("list-job-secrets", {{"jobId", kJobId}}).value("isError", false));
  REQUIRE(first.end_session().status == 200);
  long rss_idle = rss_kib(pid);
  long threads_idle = proc_status(pid, "Threads");

  // Warm-up: the same 200 sessions and connections, a few calls each, then
  // DELETEd. This makes the first use of every code path, opens the upstream
  // TLS connections, lets glibc create its arenas (8 per core at most) and
  // warms the --threads workers' caches: what the server keeps on purpose.
  // The workers started beyond --threads for the burst end once idle, and
  // then the start is read. What the measured phase leaves behind beyond it
  // is what leaks.
  {
    Tally warm_up;
    auto sessions = load(
        server.port, 0, kWarmUpCallsPerSession, warm_up, [] {}, [] {});
    for (auto &session : sessions)
      session->end(warm_up);
    INFO(describe(warm_up));
    REQUIRE(warm_up.errors == 0);
  }
  long threads_burst = proc_status(pid, "Threads");
  REQUIRE(wait_for_threads(pid, threads_idle));
  long rss_start = rss_kib(pid);
  // What the measured phase may leave resident beyond the start (see Memory below).
  constexpr long kSlackKib = 4 * 1024;

  // The measured phase: 200 sessions live together, kCallsPerSession calls each.
  // Resident memory is sampled every 100 ms while it runs; the peak is the most seen.
  Tally tally;
  fake.clear_requests();
  Clock::time_point calls_started, calls_ended;
  std::atomic<long> rss_peak{0};
  std::atomic<bool> sampling{true};
  std::thread sampler([&] {
    while (sampling) {
      rss_peak = std::max(rss_peak.load(), rss_kib(pid));
      std::this_thread::sleep_for(100ms);
    }
  });
  auto sessions = load(
      server.port, 1000, kCallsPerSession, tally, [&] { calls_started = Clock::now(); },
      [&] {
        calls_ended = Clock::now();
        rss_peak = std::max(rss_peak.load(), rss_kib(pid));
      });
  sampling = false;
  sampler.join();
  json requests = fake.requests();
  int ended = 0;
  for (auto &session : sessions)
    ended += session->end(tally) == 200 ? 1 : 0;
  sessions.clear(); // closes the 200 connections
  bool workers_ended = wait_for_threads(pid, threads_idle);
  // The server gives freed memory back once idle for 2 s.
  long rss_after_delete = settled_rss_kib(pid, rss_start + kSlackKib);

  // A second batch of 200 sessions, left to expire: no DELETE, connections closed.
  Tally expiring;
  auto batch = load(
      server.port, 2000, kExpiringCallsPerSession, expiring, [] {}, [] {});
  std::vector<std::string> batch_ids;
  for (auto &session : batch)
    batch_ids.push_back(session->id());
  batch.clear();
  long rss_batch = rss_kib(pid);
  // The sweeper runs every second: the timeout, a sweep, and slack.
  std::this_thread::sleep_for(std::chrono::seconds(kSessionTimeoutSeconds) + 2500ms);
  bool batch_workers_ended = wait_for_threads(pid, threads_idle);
  long rss_after_expiry = settled_rss_kib(pid, rss_start + kSlackKib);
  int expired = 0;
  {
    McpClient probe(server.port);
    probe.http.set_keep_alive(true);
    for (const auto &id : batch_ids) {
      probe.session_id = id;
      HttpReply reply = probe.post(json{{"jsonrpc", "2.0"}, {"id", 1}, {"method", "ping"}});
      expired += reply.status == 404 ? 1 : 0;
    }
  }
  auto test_seconds = std::chrono::duration<double>(Clock::now() - test_started).count();
  auto call_seconds = std::chrono::duration<double>(calls_ended - calls_started).count();

  std::cout << "Load: " << kSessions << " sessions on " << kClientThreads
            << " client threads: " << tally.calls_sent << " tools/call in " << std::fixed
            << std::setprecision(1) << call_seconds << " s ("
            << static_cast<long>(static_cast<double>(tally.calls_sent) / call_seconds)
            << " calls/s; " << tally.lists << " list, " << tally.adds << " add, " << tally.aliases
            << " alias, " << tally.deletes << " delete, " << tally.edits << " edit), "
            << tally.errors << " errors, " << tally.reconnects
            << " connections idle 4 s replaced; whole test " << test_seconds << " s\n"
            << "Load: server VmRSS idle " << mib(rss_idle) << ", after warm-up (start) "
            << mib(rss_start) << ", peak " << mib(rss_peak.load()) << ", after DELETE "
            << mib(rss_after_delete) << ", batch live " << mib(rss_batch) << ", after expiry "
            << mib(rss_after_expiry) << (kSanitized ? " (sanitizer build: not bounded)" : "")
            << "; threads idle " << threads_idle << ", after a burst " << threads_burst
            << std::endl;

  // Every request answered once, with its own id, without an error.
  INFO(describe(tally));
  CHECK(tally.errors == 0);
  CHECK(tally.calls_sent >= kSessions * kCallsPerSession);
  CHECK(tally.calls_answered == tally.calls_sent);
  CHECK(ended == kSessions); // all 200 were still live at the end: they were live together
  if (!kSanitized)
    CHECK(tally.calls_sent >= 20'000);
  // Each call reached fake-qovery, and each create exactly once: a POST is
  // never sent again (a read may be, when a kept-alive upstream connection
  // was closed under it).
  long posts = 0, upstream_total = static_cast<long>(requests.size());
  for (const auto &request : requests)
    posts += request["method"] == "POST" ? 1 : 0;
  CHECK(posts == tally.adds + tally.aliases);
  CHECK(upstream_total >= tally.calls_sent);
  {
    INFO(describe(expiring));
    CHECK(expiring.errors == 0);
  }
  CHECK(expired == kSessions);
  // Workers started for the bursts, if any (connections hold none: only
  // requests being answered do), ended once idle.
  CHECK(threads_burst >= threads_idle);
  CHECK(workers_ended);
  CHECK(batch_workers_ended);

  // Memory. What this catches is a leak per call or per connection: 20,000
  // calls leaking 1 KiB each would leave 20 MiB behind, and 400 connections
  // leaking a 16 KiB buffer each 6 MiB. The sessions themselves are a few
  // hundred bytes each; that they are gone is checked above (404). The bound,
  // start + 4 MiB, is above what glibc keeps after the burst once the extra
  // workers ended and their memory was trimmed (measured on 2 cores: 1.5 to
  // 3 MiB, mostly free space at the tops of its arenas, which malloc_trim
  // leaves; blocks in use were within 0.3 MiB of the start), and below such
  // leaks.
  if (!kSanitized) {
    CHECK(rss_after_delete <= rss_start + kSlackKib);
    CHECK(rss_after_expiry <= rss_start + kSlackKib);
  }

  // A clean exit after the load; under ASan, LeakSanitizer runs at this exit
  // and a leak makes the status non-zero.
  CHECK(server.process->stop(SIGTERM, 60s) == 0);
}
