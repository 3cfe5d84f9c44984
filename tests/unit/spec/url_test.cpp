// parse_url: every scheme, defaults, IPv6, userinfo, percent-decoding,
// redaction and the exact error text.
#include <catch2/catch.hpp>

#include "spec/probe_spec.h"
#include "spec/scheme.h"

using stackgate::spec::parse_url;
using stackgate::spec::Url;

namespace {

Url parse(std::string_view text) {
  auto url = parse_url(text);
  INFO(text);
  REQUIRE(url.has_value());
  return *url;
}

std::string error_of(std::string_view text) {
  auto url = parse_url(text);
  INFO(text);
  REQUIRE_FALSE(url.has_value());
  return url.error();
}

}  // namespace

TEST_CASE("each scheme parses with its host, port and path", "[url]") {
  auto [text, scheme, host, port, path] = GENERATE(table<std::string, std::string, std::string, int, std::string>({
      {"tcp://db:5432", "tcp", "db", 5432, ""},
      {"http://web:8080/health", "http", "web", 8080, "/health"},
      {"http://web/health", "http", "web", 80, "/health"},
      {"https://web/health", "https", "web", 443, "/health"},
      {"postgres://app@db/app", "postgres", "db", 5432, "/app"},
      {"postgresql://db:5433", "postgresql", "db", 5433, ""},
      {"redis://cache", "redis", "cache", 6379, ""},
      {"rediss://cache:6380/0", "rediss", "cache", 6380, "/0"},
      {"kafka://broker", "kafka", "broker", 9092, ""},
      {"clickhouse://ch/db", "clickhouse", "ch", 8123, "/db"},
      {"zk://zoo", "zk", "zoo", 2181, ""},
      {"mqtt://broker", "mqtt", "broker", 1883, ""},
      {"mysql://app@db/app", "mysql", "db", 3306, "/app"},
      {"mariadb://db:3307", "mariadb", "db", 3307, ""},
      {"amqp://mq", "amqp", "mq", 5672, ""},
      {"amqp://mq/%2F", "amqp", "mq", 5672, "//"},
      {"elasticsearch://es", "elasticsearch", "es", 9200, ""},
      {"opensearch://os:9201", "opensearch", "os", 9201, ""},
      {"dns://tasks.web", "dns", "tasks.web", 0, ""},
      {"HTTP://Web:81/", "http", "Web", 81, "/"},
  }));
  Url url = parse(text);
  CHECK(url.scheme == scheme);
  REQUIRE(url.hosts.size() == 1);
  CHECK(url.hosts[0].host == host);
  CHECK(url.hosts[0].port == port);
  CHECK(url.path == path);
  CHECK(url.text == text);
}

TEST_CASE("kafka and zk take several comma-separated hosts", "[url]") {
  Url kafka = parse("kafka://b1:9092,b2,[::1]:9094?brokers=2");
  REQUIRE(kafka.hosts.size() == 3);
  CHECK(kafka.hosts[0].host == "b1");
  CHECK(kafka.hosts[1].port == 9092);
  CHECK(kafka.hosts[2].host == "::1");
  CHECK(kafka.hosts[2].port == 9094);
  CHECK(kafka.param("brokers") == "2");

  Url zk = parse("zk://h1:2181,h2:2182");
  REQUIRE(zk.hosts.size() == 2);
  CHECK(zk.hosts[1].host == "h2");
  CHECK(zk.hosts[1].port == 2182);
}

TEST_CASE("IPv6 literals are bracketed and default their port", "[url]") {
  Url with_port = parse("postgres://[::1]:5433/db");
  CHECK(with_port.hosts[0].host == "::1");
  CHECK(with_port.hosts[0].port == 5433);
  CHECK(with_port.authority() == "[::1]:5433");

  Url without = parse("redis://[fe80::1]");
  CHECK(without.hosts[0].host == "fe80::1");
  CHECK(without.hosts[0].port == 6379);
}

