#pragma once

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

namespace qovery_mcp::test {

/// A file name ("audit.jsonl") in a fresh temporary directory, removed with
/// it: for the unit tests that write an audit log.
struct TempFile {
  /// `forbidden`: text that no line of the file may hold (a secret value).
  explicit TempFile(std::string forbidden) : never_written(std::move(forbidden)) {
    char dir_template[] = "/tmp/qmcp-unit-XXXXXX";
    REQUIRE(mkdtemp(dir_template) != nullptr);
    dir = dir_template;
    path = dir + "/audit.jsonl";
  }
  ~TempFile() {
    unlink(path.c_str());
    rmdir(dir.c_str());
  }
  TempFile(const TempFile &) = delete;
  TempFile &operator=(const TempFile &) = delete;

  /// Each line of the file parsed as JSON; checks that none holds `never_written`.
  std::vector<nlohmann::json> lines() const {
    std::ifstream in(path);
    std::vector<nlohmann::json> parsed;
    for (std::string line; std::getline(in, line);) {
      CHECK(line.find(never_written) == std::string::npos);
      parsed.push_back(nlohmann::json::parse(line));
    }
    return parsed;
  }

  std::string never_written;
  std::string dir;
  std::string path;
};

} // namespace qovery_mcp::test
