// The one table of probe schemes: what the URL parser, the probe factory
// and compose's inference need to know about each scheme, in one place.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace stackgate::spec {

// What stands where a URL's host would be.
enum class Address {
  host_port,    // host[:port]: tcp, postgres, kafka (several with multi_host), tls...
  name,         // a name to resolve, no port: dns://tasks.web
  service,      // a Compose service name, no port: docker://SERVICE
  socket_path,  // a percent-encoded socket path: http+unix://%2Frun%2Fapp.sock/health
  local_path,   // scheme:///absolute/path, no host: disk, unix, sqlite
};

struct Scheme {
  std::string_view name;      // "postgres", "http+unix", ...
  int default_port;           // 0: none (the URL must give one, or takes none)
  bool multi_host;            // kafka://b1,b2 and zk://a,b,c
  std::string_view family;    // the probe serving it: "postgres" for postgresql, "redis" for rediss...
  Address address;
  std::string_view module;    // shared probe module (libstackgate-<module>.so), "" when built in
};

/// Every scheme stackgate knows, in a stable order.
std::span<const Scheme> schemes();

/// The table row for `name` (lower case), nullptr when unknown.
const Scheme* find_scheme(std::string_view name);

/// The names of schemes(), for suggestions and listings.
const std::vector<std::string>& known_schemes();

/// Default port of a scheme (5432 for postgres, 6379 for redis, ...), 0 if none.
int default_port(std::string_view scheme);

}  // namespace stackgate::spec
