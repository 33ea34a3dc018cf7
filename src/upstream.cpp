#include "qovery_mcp/upstream.hpp"

#include "answer_head.hpp"
#include "base_url.hpp"
#include "socket_watchdog.hpp"
#include "trust_store.hpp"

#include "qovery_mcp/log.hpp"
#include "qovery_mcp/process.hpp"
#include "qovery_mcp/text.hpp"

#include <httplib.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <future>
#include <mutex>
#include <netdb.h>
#include <poll.h>
#include <random>
#include <thread>
#include <vector>

namespace qovery_mcp {

Result<AuthScheme> parse_auth_scheme(std::string_view text) {
  if (text == "auto")
    return AuthScheme::Auto;
  if (text == "token")
    return AuthScheme::Token;
  if (text == "bearer")
    return AuthScheme::Bearer;
  return Result<AuthScheme>::failure("auth scheme must be auto, token or bearer, got \"" +
                                     std::string(text.substr(0, 32)) + "\"");
}

bool looks_like_jwt(std::string_view key) {
  auto is_base64url = [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_';
  };
  int parts = 1;
  std::size_t part_length = 0;
  for (char c : key) {
    if (c == '.') {
      if (part_length == 0)
        return false;
      ++parts;
      part_length = 0;
      continue;
    }
    if (!is_base64url(c))
      return false;
    ++part_length;
  }
  return parts == 3 && part_length > 0;
}

std::string authorization_value(std::string_view key, AuthScheme scheme) {
  bool bearer = scheme == AuthScheme::Bearer || (scheme == AuthScheme::Auto && looks_like_jwt(key));
  std::string value = bearer ? "Bearer " : "Token ";
  value += key;
  return value;
}

namespace {

constexpr const char *kUserAgent = "qovery-job-secret-mcp";

bool is_control(char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; }

std::string format_duration(std::chrono::milliseconds duration) {
  auto ms = duration.count();
  if (ms % 1000 == 0)
    return std::to_string(ms / 1000) + " s";
  return std::to_string(ms) + " ms";
}

/// "8 MiB", "64 KiB", or "1000 bytes".
std::string format_size(std::uint64_t bytes) {
  if (bytes != 0 && bytes % (1024 * 1024) == 0)
    return std::to_string(bytes / (1024 * 1024)) + " MiB";
  if (bytes != 0 && bytes % 1024 == 0)
    return std::to_string(bytes / 1024) + " KiB";
  return std::to_string(bytes) + " bytes";
}

/// A header value an untrusted peer chose, fit for a message: printable
/// ASCII only, at most 32 characters.
std::string printable_excerpt(std::string_view text) {
  std::string excerpt;
  for (char c : text.substr(0, 32))
    excerpt += is_control(c) || static_cast<unsigned char>(c) > 0x7e ? '?' : c;
  return excerpt;
}

/// True when an idle keep-alive connection can carry a request: nothing is
/// waiting to be read on it. A server that closed it left an EOF or, over
/// TLS, a close_notify alert; httplib 0.11.4 only notices the EOF.
bool idle_connection_usable(int socket) {
  pollfd entry{socket, POLLIN, 0};
  return ::poll(&entry, 1, 0) == 0;
}

/// True when DNS says `host` does not exist, as opposed to failing for now
/// (EAI_AGAIN) or the host resolving: a connection error worth no retry.
bool host_unknown(const std::string &host) {
  if (is_ip_literal(host))
    return false;
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  addrinfo *found = nullptr;
  int status = getaddrinfo(host.c_str(), nullptr, &hints, &found);
  if (found != nullptr)
    freeaddrinfo(found);
  return status == EAI_NONAME;
}

bool is_method_token(std::string_view method) {
  return !method.empty() &&
         std::all_of(method.begin(), method.end(), [](char c) { return c >= 'A' && c <= 'Z'; });
}

UpstreamResponse failure(UpstreamError error, std::string message) {
  UpstreamResponse response;
  response.error = error;
  response.error_message = std::move(message);
  return response;
}

/// One attempt's answer, with what the retry policy needs besides it.
struct Attempt {
  UpstreamResponse response;
  std::optional<std::chrono::milliseconds> retry_after;
};

/// How long after the deadline the watchdog ends an attempt still reading.
/// httplib's read timeout, cut to the time left, ends a silent server first
/// and reports it as "no response"; the watchdog ends what still trickles.
constexpr std::chrono::milliseconds kDeadlineGrace{200};

/// One attempt: its client and time limits, and what its hooks saw while
/// httplib read the answer.
struct Reading {
  httplib::ClientImpl *client = nullptr;
  std::chrono::steady_clock::time_point deadline_at;
  /// The longest silence httplib waits for; cut to the time left once a TLS
  /// handshake is done.
  std::chrono::milliseconds read_timeout{0};
  /// Ends at the deadline plus kDeadlineGrace.
  WatchedAttempt watch;
  /// The head read so far; `done` once the status and headers all came.
  HeadBudget head{kMaxAnswerHeadBytes};
  std::string body;
  /// Why the hooks cancelled the read: the answer was refused.
  std::optional<UpstreamResponse> refusal;
  /// The content receiver found the deadline passed.
  bool deadline_passed = false;
};

/// The time from now until `deadline`, never negative; rounded up, so that
/// the first attempt gets the whole of a deadline as its timeout.
std::chrono::milliseconds time_until(std::chrono::steady_clock::time_point deadline) {
  auto left =
      std::chrono::ceil<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
  return std::max(left, std::chrono::milliseconds(0));
}

/// An SSL_CTX info callback: once the handshake is done, the attempt's read
/// timeout becomes at most the time left, so that a handshake that took
/// long cannot carry the wait for a response past the deadline. The SSL_CTX's
/// app data is the Reading of the attempt under way.
void on_tls_progress(const SSL *ssl, int where, int) {
  if ((where & SSL_CB_HANDSHAKE_DONE) == 0)
    return;
  auto *reading = static_cast<Reading *>(SSL_CTX_get_app_data(SSL_get_SSL_CTX(ssl)));
  if (reading == nullptr)
    return;
  reading->read_timeout =
      std::max(std::chrono::milliseconds(1),
               std::min(reading->read_timeout, time_until(reading->deadline_at)));
  reading->client->set_read_timeout(reading->read_timeout);
}

/// An SSL_CTX message callback: counts the application data records read
/// against the head of the answer under way (the SSL_CTX's app data, as for
/// on_tls_progress), and ends the connection once the head passed its limit.
/// The records of the handshake are not counted; a record is at most 16 KiB,
/// so the head read is at most that much over the limit.
void on_tls_message(int write_p, int, int content_type, const void *data, std::size_t length,
                    SSL *ssl, void *) {
  if (write_p != 0 || content_type != SSL3_RT_HEADER || length < SSL3_RT_HEADER_LENGTH ||
      !SSL_is_init_finished(ssl))
    return;
  const auto *header = static_cast<const unsigned char *>(data);
  auto *reading = static_cast<Reading *>(SSL_CTX_get_app_data(SSL_get_SSL_CTX(ssl)));
  if (reading == nullptr || header[0] != SSL3_RT_APPLICATION_DATA)
    return;
  if (!reading->head.take((std::size_t{header[3]} << 8) | header[4]))
    ::shutdown(SSL_get_fd(ssl), SHUT_RDWR);
}

/// A number drawn uniformly from [0, 1], for the backoff's jitter.
double draw_jitter() {
  thread_local std::mt19937_64 random{std::random_device{}()};
  return std::uniform_real_distribution<double>(0.0, 1.0)(random);
}

/// How an attempt ended, for the log line of a call that retried.
std::string attempt_outcome(const UpstreamResponse &response) {
  if (response.error != UpstreamError::None)
    return response.error_message;
  return "HTTP " + std::to_string(response.status);
}

} // namespace

struct HttpUpstream::Impl {
  BaseUrl url;
  std::string authority;       ///< "host:port" for messages, IPv6 in brackets
  std::string base_url_option; ///< HttpUpstreamConfig::base_url_option
  httplib::Headers headers;
  std::chrono::milliseconds connect_timeout;
  std::chrono::milliseconds read_timeout;
  std::chrono::milliseconds deadline;
  RetryPolicy retry;
  std::size_t max_idle_connections;
  /// --ca-file's CAs, read at start. The system's are looked up in the hashed
  /// directory `cert_dir`; where it has none, the system CA file is read in
  /// the background (parsing it is most of the start-up time) and waited for
  /// by the first TLS client. Each TLS client gets a store of them all.
  std::vector<Certificate> trusted;
  std::shared_future<std::vector<Certificate>> system_trusted;
  std::string cert_dir;

