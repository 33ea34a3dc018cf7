#pragma once

#include "qovery_mcp/http_server.hpp"

namespace qovery_mcp {

/// Whether `req` is a CORS preflight: OPTIONS with Origin and
/// Access-Control-Request-Method (Fetch standard, "CORS-preflight request").
bool is_preflight(const httplib::Request &req);

/// Makes `res` the answer to a preflight from an accepted origin: 204 with
/// what the page may send (Fetch standard, "CORS-preflight fetch": an ok
/// status, then the methods and headers the actual request needs) and how
/// long a browser may keep it. The Origin's own headers come with every
/// answer (add_cors_headers()).
void answer_preflight(const httplib::Request &req, const CorsPolicy &cors, httplib::Response &res);

/// Adds `Vary: Origin` to every answer, as what it carries depends on the
/// Origin (Fetch standard, "CORS protocol and HTTP caches"); for an Origin
/// that `options` accept, that origin in Access-Control-Allow-Origin (never
/// "*") and `cors.exposed_headers` in Access-Control-Expose-Headers; none on
/// a page path (HttpServerOptions::page_prefixes), which no other origin may read.
void add_cors_headers(const httplib::Request &req, const HttpServerOptions &options,
                      const CorsPolicy &cors, httplib::Response &res);

} // namespace qovery_mcp
