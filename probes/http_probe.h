// The HTTP probe: http://, https:// and http+unix:// (see url.h).
//
// One attempt is one request; redirects are never followed.
//   ready            the status is expected (default: any 2xx) and, with
//                    body=, the body contains the substring and, with json=,
//                    every value named holds
//   not_yet (cheap)  connection refused, name not resolvable yet, no route,
//                    unix socket missing
//   not_yet          5xx (502/503/504 while a proxy waits for its upstream,
//                    500 while the app waits for its own dependencies), 408,
//                    425, 429; timeout; connection reset or closed early; a
//                    TLS handshake failure; `body does not contain "ok"`;
//                    json=: a body that is not JSON, a missing key or index,
//                    a different value (`json mqtt.connected is false,
//                    expected true`)
//   fatal            other 4xx (401, 403, 404 on the health path: waiting
//                    will not fix a wrong path or missing credentials); 3xx
//                    (a redirect, typically to a login page: probe the final
//                    URL, or accept it with status=3xx); TLS certificate
//                    verification failure; permission denied on the socket
//
// Options: status=200 | 200,204 | 2xx (list of codes and classes),
// body=SUBSTRING, json=PATH:VALUE (repeatable; PATH: dot keys and [n]
// indexes; VALUE a JSON literal or else a plain string), method=GET|HEAD, header=Name:Value (repeatable),
// insecure=1 and ca=/path (https only), cert_min_days=N (https only: the
// certificate is checked first as by tls://, see tls_probe.h). Userinfo becomes basic auth. Any
// other query parameter is passed on to the server.
#pragma once

#include <expected>
#include <memory>
#include <string>

#include "probes/probe.h"

namespace stackgate::probes {

/// Builds an http, https or http+unix probe; the error names a bad option.
std::expected<std::unique_ptr<Probe>, std::string> make_http_probe(const ProbeSpec& spec);

}  // namespace stackgate::probes