  std::size_t max_answer_bytes;

  std::mutex idle_mutex;
  std::vector<std::unique_ptr<httplib::ClientImpl>> idle; ///< most recently used last
  SocketWatchdog watchdog;

  UpstreamResponse send(const UpstreamRequest &request);
  /// Sends `request` once, waiting at most `time_left` for connection and
  /// silence, and ending it at `deadline_at` however the answer trickles in.
  Attempt send_once(httplib::Request request, std::chrono::steady_clock::time_point deadline_at);
  /// Why an answer whose status and headers are `response` is refused before
  /// its body is read: a Content-Encoding not offered, or a Content-Length over the limit.
  std::optional<UpstreamResponse> refuse_headers(const httplib::Response &response) const;
  /// The answer's body grew past the limit.
  UpstreamResponse too_large() const;
  /// The answer's head grew past kMaxAnswerHeadBytes.
  UpstreamResponse head_too_large() const;
  /// The deadline ended an attempt; `headers_received` tells whether an answer had begun.
  UpstreamResponse deadline_passed(bool headers_received) const;
  std::unique_ptr<httplib::ClientImpl> acquire();
  void release(std::unique_ptr<httplib::ClientImpl> client);
  std::unique_ptr<httplib::ClientImpl> make_client() const;
  X509_STORE *make_trust_store() const;
  UpstreamResponse describe(httplib::ClientImpl &client, httplib::Error error,
                            std::chrono::steady_clock::duration elapsed,
                            std::chrono::milliseconds attempt_connect_timeout,
                            std::chrono::milliseconds attempt_read_timeout) const;
};

X509_STORE *HttpUpstream::Impl::make_trust_store() const {
  X509_STORE *store = X509_STORE_new();
  if (!store)
    return nullptr;
  for (const auto &cert : trusted)
    X509_STORE_add_cert(store, cert.get());
  if (system_trusted.valid())
    for (const auto &cert : system_trusted.get())
      X509_STORE_add_cert(store, cert.get());
  if (X509_LOOKUP *lookup = X509_STORE_add_lookup(store, X509_LOOKUP_hash_dir()))
    X509_LOOKUP_add_dir(lookup, cert_dir.c_str(), X509_FILETYPE_PEM);
  ERR_clear_error();
  return store;
}

std::unique_ptr<httplib::ClientImpl> HttpUpstream::Impl::make_client() const {
  std::unique_ptr<httplib::ClientImpl> client;
  if (url.tls) {
    auto tls = std::make_unique<httplib::SSLClient>(url.host, url.port);
    // set_ca_cert_path alone would replace the system CAs, so the trust comes
    // from our own store (the SSL_CTX takes ownership of it, hence one per
    // client). httplib still loads its CA path into that store on the first
    // handshake; pointing it at the directory the store already has spares a
    // second parse of the system CA file (about 30 ms).
    tls->set_ca_cert_path("", cert_dir);
    tls->set_ca_cert_store(make_trust_store());
    // OpenSSL checks the name as part of verifying the chain, before httplib's
    // own check (whose IP address comparison in 0.11.4 reads past the SAN).
    // The subject CN is never taken for a host name (RFC 9525 section 6.3);
    // httplib's own check falls back to it, but only runs once this one passed.
    X509_VERIFY_PARAM *param = SSL_CTX_get0_param(tls->ssl_context());
    X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS |
                                               X509_CHECK_FLAG_NEVER_CHECK_SUBJECT);
    SSL_CTX_set_info_callback(tls->ssl_context(), on_tls_progress);
    SSL_CTX_set_msg_callback(tls->ssl_context(), on_tls_message);
    if (is_ip_literal(url.host))
      X509_VERIFY_PARAM_set1_ip_asc(param, url.host.c_str());
    else
      X509_VERIFY_PARAM_set1_host(param, url.host.c_str(), url.host.size());
    client = std::move(tls);
  } else {
    client = std::make_unique<HeadLimitedClient>(url.host, url.port);
  }
  client->set_keep_alive(true);
  client->set_tcp_nodelay(true);
  client->set_follow_location(false);
  client->set_url_encode(false);
  client->set_decompress(false);
  return client;
}

