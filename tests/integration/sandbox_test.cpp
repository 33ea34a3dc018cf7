// The --sandbox server on a real process: what its in-memory fake keeps of
// the requests it answers.

#include "stack.hpp"

#include <catch2/catch.hpp>

#include <string>

using nlohmann::json;
using namespace test;

namespace {

constexpr std::size_t kValueBytes = 1024 * 1024;
constexpr int kEdits = kSanitized ? 20 : 200;

} // namespace

TEST_CASE("Sandbox: many edits with a 1 MiB value leave resident memory near where it was",
          "[sandbox]") {
  ServerProcess server({"--sandbox"}, {});
  McpClient client(server.port);
  client.initialize();
  const json arguments = {
      {"jobId", kJobId},
      {"secretId", kJobSecretId},
      {"body", {{"key", "JOB_SIGNING_KEY"}, {"value", std::string(kValueBytes, 'v')}}}};
  auto edit = [&] {
    json result = client.call("edit-secret-belonging-job", arguments);
    REQUIRE_FALSE(result.contains("isError"));
  };
  // A few edits first, so that the buffers every call needs are already there.
  for (int i = 0; i < 5; ++i)
    edit();
  int pid = server.process->pid();
  long rss_before = proc_status(pid, "VmRSS");
  for (int i = 0; i < kEdits; ++i)
    edit();
  long rss_after = proc_status(pid, "VmRSS");
  INFO("VmRSS before " << rss_before << " KiB, after " << rss_after << " KiB");
  // Keeping each request's body would add 200 MiB.
  if (!kSanitized)
    CHECK(rss_after < rss_before + 40 * 1024);
}
