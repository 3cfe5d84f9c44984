// A small HTTP/1.1 server for `stackgate serve`: GET only, one answer per
// connection ("Connection: close"), a handler that returns a whole body.
//
// Not cpp-httplib: linking it into the binary would map OpenSSL, zlib and
// Brotli for every command (README, "Rejected ideas"), and Debian's 0.11
// cannot listen on a unix socket. Health endpoints need neither TLS nor
// keep-alive: Prometheus and `stackgate check` reconnect per request.
//
// Thread-safety: run() is called from one thread; stop() from any thread
// (also from the signal watcher). Each connection is served on its own
// short-lived thread (at most k_max_connections at once; more wait in the
// kernel's listen backlog), with every read and write bounded, so a slow
// client cannot hold the others for long.
#pragma once

#include <atomic>
#include <expected>
#include <functional>
#include <string>

namespace stackgate::gate {

struct HttpRequest {
  std::string method;  // "GET"
  std::string path;    // "/readyz"
  std::string query;   // "service=backend" (raw, without '?')
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;
};

/// Value of `key` in a query string ("a=1&service=x"), percent-decoded;
/// empty when absent.
std::string query_value(const std::string& query, const std::string& key);

class HttpServer {
 public:
  using Handler = std::function<HttpResponse(const HttpRequest&)>;
  static constexpr int k_max_connections = 16;

  HttpServer() = default;
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  /// Binds and listens on "HOST:PORT" ("0.0.0.0:9400", "[::1]:9400",
  /// port 0 picks a free one) or "unix:/path" (an existing socket file is
  /// replaced). The error is one line.
  std::expected<void, std::string> listen(const std::string& address);
  /// "127.0.0.1:40123" or "unix:/path": where it really listens.
  const std::string& bound_address() const { return m_bound; }
  /// Serves until stop() or `cancelled` (checked every 50 ms). `handler`
  /// must not throw; connections still open when run() returns keep it alive.
  void run(Handler handler, const std::atomic<bool>& cancelled);
  /// Makes run() return soon (within one poll slice, 50 ms).
  void stop();

 private:
  int m_fd = -1;
  std::string m_bound;
  std::string m_unix_path;
  std::atomic<bool> m_stop{false};
};

}  // namespace stackgate::gate