std::unique_ptr<httplib::ClientImpl> HttpUpstream::Impl::acquire() {
  std::unique_ptr<httplib::ClientImpl> client;
  {
    std::lock_guard lock(idle_mutex);
    if (!idle.empty()) {
      client = std::move(idle.back());
      idle.pop_back();
    }
  }
  if (!client)
    return make_client();
  if (client->is_socket_open() && !idle_connection_usable(client->socket()))
    client->stop();
  return client;
}

void HttpUpstream::Impl::release(std::unique_ptr<httplib::ClientImpl> client) {
  std::lock_guard lock(idle_mutex);
  if (idle.size() < max_idle_connections)
    idle.push_back(std::move(client));
}

UpstreamResponse
HttpUpstream::Impl::describe(httplib::ClientImpl &client, httplib::Error error,
                             std::chrono::steady_clock::duration elapsed,
                             std::chrono::milliseconds attempt_connect_timeout,
                             std::chrono::milliseconds attempt_read_timeout) const {
  using httplib::Error;
  switch (error) {
  case Error::Connection:
    // httplib reports a name that does not resolve as a connection error.
    if (host_unknown(url.host))
      return failure(UpstreamError::Unresolved,
                     "could not connect to " + authority + ": the host name " + url.host +
                         " does not resolve" +
                         (base_url_option.empty() ? " (is this machine offline?)"
                                                  : " (check " + base_url_option + ")"));
    return failure(UpstreamError::Connection, "could not connect to " + authority);
  case Error::ConnectionTimeout:
    return failure(UpstreamError::Timeout, "could not connect to " + authority + " within " +
                                               format_duration(attempt_connect_timeout));
  case Error::SSLConnection:
    return failure(UpstreamError::Tls, "TLS handshake with " + authority + " failed");
  case Error::SSLLoadingCerts:
    return failure(UpstreamError::Tls, "TLS handshake with " + authority +
                                           " failed: the trusted CA certificates could not be "
                                           "loaded");
  case Error::SSLServerVerification: {
    auto &tls = static_cast<httplib::SSLClient &>(client);
    long result = tls.get_openssl_verify_result();
    // httplib checks the host name again after the chain verified.
    std::string reason = result == X509_V_OK ? "the certificate is not valid for " + url.host
                                             : X509_verify_cert_error_string(result);
    return failure(UpstreamError::Tls, "TLS handshake with " + authority +
                                           " failed: certificate verification failed (" + reason +
                                           ")");
  }
  case Error::Read:
    // httplib reports a read timeout as a plain Read error.
    if (elapsed >= attempt_read_timeout)
      return failure(UpstreamError::Timeout, "no response from " + authority + " within " +
                                                 format_duration(attempt_read_timeout));
    return failure(UpstreamError::Connection,
                   "connection to " + authority + " closed before a response");
  case Error::Write:
    return failure(UpstreamError::Connection,
                   "connection to " + authority + " closed before a response");
  default:
    return failure(UpstreamError::Other,
                   "request to " + authority + " failed (" + httplib::to_string(error) + ")");
  }
}

