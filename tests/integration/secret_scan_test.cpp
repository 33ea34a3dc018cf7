// The secret scan: nothing any server wrote during the test suite contains a
// secret value, the API key or an inbound token that the tests used.
//
// Every process the tests start keeps a transcript of its stdout and stderr in
// kOutputDir (process.hpp), and the client tests copy their servers' logs
// there; the fakes list every key and value they were given in secrets-*.txt.
// ctest runs "[.secret-scan]" once, after every test that wrote there (a
// FIXTURES_CLEANUP test), and it fails on any hit.

#include "process.hpp"

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

namespace fs = std::filesystem;

namespace {

/// Secrets shorter than this ("v", "x") are also ordinary text: not searched.
constexpr std::size_t kShortestSecret = 6;

std::string read_all(const fs::path &path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

struct Scan {
  std::set<std::string> secrets;
  std::size_t transcripts = 0;
  std::vector<std::string> leaks; ///< "file: line N: secret abc… (12 chars)"
};

/// A secret named without being shown: its first 3 characters and length.
std::string masked(const std::string &secret) {
  return secret.substr(0, 3) + "... (" + std::to_string(secret.size()) + " chars)";
}

Scan scan(const fs::path &dir) {
  Scan result;
  for (const auto &entry : fs::directory_iterator(dir)) {
    std::string name = entry.path().filename().string();
    if (name.rfind("secrets-", 0) != 0)
      continue;
    std::istringstream lines(read_all(entry.path()));
    for (std::string secret; std::getline(lines, secret);)
      if (secret.size() >= kShortestSecret)
        result.secrets.insert(secret);
  }
  for (const auto &entry : fs::recursive_directory_iterator(dir)) {
    std::string name = entry.path().filename().string();
    if (!entry.is_regular_file() || name.rfind("secrets-", 0) == 0)
      continue;
    ++result.transcripts;
    std::string text = read_all(entry.path());
    for (const std::string &secret : result.secrets) {
      for (std::size_t at = text.find(secret); at != std::string::npos;
           at = text.find(secret, at + 1)) {
        auto line = 1 + std::count(text.begin(), text.begin() + static_cast<long>(at), '\n');
        result.leaks.push_back(fs::relative(entry.path(), dir).string() + ": line " +
                               std::to_string(line) + ": secret " + masked(secret));
      }
    }
  }
  return result;
}

} // namespace

TEST_CASE("Secret scan: nothing the servers wrote in this run holds a secret", "[.secret-scan]") {
  fs::create_directories(test::kOutputDir); // a run of no test that writes there leaves none
  Scan result = scan(test::kOutputDir);
  WARN("scanned " << result.transcripts << " transcripts for " << result.secrets.size()
                  << " secrets");
  for (const std::string &leak : result.leaks)
    FAIL_CHECK("leaked: " << leak);
  CHECK(result.leaks.empty());
}

TEST_CASE("Secret scan: a planted secret is found, a short one is not searched", "[scan]") {
  fs::path dir = fs::temp_directory_path() / ("qmcp-scan-" + std::to_string(getpid()));
  fs::create_directories(dir / "clients");
  std::ofstream(dir / "secrets-1.txt") << "planted-s3cret\nv\n";
  std::ofstream(dir / "server-1.log") << "qovery-job-secret-mcp: info: fine\nv v v\n";
  std::ofstream(dir / "clients" / "server.log") << "one\ntwo planted-s3cret\n";
  Scan result = scan(dir);
  fs::remove_all(dir);
  CHECK(result.secrets == std::set<std::string>{"planted-s3cret"});
  CHECK(result.transcripts == 2);
  REQUIRE(result.leaks.size() == 1);
  CHECK(result.leaks[0] == "clients/server.log: line 2: secret pla... (14 chars)");
}