TEST_CASE("userinfo gives user and password, percent-decoded", "[url]") {
  Url both = parse("postgres://app:s%40cr%3At@db/app");
  CHECK(both.user == "app");
  CHECK(both.password == "s@cr:t");
  CHECK(both.has_password);

  Url password_only = parse("redis://:pw@cache");
  CHECK(password_only.user.empty());
  CHECK(password_only.password == "pw");
  CHECK(password_only.has_password);

  Url user_only = parse("mqtt://bob@broker");
  CHECK(user_only.user == "bob");
  CHECK_FALSE(user_only.has_password);

  Url empty_password = parse("redis://bob:@cache");
  CHECK(empty_password.has_password);
  CHECK(empty_password.password.empty());
}

TEST_CASE("an @ in the password is taken up to the last @", "[url]") {
  Url url = parse("postgres://app:p@ss@db/app");
  CHECK(url.password == "p@ss");
  CHECK(url.hosts[0].host == "db");
}

TEST_CASE("http+unix decodes the socket path from the host part", "[url]") {
  Url url = parse("http+unix://%2Fvar%2Frun%2Fapp.sock/health?status=200");
  CHECK(url.scheme == "http+unix");
  CHECK(url.socket_path == "/var/run/app.sock");
  CHECK(url.hosts.empty());
  CHECK(url.path == "/health");
  CHECK(url.param("status") == "200");
  CHECK(url.authority() == "/var/run/app.sock");
}

TEST_CASE("disk:// and unix:// take a local path after the empty host", "[url]") {
  Url disk = parse("disk:///var/lib/my%20data?min_free=1GiB");
  CHECK(disk.hosts.empty());
  CHECK(disk.path == "/var/lib/my data");
  CHECK(disk.authority() == "/var/lib/my data");
  CHECK(disk.param("min_free") == "1GiB");
  Url local = parse("unix://localhost/run/app.sock");
  CHECK(local.path == "/run/app.sock");
  CHECK(local.authority() == "/run/app.sock");
}

TEST_CASE("query options keep their order and are decoded", "[url]") {
  Url url = parse("http://web/h?body=all%20good&header=X-A:1&header=X-B:2&flag&=x");
  REQUIRE(url.query.size() == 5);
  CHECK(url.query[0] == std::pair<std::string, std::string>{"body", "all good"});
  CHECK(url.query[1].second == "X-A:1");
  CHECK(url.query[2].second == "X-B:2");
  CHECK(url.query[3] == std::pair<std::string, std::string>{"flag", ""});
  CHECK(url.param("body") == "all good");
  CHECK(url.param("header") == "X-A:1");
  CHECK_FALSE(url.param("missing").has_value());
}

TEST_CASE("the path is percent-decoded and the fragment dropped", "[url]") {
  Url url = parse("http://web/a%20b/c#frag");
  CHECK(url.path == "/a b/c");
  CHECK(url.query.empty());
}

TEST_CASE("redacted() hides the password and keeps the user", "[url][redact]") {
  auto [text, redacted] = GENERATE(table<std::string, std::string>({
      {"postgres://app:secret@db:5432/app", "postgres://app:***@db:5432/app"},
      {"redis://:secret@cache", "redis://:***@cache"},
      {"mqtt://bob@broker", "mqtt://bob@broker"},
      {"tcp://db:5432", "tcp://db:5432"},
      {"clickhouse://db/x?user=u&password=secret&database=d", "clickhouse://db/x?user=u&password=***&database=d"},
      {"postgres://app:p@ss@db/app", "postgres://app:***@db/app"},
      {"mysql://root:secret@db:3306/app?writable=1", "mysql://root:***@db:3306/app?writable=1"},
      {"mariadb://app:secret@db/app", "mariadb://app:***@db/app"},
      {"amqp://app:secret@mq/%2F?queues=jobs", "amqp://app:***@mq/%2F?queues=jobs"},
      {"elasticsearch://elastic:secret@es?status=green", "elasticsearch://elastic:***@es?status=green"},
      {"opensearch://admin:secret@os", "opensearch://admin:***@os"},
  }));
  CHECK(parse(text).redacted() == redacted);
}

