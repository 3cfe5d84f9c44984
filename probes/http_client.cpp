// The HTTP client adapter: the only file that includes httplib.h.
//
// cpp-httplib 0.11 (Debian bookworm) cannot talk to unix sockets, so
// http+unix requests use a small HTTP/1.1 client over net.h here: one
// request with "Connection: close", response framed by Content-Length,
// chunked encoding or end of stream.
#include "probes/http_client.h"

#include <httplib.h>

#include <algorithm>
#include <condition_variable>
#include <cstring>
#include <mutex>
#include <thread>

#include "probes/net.h"
#include "util/duration.h"
#include "util/strings.h"

namespace stackgate::probes {

namespace {

constexpr const char* k_user_agent = "stackgate/0.1";

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && util::to_lower(a) == util::to_lower(b);
}

std::string host_port(const HttpRequest& r) {
  return (r.host.find(':') != std::string::npos ? "[" + r.host + "]" : r.host) + ":" + std::to_string(r.port);
}

HttpError from_net(const net::NetError& e) {
  switch (e.kind) {
    case net::NetFailure::refused:
    case net::NetFailure::missing: return {HttpFailure::refused, e.message};
    case net::NetFailure::unreachable: return {HttpFailure::unreachable, e.message};
    case net::NetFailure::dns: return {HttpFailure::dns, e.message};
    case net::NetFailure::timeout: return {HttpFailure::timeout, e.message};
    case net::NetFailure::reset:
    case net::NetFailure::closed: return {HttpFailure::closed, e.message};
    case net::NetFailure::denied: return {HttpFailure::denied, e.message};
    case net::NetFailure::other: return {HttpFailure::other, e.message};
  }
  return {HttpFailure::other, e.message};
}

// The one mapping from httplib's error codes. Error::Connection lumps DNS,
// refused and unreachable together; the caller refines it.
HttpError failure_from_httplib_error(httplib::Error error, const HttpRequest& r, const net::Deadline& deadline) {
  std::string where = host_port(r);
  bool verification = error == httplib::Error::SSLServerVerification || error == httplib::Error::SSLLoadingCerts;
  if (deadline.passed() && !verification && error != httplib::Error::Connection &&
      error != httplib::Error::ConnectionTimeout) {
    // The watchdog cut the exchange off, whatever step it was in.
    return {HttpFailure::timeout,
            "timed out after " + util::format_duration(deadline.budget) + " waiting for an answer from " + where};
  }
  switch (error) {
    case httplib::Error::Connection: return {HttpFailure::refused, "connection refused"};
    case httplib::Error::ConnectionTimeout:
      return {HttpFailure::timeout, "timed out after " + util::format_duration(deadline.budget) + " connecting to " + where};
    case httplib::Error::Read:
    case httplib::Error::Canceled:
      if (deadline.passed()) {
        return {HttpFailure::timeout,
                "timed out after " + util::format_duration(deadline.budget) + " waiting for an answer from " + where};
      }
      return {HttpFailure::closed, "connection closed by " + where + " before a complete response"};
    case httplib::Error::Write: return {HttpFailure::closed, "connection closed by " + where + " while sending"};
    case httplib::Error::SSLServerVerification:
      return {HttpFailure::tls, "TLS certificate verification failed for " + where};
    case httplib::Error::SSLLoadingCerts:
      return {HttpFailure::tls, "cannot load CA certificates" + (r.ca_file.empty() ? "" : " from " + r.ca_file)};
    case httplib::Error::SSLConnection: return {HttpFailure::other, "TLS handshake with " + where + " failed"};
    default: return {HttpFailure::other, "HTTP request to " + where + " failed (" + httplib::to_string(error) + ")"};
  }
}

// cpp-httplib 0.11 bounds each read and write by its own timeout, never the
// request: a server that sends one byte every 0.3 s keeps a request alive
// for ever. The watchdog stops the client at the deadline. ClientImpl::stop()
// only shuts the socket down while a request is in flight (the one thing
// that is safe from another thread), so the blocked read fails at once. It
// repeats every 10 ms in case the request had not connected yet.
class Watchdog {
 public:
  Watchdog(httplib::ClientImpl& client, net::Clock::time_point deadline)
      : m_thread([this, &client, deadline] { watch(client, deadline); }) {}
  Watchdog(const Watchdog&) = delete;
  Watchdog& operator=(const Watchdog&) = delete;
  ~Watchdog() {
    {
      std::lock_guard lock(m_mutex);
      m_done = true;
    }
    m_cv.notify_one();
    m_thread.join();
  }

