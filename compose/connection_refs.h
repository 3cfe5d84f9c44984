// Connection strings in a service's environment: the URLs, DSNs and
// host[:port] values (and PREFIX_HOST / PREFIX_PORT / PREFIX_USER ...
// groups) with which an application reaches its servers. Read from the
// clients of a server, they say exactly which host, port, user, database
// and password the client will use, so inference probes what the client
// needs; read from a service itself, they say it is a client of that
// family, not its server.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "compose/image_family.h"
#include "compose/model.h"

namespace stackgate::compose {

struct ConnectionRef {
  ImageFamily family = ImageFamily::unknown;  // from the scheme, else the variable's name
  bool family_from_scheme = false;
  std::string scheme;     // lower case as written ("postgresql+asyncpg", "http"); "" for host:port values
  std::string host;       // lower case, without brackets
  std::optional<int> port;
  std::optional<std::string> user;
  std::optional<std::string> password;  // a secret: never print it
  std::optional<std::string> database;  // first path segment (or the *_DB variable)
  std::string path;       // the whole path and query, for http(s) values
  std::string variable;   // the variable that named the host ("DATABASE_URL")
  std::string password_variable;  // where the password came from, when not from `variable`
  SourceLocation where;   // of `variable`
};

/// Every connection reference in `service`'s environment, in variable order.
std::vector<ConnectionRef> connection_refs(const Service& service);

/// True when `host` (any case) is one of the names `service` answers to on
/// its networks: its name, hostname, container_name or an alias.
bool names_service(const Service& service, std::string_view host);

/// True for loopback and wildcard hosts ("localhost", "127.0.0.1", "::1", "0.0.0.0").
bool is_local_host(std::string_view host);

}  // namespace stackgate::compose
