#include "probes/http1.h"

#include <algorithm>
#include <charconv>

#include "util/strings.h"

namespace stackgate::probes::http1 {

namespace {

constexpr size_t k_max_chunk_line = 1024;

net::NetError malformed(std::string_view what, const std::string& detail) {
  return {net::NetFailure::other, std::string(what) + " sent a malformed HTTP answer (" + detail + ")"};
}

// Reads one answer from the socket into a buffer; the framing methods consume
// the buffer from the front.
class Reader {
 public:
  Reader(const net::Socket& socket, const net::Deadline& deadline, std::string_view what, size_t max_body)
      : m_socket(socket), m_deadline(deadline), m_what(what), m_max_body(max_body) {}

  std::expected<Response, net::NetError> read() {
    Response response;
    if (auto head = read_head(response); !head) return std::unexpected(head.error());
    if (response.status / 100 == 1 || response.status == 204 || response.status == 304) return response;
    std::string encoding = util::to_lower(response.header("Transfer-Encoding"));
    std::string length = response.header("Content-Length");
    std::expected<void, net::NetError> body;
    // RFC 9112 6.3: chunked wins over Content-Length.
    if (encoding.find("chunked") != std::string::npos) {
      body = read_chunked(response.body);
    } else if (!length.empty()) {
      size_t n = 0;
      auto [end, ec] = std::from_chars(length.data(), length.data() + length.size(), n);
      if (ec != std::errc() || end != length.data() + length.size()) {
        return std::unexpected(malformed(m_what, "bad Content-Length"));
      }
      body = read_exactly(n, response.body);
    } else {
      body = read_to_end(response.body);
    }
    if (!body) return std::unexpected(body.error());
    return response;
  }

 private:
  // Reads more into m_buffer; false at end of stream.
  std::expected<bool, net::NetError> fill() {
    char chunk[8192];
    auto n = net::recv_some(m_socket, chunk, sizeof chunk, m_deadline, m_what);
    if (!n) return std::unexpected(n.error());
    m_buffer.append(chunk, *n);
    return *n > 0;
  }

  // Fills until `ready()` holds; an end of stream first is an error.
  template <typename Pred>
  std::expected<void, net::NetError> fill_until(Pred ready) {
    while (!ready()) {
      auto more = fill();
      if (!more) return std::unexpected(more.error());
      if (!*more) {
        return std::unexpected(
            net::NetError{net::NetFailure::closed, std::string(m_what) + " closed the connection before a complete answer"});
      }
    }
    return {};
  }

  net::NetError too_large() const {
    std::string limit = m_max_body % (1024 * 1024) == 0 ? std::to_string(m_max_body / (1024 * 1024)) + " MiB"
                                                         : std::to_string(m_max_body) + " bytes";
    return {net::NetFailure::other, std::string(m_what) + " sent an answer larger than " + limit};
  }

  std::expected<void, net::NetError> read_head(Response& response) {
    size_t end = std::string::npos;
    auto have_head = [&] {
      end = m_buffer.find("\r\n\r\n");
      return end != std::string::npos || m_buffer.size() > k_max_head;
    };
    if (auto ok = fill_until(have_head); !ok) return ok;
    if (end == std::string::npos) return std::unexpected(malformed(m_what, "header longer than 64 KiB"));
    std::vector<std::string> lines = util::split(std::string_view(m_buffer).substr(0, end), '\n');
    m_buffer.erase(0, end + 4);
    // "HTTP/1.1 200 OK"
    std::string_view status_line = util::trim(lines.front());
    int status = 0;
    if (!status_line.starts_with("HTTP/1.") || status_line.size() < 12 || status_line[8] != ' ' ||
        std::from_chars(status_line.data() + 9, status_line.data() + 12, status).ptr != status_line.data() + 12 ||
        status < 100) {
      return std::unexpected(malformed(m_what, "no HTTP/1.x status line"));
    }
    response.status = status;
    for (size_t i = 1; i < lines.size(); ++i) {
      std::string_view line = util::trim(lines[i]);
      size_t colon = line.find(':');
      if (colon == std::string_view::npos) continue;
      response.headers.emplace_back(std::string(util::trim(line.substr(0, colon))),
                                    std::string(util::trim(line.substr(colon + 1))));
    }
    return {};
  }

