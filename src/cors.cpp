#include "cors.hpp"

#include <httplib.h>

namespace qovery_mcp {
namespace {

/// Seconds a browser may keep a preflight's answer. Chromium keeps one at
/// most 7,200 s, Firefox 86,400 s; this is Chromium's cap.
constexpr int kPreflightMaxAgeSeconds = 7200;

} // namespace

bool is_preflight(const httplib::Request &req) {
  return req.method == "OPTIONS" && req.has_header("Origin") &&
         req.has_header("Access-Control-Request-Method");
}

void answer_preflight(const httplib::Request &req, const CorsPolicy &cors, httplib::Response &res) {
  res.status = 204;
  if (std::string methods = cors.methods(req.path); !methods.empty())
    res.set_header("Access-Control-Allow-Methods", methods);
  res.set_header("Access-Control-Allow-Headers", cors.request_headers);
  res.set_header("Access-Control-Max-Age", std::to_string(kPreflightMaxAgeSeconds));
}

void add_cors_headers(const httplib::Request &req, const HttpServerOptions &options,
                      const CorsPolicy &cors, httplib::Response &res) {
  res.set_header("Vary", "Origin");
  if (!req.has_header("Origin") || is_page_path(req.path, options))
    return;
  std::string origin = req.get_header_value("Origin");
  if (!origin_allowed(origin, options))
    return;
  res.set_header("Access-Control-Allow-Origin", origin);
  res.set_header("Access-Control-Expose-Headers", cors.exposed_headers);
}

} // namespace qovery_mcp
