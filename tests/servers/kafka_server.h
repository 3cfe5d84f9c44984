// A real Apache Kafka broker in KRaft mode (combined broker + controller,
// node 1) on loopback, from the jars tests/servers/kafka/fetch.sh puts in
// ~/.cache/stackgate/kafka-<version>/libs. Listeners:
//   PLAINTEXT      127.0.0.1:port()
//   SASL_PLAINTEXT 127.0.0.1:sasl_port()   PLAIN, users in KafkaServerOptions
//   CONTROLLER     127.0.0.1:<private port>
//   SSL            127.0.0.1:tls_port()     TLS, a self-signed key made with keytool
//   UNRESOLVABLE   127.0.0.1:unresolvable_port(), advertised as
//                  kafka-broker.invalid:<same port>, a name that never resolves
//   MISADVERTISED  127.0.0.1:misadvertised_port(), advertised as
//                  127.0.0.1:<a port nothing listens on>
// The last two are listeners a client can bootstrap from but not use, as a
// broker advertising its container name or localhost to other containers.
// The storage is formatted once; stop()/kill() and start() again reuse the
// same ports and data, as a restarted container would.
//
// A broker can be shared by several test processes (the CTest fixture in
// tests/integration/kafka): the process that owns it save()s its endpoints to
// a state file, the others attach() to it. An attached broker cannot be
// stopped, killed or paused from the attaching process.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <string>

#include "tests/servers/harness.h"

namespace stackgate::testing {

struct KafkaServerOptions {
  int group_initial_rebalance_delay_ms = 0;
  int num_partitions = 1;
  // SASL/PLAIN users on the SASL listener: name -> password.
  std::map<std::string, std::string> sasl_users = {{"admin", "admin-secret"}, {"alice", "alice-secret"}};
  // fetch.sh; the default is the script beside this file's source.
  std::string fetch_script;
  std::chrono::milliseconds start_limit{90000};
};

class KafkaServer {
 public:
  explicit KafkaServer(KafkaServerOptions options = {});
  ~KafkaServer();  // stop(); the data dir is left for post-mortem
  KafkaServer(const KafkaServer&) = delete;
  KafkaServer& operator=(const KafkaServer&) = delete;

  /// Formats the storage on first use, starts the JVM and polls until the
  /// PLAINTEXT listener answers a Metadata request with a broker in it.
  /// Throws std::runtime_error (with the log tail) if that does not happen
  /// within options.start_limit. The JVM gets SIGKILL when the calling
  /// thread ends (parent death signal, so a crashed test leaves no broker
  /// behind): call start() from a thread that outlives the broker's use.
  void start();
  /// Clean shutdown (SIGTERM, then SIGKILL after the grace period); does
  /// nothing on an attached broker (its owner stops it).
  void stop();
  /// SIGKILL: a crash.
  void kill();
  /// SIGSTOP / SIGCONT: a hung broker (long GC pause, frozen VM). The socket
  /// stays open and accepts connections, but nothing answers.
  void pause();
  void resume();
  /// Owned: the JVM has not exited. Attached: the broker answers Metadata.
  bool running();

  int port() const { return m_port; }
  int sasl_port() const { return m_sasl_port; }
  int tls_port() const { return m_tls_port; }
  int unresolvable_port() const { return m_unresolvable_port; }
  int misadvertised_port() const { return m_misadvertised_port; }
  /// The port MISADVERTISED advertises (nothing listens there).
  int dead_advertised_port() const { return m_dead_port; }
  /// "127.0.0.1:<port>"
  std::string bootstrap() const;
  std::string sasl_bootstrap() const;
  std::string tls_bootstrap() const;
  std::string unresolvable_bootstrap() const;
  std::string misadvertised_bootstrap() const;
  const std::string& dir() const { return m_dir; }
  std::string log_tail() const { return m_process.log_tail(); }
  /// Time the last start() took, from exec to the first Metadata answer.
  std::chrono::milliseconds last_start_time() const { return m_last_start; }

  /// Writes the endpoints and data dir to `state_file` (key=value lines,
  /// written to a temporary file and renamed, so a reader never sees half).
  void save(const std::string& state_file) const;
  /// A broker another process started and save()d. Throws
  /// std::runtime_error if the file is missing or incomplete.
  static std::unique_ptr<KafkaServer> attach(const std::string& state_file);
  /// True for a broker made by attach().
  bool attached() const { return m_attached; }

  /// Directory of the broker jars: $STACKGATE_KAFKA_LIBS if set, else what
  /// `fetch_script` prints (it downloads with Maven on first use).
  static std::string libs_dir(const std::string& fetch_script);

 private:
  struct Attached {};
  explicit KafkaServer(Attached);
  void require_owned(const char* what) const;
  void write_config();
  /// The storage and SSL key: copied from this machine's template, or made
  /// (make_storage) and left there as the template.
  void format_storage();
  void make_storage();

  KafkaServerOptions m_options;
  std::string m_libs;
  std::string m_dir;
  int m_port = 0;
  int m_sasl_port = 0;
  int m_controller_port = 0;
  int m_tls_port = 0;
  int m_unresolvable_port = 0;
  int m_misadvertised_port = 0;
  int m_dead_port = 0;
  bool m_formatted = false;
  bool m_attached = false;
  std::chrono::milliseconds m_last_start{0};
  ServerProcess m_process;
};

/// True if a Kafka broker on 127.0.0.1:port answers a Metadata request
/// listing at least one broker (a raw Metadata v1 request, no client library).
bool kafka_metadata_answers(int port, std::chrono::milliseconds timeout = std::chrono::milliseconds(1000));

}  // namespace stackgate::testing
