#include "tests/servers/mosquitto_server.h"

#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <stdexcept>

namespace stackgate::testing {
namespace {

}  // namespace

MosquittoServer::MosquittoServer() : m_dir(make_temp_dir("sg-mosquitto")), m_port(free_port()) {
  if (find_program({"/usr/sbin/mosquitto", "/usr/bin/mosquitto"}).empty()) {
    throw std::runtime_error("mosquitto not installed");
  }
  // Started as root, mosquitto drops to the `mosquitto` user: it must still
  // be able to read the config and the password file.
  ::chmod(m_dir.c_str(), 0755);
  std::string pw = m_dir + "/passwd";
  int rc = run_command({"mosquitto_passwd", "-b", "-c", pw, k_user, k_password}, m_dir + "/mosquitto_passwd.log");
  if (rc != 0) throw std::runtime_error("mosquitto_passwd failed");
  ::chmod(pw.c_str(), 0644);
}

MosquittoServer::~MosquittoServer() {
  stop();
  std::error_code ec;
  std::filesystem::remove_all(m_dir, ec);
}

void MosquittoServer::start(const Settings& settings) {
  stop();
  ++m_runs;
  std::string conf = "listener " + std::to_string(m_port) + " 127.0.0.1\npersistence false\n";
  if (settings.anonymous) {
    conf += "allow_anonymous true\n";
  } else {
    conf += "allow_anonymous false\npassword_file " + m_dir + "/passwd\n";
  }
  std::string path = m_dir + "/mosquitto-" + std::to_string(m_runs) + ".conf";
  write_file(path, conf);
  ::chmod(path.c_str(), 0644);
  m_process.start({"mosquitto", "-c", path}, m_dir + "/mosquitto-" + std::to_string(m_runs) + ".log");
}

bool MosquittoServer::wait_ready(std::chrono::milliseconds limit) {
  return poll_until([&] { return !m_process.running() || port_open(m_port); }, limit) && m_process.running();
}

void MosquittoServer::stop() { m_process.stop(); }

void MosquittoServer::kill() { m_process.kill_now(); }

std::string MosquittoServer::url(const std::string& user, const std::string& password) const {
  std::string auth = user;
  if (!password.empty()) auth += ":" + password;
  if (!auth.empty()) auth += "@";
  return "mqtt://" + auth + "127.0.0.1:" + std::to_string(m_port);
}

}  // namespace stackgate::testing
