#include "qovery_mcp/sealed_box.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <memory>
#include <stdexcept>

namespace qovery_mcp {
namespace {

constexpr int kNonceBytes = 12;
constexpr int kTagBytes = 16;

using CipherContext = std::unique_ptr<EVP_CIPHER_CTX, decltype(&EVP_CIPHER_CTX_free)>;

const unsigned char *bytes_of(std::string_view text) {
  return reinterpret_cast<const unsigned char *>(text.data());
}
unsigned char *bytes_of(std::string &text) {
  return reinterpret_cast<unsigned char *>(text.data());
}

} // namespace

std::string to_base64url(std::string_view bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
  int length = EVP_EncodeBlock(bytes_of(out), bytes_of(bytes), static_cast<int>(bytes.size()));
  out.resize(static_cast<std::size_t>(length));
  while (!out.empty() && out.back() == '=')
    out.pop_back();
  for (char &c : out)
    c = c == '+' ? '-' : c == '/' ? '_' : c;
  return out;
}

std::optional<std::string> from_base64(std::string_view text) {
  if (text.size() % 4 != 0)
    return std::nullopt;
  std::string out(text.size() / 4 * 3, '\0');
  int length = EVP_DecodeBlock(bytes_of(out), bytes_of(text), static_cast<int>(text.size()));
  if (length < 0)
    return std::nullopt;
  // EVP_DecodeBlock counts the padding's bytes as zeros.
  out.resize(static_cast<std::size_t>(length) - (text.ends_with("==")  ? 2
                                                 : text.ends_with("=") ? 1
                                                                       : 0));
  return out;
}

std::optional<std::string> from_base64url(std::string_view text) {
  std::string padded(text);
  for (char &c : padded) {
    if (c == '-')
      c = '+';
    else if (c == '_')
      c = '/';
    else if (c == '+' || c == '/' || c == '=')
      return std::nullopt; // base64's, not base64url's
  }
  padded.append((4 - padded.size() % 4) % 4, '=');
  std::optional<std::string> bytes = from_base64(padded);
  // Canonical only: unused low bits set in the last character would give a
  // second spelling of the same bytes (RFC 4648, section 3.5), and so a
  // second link for one sealed entry.
  if (bytes && to_base64url(*bytes) != text)
    return std::nullopt;
  return bytes;
}

SealedBox::SealedBox(std::string key, std::string context)
    : key_(std::move(key)), context_(std::move(context)) {
  if (key_.size() != kKeyBytes)
    throw std::invalid_argument("SealedBox: the key must be 32 bytes");
}

SealedBox::~SealedBox() { OPENSSL_cleanse(key_.data(), key_.size()); }

std::string SealedBox::seal(std::string_view plaintext) const {
  std::string out(kNonceBytes + plaintext.size() + kTagBytes, '\0');
  CipherContext context(EVP_CIPHER_CTX_new(), &EVP_CIPHER_CTX_free);
  int length = 0;
  unsigned char *nonce = bytes_of(out);
  unsigned char *cipher = nonce + kNonceBytes;
  if (!context || RAND_bytes(nonce, kNonceBytes) != 1 ||
      EVP_EncryptInit_ex(context.get(), EVP_aes_256_gcm(), nullptr, bytes_of(key_), nonce) != 1 ||
      EVP_EncryptUpdate(context.get(), nullptr, &length, bytes_of(context_),
                        static_cast<int>(context_.size())) != 1 ||
      EVP_EncryptUpdate(context.get(), cipher, &length, bytes_of(plaintext),
                        static_cast<int>(plaintext.size())) != 1 ||
      EVP_EncryptFinal_ex(context.get(), cipher + length, &length) != 1 ||
      EVP_CIPHER_CTX_ctrl(context.get(), EVP_CTRL_GCM_GET_TAG, kTagBytes,
                          cipher + plaintext.size()) != 1)
    throw std::runtime_error("SealedBox: OpenSSL could not seal");
  return to_base64url(out);
}

std::optional<std::string> SealedBox::open(std::string_view sealed) const {
  std::optional<std::string> bytes = from_base64url(sealed);
  if (!bytes || bytes->size() < kNonceBytes + kTagBytes)
    return std::nullopt;
  const std::size_t size = bytes->size() - kNonceBytes - kTagBytes;
  unsigned char *nonce = bytes_of(*bytes);
  unsigned char *cipher = nonce + kNonceBytes;
  std::string plaintext(size, '\0');
  CipherContext context(EVP_CIPHER_CTX_new(), &EVP_CIPHER_CTX_free);
  int length = 0;
  if (!context ||
      EVP_DecryptInit_ex(context.get(), EVP_aes_256_gcm(), nullptr, bytes_of(key_), nonce) != 1 ||
      EVP_DecryptUpdate(context.get(), nullptr, &length, bytes_of(context_),
                        static_cast<int>(context_.size())) != 1 ||
      EVP_DecryptUpdate(context.get(), bytes_of(plaintext), &length, cipher,
                        static_cast<int>(size)) != 1 ||
      EVP_CIPHER_CTX_ctrl(context.get(), EVP_CTRL_GCM_SET_TAG, kTagBytes, cipher + size) != 1 ||
      EVP_DecryptFinal_ex(context.get(), bytes_of(plaintext) + length, &length) != 1)
    return std::nullopt;
  return plaintext;
}

} // namespace qovery_mcp
