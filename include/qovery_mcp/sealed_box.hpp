#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace qovery_mcp {

/// Authenticated encryption of short texts that a server hands out and gets
/// back (a --stateless replica's value-entry link, EntryPages): AES-256-GCM
/// (NIST SP 800-38D) with a fresh random 96-bit nonce per text and a 128-bit
/// tag, written as base64url without padding (RFC 4648, section 5), so that
/// it fits a URL path segment:
///
///   base64url(nonce (12 bytes) | ciphertext | tag (16 bytes))
///
/// Any holder of the key opens what any other sealed; nobody else can read
/// or alter it. The context string is authenticated too (GCM's additional
/// data), so that a text sealed for one use opens for no other.
class SealedBox {
public:
  /// The key's size in bytes (AES-256).
  static constexpr std::size_t kKeyBytes = 32;

  /// A box under `key` (kKeyBytes bytes, kept only in memory), for texts of
  /// `context` (e.g. "entry-page v1").
  SealedBox(std::string key, std::string context);
  SealedBox(SealedBox &&) = default;
  /// Overwrites the key in memory.
  ~SealedBox();

  /// `plaintext` sealed: about 4/3 of its size plus 38 characters.
  std::string seal(std::string_view plaintext) const;
  /// The plaintext of `sealed` when it was sealed under this key and
  /// context and not altered in any character; nullopt otherwise (nothing
  /// says which, so nothing helps a forger).
  std::optional<std::string> open(std::string_view sealed) const;

private:
  std::string key_;
  std::string context_;
};

/// `bytes` in base64url without padding (RFC 4648, section 5).
std::string to_base64url(std::string_view bytes);
/// The bytes of base64 text with its padding (RFC 4648, section 4); nullopt
/// when `text` is not such text.
std::optional<std::string> from_base64(std::string_view text);
/// The bytes of base64url text without padding; nullopt when `text` holds
/// any other character, has a length no encoding gives, or is not the
/// canonical spelling (unused bits set: RFC 4648, section 3.5).
std::optional<std::string> from_base64url(std::string_view text);

} // namespace qovery_mcp
