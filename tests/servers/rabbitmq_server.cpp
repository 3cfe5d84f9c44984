#include "tests/servers/rabbitmq_server.h"

#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <cerrno>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <stdexcept>

namespace stackgate::testing {
namespace {

const char* const k_definitions = R"({
  "users": [
    {"name": "app", "password": "apppass", "tags": ""},
    {"name": "noperm", "password": "nopass", "tags": ""},
    {"name": "guest", "password": "guest", "tags": "administrator"}
  ],
  "vhosts": [{"name": "/"}, {"name": "appvh"}],
  "permissions": [
    {"user": "app", "vhost": "/", "configure": ".*", "write": ".*", "read": ".*"},
    {"user": "app", "vhost": "appvh", "configure": ".*", "write": ".*", "read": ".*"},
    {"user": "guest", "vhost": "/", "configure": ".*", "write": ".*", "read": ".*"}
  ],
  "queues": [{"name": "jobs", "vhost": "appvh", "durable": true, "auto_delete": false, "arguments": {}}]
}
)";

// The start script runs the Erlang VM as its child, so stopping the script
// orphans the VM for a moment. As a subreaper this process inherits it and
// reaps it here (bounded), instead of leaving a zombie to an init that may
// not reap.
void reap_group(pid_t group) {
  if (group <= 0) return;
  poll_until([&] {
    int status = 0;
    pid_t r = ::waitpid(-group, &status, WNOHANG);
    return r < 0 && errno == ECHILD;
  }, std::chrono::seconds(10));
}

// Erlang also leaves helpers in their own sessions (erl_child_setup,
// inet_gethost, an `epmd -daemon` that finds the port taken): as their
// subreaper we reap whatever of them has exited, until none is left.
// Only for the end of a test process whose other children are gone.
void reap_orphans() {
  poll_until([] {
    int status = 0;
    pid_t r = ::waitpid(-1, &status, WNOHANG);
    return r < 0 && errno == ECHILD;
  }, std::chrono::seconds(10));
}

}  // namespace

RabbitmqServer::RabbitmqServer() {
  ::prctl(PR_SET_CHILD_SUBREAPER, 1);
  if (find_program({"/usr/lib/rabbitmq/bin/rabbitmq-server"}).empty()) {
    throw std::runtime_error("rabbitmq-server not found under /usr/lib/rabbitmq/bin");
  }
  m_dir = make_temp_dir("sg-rabbitmq");
  ::chmod(m_dir.c_str(), 0755);
  std::filesystem::create_directories(m_dir + "/home");
  m_port = free_port_outside_ephemeral();
  m_epmd_port = free_port_outside_ephemeral();
  m_dist_port = free_port_outside_ephemeral();
  write_file(m_dir + "/definitions.json", k_definitions);
  write_file(m_dir + "/rabbitmq.conf",
             "listeners.tcp.1 = 127.0.0.1:" + std::to_string(m_port) + "\n"
             "load_definitions = " + m_dir + "/definitions.json\n"
             "loopback_users = none\n"
             "log.console = true\n"
             "log.file = false\n");
  write_file(m_dir + "/rabbitmq-env.conf", "");  // not /etc/rabbitmq's
  write_file(m_dir + "/enabled_plugins", "[].\n");
}

RabbitmqServer::~RabbitmqServer() {
  stop();
  pid_t epmd = m_epmd.pid();
  m_epmd.stop();
  reap_group(epmd);
  reap_orphans();
  std::error_code ec;
  std::filesystem::remove_all(m_dir, ec);
}

void RabbitmqServer::start() {
  stop();
  ++m_runs;
  if (!m_epmd.running()) {
    m_epmd.start({"epmd", "-port", std::to_string(m_epmd_port), "-address", "127.0.0.1"}, m_dir + "/epmd.log");
    if (!poll_until([&] { return port_open(m_epmd_port) || !m_epmd.running(); }, std::chrono::seconds(10)) ||
        !m_epmd.running()) {
      throw std::runtime_error("epmd did not start:\n" + m_epmd.log_tail());
    }
  }
  std::map<std::string, std::string> env = {
      {"HOME", m_dir + "/home"},
      {"ERL_EPMD_PORT", std::to_string(m_epmd_port)},
      {"RABBITMQ_NODENAME", "sg" + std::to_string(m_port) + "@localhost"},
      {"RABBITMQ_CONF_ENV_FILE", m_dir + "/rabbitmq-env.conf"},
      {"RABBITMQ_CONFIG_FILE", m_dir + "/rabbitmq.conf"},
      {"RABBITMQ_ENABLED_PLUGINS_FILE", m_dir + "/enabled_plugins"},
      {"RABBITMQ_MNESIA_BASE", m_dir + "/mnesia"},
      {"RABBITMQ_LOG_BASE", m_dir + "/log"},
      {"RABBITMQ_PID_FILE", m_dir + "/rabbitmq.pid"},
      {"RABBITMQ_DIST_PORT", std::to_string(m_dist_port)},
      {"RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS", "-kernel inet_dist_use_interface {127,0,0,1}"},
      {"RABBITMQ_LOGS", "-"},
  };
  m_node.start({"/usr/lib/rabbitmq/bin/rabbitmq-server"}, m_dir + "/rabbitmq-" + std::to_string(m_runs) + ".log",
               env);
}

bool RabbitmqServer::wait_ready(std::chrono::milliseconds limit) {
  std::string log = m_dir + "/rabbitmq-" + std::to_string(m_runs) + ".log";
  return poll_until([&] {
    if (!m_node.running()) return true;  // died: report below
    return read_file(log).find("Server startup complete") != std::string::npos;
  }, limit, std::chrono::milliseconds(100)) && m_node.running();
}

void RabbitmqServer::stop() {
  // SIGTERM to the whole process group (the start script and the VM).
  pid_t group = m_node.pid();
  m_node.stop(std::chrono::seconds(30));
  reap_group(group);
}

void RabbitmqServer::kill() {
  pid_t group = m_node.pid();
  m_node.kill_now();
  reap_group(group);
}

std::string RabbitmqServer::url(const std::string& user, const std::string& password, const std::string& vhost) const {
  std::string auth = user;
  if (!password.empty()) auth += ":" + password;
  if (!auth.empty()) auth += "@";
  return "amqp://" + auth + "127.0.0.1:" + std::to_string(m_port) + "/" + vhost;
}

}  // namespace stackgate::testing
