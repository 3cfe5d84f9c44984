#include "tests/servers/kafka_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <stdexcept>
#include <vector>

namespace stackgate::testing {
namespace {

// Any 16 bytes, base64url without padding, as `kafka-storage random-uuid` prints.
constexpr const char* k_cluster_id = "c3RhY2tnYXRlLWthZmthMQ";

std::string default_fetch_script() {
  std::string here = __FILE__;
  return here.substr(0, here.find_last_of('/')) + "/kafka/fetch.sh";
}

// The JVM shares two cores with other suites: small heap, serial GC, and C1
// only, which also starts faster.
//
// Under setpriv --pdeathsig, the JVM is killed when the thread that started
// it goes away, so a test process that dies (a crash, SIGPIPE from `| head`)
// leaves no broker behind.
std::vector<std::string> java_command(const std::string& libs, const std::string& dir) {
  std::vector<std::string> argv;
  if (std::string setpriv = find_program({"/usr/bin/setpriv", "/bin/setpriv"}); !setpriv.empty()) {
    argv = {setpriv, "--pdeathsig", "KILL"};
  }
  std::vector<std::string> java = {"java",
          "-Xmx512m",
          "-Xms256m",
          "-XX:+UseSerialGC",
          "-XX:TieredStopAtLevel=1",
          "-XX:-UsePerfData",
          "-Djava.awt.headless=true",
          "-Dlog4j.configuration=file:" + dir + "/log4j.properties",
          "-cp",
          libs + "/*"};
  argv.insert(argv.end(), java.begin(), java.end());
  return argv;
}

void put_i16(std::vector<unsigned char>& buf, int16_t v) {
  buf.push_back(static_cast<unsigned char>((v >> 8) & 0xff));
  buf.push_back(static_cast<unsigned char>(v & 0xff));
}

void put_i32(std::vector<unsigned char>& buf, int32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) buf.push_back(static_cast<unsigned char>((v >> shift) & 0xff));
}

int32_t get_i32(const unsigned char* p) {
  return static_cast<int32_t>((uint32_t(p[0]) << 24) | (uint32_t(p[1]) << 16) | (uint32_t(p[2]) << 8) | p[3]);
}

bool read_exact(int fd, unsigned char* buf, size_t n) {
  size_t got = 0;
  while (got < n) {
    ssize_t r = ::recv(fd, buf + got, n - got, 0);
    if (r <= 0) return false;
    got += static_cast<size_t>(r);
  }
  return true;
}

}  // namespace

bool kafka_metadata_answers(int port, std::chrono::milliseconds timeout) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  timeval tv{static_cast<time_t>(timeout.count() / 1000), static_cast<suseconds_t>((timeout.count() % 1000) * 1000)};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  bool ok = false;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) {
    // Metadata v4 (non-flexible): header {api_key 3, version 4, correlation
    // id, client id}, body {topics: [] (none), allow_auto_topic_creation: 0}.
    const std::string client = "stackgate-harness";
    std::vector<unsigned char> body;
    put_i16(body, 3);
    put_i16(body, 4);
    put_i32(body, 42);
    put_i16(body, static_cast<int16_t>(client.size()));
    body.insert(body.end(), client.begin(), client.end());
    put_i32(body, 0);
    body.push_back(0);
    std::vector<unsigned char> request;
    put_i32(request, static_cast<int32_t>(body.size()));
    request.insert(request.end(), body.begin(), body.end());
    // Response: size, correlation id, throttle_time_ms, brokers[count]...
    std::array<unsigned char, 16> head{};
    if (::send(fd, request.data(), request.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(request.size()) &&
        read_exact(fd, head.data(), head.size())) {
      ok = get_i32(head.data() + 4) == 42 && get_i32(head.data() + 12) >= 1;
    }
  }
  ::close(fd);
  return ok;
}

std::string KafkaServer::libs_dir(const std::string& fetch_script) {
  if (const char* env = std::getenv("STACKGATE_KAFKA_LIBS"); env && *env) return env;
  static std::string cached;
  if (!cached.empty()) return cached;
  std::string command = "bash '" + fetch_script + "'";
  FILE* pipe = ::popen(command.c_str(), "r");
  if (!pipe) throw std::runtime_error("cannot run " + fetch_script);
  std::string out;
  std::array<char, 512> buf{};
  while (std::fgets(buf.data(), buf.size(), pipe)) out += buf.data();
  int status = ::pclose(pipe);
  while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) out.pop_back();
  std::string last = out.substr(out.find_last_of('\n') == std::string::npos ? 0 : out.find_last_of('\n') + 1);
  if (status != 0 || last.empty()) {
    throw std::runtime_error(fetch_script + " failed (status " + std::to_string(status) + "): " + out);
  }
  cached = last;
  return cached;
}

