#include "process.hpp"

#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <poll.h>
#include <regex>
#include <spawn.h>
#include <stdexcept>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

namespace test {
namespace {
using Clock = std::chrono::steady_clock;

int decode_status(int status) {
  if (WIFEXITED(status))
    return WEXITSTATUS(status);
  return 128 + WTERMSIG(status);
}
} // namespace

Process::Process(std::vector<std::string> argv, std::map<std::string, std::string> env) {
  int in[2], out[2], err[2];
  if (pipe(in) != 0 || pipe(out) != 0 || pipe(err) != 0)
    throw std::runtime_error("pipe failed");
  std::map<std::string, std::string> merged;
  for (char **e = environ; *e != nullptr; ++e) {
    std::string entry = *e;
    auto eq = entry.find('=');
    if (eq != std::string::npos)
      merged[entry.substr(0, eq)] = entry.substr(eq + 1);
  }
  for (const auto &[key, value] : env) {
    if (value.empty())
      merged.erase(key);
    else
      merged[key] = value;
  }
  std::vector<std::string> env_strings;
  for (const auto &[key, value] : merged)
    env_strings.push_back(key + "=" + value);
  std::vector<char *> envp, args;
  for (auto &s : env_strings)
    envp.push_back(s.data());
  envp.push_back(nullptr);
  for (auto &s : argv)
    args.push_back(s.data());
  args.push_back(nullptr);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, in[0], 0);
  posix_spawn_file_actions_adddup2(&actions, out[1], 1);
  posix_spawn_file_actions_adddup2(&actions, err[1], 2);
  for (int fd : {in[0], in[1], out[0], out[1], err[0], err[1]})
    posix_spawn_file_actions_addclose(&actions, fd);
  // The child gets SIGPIPE's default action, as from a shell: this process
  // ignores it (below), and an ignored signal would stay ignored across exec,
  // hiding a child that dies of it.
  posix_spawnattr_t attributes;
  posix_spawnattr_init(&attributes);
  sigset_t defaults;
  sigemptyset(&defaults);
  sigaddset(&defaults, SIGPIPE);
  posix_spawnattr_setsigdefault(&attributes, &defaults);
  posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETSIGDEF);
  int rc = posix_spawn(&pid_, args[0], &actions, &attributes, args.data(), envp.data());
  posix_spawnattr_destroy(&attributes);
  posix_spawn_file_actions_destroy(&actions);
  close(in[0]);
  close(out[1]);
  close(err[1]);
  stdin_fd_ = in[1];
  stdout_fd_ = out[0];
  stderr_fd_ = err[0];
  if (rc != 0)
    throw std::runtime_error("cannot start " + argv[0] + ": " + std::strerror(rc));
  signal(SIGPIPE, SIG_IGN);
  std::filesystem::create_directories(kOutputDir);
  std::string name = std::filesystem::path(argv[0]).filename().string();
  transcript_fd_ = open((kOutputDir + "/" + name + "-" + std::to_string(pid_) + ".log").c_str(),
                        O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
}

Process::~Process() {
  if (!exit_status_ && pid_ > 0) {
    kill(pid_, SIGKILL);
    int status = 0;
    waitpid(pid_, &status, 0);
  }
  // What the child wrote and the test never read goes to the transcript too.
  std::string rest;
  for (int fd : {stdout_fd_, stderr_fd_})
    while (fd >= 0 && read_some(fd, rest, std::chrono::milliseconds(0)))
      rest.clear();
  if (transcript_fd_ >= 0)
    close(transcript_fd_);
  for (int fd : {stdin_fd_, stdout_fd_, stderr_fd_})
    if (fd >= 0)
      close(fd);
}

bool Process::read_some(int fd, std::string &into, std::chrono::milliseconds timeout) {
  pollfd p{fd, POLLIN, 0};
  int ready = poll(&p, 1, static_cast<int>(timeout.count()));
  if (ready <= 0)
    return false;
  char buffer[4096];
  ssize_t n = read(fd, buffer, sizeof buffer);
  if (n <= 0)
    return false;
  into.append(buffer, static_cast<std::size_t>(n));
  if (transcript_fd_ >= 0 && ::write(transcript_fd_, buffer, static_cast<std::size_t>(n)) < 0)
    throw std::runtime_error("cannot write the transcript of the child's output");
  return true;
}

std::optional<std::string> Process::wait_for_stderr(const std::string &needle,
                                                    std::chrono::milliseconds timeout) {
  auto deadline = Clock::now() + timeout;
  for (;;) {
    std::size_t line_end;
    while ((line_end = stderr_buffer_.find('\n', stderr_scanned_)) != std::string::npos) {
      std::string line = stderr_buffer_.substr(stderr_scanned_, line_end - stderr_scanned_);
      stderr_scanned_ = line_end + 1;
      if (line.find(needle) != std::string::npos)
        return line;
    }
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0 || !read_some(stderr_fd_, stderr_buffer_, left))
      return std::nullopt;
  }
}

std::string Process::stderr_text() {
  while (read_some(stderr_fd_, stderr_buffer_, std::chrono::milliseconds(0))) {
  }
  return stderr_buffer_;
}

void Process::write_stdin(const std::string &data) {
  std::size_t written = 0;
  while (written < data.size()) {
    ssize_t n = ::write(stdin_fd_, data.data() + written, data.size() - written);
    if (n <= 0)
      throw std::runtime_error("cannot write to the child's stdin");
    written += static_cast<std::size_t>(n);
  }
}

void Process::close_stdin() {
  if (stdin_fd_ >= 0)
    close(stdin_fd_);
  stdin_fd_ = -1;
}

void Process::close_stdout() {
  if (stdout_fd_ >= 0)
    close(stdout_fd_);
  stdout_fd_ = -1;
}

long proc_status(int pid, const std::string &field) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(status, line))
    if (line.starts_with(field + ":"))
      return std::stol(line.substr(field.size() + 1));
  return -1;
}

std::optional<std::string> Process::read_stdout_line(std::chrono::milliseconds timeout) {
  auto deadline = Clock::now() + timeout;
  for (;;) {
    auto line_end = stdout_buffer_.find('\n');
    if (line_end != std::string::npos) {
      std::string line = stdout_buffer_.substr(0, line_end);
      stdout_buffer_.erase(0, line_end + 1);
      return line;
    }
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0 || !read_some(stdout_fd_, stdout_buffer_, left))
      return std::nullopt;
  }
}

int Process::wait(std::chrono::milliseconds timeout) {
  if (exit_status_)
    return *exit_status_;
  auto deadline = Clock::now() + timeout;
  while (Clock::now() < deadline) {
    int status = 0;
    pid_t done = waitpid(pid_, &status, WNOHANG);
    if (done == pid_) {
      exit_status_ = decode_status(status);
      return *exit_status_;
    }
    usleep(5000);
  }
  return -1;
}

int Process::stop(int signal_number, std::chrono::milliseconds timeout) {
  if (!exit_status_)
    kill(pid_, signal_number);
  return wait(timeout);
}

int port_in(const std::string &line) {
  static const std::regex port_pattern(R"(://[^/\s]*:(\d+))");
  std::smatch match;
  if (!std::regex_search(line, match, port_pattern))
    return 0;
  return std::atoi(match[1].str().c_str());
}

} // namespace test
