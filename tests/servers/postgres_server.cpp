#include "tests/servers/postgres_server.h"

#include <pwd.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <functional>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace stackgate::testing {
namespace {

const char* const k_pg_bin_candidates[] = {"/usr/lib/postgresql/*/bin"};

// 1 MB WAL segments instead of 16: every server copies the data directory,
// and the one 16 MB segment was a third of it (cp's time is mostly the kernel
// writing pages: ~1 s of CPU per copy at 46 MB on the 2-core machine).
constexpr const char* k_wal_segment_size = "--wal-segsize=1";

// Postgres refuses uid 0: as root it runs as `postgres` (or nobody).
const passwd* postgres_account() { return server_account("postgres"); }

// initdb and the app role take most of a server's start-up (seconds on a
// busy machine) and give the same data directory every time. The first
// server of a machine makes it and leaves a copy in a template under scratch_base(),
// keyed by the server binaries and the accounts; later servers copy it.
// Publishing is a rename, so concurrent test processes never see half a
// template (two that race both make one, and one copy wins).
std::string template_dir(const std::string& bin) {
  std::string key = bin + "|" + k_wal_segment_size + "|" + std::to_string(::geteuid()) + "|" + PostgresServer::k_superuser + ":" +
                    PostgresServer::k_superuser_password + "|" + PostgresServer::k_app_user + ":" +
                    PostgresServer::k_app_password + "@" + PostgresServer::k_app_database;
  std::ostringstream name;
  name << scratch_base() << "/sg-postgres-template-" << std::hex << std::hash<std::string>{}(key);
  return name.str();
}

}  // namespace

PostgresServer::PostgresServer() {
  m_bin = find_program({std::string(k_pg_bin_candidates[0])});
  if (m_bin.empty()) throw std::runtime_error("PostgreSQL server binaries not found under /usr/lib/postgresql");
  m_dir = make_temp_dir("sg-postgres");
  ::chmod(m_dir.c_str(), 0755);
  m_port = free_port();
  chown_tree(m_dir, postgres_account());

  std::string templ = template_dir(m_bin);
  if (::access((templ + "/data/PG_VERSION").c_str(), R_OK) == 0 &&
      run_command({"cp", "-a", templ + "/data", m_dir + "/data"}, m_dir + "/copy.log") == 0) {
    return;
  }
  std::error_code ec;
  std::filesystem::remove_all(m_dir + "/data", ec);
  init_data();
  std::string staging = make_temp_dir("sg-postgres-template-staging");
  if (run_command({"cp", "-a", m_dir + "/data", staging + "/data"}, m_dir + "/copy.log") != 0 ||
      std::rename(staging.c_str(), templ.c_str()) != 0) {
    std::filesystem::remove_all(staging, ec);  // another process published first
  }
}

void PostgresServer::init_data() {
  write_file(m_dir + "/pwfile", std::string(k_superuser_password) + "\n");
  chown_tree(m_dir, postgres_account());
  std::string log = m_dir + "/initdb.log";
  int rc = run_command(as_server_user({m_bin + "/initdb", "-D", m_dir + "/data", "-U", k_superuser,
                                       "--pwfile=" + m_dir + "/pwfile", "--auth-local=trust",
                                       "--auth-host=scram-sha-256", "--no-sync", "--no-instructions",
                                       "--encoding=UTF8", "--locale=C", k_wal_segment_size}),
                       log);
  if (rc != 0) throw std::runtime_error("initdb failed (" + std::to_string(rc) + "):\n" + read_file(log));

  // The app role and database, created over the socket while TCP is off.
  start(Settings{.tcp = false});
  if (!wait_ready()) throw std::runtime_error("postgres did not start:\n" + log_tail());
  std::string create_role = std::string("CREATE ROLE ") + k_app_user + " LOGIN PASSWORD '" + k_app_password + "'";
  std::string create_db = std::string("CREATE DATABASE ") + k_app_database + " OWNER " + k_app_user;
  if (psql(create_role) != 0 || psql(create_db) != 0) {
    throw std::runtime_error("creating the app role failed:\n" + read_file(m_dir + "/psql.log"));
  }
  stop();
}

PostgresServer::~PostgresServer() {
  stop();
  std::error_code ec;
  std::filesystem::remove_all(m_dir, ec);
}

std::vector<std::string> PostgresServer::as_server_user(std::vector<std::string> argv) const {
  return run_as(postgres_account(), std::move(argv));
}

void PostgresServer::start(const Settings& settings) {
  stop();
  ++m_runs;
  std::vector<std::string> argv = {
      m_bin + "/postgres", "-D", m_dir + "/data", "-p", std::to_string(m_port),
      "-c", std::string("listen_addresses=") + (settings.tcp ? "127.0.0.1" : ""),
      "-c", "unix_socket_directories=" + m_dir,
      "-c", "max_connections=" + std::to_string(settings.max_connections),
      "-c", "superuser_reserved_connections=" + std::to_string(settings.superuser_reserved_connections),
      "-c", "fsync=off", "-c", "shared_buffers=16MB", "-c", "logging_collector=off",
      "-c", "lc_messages=C"};
  for (const std::string& e : settings.extra) {
    argv.push_back("-c");
    argv.push_back(e);
  }
  m_process.start(as_server_user(argv), m_dir + "/postgres-" + std::to_string(m_runs) + ".log");
}

bool PostgresServer::wait_ready(std::chrono::milliseconds limit) {
  std::string log = m_dir + "/postgres-" + std::to_string(m_runs) + ".log";
  return poll_until([&] {
    if (!m_process.running()) return true;  // died: report below
    return read_file(log).find("database system is ready to accept connections") != std::string::npos;
  }, limit) && m_process.running();
}

void PostgresServer::stop() {
  if (!m_process.running()) return;
  ::kill(m_process.pid(), SIGINT);  // fast shutdown: do not wait for clients
  poll_until([&] { return !m_process.running(); }, std::chrono::seconds(10));
  m_process.stop();
}

void PostgresServer::kill() { m_process.kill_now(); }

void PostgresServer::begin_smart_shutdown() {
  if (m_process.running()) ::kill(m_process.pid(), SIGTERM);
}

std::string PostgresServer::url(const std::string& user, const std::string& password, const std::string& db) const {
  std::string auth = user;
  if (!password.empty()) auth += ":" + password;
  if (!auth.empty()) auth += "@";
  return "postgres://" + auth + "127.0.0.1:" + std::to_string(m_port) + "/" + db;
}

int PostgresServer::psql(const std::string& sql) {
  return run_command({"psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", m_dir, "-p", std::to_string(m_port), "-U",
                      k_superuser, "-d", "postgres", "-c", sql},
                     m_dir + "/psql.log");
}

}  // namespace stackgate::testing
