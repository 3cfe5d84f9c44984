#include "spec/scheme.h"

#include <array>

namespace stackgate::spec {

namespace {

using enum Address;

// clang-format off
constexpr std::array k_schemes{
  //     name             port  multi  family           address       module
  Scheme{"tcp",              0, false, "tcp",           host_port,    ""},
  Scheme{"http",            80, false, "http",          host_port,    "http"},
  Scheme{"https",          443, false, "http",          host_port,    "http"},
  Scheme{"http+unix",        0, false, "http",          socket_path,  "http"},
  Scheme{"postgres",      5432, false, "postgres",      host_port,    "postgres"},
  Scheme{"postgresql",    5432, false, "postgres",      host_port,    "postgres"},
  Scheme{"redis",         6379, false, "redis",         host_port,    "redis"},
  Scheme{"rediss",        6379, false, "redis",         host_port,    "redis"},
  Scheme{"kafka",         9092, true,  "kafka",         host_port,    "kafka"},
  Scheme{"clickhouse",    8123, false, "clickhouse",    host_port,    "http"},
  Scheme{"zk",            2181, true,  "zk",            host_port,    ""},
  Scheme{"mqtt",          1883, false, "mqtt",          host_port,    ""},
  Scheme{"mysql",         3306, false, "mysql",         host_port,    "mysql"},
  Scheme{"mariadb",       3306, false, "mysql",         host_port,    "mysql"},
  Scheme{"amqp",          5672, false, "amqp",          host_port,    "amqp"},
  Scheme{"elasticsearch", 9200, false, "elasticsearch", host_port,    "http"},
  Scheme{"opensearch",    9200, false, "elasticsearch", host_port,    "http"},
  Scheme{"dns",              0, false, "dns",           name,         ""},
  Scheme{"docker",           0, false, "docker",        service,      ""},
  Scheme{"disk",             0, false, "disk",          local_path,   ""},
  Scheme{"unix",             0, false, "unix",          local_path,   ""},
  Scheme{"tls",              0, false, "tls",           host_port,    "http"},
  Scheme{"sqlite",           0, false, "sqlite",        local_path,   "sqlite"},
};
// clang-format on

}  // namespace

std::span<const Scheme> schemes() { return k_schemes; }

const Scheme* find_scheme(std::string_view name) {
  for (const Scheme& s : k_schemes) {
    if (s.name == name) return &s;
  }
  return nullptr;
}

const std::vector<std::string>& known_schemes() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> out;
    for (const Scheme& s : k_schemes) out.emplace_back(s.name);
    return out;
  }();
  return names;
}

int default_port(std::string_view scheme) {
  const Scheme* s = find_scheme(scheme);
  return s ? s->default_port : 0;
}

}  // namespace stackgate::spec
