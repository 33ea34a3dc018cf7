#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace test {

#if defined(__SANITIZE_THREAD__) || defined(__SANITIZE_ADDRESS__)
/// Whether the tests (and so the server they start) are built with a
/// sanitizer. The server then runs 10 to 20 times slower and its memory is the
/// sanitizer's (shadow memory, ASan's quarantine of freed blocks): tests do
/// less work and print resident memory without bounding it (under ASan,
/// LeakSanitizer checks for leaks when the server exits instead).
inline constexpr bool kSanitized = true;
#else
inline constexpr bool kSanitized = false;
#endif

/// Where every child's output is kept (one transcript file per process), and
/// where the secrets the tests used are listed, for the secret scan that runs
/// after the suite (secret_scan_test.cpp).
inline const std::string kOutputDir = QMCP_OUTPUT_DIR;

/// A child process started for a test, with its stdin and stdout as pipes and
/// its stderr captured. Killed (SIGKILL) when destroyed if still running.
/// Everything read from its stdout and stderr, and what is left unread when
/// it is destroyed, is also appended to a transcript in kOutputDir.
class Process {
public:
  /// Starts `argv[0]` with `argv` and the test's environment plus `env`
  /// (an empty value removes the variable).
  Process(std::vector<std::string> argv, std::map<std::string, std::string> env = {});
  ~Process();
  Process(const Process &) = delete;
  Process &operator=(const Process &) = delete;

  /// Reads stderr until a line contains `needle`; returns that line, or nullopt
  /// at EOF or after `timeout`.
  std::optional<std::string>
  wait_for_stderr(const std::string &needle,
                  std::chrono::milliseconds timeout = std::chrono::seconds(10));
  /// Everything read from stderr so far (plus whatever is ready now).
  std::string stderr_text();

  /// Writes to the child's stdin; closes it with close_stdin().
  void write_stdin(const std::string &data);
  void close_stdin();
  /// Closes the reading end of the child's stdout, as a client that went away does.
  void close_stdout();
  /// Reads one line from stdout (without the newline), or nullopt at EOF or timeout.
  std::optional<std::string>
  read_stdout_line(std::chrono::milliseconds timeout = std::chrono::seconds(10));

  /// Sends `signal`, then waits for the exit; returns the exit status, or
  /// 128 + signal number when killed by a signal, or -1 on timeout.
  int stop(int signal, std::chrono::milliseconds timeout = std::chrono::seconds(10));
  /// Waits for the child to exit on its own; same return values as stop().
  int wait(std::chrono::milliseconds timeout = std::chrono::seconds(10));
  int pid() const { return pid_; }

private:
  bool read_some(int fd, std::string &into, std::chrono::milliseconds timeout);
  int pid_ = -1;
  int stdin_fd_ = -1;
  int stdout_fd_ = -1;
  int stderr_fd_ = -1;
  int transcript_fd_ = -1;
  std::string stderr_buffer_;
  std::string stdout_buffer_;
  std::size_t stderr_scanned_ = 0;
  std::optional<int> exit_status_;
};

/// The port in a line like "... http://127.0.0.1:43121/mcp"; 0 when none.
int port_in(const std::string &line);

/// A number from /proc/<pid>/status: "VmRSS", "VmHWM" (KiB), "Threads"; -1 when absent.
long proc_status(int pid, const std::string &field);

} // namespace test