 private:
  void watch(httplib::ClientImpl& client, net::Clock::time_point deadline) {
    std::unique_lock lock(m_mutex);
    if (m_cv.wait_until(lock, deadline, [this] { return m_done; })) return;
    while (!m_done) {
      lock.unlock();
      client.stop();
      lock.lock();
      m_cv.wait_for(lock, std::chrono::milliseconds(10), [this] { return m_done; });
    }
  }

  std::mutex m_mutex;
  std::condition_variable m_cv;
  bool m_done = false;
  std::thread m_thread;  // last: starts once the members above exist
};

std::expected<HttpResponse, HttpError> tcp_request(const HttpRequest& r) {
  net::Deadline deadline = net::Deadline::after(r.timeout);
  std::unique_ptr<httplib::ClientImpl> client;
  if (r.tls) {
    auto ssl = std::make_unique<httplib::SSLClient>(r.host, r.port);
    ssl->enable_server_certificate_verification(r.verify_tls);
    if (!r.ca_file.empty()) ssl->set_ca_cert_path(r.ca_file);
    client = std::move(ssl);
  } else {
    client = std::make_unique<httplib::ClientImpl>(r.host, r.port);
  }
  client->set_connection_timeout(r.timeout);
  client->set_read_timeout(r.timeout);
  client->set_write_timeout(r.timeout);
  client->set_follow_location(false);
  client->set_keep_alive(false);

  httplib::Request req;
  req.method = r.method;
  req.path = r.target;
  req.headers.emplace("User-Agent", k_user_agent);
  for (const auto& [name, value] : r.headers) req.headers.emplace(name, value);
  if (!r.body.empty() || !r.content_type.empty()) {
    req.body = r.body;
    if (!r.content_type.empty()) req.headers.emplace("Content-Type", r.content_type);
  }
  HttpResponse out;
  bool truncated = false;
  req.content_receiver = [&](const char* data, size_t len, uint64_t, uint64_t) {
    size_t room = r.max_body - std::min(r.max_body, out.body.size());
    out.body.append(data, std::min(room, len));
    if (len > room) truncated = true;
    return !truncated && !deadline.passed();
  };
  req.progress = [&](uint64_t, uint64_t) { return !deadline.passed(); };

  httplib::Response res;
  httplib::Error error = httplib::Error::Success;
  bool ok = false;
  {
    Watchdog watchdog(*client, deadline.at);
    ok = client->send(req, res, error);
  }
  if (!ok && !(truncated && error == httplib::Error::Canceled)) {
    HttpError failure = failure_from_httplib_error(error, r, deadline);
    if (error == httplib::Error::Connection) {
      // Ask the socket layer what went wrong (name, refused, unreachable).
      auto probe = net::connect_tcp(r.host, r.port, deadline);
      if (!probe) failure = from_net(probe.error());
    }
    return std::unexpected(failure);
  }
  out.status = res.status;
  for (const auto& [name, value] : res.headers) out.headers.emplace_back(name, value);
  return out;
}

// --- http+unix: a minimal HTTP/1.1 client -----------------------------------

class UnixExchange {
 public:
  UnixExchange(net::Socket socket, const HttpRequest& r, const net::Deadline& deadline)
      : m_socket(std::move(socket)), m_request(r), m_deadline(deadline) {}

