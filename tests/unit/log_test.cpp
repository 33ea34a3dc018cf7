#include "qovery_mcp/log.hpp"

#include <catch2/catch.hpp>

#include <unistd.h>

#include <cstdio>
#include <sstream>
#include <string>

using nlohmann::json;
using namespace qovery_mcp;

namespace {

/// Everything written to stderr while `body` runs.
template <typename Body> std::string captured_stderr(Body body) {
  std::fflush(stderr);
  FILE *capture = std::tmpfile();
  REQUIRE(capture != nullptr);
  int saved = dup(STDERR_FILENO);
  dup2(fileno(capture), STDERR_FILENO);
  body();
  std::fflush(stderr);
  dup2(saved, STDERR_FILENO);
  close(saved);
  std::rewind(capture);
  std::string text;
  char buffer[4096];
  for (std::size_t n; (n = std::fread(buffer, 1, sizeof buffer, capture)) > 0;)
    text.append(buffer, n);
  std::fclose(capture);
  return text;
}

/// Restores the defaults when a test ends.
struct LogSettings {
  ~LogSettings() {
    log::set_format(log::Format::Text);
    log::set_level(log::Level::Info);
  }
};

} // namespace

TEST_CASE("log: secret-named members are redacted at any depth", "[log]") {
  json fields = {{"key", "DB_PASSWORD"},
                 {"value", "hunter2"},
                 {"body", {{"value", "s3cr3t"}, {"Token", "t0k"}, {"nested", {{"apiKey", "k"}}}}},
                 {"items", json::array({{{"password", "p"}}, {{"name", "ok"}}})}};
  json safe = log::redacted(fields);
  CHECK(safe["key"] == "DB_PASSWORD");
  CHECK(safe["value"] == "[redacted]");
  CHECK(safe["body"]["value"] == "[redacted]");
  CHECK(safe["body"]["Token"] == "[redacted]");
  CHECK(safe["body"]["nested"]["apiKey"] == "[redacted]");
  CHECK(safe["items"][0]["password"] == "[redacted]");
  CHECK(safe["items"][1]["name"] == "ok");
  std::string text = safe.dump();
  for (const char *secret : {"hunter2", "s3cr3t", "t0k", "\"k\"", "\"p\""})
    CHECK(text.find(secret) == std::string::npos);
}

TEST_CASE("log: JSON format writes one object per line with the fields", "[log]") {
  LogSettings restore;
  log::set_format(log::Format::Json);
  std::string out = captured_stderr([] {
    log::write(log::Level::Warning, "upstream slow",
               {{"tool", "add-secret-job"}, {"value", "hunter2"}, {"ms", 12.5}});
    log::info("second line");
  });
  std::istringstream lines(out);
  std::string first, second;
  REQUIRE(std::getline(lines, first));
  REQUIRE(std::getline(lines, second));
  json line = json::parse(first);
  CHECK(line["level"] == "warning");
  CHECK(line["msg"] == "upstream slow");
  CHECK(line["tool"] == "add-secret-job");
  CHECK(line["ms"] == 12.5);
  CHECK(line["value"] == "[redacted]");
  CHECK(line["time"].get<std::string>().size() == 24); // 2026-11-27T01:02:03.456Z
  CHECK(json::parse(second)["msg"] == "second line");
  CHECK(out.find("hunter2") == std::string::npos);
}

TEST_CASE("log: text format quotes a field only when it must", "[log]") {
  LogSettings restore;
  std::string out = captured_stderr([] {
    log::write(
        log::Level::Info, "call",
        {{"tool", "list-job-secrets"}, {"note", "two words"}, {"status", 200}, {"value", "x"}});
  });
  CHECK(out == "qovery-job-secret-mcp: info: call note=\"two words\" status=200 "
               "tool=list-job-secrets value=[redacted]\n");
}

TEST_CASE("log: lines below the level are dropped", "[log]") {
  LogSettings restore;
  log::set_level(log::Level::Warning);
  CHECK_FALSE(log::enabled(log::Level::Info));
  CHECK(log::enabled(log::Level::Error));
  std::string out = captured_stderr([] {
    log::info("dropped");
    log::error("kept");
  });
  CHECK(out == "qovery-job-secret-mcp: error: kept\n");
}

TEST_CASE("log: formats and levels parse by name", "[log]") {
  log::Format format = log::Format::Text;
  CHECK(log::parse_format("json", format));
  CHECK(format == log::Format::Json);
  CHECK_FALSE(log::parse_format("xml", format));
  log::Level level = log::Level::Info;
  CHECK(log::parse_level("debug", level));
  CHECK(level == log::Level::Debug);
  CHECK_FALSE(log::parse_level("verbose", level));
}