UpstreamResponse HttpUpstream::Impl::send(const UpstreamRequest &request) {
  if (!is_method_token(request.method))
    return failure(UpstreamError::Other,
                   "invalid request method \"" + request.method.substr(0, 16) + "\"");
  if (request.path.empty() || request.path.front() != '/' || !is_path_text(request.path))
    return failure(UpstreamError::Other, "invalid request path: it must start with '/' and hold "
                                         "no spaces or control characters");

  for (const auto &[name, value] : request.headers)
    if (!is_token(name) || !is_field_value(value))
      return failure(UpstreamError::Other, "invalid header field \"" + name.substr(0, 64) +
                                               "\": a field name is a token, and its value holds "
                                               "no control characters");

  httplib::Request req;
  req.method = request.method;
  req.path = url.prefix + request.path;
  req.headers = headers;
  req.headers.insert(request.headers.begin(), request.headers.end());
  if (!request.body.empty()) {
    req.headers.emplace("Content-Type", "application/json");
    req.body = request.body;
  }

  auto deadline_at = std::chrono::steady_clock::now() + deadline;
  std::string first_outcome;
  for (int attempt = 1;; ++attempt) {
    // httplib adds headers to the request it sends: each attempt gets a copy.
    Attempt result = send_once(req, deadline_at);
    result.response.attempts = attempt;
    std::optional<std::chrono::milliseconds> delay =
        retry.next_delay(request.method, result.response, result.retry_after, attempt,
                         time_until(deadline_at), draw_jitter());
    if (!delay) {
      // One line per call that retried, however many attempts it made.
      if (attempt > 1) {
        std::string outcome = attempt_outcome(result.response);
        log::warning("upstream: " + request.method + " " + req.path + ": " + outcome + " after " +
                     std::to_string(attempt) + " attempts" +
                     (outcome == first_outcome ? "" : " (the first: " + first_outcome + ")"));
      }
      return std::move(result.response);
    }
    if (attempt == 1)
      first_outcome = attempt_outcome(result.response);
    std::this_thread::sleep_for(*delay);
  }
}