  std::expected<HttpResponse, HttpError> run() {
    if (auto sent = net::send_all(m_socket, format_request(), m_deadline, m_request.socket_path); !sent) {
      return std::unexpected(from_net(sent.error()));
    }
    HttpResponse response;
    if (auto head = read_head(response); !head) return std::unexpected(head.error());
    bool no_body = m_request.method == "HEAD" || response.status == 204 || response.status == 304 ||
                   response.status / 100 == 1;
    if (no_body) return response;
    std::string encoding = util::to_lower(response.header("Transfer-Encoding"));
    std::string length = response.header("Content-Length");
    std::expected<void, HttpError> body;
    if (encoding.find("chunked") != std::string::npos) {
      body = read_chunked(response.body);
    } else if (!length.empty()) {
      body = read_exactly(std::strtoull(length.c_str(), nullptr, 10), response.body);
    } else {
      body = read_to_end(response.body);
    }
    if (!body) return std::unexpected(body.error());
    return response;
  }

 private:
  std::string format_request() const {
    const HttpRequest& r = m_request;
    std::string out = r.method + " " + r.target + " HTTP/1.1\r\nHost: localhost\r\nUser-Agent: " + k_user_agent +
                      "\r\nConnection: close\r\n";
    for (const auto& [name, value] : r.headers) out += name + ": " + value + "\r\n";
    if (!r.content_type.empty()) out += "Content-Type: " + r.content_type + "\r\n";
    if (!r.body.empty() || r.method == "POST" || r.method == "PUT") {
      out += "Content-Length: " + std::to_string(r.body.size()) + "\r\n";
    }
    return out + "\r\n" + r.body;
  }

  // Reads more into m_buffer; false at end of stream.
  std::expected<bool, HttpError> fill() {
    char chunk[4096];
    auto n = net::recv_some(m_socket, chunk, sizeof chunk, m_deadline, m_request.socket_path);
    if (!n) return std::unexpected(from_net(n.error()));
    m_buffer.append(chunk, *n);
    return *n > 0;
  }

  HttpError closed_early() const {
    return {HttpFailure::closed, "connection closed by " + m_request.socket_path + " before a complete response"};
  }

  std::expected<void, HttpError> read_head(HttpResponse& response) {
    size_t end;
    while ((end = m_buffer.find("\r\n\r\n")) == std::string::npos) {
      if (m_buffer.size() > 64 * 1024) return std::unexpected(HttpError{HttpFailure::other, "response headers too long"});
      auto more = fill();
      if (!more) return std::unexpected(more.error());
      if (!*more) return std::unexpected(closed_early());
    }
    std::vector<std::string> lines = util::split(std::string_view(m_buffer).substr(0, end), '\n');
    m_buffer.erase(0, end + 4);
    // "HTTP/1.1 200 OK"
    const std::string& status_line = lines.front();
    if (!status_line.starts_with("HTTP/1.") || status_line.size() < 12) {
      return std::unexpected(HttpError{HttpFailure::other, "not an HTTP response from " + m_request.socket_path});
    }
    response.status = std::atoi(status_line.c_str() + 9);
    for (size_t i = 1; i < lines.size(); ++i) {
      std::string_view line = util::trim(lines[i]);
      size_t colon = line.find(':');
      if (colon == std::string_view::npos) continue;
      response.headers.emplace_back(std::string(line.substr(0, colon)), std::string(util::trim(line.substr(colon + 1))));
    }
    return {};
  }

  void keep(std::string& body, std::string_view data) const {
    size_t room = m_request.max_body - std::min(m_request.max_body, body.size());
    body.append(data.substr(0, room));
  }

