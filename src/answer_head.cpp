#include "answer_head.hpp"

namespace qovery_mcp {
namespace {

/// A Stream that passes everything to `inner` and counts what it reads
/// against `head`.
class CountingStream : public httplib::Stream {
public:
  CountingStream(httplib::Stream &inner, HeadBudget *head) : inner_(inner), head_(head) {}

  bool is_readable() const override { return inner_.is_readable(); }
  bool is_writable() const override { return inner_.is_writable(); }
  ssize_t read(char *ptr, size_t size) override {
    ssize_t got = inner_.read(ptr, size);
    if (got > 0 && head_ != nullptr && !head_->take(static_cast<std::size_t>(got)))
      return -1;
    return got;
  }
  ssize_t write(const char *ptr, size_t size) override { return inner_.write(ptr, size); }
  void get_remote_ip_and_port(std::string &ip, int &port) const override {
    inner_.get_remote_ip_and_port(ip, port);
  }
  void get_local_ip_and_port(std::string &ip, int &port) const override {
    inner_.get_local_ip_and_port(ip, port);
  }
  socket_t socket() const override { return inner_.socket(); }

private:
  httplib::Stream &inner_;
  HeadBudget *head_;
};

} // namespace

// What ClientImpl::process_socket does, with the stream wrapped.
bool HeadLimitedClient::process_socket(const Socket &socket,
                                       std::function<bool(httplib::Stream &)> callback) {
  return httplib::detail::process_client_socket(socket.sock, read_timeout_sec_, read_timeout_usec_,
                                                write_timeout_sec_, write_timeout_usec_,
                                                [&](httplib::Stream &stream) {
                                                  CountingStream counted(stream, head);
                                                  return callback(counted);
                                                });
}

} // namespace qovery_mcp
