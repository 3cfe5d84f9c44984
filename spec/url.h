// Probe URLs: one syntax for the CLI, the compose extension and reports.
//
//   tcp://host:port
//   http://host:port/path?status=200&body=ok     https://...
//   http+unix://%2Fvar%2Frun%2Fapp.sock/health
//   postgres://user:pass@host:5432/db?writable=1&min_free_connections=5
//   redis://:pass@host:6379/0?role=master
//   kafka://b1:9092,b2:9092?brokers=2&topics=events&groups=collector
//   clickhouse://user:pass@host:8123/db   zk://host:2181?mode=any
//   mqtt://user:pass@host:1883
//   docker://SERVICE?project=NAME&state=healthy   (SERVICE is a Compose service)
//   mysql://user:pass@host:3306/db?writable=1    (mariadb:// is the same)
//   amqp://user:pass@host:5672/vhost?queues=jobs&min_consumers=1
//   elasticsearch://host:9200?status=yellow&indices=a,b   (opensearch://)
//   dns://name?type=A&min_addresses=3              (no port)
//   disk:///var/lib/data?min_free=1GiB&writable=1  (a local path, no host)
//   unix:///run/app.sock                           (connect only)
//   tls://host:port?cert_min_days=14               (any TLS server; no default port)
//   sqlite:///data/app.db?quick_check=1            (a local path)
//
// The schemes and their facts are in scheme.h; the common options every
// scheme takes (timeout, window...) in probe_spec.h.
#pragma once

#include <expected>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace stackgate::spec {

struct HostPort {
  std::string host;  // without brackets for IPv6 literals
  int port = 0;      // parse_url fills in the scheme default when the URL gave none
};

// A parsed probe URL. Userinfo and path are percent-decoded.
struct Url {
  std::string scheme;                 // lower case: "postgres", "http+unix", ...
  std::string user;
  std::string password;               // the secret: never print it
  bool has_password = false;
  std::vector<HostPort> hosts;        // one, or several for kafka://a,b; docker: {service, 0}
  std::string socket_path;            // http+unix only: the decoded socket path
  std::string path;                   // "/db", "/health" ("" when absent); the local path for disk, unix, sqlite
  std::vector<std::pair<std::string, std::string>> query;  // in order, decoded
  std::string text;                   // the URL as given ("" when built by hand)

  /// First value of query option `key`, if present.
  std::optional<std::string> param(std::string_view key) const;
  /// Option `key` as a whole number >= `min` (nullopt when absent); the
  /// error is "KEY must be a whole number >= MIN, not 'VALUE'".
  std::expected<std::optional<int>, std::string> count_param(std::string_view key, int min) const;
  /// Option `key` as 1/0/true/false (nullopt when absent); the error is
  /// "KEY must be 1 or 0, not 'VALUE'".
  std::expected<std::optional<bool>, std::string> flag_param(std::string_view key) const;
  /// The URL as given but with the password (and any `password` query
  /// value) replaced by "***". This is the only form that may appear in
  /// logs, reports and errors. Rebuilt from the parts when `text` is empty.
  std::string redacted() const;
  /// "host:port" of the first host, "[::1]:5432" for IPv6, the socket path
  /// for http+unix (for reasons and reports).
  std::string authority() const;
};

/// Parses a probe URL; the error is one line naming what is wrong, without
/// the password ("bad port '99999' in tcp://db:99999", "unknown scheme
/// 'postgress' (did you mean 'postgres'?)"). A missing port becomes the
/// scheme's default; tcp:// needs an explicit one, dns:// takes none (port 0). Only kafka and zk accept
/// several comma-separated hosts.
std::expected<Url, std::string> parse_url(std::string_view text);

/// Percent-encodes everything but unreserved characters and `keep`.
std::string percent_encode(std::string_view s, std::string_view keep = "");

/// Decodes %XX escapes; the error names the bad escape.
std::expected<std::string, std::string> percent_decode(std::string_view s);

}  // namespace stackgate::spec
