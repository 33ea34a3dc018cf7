#pragma once

#include "qovery_mcp/result.hpp"

#include <openssl/x509.h>

#include <memory>
#include <string>
#include <vector>

namespace qovery_mcp {

/// An X509 certificate, freed with X509_free.
struct X509Free {
  void operator()(X509 *cert) const { X509_free(cert); }
};
using Certificate = std::unique_ptr<X509, X509Free>;

/// The certificates of the PEM file `path` (--ca-file), at least one. Fails
/// with a message that starts "--ca-file: " and says what is wrong (a
/// directory, unreadable, a malformed block, no certificate).
Result<std::vector<Certificate>> read_ca_file(const std::string &path);

/// The certificates of the system's CA file `path` (the hashed CA directory
/// is looked up lazily by each client's store instead); none when it cannot
/// be read.
std::vector<Certificate> system_certificates(const std::string &path);

/// The CA file OpenSSL uses by default (SSL_CERT_FILE, else its build's).
std::string default_cert_file();
/// The directory of hashed CA certificates OpenSSL uses by default
/// (SSL_CERT_DIR, else its build's).
std::string default_cert_dir();

/// Whether the system CAs can be found in `dir` alone: it holds OpenSSL's
/// hashed names ("5ad8a5d6.0"), through which a store reads only the CA a
/// handshake needs, and SSL_CERT_FILE does not name another file to trust.
bool system_cas_in_dir(const std::string &dir);

} // namespace qovery_mcp