std::optional<UpstreamResponse>
HttpUpstream::Impl::refuse_headers(const httplib::Response &response) const {
  for (std::size_t i = 0; i < response.get_header_value_count("Content-Encoding"); ++i) {
    std::string encoding = response.get_header_value("Content-Encoding", i);
    if (!encoding.empty() && to_lower(encoding) != "identity")
      return failure(UpstreamError::BadAnswer, authority + " answered with Content-Encoding " +
                                                   printable_excerpt(encoding) +
                                                   ", which was not asked for");
  }
  auto length = response.get_header_value<std::uint64_t>("Content-Length");
  if (length > max_answer_bytes)
    return failure(UpstreamError::BadAnswer, "the answer from " + authority + " announces " +
                                                 std::to_string(length) + " bytes, more than the " +
                                                 format_size(max_answer_bytes) + " limit");
  return std::nullopt;
}

UpstreamResponse HttpUpstream::Impl::too_large() const {
  return failure(UpstreamError::BadAnswer, "the answer from " + authority + " is larger than the " +
                                               format_size(max_answer_bytes) + " limit");
}

UpstreamResponse HttpUpstream::Impl::head_too_large() const {
  return failure(UpstreamError::BadAnswer, "the header block of the answer from " + authority +
                                               " is larger than the " +
                                               format_size(kMaxAnswerHeadBytes) + " limit");
}

UpstreamResponse HttpUpstream::Impl::deadline_passed(bool headers_received) const {
  if (headers_received)
    return failure(UpstreamError::Timeout, "the answer from " + authority +
                                               " did not complete within " +
                                               format_duration(deadline));
  return failure(UpstreamError::Timeout,
                 "no complete answer from " + authority + " within " + format_duration(deadline));
}

Attempt HttpUpstream::Impl::send_once(httplib::Request request,
                                      std::chrono::steady_clock::time_point deadline_at) {
  auto time_left = time_until(deadline_at);
  auto attempt_connect_timeout = std::min(connect_timeout, time_left);
  auto attempt_read_timeout = std::min(read_timeout, time_left);
  auto client = acquire();
  client->set_connection_timeout(attempt_connect_timeout);
  client->set_read_timeout(attempt_read_timeout);

  Reading reading;
  reading.client = client.get();
  reading.deadline_at = deadline_at;
  reading.read_timeout = attempt_read_timeout;
  reading.watch.until = deadline_at + kDeadlineGrace;
  SSL_CTX *tls_context =
      url.tls ? static_cast<httplib::SSLClient &>(*client).ssl_context() : nullptr;
  if (tls_context)
    SSL_CTX_set_app_data(tls_context, &reading);
  else
    static_cast<HeadLimitedClient &>(*client).head = &reading.head;
  request.response_handler = [this, &reading](const httplib::Response &response) {
    reading.head.done = true;
    reading.refusal = refuse_headers(response);
    if (reading.refusal)
      return false;
    reading.body.reserve(
        static_cast<std::size_t>(response.get_header_value<std::uint64_t>("Content-Length")));
    return true;
  };
  request.content_receiver = [this, &reading](const char *data, std::size_t length, std::uint64_t,
                                              std::uint64_t) {
    if (length > max_answer_bytes - reading.body.size()) {
      reading.refusal = too_large();
      return false;
    }
    if (std::chrono::steady_clock::now() >= reading.watch.until) {
      reading.deadline_passed = true;
      return false;
    }
    reading.body.append(data, length);
    return true;
  };
  // A new connection replaces the pooled one: the watchdog follows it.
  client->set_socket_options(
      [this, &reading](socket_t socket) { watchdog.follow(reading.watch, socket); });
  watchdog.watch(reading.watch, client->is_socket_open() ? client->socket() : -1);

  httplib::Response res;
  auto error = httplib::Error::Success;
  auto started = std::chrono::steady_clock::now();
  bool sent = client->send(request, res, error);
  auto elapsed = std::chrono::steady_clock::now() - started;
  bool expired = watchdog.unwatch(reading.watch);
  client->set_socket_options(nullptr);
  if (tls_context)
    SSL_CTX_set_app_data(tls_context, nullptr);
  else
    static_cast<HeadLimitedClient &>(*client).head = nullptr;

  Attempt result;
  if (sent) {
    result.response.status = res.status;
    result.response.body = std::move(reading.body);
    result.retry_after = parse_retry_after(res.get_header_value("Retry-After"));
  } else if (reading.refusal) {
    result.response = std::move(*reading.refusal);
  } else if (reading.head.exceeded) {
    result.response = head_too_large();
  } else if (expired || reading.deadline_passed) {
    result.response = deadline_passed(reading.head.done);
  } else {
    result.response =
        describe(*client, error, elapsed, attempt_connect_timeout, reading.read_timeout);
  }
  release(std::move(client));
  return result;
}

