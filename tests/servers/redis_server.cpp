#include "tests/servers/redis_server.h"

#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace stackgate::testing {
namespace {

}  // namespace

RedisServer::RedisServer() : RedisServer(free_port()) {}

RedisServer::RedisServer(int port) : m_dir(make_temp_dir("sg-redis")), m_port(port) {}

RedisServer::~RedisServer() {
  stop();
  std::error_code ec;
  std::filesystem::remove_all(m_dir, ec);
}

void RedisServer::start(const Settings& settings) {
  stop();
  ++m_runs;
  m_password = settings.requirepass;
  std::vector<std::string> argv = {"redis-server", "--port", std::to_string(m_port), "--bind", "127.0.0.1",
                                   "--dir", m_dir, "--save", "", "--appendonly", "no", "--daemonize", "no",
                                   "--enable-debug-command", "local", "--loglevel", "notice"};
  if (!settings.requirepass.empty()) {
    argv.insert(argv.end(), {"--requirepass", settings.requirepass});
  }
  argv.insert(argv.end(), settings.args.begin(), settings.args.end());
  m_process.start(argv, m_dir + "/redis-" + std::to_string(m_runs) + ".log");
}

bool RedisServer::wait_listening(std::chrono::milliseconds limit) {
  return poll_until([&] { return !m_process.running() || port_open(m_port); }, limit) && m_process.running();
}

bool RedisServer::wait_ready(std::chrono::milliseconds limit) {
  std::string log = m_dir + "/redis-" + std::to_string(m_runs) + ".log";
  return poll_until([&] {
    return !m_process.running() || read_file(log).find("Ready to accept connections") != std::string::npos;
  }, limit) && m_process.running();
}

void RedisServer::stop() { m_process.stop(); }

void RedisServer::kill() { m_process.kill_now(); }

int RedisServer::cli(const std::vector<std::string>& args) {
  std::vector<std::string> argv = {"redis-cli", "-h", "127.0.0.1", "-p", std::to_string(m_port)};
  std::map<std::string, std::string> env;
  if (!m_password.empty()) env["REDISCLI_AUTH"] = m_password;
  argv.insert(argv.end(), args.begin(), args.end());
  return run_command(argv, m_dir + "/cli.log", env);
}

bool RedisServer::populate(int keys) {
  return cli({"DEBUG", "POPULATE", std::to_string(keys)}) == 0 && cli({"SAVE"}) == 0;
}

std::string RedisServer::url(const std::string& password, const std::string& db) const {
  std::string auth = password.empty() ? "" : ":" + password + "@";
  std::string path = db.empty() ? "" : "/" + db;
  return "redis://" + auth + "127.0.0.1:" + std::to_string(m_port) + path;
}

}  // namespace stackgate::testing
