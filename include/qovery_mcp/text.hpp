#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace qovery_mcp {

/// `text` with ASCII letters lower-cased (header names, schemes, host names).
std::string to_lower(std::string_view text);
/// `text` with ASCII letters upper-cased (HTTP methods).
std::string to_upper(std::string_view text);
/// The media type of a Content-Type value or of one Accept element, without
/// parameters or blanks, lower-cased: "Application/JSON; charset=utf-8" ->
/// "application/json".
std::string media_type(std::string_view value);
/// The number of UTF-8 code points in `text` (bytes that do not continue one).
std::size_t code_points(std::string_view text);
/// Whether `text` is a UUID: 8-4-4-4-12 hexadecimal digits, either case (ids
/// in paths and arguments; any version).
bool is_uuid(std::string_view text);
/// `text` without the spaces and tabs around it (RFC 9110, 5.6.3: optional
/// whitespace, which is not part of a field value or a list member).
std::string_view trim_ows(std::string_view text);
/// Whether `text` is an HTTP token (RFC 9110, 5.6.2): one or more letters,
/// digits and !#$%&'*+-.^_`|~ (field names, methods).
bool is_token(std::string_view text);
/// Whether `text` may be sent as an HTTP field value (RFC 9110, 5.5): no
/// control character but tab, and no DEL, so that it cannot end the field or
/// start another.
bool is_field_value(std::string_view text);
/// `bytes` as lower-case hexadecimal, two digits a byte (random ids, digests).
std::string to_hex(std::string_view bytes);
/// The bytes of `hex` (to_hex's output, either case); nullopt for an odd
/// length or a character that is not a hexadecimal digit.
std::optional<std::string> from_hex(std::string_view hex);
/// `bytes` random bytes from the OS CSPRNG (getrandom), hex-encoded: session
/// ids, value-entry links and their tokens. Throws std::runtime_error when the
/// generator fails.
std::string random_hex(std::size_t bytes);
/// Whether `host` (a --host value, or a URL's host) is a loopback address:
/// 127.0.0.0/8, ::1 (bracketed or not, or IPv4-mapped) or "localhost".
/// Anything else, names included, may be reachable from elsewhere.
bool is_loopback_host(std::string_view host);
/// `host` as a URL's authority writes it: an IPv6 literal in brackets
/// (RFC 3986, 3.2.2), anything else as it is.
std::string url_host(const std::string &host);

} // namespace qovery_mcp