  std::expected<void, HttpError> read_exactly(size_t length, std::string& body) {
    while (m_buffer.size() < length && m_buffer.size() < m_request.max_body) {
      auto more = fill();
      if (!more) return std::unexpected(more.error());
      if (!*more) return std::unexpected(closed_early());
    }
    keep(body, std::string_view(m_buffer).substr(0, length));
    return {};
  }

  std::expected<void, HttpError> read_to_end(std::string& body) {
    for (;;) {
      keep(body, m_buffer);
      m_buffer.clear();
      if (body.size() >= m_request.max_body) return {};
      auto more = fill();
      if (!more) return std::unexpected(more.error());
      if (!*more) return {};
    }
  }

  std::expected<void, HttpError> read_chunked(std::string& body) {
    for (;;) {
      size_t eol;
      while ((eol = m_buffer.find("\r\n")) == std::string::npos) {
        auto more = fill();
        if (!more) return std::unexpected(more.error());
        if (!*more) return std::unexpected(closed_early());
      }
      size_t size = std::strtoull(m_buffer.c_str(), nullptr, 16);
      m_buffer.erase(0, eol + 2);
      if (size == 0 || body.size() >= m_request.max_body) return {};
      while (m_buffer.size() < size + 2) {
        auto more = fill();
        if (!more) return std::unexpected(more.error());
        if (!*more) return std::unexpected(closed_early());
      }
      keep(body, std::string_view(m_buffer).substr(0, size));
      m_buffer.erase(0, size + 2);
    }
  }

  net::Socket m_socket;
  const HttpRequest& m_request;
  net::Deadline m_deadline;
  std::string m_buffer;
};

std::expected<HttpResponse, HttpError> unix_request(const HttpRequest& r) {
  net::Deadline deadline = net::Deadline::after(r.timeout);
  auto socket = net::connect_unix(r.socket_path, deadline);
  if (!socket) return std::unexpected(from_net(socket.error()));
  return UnixExchange(std::move(*socket), r, deadline).run();
}

std::string base64(std::string_view in) {
  static constexpr char k_alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    unsigned n = (unsigned char)in[i] << 16 | (unsigned char)in[i + 1] << 8 | (unsigned char)in[i + 2];
    out += {k_alphabet[n >> 18], k_alphabet[(n >> 12) & 63], k_alphabet[(n >> 6) & 63], k_alphabet[n & 63]};
  }
  if (i + 1 == in.size()) {
    unsigned n = (unsigned char)in[i] << 16;
    out += {k_alphabet[n >> 18], k_alphabet[(n >> 12) & 63], '=', '='};
  } else if (i + 2 == in.size()) {
    unsigned n = (unsigned char)in[i] << 16 | (unsigned char)in[i + 1] << 8;
    out += {k_alphabet[n >> 18], k_alphabet[(n >> 12) & 63], k_alphabet[(n >> 6) & 63], '='};
  }
  return out;
}

}  // namespace

std::string basic_authorization(std::string_view user, std::string_view password) {
  return "Basic " + base64(std::string(user) + ":" + std::string(password));
}

std::string HttpResponse::header(std::string_view name) const {
  for (const auto& [k, v] : headers) {
    if (iequals(k, name)) return v;
  }
  return "";
}

std::expected<HttpResponse, HttpError> http_request(const HttpRequest& request) {
  if (!request.socket_path.empty()) return unix_request(request);
  return tcp_request(request);
}

Outcome outcome_from_http_error(const HttpError& error) {
  switch (error.kind) {
    case HttpFailure::refused:
    case HttpFailure::unreachable: return Outcome::not_yet(error.message, true);
    case HttpFailure::dns: return Outcome::unresolved(error.message);
    case HttpFailure::tls:
    case HttpFailure::denied: return Outcome::fatal(error.message);
    case HttpFailure::timeout:
    case HttpFailure::closed:
    case HttpFailure::other: return Outcome::not_yet(error.message);
  }
  return Outcome::not_yet(error.message);
}

}  // namespace stackgate::probes
