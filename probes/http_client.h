// A small HTTP client over cpp-httplib: the only file that includes
// httplib.h is http_client.cpp. Used by the http, clickhouse and
// elasticsearch probes,
// both compiled into the libstackgate-http.so module.
#pragma once

#include <chrono>
#include <expected>
#include <string>
#include <utility>
#include <vector>

#include "probes/probe.h"

namespace stackgate::probes {

struct HttpRequest {
  std::string method = "GET";
  bool tls = false;                 // https
  std::string host;                 // ignored when socket_path is set
  int port = 0;
  std::string socket_path;          // http+unix: connect to this unix socket
  std::string target = "/";         // path and query, already encoded
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::string content_type;
  std::chrono::milliseconds timeout{2000};  // bounds connect + read + write
  bool verify_tls = true;
  std::string ca_file;
  size_t max_body = 64 * 1024;      // read at most this much of the body
};

struct HttpResponse {
  int status = 0;
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string header(std::string_view name) const;  // case-insensitive, "" if absent
};

// refused/unreachable/dns: nothing answered yet (cheap to retry); timeout:
// the request's timeout passed; tls: certificate verification or CA loading
// failed (waiting will not fix it); closed: the peer closed or reset before a
// whole response; denied: no permission on the unix socket.
enum class HttpFailure { refused, unreachable, dns, timeout, tls, closed, other, denied };

struct HttpError {
  HttpFailure kind = HttpFailure::other;
  std::string message;  // one line, no secrets
};

/// The one mapping from a failed request to an attempt's outcome: refused,
/// unreachable and not-yet-resolvable names are cheap not_yet; TLS and
/// permission failures are fatal; timeouts and closed connections not_yet.
Outcome outcome_from_http_error(const HttpError& error);

/// The value of an `Authorization: Basic ...` header for user:password.
std::string basic_authorization(std::string_view user, std::string_view password);

/// One request, no redirects followed, no retries, over by request.timeout
/// whatever the server does (a watchdog stops cpp-httplib, which bounds only
/// each read, at the deadline). Name resolution over TCP is cpp-httplib's
/// blocking getaddrinfo(), which nothing can interrupt. TCP (http, https) goes through cpp-httplib; http+unix
/// (socket_path set) through a minimal HTTP/1.1 client on net.h. Bodies
/// longer than max_body are truncated, not an error.
std::expected<HttpResponse, HttpError> http_request(const HttpRequest& request);

}  // namespace stackgate::probes