  std::expected<void, net::NetError> read_exactly(size_t length, std::string& body) {
    if (length > m_max_body) return std::unexpected(too_large());
    if (auto ok = fill_until([&] { return m_buffer.size() >= length; }); !ok) return ok;
    body.assign(m_buffer, 0, length);
    return {};
  }

  std::expected<void, net::NetError> read_to_end(std::string& body) {
    for (;;) {
      if (m_buffer.size() > m_max_body) return std::unexpected(too_large());
      auto more = fill();
      if (!more) return std::unexpected(more.error());
      if (!*more) break;
    }
    body = std::move(m_buffer);
    return {};
  }

  // chunk = size-in-hex [; extension] CRLF data CRLF, ending with a 0 chunk.
  // The trailer after it is not read: the connection closes anyway.
  std::expected<void, net::NetError> read_chunked(std::string& body) {
    for (;;) {
      size_t eol = std::string::npos;
      auto have_line = [&] {
        eol = m_buffer.find("\r\n");
        return eol != std::string::npos || m_buffer.size() > k_max_chunk_line;
      };
      if (auto ok = fill_until(have_line); !ok) return ok;
      if (eol == std::string::npos) return std::unexpected(malformed(m_what, "chunk size line too long"));
      std::string_view line = std::string_view(m_buffer).substr(0, eol);
      line = util::trim(line.substr(0, line.find(';')));
      size_t size = 0;
      auto [end, ec] = std::from_chars(line.data(), line.data() + line.size(), size, 16);
      if (line.empty() || ec != std::errc() || end != line.data() + line.size()) {
        return std::unexpected(malformed(m_what, "bad chunk size"));
      }
      m_buffer.erase(0, eol + 2);
      if (size == 0) return {};
      if (size > m_max_body - std::min(m_max_body, body.size())) return std::unexpected(too_large());
      if (auto ok = fill_until([&] { return m_buffer.size() >= size + 2; }); !ok) return ok;
      if (m_buffer.compare(size, 2, "\r\n") != 0) return std::unexpected(malformed(m_what, "chunk not followed by CRLF"));
      body.append(m_buffer, 0, size);
      m_buffer.erase(0, size + 2);
    }
  }

  const net::Socket& m_socket;
  const net::Deadline& m_deadline;
  std::string_view m_what;
  size_t m_max_body;
  std::string m_buffer;
};

}  // namespace

std::string Response::header(std::string_view name) const {
  std::string wanted = util::to_lower(name);
  for (const auto& [k, v] : headers) {
    if (util::to_lower(k) == wanted) return v;
  }
  return "";
}

namespace {

std::expected<Response, net::NetError> exchange(const net::Socket& socket, std::string_view method,
                                                std::string_view target, std::string_view extra_headers,
                                                const net::Deadline& deadline, std::string_view what, size_t max_body) {
  std::string request = std::string(method) + " " + std::string(target) +
                        " HTTP/1.1\r\nHost: localhost\r\nUser-Agent: stackgate/0.1\r\nAccept: application/json\r\n" +
                        std::string(extra_headers) + "Connection: close\r\n\r\n";
  if (auto sent = net::send_all(socket, request, deadline, what); !sent) return std::unexpected(sent.error());
  return Reader(socket, deadline, what, max_body).read();
}

}  // namespace

std::expected<Response, net::NetError> get(const net::Socket& socket, std::string_view target,
                                           const net::Deadline& deadline, std::string_view what, size_t max_body) {
  return exchange(socket, "GET", target, "", deadline, what, max_body);
}

std::expected<Response, net::NetError> post(const net::Socket& socket, std::string_view target,
                                            const net::Deadline& deadline, std::string_view what, size_t max_body) {
  return exchange(socket, "POST", target, "Content-Length: 0\r\n", deadline, what, max_body);
}

}  // namespace stackgate::probes::http1
