#include "tests/servers/mariadb_server.h"

#include <pwd.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace stackgate::testing {
namespace {

// mariadbd refuses uid 0: as root it runs as `mysql` (or nobody).
const passwd* mariadb_account() { return server_account("mysql"); }

std::vector<std::string> as_server_user(std::vector<std::string> argv) {
  return run_as(mariadb_account(), std::move(argv));
}

std::vector<std::string> server_argv(const std::string& dir, int port, const MariadbServer::Settings& s) {
  std::vector<std::string> argv = {
      "mariadbd", "--no-defaults", "--datadir=" + dir + "/data", "--socket=" + dir + "/mysqld.sock",
      "--pid-file=" + dir + "/mysqld.pid", "--port=" + std::to_string(port), "--bind-address=127.0.0.1",
      "--skip-name-resolve", "--skip-log-bin", "--innodb-buffer-pool-size=16M", "--innodb-log-file-size=8M",
      "--innodb-flush-log-at-trx-commit=0", "--skip-innodb-doublewrite", "--performance-schema=OFF",
      "--max-connections=" + std::to_string(s.max_connections), "--lc-messages=en_US"};
  if (!s.tcp) argv.push_back("--skip-networking");
  if (s.read_only) argv.push_back("--read-only");
  argv.insert(argv.end(), s.extra.begin(), s.extra.end());
  return argv;
}

int run_sql(const std::string& dir, const std::string& statements) {
  return run_command({"mariadb", "--no-defaults", "--socket=" + dir + "/mysqld.sock", "-u", "root", "-e", statements},
                     dir + "/sql.log");
}

bool log_says_ready(const std::string& log) {
  return read_file(log).find("ready for connections") != std::string::npos;
}

// A data directory made by mariadb-install-db, with the users; removed at exit.
struct Template {
  std::string dir;
  Template();
  ~Template() {
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }
};

Template::Template() : dir(make_temp_dir("sg-mariadb-template")) {
  ::chmod(dir.c_str(), 0755);
  chown_tree(dir, mariadb_account());
  std::string log = dir + "/install.log";
  int rc = run_command(as_server_user({"mariadb-install-db", "--no-defaults", "--datadir=" + dir + "/data",
                                       "--auth-root-authentication-method=normal", "--skip-test-db",
                                       "--skip-name-resolve"}),
                       log);
  if (rc != 0) throw std::runtime_error("mariadb-install-db failed (" + std::to_string(rc) + "):\n" + read_file(log));
  // The users, over the socket while TCP is off (as the image does).
  ServerProcess server;
  server.start(as_server_user(server_argv(dir, 0, MariadbServer::Settings{.tcp = false})), dir + "/setup.log");
  if (!poll_until([&] { return !server.running() || log_says_ready(dir + "/setup.log"); }, std::chrono::seconds(60)) ||
      !server.running()) {
    throw std::runtime_error("mariadbd did not start for setup:\n" + server.log_tail());
  }
  std::string setup =
      "DELETE FROM mysql.global_priv WHERE User = 'root' AND Host <> 'localhost';"
      "FLUSH PRIVILEGES;"
      "CREATE USER 'root'@'127.0.0.1' IDENTIFIED BY 'rootpass';"
      "GRANT ALL ON *.* TO 'root'@'127.0.0.1' WITH GRANT OPTION;"
      "CREATE DATABASE appdb;"
      "CREATE USER 'app'@'%' IDENTIFIED BY 'apppass';"
      "GRANT ALL ON appdb.* TO 'app'@'%';"
      "CREATE USER 'other'@'%' IDENTIFIED BY 'otherpass';";
  if (run_sql(dir, setup) != 0) throw std::runtime_error("creating the users failed:\n" + read_file(dir + "/sql.log"));
  ::kill(server.pid(), SIGTERM);
  poll_until([&] { return !server.running(); }, std::chrono::seconds(30));
  server.stop();
}

// Made on first use in this process (a failed attempt is retried next time).
const std::string& template_dir() {
  static Template made;
  return made.dir;
}

}  // namespace

MariadbServer::MariadbServer() {
  const std::string& from = template_dir();
  m_dir = make_temp_dir("sg-mariadb");
  ::chmod(m_dir.c_str(), 0755);
  std::filesystem::copy(from + "/data", m_dir + "/data", std::filesystem::copy_options::recursive);
  chown_tree(m_dir, mariadb_account());
  m_port = free_port();
}

MariadbServer::~MariadbServer() {
  stop();
  std::error_code ec;
  std::filesystem::remove_all(m_dir, ec);
}

void MariadbServer::start(const Settings& settings) {
  stop();
  ++m_runs;
  m_process.start(as_server_user(server_argv(m_dir, m_port, settings)),
                  m_dir + "/mariadbd-" + std::to_string(m_runs) + ".log");
}

bool MariadbServer::wait_ready(std::chrono::milliseconds limit) {
  std::string log = m_dir + "/mariadbd-" + std::to_string(m_runs) + ".log";
  return poll_until([&] { return !m_process.running() || log_says_ready(log); }, limit) && m_process.running();
}

void MariadbServer::stop() {
  if (!m_process.running()) return;
  ::kill(m_process.pid(), SIGTERM);
  poll_until([&] { return !m_process.running(); }, std::chrono::seconds(30));
  m_process.stop();
}

void MariadbServer::kill() { m_process.kill_now(); }

std::string MariadbServer::url(const std::string& user, const std::string& password, const std::string& db,
                               const std::string& scheme) const {
  std::string auth = user;
  if (!password.empty()) auth += ":" + password;
  if (!auth.empty()) auth += "@";
  return scheme + "://" + auth + "127.0.0.1:" + std::to_string(m_port) + "/" + db;
}

int MariadbServer::sql(const std::string& statements) { return run_sql(m_dir, statements); }

}  // namespace stackgate::testing
