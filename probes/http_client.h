// A small HTTP client over cpp-httplib: the only file that includes
// httplib.h is http_client.cpp. Used by the http and clickhouse probes,
// both compiled into the libstackgate-http.so module.
#pragma once

#include <chrono>
#include <expected>
#include <string>
#include <utility>
#include <vector>

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

enum class HttpFailure { refused, unreachable, dns, timeout, tls, closed, other };

struct HttpError {
  HttpFailure kind = HttpFailure::other;
  std::string message;  // one line, no secrets
};

/// One request, no redirects followed, no retries.
std::expected<HttpResponse, HttpError> http_request(const HttpRequest& request);

}  // namespace stackgate::probes