Result<std::unique_ptr<HttpUpstream>> HttpUpstream::create(HttpUpstreamConfig config) {
  using Created = Result<std::unique_ptr<HttpUpstream>>;
  auto url = parse_base_url(config.base_url);
  if (!url)
    return Created::failure(url.error());
  if (std::any_of(config.api_key.begin(), config.api_key.end(), is_control))
    return Created::failure("the API key contains a control character (a trailing newline?)");
  if (config.connect_timeout.count() <= 0 || config.read_timeout.count() <= 0 ||
      config.deadline.count() <= 0)
    return Created::failure("connect and read timeouts and the deadline must be positive");
  if (config.retry.base_delay.count() < 0 || config.retry.max_delay.count() < 0 ||
      config.retry.min_attempt_time.count() <= 0)
    return Created::failure("retry delays must not be negative, nor the minimum attempt time zero");
  if (config.retry.max_attempts < 1)
    return Created::failure("the number of attempts per call must be at least 1");
  if (config.max_answer_bytes == 0)
    return Created::failure("the answer size limit must be positive");

  auto impl = std::make_unique<Impl>();
  if (!config.ca_file.empty()) {
    auto certificates = read_ca_file(config.ca_file);
    if (!certificates)
      return Created::failure(certificates.error());
    impl->trusted = std::move(certificates.value());
  }
  if (url->tls) {
    impl->cert_dir = default_cert_dir();
    if (!system_cas_in_dir(impl->cert_dir))
      impl->system_trusted =
          std::async(std::launch::async, system_certificates, default_cert_file()).share();
  }

  impl->url = std::move(url.value());
  bool default_port = impl->url.port == (impl->url.tls ? 443 : 80);
  std::string host = url_host(impl->url.host);
  impl->authority = host + ":" + std::to_string(impl->url.port);
  impl->headers = {
      {"Host", default_port ? host : impl->authority},
      {"Authorization", authorization_value(config.api_key, config.auth_scheme)},
      {"Accept", "application/json"},
      // Nothing is decompressed: an encoded answer is refused, so none is offered.
      {"Accept-Encoding", "identity"},
      {"User-Agent", kUserAgent},
  };
  impl->base_url_option = std::move(config.base_url_option);
  impl->connect_timeout = config.connect_timeout;
  impl->read_timeout = config.read_timeout;
  impl->deadline = config.deadline;
  impl->retry = config.retry;
  impl->max_idle_connections = config.max_idle_connections;
  impl->max_answer_bytes = config.max_answer_bytes;

  ignore_sigpipe();
  return std::unique_ptr<HttpUpstream>(new HttpUpstream(std::move(impl)));
}

HttpUpstream::HttpUpstream(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

HttpUpstream::~HttpUpstream() = default;

UpstreamResponse HttpUpstream::send(const UpstreamRequest &request) {
  try {
    return impl_->send(request);
  } catch (...) {
    return failure(UpstreamError::Other,
                   "unexpected failure while sending a request to " + impl_->authority);
  }
}

} // namespace qovery_mcp
