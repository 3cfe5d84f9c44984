// One HTTP/1.1 GET (or body-less POST) over an already connected socket (net.h), for probes that
// talk to a local API on a unix socket without pulling in cpp-httplib: the
// Docker Engine probe (docker_probe.cpp) and its /_ping detection.
//
// The request carries "Connection: close"; the answer is framed by
// Content-Length, chunked transfer encoding or the end of the stream. Every
// read is bounded by the caller's deadline, and the head and body by size, so
// a misbehaving peer costs at most the attempt's timeout and a bounded buffer.
#pragma once

#include <expected>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "probes/net.h"

namespace stackgate::probes::http1 {

struct Response {
  int status = 0;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;

  /// Value of header `name` (case-insensitive), "" if absent.
  std::string header(std::string_view name) const;
};

inline constexpr size_t k_max_head = 64 * 1024;
inline constexpr size_t k_default_max_body = 4 * 1024 * 1024;

/// Sends "GET `target` HTTP/1.1" and reads the whole answer by `deadline`.
/// `what` names the peer in errors (the socket path). A body longer than
/// `max_body`, a head longer than k_max_head, and bytes that are not HTTP/1.x
/// are errors of kind NetFailure::other; a peer that closes before the end of
/// the answer is NetFailure::closed.
std::expected<Response, net::NetError> get(const net::Socket& socket, std::string_view target,
                                           const net::Deadline& deadline, std::string_view what,
                                           size_t max_body = k_default_max_body);

/// As get(), for a request without a body: "POST `target`" with
/// Content-Length 0 (the Engine's container actions take their arguments in
/// the query string).
std::expected<Response, net::NetError> post(const net::Socket& socket, std::string_view target,
                                            const net::Deadline& deadline, std::string_view what,
                                            size_t max_body = k_default_max_body);

}  // namespace stackgate::probes::http1