KafkaServer::KafkaServer(KafkaServerOptions options) : m_options(std::move(options)) {
  if (m_options.fetch_script.empty()) m_options.fetch_script = default_fetch_script();
  m_libs = libs_dir(m_options.fetch_script);
  m_dir = make_temp_dir("stackgate-kafka");
  // Distinct free ports for every listener, and one that stays unused.
  std::vector<int> taken;
  auto fresh = [&taken] {
    int port = free_port_outside_ephemeral();
    for (int i = 0; i < 100 && std::find(taken.begin(), taken.end(), port) != taken.end(); ++i) {
      port = free_port_outside_ephemeral();
    }
    taken.push_back(port);
    return port;
  };
  m_port = fresh();
  m_sasl_port = fresh();
  m_controller_port = fresh();
  m_tls_port = fresh();
  m_unresolvable_port = fresh();
  m_misadvertised_port = fresh();
  m_dead_port = fresh();
  write_config();
}

KafkaServer::~KafkaServer() { stop(); }

std::string KafkaServer::bootstrap() const { return "127.0.0.1:" + std::to_string(m_port); }
std::string KafkaServer::sasl_bootstrap() const { return "127.0.0.1:" + std::to_string(m_sasl_port); }
std::string KafkaServer::tls_bootstrap() const { return "127.0.0.1:" + std::to_string(m_tls_port); }
std::string KafkaServer::unresolvable_bootstrap() const {
  return "127.0.0.1:" + std::to_string(m_unresolvable_port);
}
std::string KafkaServer::misadvertised_bootstrap() const {
  return "127.0.0.1:" + std::to_string(m_misadvertised_port);
}

void KafkaServer::write_config() {
  std::string p = std::to_string(m_port), sp = std::to_string(m_sasl_port), cp = std::to_string(m_controller_port);
  std::string up = std::to_string(m_unresolvable_port), mp = std::to_string(m_misadvertised_port);
  std::string dp = std::to_string(m_dead_port), tp = std::to_string(m_tls_port);
  std::string jaas = "org.apache.kafka.common.security.plain.PlainLoginModule required";
  auto admin = m_options.sasl_users.find("admin");
  if (admin != m_options.sasl_users.end()) jaas += " username=\"admin\" password=\"" + admin->second + "\"";
  for (const auto& [user, password] : m_options.sasl_users) jaas += " user_" + user + "=\"" + password + "\"";
  jaas += ";";

  write_file(m_dir + "/server.properties",
             "process.roles=broker,controller\n"
             "node.id=1\n"
             "controller.quorum.voters=1@127.0.0.1:" + cp + "\n"
             "listeners=PLAINTEXT://127.0.0.1:" + p + ",SASL_PLAINTEXT://127.0.0.1:" + sp +
                 ",CONTROLLER://127.0.0.1:" + cp + ",UNRESOLVABLE://127.0.0.1:" + up +
                 ",MISADVERTISED://127.0.0.1:" + mp + ",SSL://127.0.0.1:" + tp + "\n"
             "advertised.listeners=PLAINTEXT://127.0.0.1:" + p + ",SASL_PLAINTEXT://127.0.0.1:" + sp +
                 ",UNRESOLVABLE://kafka-broker.invalid:" + up + ",MISADVERTISED://127.0.0.1:" + dp +
                 ",SSL://127.0.0.1:" + tp + "\n"
             "listener.security.protocol.map=PLAINTEXT:PLAINTEXT,SASL_PLAINTEXT:SASL_PLAINTEXT,CONTROLLER:PLAINTEXT,"
                 "UNRESOLVABLE:PLAINTEXT,MISADVERTISED:PLAINTEXT,SSL:SSL\n"
             "listener.name.ssl.ssl.keystore.type=PKCS12\n"
             "listener.name.ssl.ssl.keystore.location=" + m_dir + "/broker.p12\n"
             "listener.name.ssl.ssl.keystore.password=stackgate-test\n"
             "listener.name.ssl.ssl.key.password=stackgate-test\n"
             "inter.broker.listener.name=PLAINTEXT\n"
             "controller.listener.names=CONTROLLER\n"
             "sasl.enabled.mechanisms=PLAIN\n"
             "listener.name.sasl_plaintext.plain.sasl.jaas.config=" + jaas + "\n"
             "log.dirs=" + m_dir + "/data\n"
             "num.partitions=" + std::to_string(m_options.num_partitions) + "\n"
             "auto.create.topics.enable=false\n"
             "offsets.topic.replication.factor=1\n"
             "offsets.topic.num.partitions=1\n"
             "transaction.state.log.replication.factor=1\n"
             "transaction.state.log.min.isr=1\n"
             "transaction.state.log.num.partitions=1\n"
             "group.initial.rebalance.delay.ms=" + std::to_string(m_options.group_initial_rebalance_delay_ms) + "\n"
             // A killed broker's registration blocks its restart until the
             // session expires (DUPLICATE_BROKER_REGISTRATION): keep it short.
             "broker.heartbeat.interval.ms=500\n"
             "broker.session.timeout.ms=2000\n"
             "num.network.threads=2\n"
             "num.io.threads=2\n"
             "background.threads=2\n"
             "log.retention.check.interval.ms=600000\n");
  write_file(m_dir + "/log4j.properties",
             "log4j.rootLogger=INFO, stdout\n"
             "log4j.appender.stdout=org.apache.log4j.ConsoleAppender\n"
             "log4j.appender.stdout.layout=org.apache.log4j.PatternLayout\n"
             "log4j.appender.stdout.layout.ConversionPattern=[%d] %p %m (%c)%n\n"
             "log4j.logger.org.apache.kafka.clients=WARN\n"
             "log4j.logger.kafka.request.logger=WARN\n"
             "log4j.logger.state.change.logger=WARN\n");
}

