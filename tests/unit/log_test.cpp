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

namespace {
const char *kTraceparent = "00-0af7651916cd43dd8448eb211c80319c-00f067aa0ba902b7-01";
} // namespace

TEST_CASE("log: a traceparent is valid only as W3C Trace Context gives it", "[log][trace]") {
  CHECK(log::valid_traceparent(kTraceparent) == std::string(kTraceparent));
  // A later version may add fields: its first 55 characters are kept.
  CHECK(log::valid_traceparent("01-0af7651916cd43dd8448eb211c80319c-00f067aa0ba902b7-01-abc") ==
        std::string("01-0af7651916cd43dd8448eb211c80319c-00f067aa0ba902b7-01"));
  CHECK(log::valid_traceparent("cc-0af7651916cd43dd8448eb211c80319c-00f067aa0ba902b7-01"));
  for (const char *malformed : {
           "",
           "00-0af7651916cd43dd8448eb211c80319c-00f067aa0ba902b7-0",   // short
           "00-0af7651916cd43dd8448eb211c80319c-00f067aa0ba902b7-01-", // 00 has no more fields
           "00-0AF7651916CD43DD8448EB211C80319C-00f067aa0ba902b7-01",  // uppercase
           "00-00000000000000000000000000000000-00f067aa0ba902b7-01",  // trace id all zeros
           "00-0af7651916cd43dd8448eb211c80319c-0000000000000000-01",  // parent id all zeros
           "ff-0af7651916cd43dd8448eb211c80319c-00f067aa0ba902b7-01",  // forbidden version
           "00_0af7651916cd43dd8448eb211c80319c-00f067aa0ba902b7-01",  // wrong separator
           "00-0af7651916cd43dd8448eb211c80319g-00f067aa0ba902b7-01",  // not hex
           "01-0af7651916cd43dd8448eb211c80319c-00f067aa0ba902b7-01x", // no dash after 55
           "00-0af7651916cd43dd8448eb211c80319c-00f067aa0ba902b7-01\n",
       }) {
    INFO(malformed);
    CHECK_FALSE(log::valid_traceparent(malformed));
  }
}

TEST_CASE("log: a tracestate is valid only as W3C Trace Context gives it", "[log][trace]") {
  for (const char *valid : {"congo=t61rcWkgMzE", "rojo=00f067aa0ba902b7,congo=t61rcWkgMzE",
                            "  a=1 ,\tb=2  ", "tenant@system=v", "a=1,,b=2", "k=a b"}) {
    INFO(valid);
    CHECK(log::valid_tracestate(valid));
  }
  std::string many;
  for (int i = 0; i < 33; ++i)
    many += (i ? ",k" : "k") + std::to_string(i) + "=v";
  for (const std::string &invalid :
       {std::string(""), std::string(","), std::string("Upper=1"), std::string("a=1=2"),
        std::string("a"), std::string("a="), std::string("a=x\n"), std::string("1a=x"),
        std::string("t@Sys=1"), std::string("a=") + std::string(600, 'x'), many}) {
    INFO(invalid);
    CHECK_FALSE(log::valid_tracestate(invalid));
  }
}

TEST_CASE("log: a request's trace context is in its lines, and a malformed one nowhere",
          "[log][trace]") {
  LogSettings restore;
  json meta = {{"traceparent", kTraceparent}, {"tracestate", "congo=t61rcWkgMzE"}};
  std::string out = captured_stderr([&] {
    {
      log::RequestScope scope(log::trace_context(meta));
      log::info("inside");
    }
    log::info("after");
  });
  CHECK(out == std::string("qovery-job-secret-mcp: info: inside traceparent=") + kTraceparent +
                   " tracestate=\"congo=t61rcWkgMzE\"\nqovery-job-secret-mcp: info: after\n");

  log::set_format(log::Format::Json);
  out = captured_stderr([&] {
    log::RequestScope scope(log::trace_context(meta));
    log::write(log::Level::Warning, "retried", {{"attempts", 2}});
  });
  json line = json::parse(out);
  CHECK(line["traceparent"] == kTraceparent);
  CHECK(line["tracestate"] == "congo=t61rcWkgMzE");
  CHECK(line["attempts"] == 2);

  // Malformed: neither value reaches the line; a tracestate without a valid
  // traceparent is ignored too (Trace Context, 3.3).
  for (const json &bad : {json{{"traceparent", "00-zz\"injected=1"}, {"tracestate", "a=1"}},
                          json{{"traceparent", 42}}, json{{"tracestate", "a=1"}},
                          json{{"traceparent", kTraceparent}, {"tracestate", "BAD STATE"}}}) {
    INFO(bad.dump());
    out = captured_stderr([&] {
      log::RequestScope scope(log::trace_context(bad));
      log::info("line");
    });
    json parsed = json::parse(out);
    CHECK_FALSE(parsed.contains("tracestate"));
    CHECK(out.find("injected") == std::string::npos);
    CHECK(out.find("BAD") == std::string::npos);
    CHECK(parsed.contains("traceparent") == (bad.value("traceparent", json()) == kTraceparent));
  }
}

TEST_CASE("log: a request scope's observer gets its events from its level, whatever the "
          "server's, values redacted",
          "[log][trace]") {
  LogSettings restore;
  log::set_level(log::Level::Error);
  std::vector<std::pair<log::Level, json>> seen;
  std::string out = captured_stderr([&] {
    log::RequestScope outer(
        {}, log::Level::Debug, [&](log::Level level, std::string_view message, const json &fields) {
          seen.emplace_back(level, json{{"message", message}, {"fields", fields}});
        });
    CHECK(log::enabled(log::Level::Debug));
    log::write(log::Level::Debug, "call", {{"tool", "add-secret-job"}, {"value", "hunter2"}});
    {
      // An inner scope wins until it ends: it observes from warning only.
      log::RequestScope inner({}, log::Level::Warning,
                              [&](log::Level level, std::string_view, const json &) {
                                seen.emplace_back(level, json("inner"));
                              });
      log::info("not observed");
      log::warning("observed by the inner scope");
    }
    log::error("observed and logged");
  });
  CHECK_FALSE(log::enabled(log::Level::Debug)); // the scopes ended
  REQUIRE(seen.size() == 3);
  CHECK(seen[0].first == log::Level::Debug);
  CHECK(seen[0].second["fields"]["value"] == "[redacted]");
  CHECK(seen[0].second["fields"]["tool"] == "add-secret-job");
  CHECK(seen[1] == std::pair(log::Level::Warning, json("inner")));
  CHECK(seen[2].second["message"] == "observed and logged");
  CHECK(out == "qovery-job-secret-mcp: error: observed and logged\n");
}
