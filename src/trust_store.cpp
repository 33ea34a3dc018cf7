#include "trust_store.hpp"

#include <openssl/err.h>
#include <openssl/pem.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>

namespace qovery_mcp {
namespace {

struct X509StoreFree {
  void operator()(X509_STORE *store) const { X509_STORE_free(store); }
};

struct BioFree {
  void operator()(BIO *bio) const { BIO_free(bio); }
};

/// Whether SSL_CERT_FILE names a file other than the system's CA file (a
/// bundle the hashed directory does not stand for).
bool cert_file_overridden() {
  const char *file = std::getenv(X509_get_default_cert_file_env());
  if (file == nullptr)
    return false;
  std::error_code error;
  return !std::filesystem::equivalent(file, X509_get_default_cert_file(), error);
}

} // namespace

Result<std::vector<Certificate>> read_ca_file(const std::string &path) {
  using Certificates = Result<std::vector<Certificate>>;
  std::error_code ignored;
  if (std::filesystem::is_directory(path, ignored))
    return Certificates::failure("--ca-file: " + path + " is a directory, expected a PEM file");
  std::ifstream in(path, std::ios::binary);
  if (!in)
    return Certificates::failure("--ca-file: cannot read " + path);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad())
    return Certificates::failure("--ca-file: cannot read " + path);

  std::unique_ptr<BIO, BioFree> bio(BIO_new_mem_buf(text.data(), static_cast<int>(text.size())));
  if (!bio)
    return Certificates::failure("--ca-file: cannot read " + path);
  std::vector<Certificate> certificates;
  ERR_clear_error();
  while (X509 *cert = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr))
    certificates.emplace_back(cert);
  // The loop ends with "no start line" at the end of the text; any other
  // error is a certificate block that does not decode.
  unsigned long last = ERR_peek_last_error();
  bool clean_end = ERR_GET_LIB(last) == ERR_LIB_PEM && ERR_GET_REASON(last) == PEM_R_NO_START_LINE;
  ERR_clear_error();
  if (!clean_end)
    return Certificates::failure("--ca-file: " + path + " holds a malformed PEM certificate");
  if (certificates.empty())
    return Certificates::failure("--ca-file: " + path + " holds no PEM certificate");
  return certificates;
}

std::vector<Certificate> system_certificates(const std::string &path) {
  std::vector<Certificate> certificates;
  std::unique_ptr<X509_STORE, X509StoreFree> store(X509_STORE_new());
  if (!store)
    return certificates;
  X509_STORE_load_file(store.get(), path.c_str());
  STACK_OF(X509) *stack = X509_STORE_get1_all_certs(store.get());
  ERR_clear_error();
  if (!stack)
    return certificates;
  while (X509 *cert = sk_X509_pop(stack))
    certificates.emplace_back(cert);
  sk_X509_free(stack);
  return certificates;
}

std::string default_cert_file() {
  if (const char *file = std::getenv(X509_get_default_cert_file_env()))
    return file;
  return X509_get_default_cert_file();
}

std::string default_cert_dir() {
  if (const char *dir = std::getenv(X509_get_default_cert_dir_env()))
    return dir;
  return X509_get_default_cert_dir();
}

bool system_cas_in_dir(const std::string &dir) {
  if (cert_file_overridden())
    return false;
  auto hashed = [](const std::string &name) {
    auto is_hex = [](char c) { return std::isdigit(c) || (c >= 'a' && c <= 'f'); };
    return name.size() >= 10 && std::all_of(name.begin(), name.begin() + 8, is_hex) &&
           name[8] == '.' && std::all_of(name.begin() + 9, name.end(), ::isdigit);
  };
  std::error_code error;
  for (const auto &entry : std::filesystem::directory_iterator(dir, error))
    if (hashed(entry.path().filename().string()))
      return true;
  return false;
}

} // namespace qovery_mcp