TEST_CASE("redacted() of a hand-built URL is rebuilt from its parts", "[url][redact]") {
  Url url;
  url.scheme = "postgres";
  url.user = "app";
  url.password = "secret";
  url.has_password = true;
  url.hosts = {{"db", 5432}};
  url.path = "/app";
  url.query = {{"writable", "1"}};
  CHECK(url.redacted() == "postgres://app:***@db:5432/app?writable=1");
}

TEST_CASE("parse errors are one exact line without the password", "[url][errors]") {
  auto [text, error] = GENERATE(table<std::string, std::string>({
      {"tcp://db:99999", "bad port '99999' in tcp://db:99999"},
      {"dns://db:53", "dns:// takes a name without a port in dns://db:53"},
      {"tcp://db:0", "bad port '0' in tcp://db:0"},
      {"tcp://db:http", "bad port 'http' in tcp://db:http"},
      {"tcp://db:", "bad port '' in tcp://db:"},
      {"postgres://app:secret@db:99999/app", "bad port '99999' in postgres://app:***@db:99999/app"},
      {"postgress://db", "unknown scheme 'postgress' (did you mean 'postgres'?)"},
      {"gopher://db", "unknown scheme 'gopher'"},
      {"db:5432", "missing scheme in 'db:5432' (expected e.g. tcp://host:port)"},
      {"tcp://db", "missing port (tcp:// has no default) in tcp://db"},
      {"redis://", "missing host in redis://"},
      {"redis://:pw@/0", "missing host in redis://:***@/0"},
      {"postgres://a,b/db", "several hosts are only allowed for kafka:// and zk:// in postgres://a,b/db"},
      {"postgres://::1/db", "IPv6 address '::1' must be in brackets ([::1]:port) in postgres://::1/db"},
      {"postgres://[::1/db", "unterminated IPv6 address '[::1' in postgres://[::1/db"},
      {"http://web/a%zzb", "bad percent-encoding '%zz' in http://web/a%zzb"},
      {"http+unix:///health", "missing socket path (write it percent-encoded: %2Frun%2Fapp.sock) in http+unix:///health"},
      {"redis://:s%zzret@cache", "bad percent-encoding in the password in redis://:***@cache"},
  }));
  CHECK(error_of(text) == error);
}

TEST_CASE("parse errors quote pieces of the URL sanitised", "[url][errors]") {
  // Found by tests/fuzz/url_fuzz (corpus/url/regress-unknown-scheme-nul-byte):
  // the unknown scheme and bad host or port were quoted raw, so a URL from a
  // compose file could put a NUL or an escape sequence on the terminal.
  CHECK(error_of(std::string("c\0lickhouse://db", 16)) == "unknown scheme 'c\\x00lickhouse' (did you mean 'clickhouse'?)");
  CHECK(error_of("tcp://db:\x1b[31m") == "bad port '\\x1b[31m' in tcp://db:\\x1b[31m");
  CHECK(error_of("postgres://[::1\x07/db") == "unterminated IPv6 address '[::1\\x07' in postgres://[::1\\x07/db");
}

TEST_CASE("default ports and known schemes agree", "[url]") {
  using stackgate::spec::default_port;
  using stackgate::spec::known_schemes;
  CHECK(default_port("tcp") == 0);
  CHECK(default_port("http+unix") == 0);
  CHECK(default_port("postgres") == 5432);
  CHECK(default_port("clickhouse") == 8123);
  CHECK(default_port("mysql") == 3306);
  CHECK(default_port("mariadb") == 3306);
  CHECK(default_port("amqp") == 5672);
  CHECK(default_port("elasticsearch") == 9200);
  CHECK(default_port("opensearch") == 9200);
  CHECK(default_port("dns") == 0);
  CHECK(default_port("tls") == 0);   // any TLS server: the port is always given
  CHECK(default_port("disk") == 0);  // local paths
  CHECK(default_port("unix") == 0);
  for (const std::string& scheme : known_schemes()) {
    if (scheme == "tcp" || scheme == "http+unix" || scheme == "docker" || scheme == "dns" || scheme == "tls" ||
        scheme == "disk" || scheme == "unix" || scheme == "sqlite") {
      continue;
    }
    INFO(scheme);
    CHECK(default_port(scheme) > 0);
  }
}