namespace {

// The formatted storage (meta.properties and the bootstrap checkpoint: the
// fixed cluster id and node 1, nothing of this broker's ports or paths) and
// the SSL key are the same for every broker of one Kafka version; making
// them takes two JVM starts (keytool, StorageTool). The first broker makes
// them and leaves a copy in a template under scratch_base(), later ones copy it.
// The key is valid for two days and the template is per day; publishing is
// a rename, so concurrent test processes never see half a template.
std::string template_dir(const std::string& libs) {
  auto day = std::chrono::duration_cast<std::chrono::hours>(
                 std::chrono::system_clock::now().time_since_epoch()).count() / 24;
  std::ostringstream name;
  name << scratch_base() << "/sg-kafka-template-" << std::hex
       << std::hash<std::string>{}(libs + "|" + k_cluster_id) << std::dec << "-" << day;
  return name.str();
}

}  // namespace

void KafkaServer::format_storage() {
  std::string templ = template_dir(m_libs);
  if (::access((templ + "/data/meta.properties").c_str(), R_OK) == 0 &&
      run_command({"cp", "-a", templ + "/data", templ + "/broker.p12", m_dir + "/"}, m_dir + "/copy.log") == 0) {
    m_formatted = true;
    return;
  }
  make_storage();
  std::string staging = make_temp_dir("sg-kafka-template-staging");
  std::error_code ec;
  if (run_command({"cp", "-a", m_dir + "/data", m_dir + "/broker.p12", staging + "/"}, m_dir + "/copy.log") != 0 ||
      std::rename(staging.c_str(), templ.c_str()) != 0) {
    std::filesystem::remove_all(staging, ec);  // another process published first
  }
}

void KafkaServer::make_storage() {
  // The SSL listener's key: self-signed, made once with the JRE's keytool.
  std::string keytool = find_program({"/usr/bin/keytool", "/usr/lib/jvm/*/bin/keytool"});
  if (keytool.empty()) throw std::runtime_error("keytool not found (it comes with the JRE)");
  int key_rc = run_command({keytool, "-genkeypair", "-alias", "broker", "-keyalg", "RSA", "-keysize", "2048",
                            "-validity", "2", "-dname", "CN=127.0.0.1", "-storetype", "PKCS12", "-keystore",
                            m_dir + "/broker.p12", "-storepass", "stackgate-test", "-keypass", "stackgate-test"},
                           m_dir + "/keytool.log");
  if (key_rc != 0) throw std::runtime_error("keytool failed (exit " + std::to_string(key_rc) + "), see " + m_dir);
  std::vector<std::string> argv = java_command(m_libs, m_dir);
  for (const char* arg : {"kafka.tools.StorageTool", "format", "-t", k_cluster_id, "-c"}) argv.push_back(arg);
  argv.push_back(m_dir + "/server.properties");
  std::string log = m_dir + "/format.log";
  int rc = run_command(argv, log);
  if (rc != 0) {
    std::ifstream in(log);
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    throw std::runtime_error("kafka StorageTool format failed (exit " + std::to_string(rc) + "): " + text);
  }
  m_formatted = true;
}

