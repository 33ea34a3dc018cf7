#include "qovery_mcp/sealed_box.hpp"

#include <catch2/catch.hpp>

using namespace qovery_mcp;

TEST_CASE("Sealed box: base64url both ways, without padding", "[sealed]") {
  // RFC 4648, section 10's vectors, in the base64url alphabet without padding.
  CHECK(to_base64url("") == "");
  CHECK(to_base64url("f") == "Zg");
  CHECK(to_base64url("fo") == "Zm8");
  CHECK(to_base64url("foo") == "Zm9v");
  CHECK(to_base64url("foobar") == "Zm9vYmFy");
  CHECK(to_base64url("\xfb\xff\xbf") == "-_-_");
  std::string bytes;
  for (int i = 0; i < 70; ++i) {
    INFO(i);
    REQUIRE(from_base64url(to_base64url(bytes)) == bytes);
    bytes += static_cast<char>(i * 37 + 251);
  }
  // "Zh" and "Zm9" with unused bits set: other spellings of "f" and "fo".
  for (const char *bad : {"Z", "Zh", "Zm9", "Zm9v=", "Zm+v", "Zm/v", "Zm9v Y", "Zm9vY\n"}) {
    INFO(bad);
    CHECK_FALSE(from_base64url(bad));
  }
  CHECK(from_base64("Zm9vYg==") == "foob");
  CHECK_FALSE(from_base64("Zm9vYg="));
}

TEST_CASE("Sealed box: what one seals, another with the key opens; nothing else does", "[sealed]") {
  const std::string key(32, 'k');
  SealedBox box(key, "test v1");
  SealedBox replica(key, "test v1");
  const std::string text = R"({"t":"add-secret-job","a":{"jobId":"j"}})";
  const std::string sealed = box.seal(text);
  REQUIRE(from_base64url(sealed));
  CHECK(from_base64url(sealed)->find("add-secret-job") == std::string::npos); // encrypted
  CHECK(replica.open(sealed) == text);
  CHECK(box.seal(text) != sealed); // a fresh nonce each time
  CHECK(box.open(box.seal("")) == "");

  // Each character altered, the text cut or lengthened, another key or context: refused.
  for (std::size_t at = 0; at < sealed.size(); ++at) {
    std::string altered = sealed;
    altered[at] = altered[at] == 'A' ? 'B' : 'A';
    INFO(at);
    CHECK_FALSE(replica.open(altered));
  }
  CHECK_FALSE(replica.open(sealed.substr(0, sealed.size() - 1)));
  CHECK_FALSE(replica.open(sealed + "A"));
  CHECK_FALSE(replica.open(""));
  CHECK_FALSE(SealedBox(std::string(32, 'o'), "test v1").open(sealed));
  CHECK_FALSE(SealedBox(key, "test v2").open(sealed));
  CHECK_THROWS(SealedBox(std::string(31, 'k'), "test v1"));
}
