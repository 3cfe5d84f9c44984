#include <catch2/catch.hpp>
#include <iostream>
#include "temp_project.h"
using namespace stackgate::compose;
TEST_CASE("smoke") {
  testing::TempProject p;
  p.write("compose.yaml", R"(
x-common: &common
  restart: always
  environment: {A: 1}
services:
  db:
    <<: *common
    image: postgres:16
    environment:
      POSTGRES_PASSWORD: ${PW:-secret}
  api:
    image: acme/api
    depends_on:
      db: {condition: service_healthy}
    links: [cache:redis]
    ports: ["127.0.0.1:8080:80", "9000-9001:9000-9001/udp"]
  cache:
    image: redis

    volumes_from: [db:ro, container:x]
)");
  auto r = p.load();
  if (!r) { std::cout << testing::format_errors(r.error()) << "\n"; FAIL(); }
  for (auto& [n, s] : r->services) {
    std::cout << n << " image=" << s.image << " env=" << s.environment.size() << "\n";
    for (auto& d : s.depends_on) std::cout << "  dep " << d.service << " " << to_string(d.condition) << " req=" << d.required << " via=" << d.via << " at " << d.where.file << ":" << d.where.line << ":" << d.where.col << "\n";
    for (auto& pm : s.ports) std::cout << "  port " << pm.host_ip << " " << pm.published << "->" << pm.target << "/" << pm.protocol << "\n";
  }
  for (auto& w : r->warnings) std::cout << "warn " << w.message << "\n";
  std::cout << r->name << "\n";
}
