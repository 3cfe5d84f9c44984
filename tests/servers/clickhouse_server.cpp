#include "tests/servers/clickhouse_server.h"

#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace stackgate::testing {
namespace {

std::string read_tail(const std::string& path, size_t max_bytes) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  std::string all = ss.str();
  return all.size() > max_bytes ? all.substr(all.size() - max_bytes) : all;
}

}  // namespace

ClickHouseServer::ClickHouseServer() : m_dir(make_temp_dir("sg-clickhouse")) {
  if (find_program({"/usr/bin/clickhouse-server", "/usr/sbin/clickhouse-server"}).empty()) {
    throw std::runtime_error("clickhouse-server not installed");
  }
  m_http_port = free_port();
  m_tcp_port = free_port();
  while (m_tcp_port == m_http_port) m_tcp_port = free_port();
  const std::string& d = m_dir;
  write_file(d + "/config.xml", R"(<?xml version="1.0"?>
<yandex>
  <logger>
    <level>information</level>
    <log>)" + d + R"(/server.log</log>
    <errorlog>)" + d + R"(/server.err.log</errorlog>
    <console>0</console>
  </logger>
  <listen_host>127.0.0.1</listen_host>
  <http_port>)" + std::to_string(m_http_port) + R"(</http_port>
  <tcp_port>)" + std::to_string(m_tcp_port) + R"(</tcp_port>
  <path>)" + d + R"(/data/</path>
  <tmp_path>)" + d + R"(/tmp/</tmp_path>
  <user_files_path>)" + d + R"(/user_files/</user_files_path>
  <format_schema_path>)" + d + R"(/format_schemas/</format_schema_path>
  <users_config>)" + d + R"(/users.xml</users_config>
  <default_profile>default</default_profile>
  <default_database>default</default_database>
  <mark_cache_size>5368709</mark_cache_size>
  <uncompressed_cache_size>5368709</uncompressed_cache_size>
  <max_concurrent_queries>20</max_concurrent_queries>
</yandex>
)");
  write_file(d + "/users.xml", std::string(R"(<?xml version="1.0"?>
<yandex>
  <profiles><default></default></profiles>
  <users>
    <default>
      <password></password>
      <networks><ip>127.0.0.1</ip></networks>
      <profile>default</profile>
      <quota>default</quota>
    </default>
    <)") + k_app_user + R"(>
      <password>)" + k_app_password + R"(</password>
      <networks><ip>127.0.0.1</ip></networks>
      <profile>default</profile>
      <quota>default</quota>
    </)" + k_app_user + R"(>
  </users>
  <quotas><default></default></quotas>
</yandex>
)");
}

ClickHouseServer::~ClickHouseServer() {
  stop();
  std::error_code ec;
  std::filesystem::remove_all(m_dir, ec);
}

void ClickHouseServer::start() {
  stop();
  ++m_runs;
  m_process.start({"clickhouse-server", "--config-file=" + m_dir + "/config.xml"},
                  m_dir + "/stdout-" + std::to_string(m_runs) + ".log");
}

bool ClickHouseServer::wait_ready(std::chrono::milliseconds limit) {
  return poll_until([&] { return !m_process.running() || port_open(m_http_port); }, limit) && m_process.running();
}

void ClickHouseServer::stop() { m_process.stop(std::chrono::seconds(15)); }

void ClickHouseServer::kill() { m_process.kill_now(); }

std::string ClickHouseServer::log_tail() const {
  return m_process.log_tail() + read_tail(m_dir + "/server.err.log", 4000);
}

std::string ClickHouseServer::url(const std::string& user, const std::string& password, const std::string& db) const {
  std::string auth = user;
  if (!password.empty()) auth += ":" + password;
  if (!auth.empty()) auth += "@";
  return "clickhouse://" + auth + "127.0.0.1:" + std::to_string(m_http_port) + (db.empty() ? "" : "/" + db);
}

}  // namespace stackgate::testing