KafkaServer::KafkaServer(Attached) : m_attached(true) {}

void KafkaServer::save(const std::string& state_file) const {
  std::string tmp = state_file + ".tmp";
  write_file(tmp, "dir=" + m_dir + "\n" + "port=" + std::to_string(m_port) + "\n" +
                      "sasl_port=" + std::to_string(m_sasl_port) + "\n" +
                      "controller_port=" + std::to_string(m_controller_port) + "\n" +
                      "tls_port=" + std::to_string(m_tls_port) + "\n" +
                      "unresolvable_port=" + std::to_string(m_unresolvable_port) + "\n" +
                      "misadvertised_port=" + std::to_string(m_misadvertised_port) + "\n" +
                      "dead_port=" + std::to_string(m_dead_port) + "\n");
  if (std::rename(tmp.c_str(), state_file.c_str()) != 0) {
    throw std::runtime_error("cannot rename " + tmp + " to " + state_file);
  }
}

std::unique_ptr<KafkaServer> KafkaServer::attach(const std::string& state_file) {
  std::ifstream in(state_file);
  if (!in) throw std::runtime_error("no shared Kafka broker: cannot read " + state_file);
  std::map<std::string, std::string> values;
  for (std::string line; std::getline(in, line);) {
    auto eq = line.find('=');
    if (eq != std::string::npos) values[line.substr(0, eq)] = line.substr(eq + 1);
  }
  auto broker = std::unique_ptr<KafkaServer>(new KafkaServer(Attached{}));
  auto port = [&](const std::string& key) {
    auto it = values.find(key);
    int value = it == values.end() ? 0 : std::atoi(it->second.c_str());
    if (value <= 0) throw std::runtime_error(state_file + ": no " + key);
    return value;
  };
  broker->m_dir = values["dir"];
  broker->m_port = port("port");
  broker->m_sasl_port = port("sasl_port");
  broker->m_controller_port = port("controller_port");
  broker->m_tls_port = port("tls_port");
  broker->m_unresolvable_port = port("unresolvable_port");
  broker->m_misadvertised_port = port("misadvertised_port");
  broker->m_dead_port = port("dead_port");
  broker->m_formatted = true;
  return broker;
}

void KafkaServer::require_owned(const char* what) const {
  if (m_attached) {
    throw std::logic_error(std::string("cannot ") + what +
                           " a shared Kafka broker from a test that attached to it: use a broker of its own");
  }
}

void KafkaServer::start() {
  if (running()) return;
  require_owned("start");
  if (!m_formatted) format_storage();
  std::vector<std::string> argv = java_command(m_libs, m_dir);
  argv.push_back("kafka.Kafka");
  argv.push_back(m_dir + "/server.properties");
  auto begin = std::chrono::steady_clock::now();
  m_process.start(argv, m_dir + "/broker.log");
  bool up = poll_until([this] { return !m_process.running() || kafka_metadata_answers(m_port); },
                       m_options.start_limit, std::chrono::milliseconds(50));
  m_last_start = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - begin);
  if (!up || !m_process.running()) {
    std::string tail = m_process.log_tail();
    m_process.kill_now();
    throw std::runtime_error(std::string("kafka broker did not come up") + (up ? " (exited)" : " (timed out)") +
                             " on port " + std::to_string(m_port) + "; log " + m_dir + "/broker.log:\n" + tail);
  }
}

void KafkaServer::stop() { m_process.stop(std::chrono::milliseconds(15000)); }

void KafkaServer::kill() {
  require_owned("kill");
  m_process.kill_now();
}

void KafkaServer::pause() {
  require_owned("pause");
  if (m_process.pid() > 0) ::kill(m_process.pid(), SIGSTOP);
}

void KafkaServer::resume() {
  require_owned("resume");
  if (m_process.pid() > 0) ::kill(m_process.pid(), SIGCONT);
}

bool KafkaServer::running() { return m_attached ? kafka_metadata_answers(m_port) : m_process.running(); }

}  // namespace stackgate::testing
