// The scheme table: one row per scheme, and the parser follows it.
#include <catch2/catch.hpp>

#include <set>

#include "spec/scheme.h"
#include "spec/url.h"

using stackgate::spec::Address;
using stackgate::spec::find_scheme;
using stackgate::spec::Scheme;
using stackgate::spec::schemes;

TEST_CASE("every scheme appears once and every module serves a family", "[scheme]") {
  std::set<std::string_view> names;
  for (const Scheme& s : schemes()) {
    INFO(s.name);
    CHECK(names.insert(s.name).second);
    CHECK_FALSE(s.family.empty());
    CHECK(find_scheme(s.name) == &s);
  }
  CHECK(find_scheme("postgress") == nullptr);
}

TEST_CASE("the table holds the facts once spread over parser and factory", "[scheme]") {
  CHECK(find_scheme("postgresql")->family == "postgres");
  CHECK(find_scheme("postgresql")->module == "postgres");
  CHECK(find_scheme("clickhouse")->module == "http");
  CHECK(find_scheme("tls")->module == "http");
  CHECK(find_scheme("tcp")->module.empty());  // built in
  CHECK(find_scheme("kafka")->multi_host);
  CHECK(find_scheme("zk")->multi_host);
  CHECK_FALSE(find_scheme("redis")->multi_host);
  CHECK(find_scheme("sqlite")->address == Address::local_path);
  CHECK(find_scheme("http+unix")->address == Address::socket_path);
  CHECK(find_scheme("docker")->address == Address::service);
  CHECK(find_scheme("dns")->address == Address::name);
}

TEST_CASE("the parser takes several hosts exactly where the table allows them", "[scheme][url]") {
  for (const Scheme& s : schemes()) {
    if (s.address != Address::host_port) continue;
    INFO(s.name);
    auto url = stackgate::spec::parse_url(std::string(s.name) + "://a:1,b:2");
    CHECK(url.has_value() == s.multi_host);
  }
}

TEST_CASE("schemes map to the module that serves them", "[scheme]") {
  auto module = [](std::string_view scheme) { return find_scheme(scheme)->module; };
  for (std::string_view s : {"http", "https", "http+unix", "clickhouse", "elasticsearch", "opensearch", "tls"}) {
    CHECK(module(s) == "http");
  }
  CHECK(module("postgresql") == "postgres");
  CHECK(module("rediss") == "redis");
  CHECK(module("kafka") == "kafka");
  CHECK(module("mysql") == "mysql");
  CHECK(module("mariadb") == "mysql");
  CHECK(module("amqp") == "amqp");
  CHECK(module("sqlite") == "sqlite");
  for (std::string_view s : {"disk", "unix", "tcp", "dns", "zk", "mqtt", "docker"}) CHECK(module(s).empty());
}
