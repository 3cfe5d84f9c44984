// The amqp:// probe against a real RabbitMQ node on loopback (tests/servers/).
// One executable, one process, one node: the Erlang VM boots once. The test
// cases run in declaration order; the last one kills the node.
#include <amqp.h>
#include <amqp_tcp_socket.h>

#include <poll.h>
#include <sys/socket.h>

#include <catch2/catch.hpp>

#include <memory>

#include "tests/integration/net/test_server.h"
#include "tests/integration/servers/fake_servers.h"
#include "tests/integration/servers/probe_support.h"
#include "tests/servers/rabbitmq_server.h"

namespace stackgate::testing {
namespace {

using namespace std::chrono_literals;
using MQ = RabbitmqServer;

RabbitmqServer& node() {
  static RabbitmqServer server;
  return server;
}

// The node, started (and waited for) if it is not running.
RabbitmqServer& running_node() {
  RabbitmqServer& server = node();
  if (!server.running()) {
    server.start();
    INFO(server.log_tail());
    REQUIRE(server.wait_ready());
  }
  return server;
}

std::string app_url(const RabbitmqServer& s, const std::string& query = "") {
  return s.url(MQ::k_app_user, MQ::k_app_password, MQ::k_app_vhost) + query;
}

// A plain librabbitmq client of the test: declares queues, consumes.
class Client {
 public:
  explicit Client(const RabbitmqServer& s) : m_conn(amqp_new_connection()) {
    amqp_socket_t* socket = amqp_tcp_socket_new(m_conn);
    REQUIRE(amqp_socket_open(socket, "127.0.0.1", s.port()) == AMQP_STATUS_OK);
    amqp_rpc_reply_t login = amqp_login(m_conn, MQ::k_app_vhost, 0, 131072, 0, AMQP_SASL_METHOD_PLAIN,
                                        MQ::k_app_user, MQ::k_app_password);
    REQUIRE(login.reply_type == AMQP_RESPONSE_NORMAL);
    amqp_channel_open(m_conn, 1);
    REQUIRE(amqp_get_rpc_reply(m_conn).reply_type == AMQP_RESPONSE_NORMAL);
  }
  ~Client() {
    amqp_connection_close(m_conn, AMQP_REPLY_SUCCESS);
    amqp_destroy_connection(m_conn);
  }
  void declare(const std::string& queue) {
    amqp_queue_declare(m_conn, 1, amqp_cstring_bytes(queue.c_str()), 0, 0, 0, 1, amqp_empty_table);
    REQUIRE(amqp_get_rpc_reply(m_conn).reply_type == AMQP_RESPONSE_NORMAL);
  }
  void consume(const std::string& queue) {
    amqp_basic_consume(m_conn, 1, amqp_cstring_bytes(queue.c_str()), amqp_empty_bytes, 0, 1, 0, amqp_empty_table);
    REQUIRE(amqp_get_rpc_reply(m_conn).reply_type == AMQP_RESPONSE_NORMAL);
  }

 private:
  amqp_connection_state_t m_conn;
};

// AMQP 0-9-1 frames for a broker that is going away (RabbitMQ's answer to a
// client that logs in while the node boots or stops).
std::string frame(const std::string& payload) {
  std::string out = {1, 0, 0};  // METHOD frame on channel 0
  uint32_t size = static_cast<uint32_t>(payload.size());
  for (int shift = 24; shift >= 0; shift -= 8) out += static_cast<char>((size >> shift) & 0xff);
  return out + payload + '\xCE';
}

std::string u16(int v) { return {static_cast<char>(v >> 8), static_cast<char>(v & 0xff)}; }
std::string long_string(const std::string& s) { return std::string{0, 0, 0, static_cast<char>(s.size())} + s; }

std::string connection_start() {
  // connection.start: version 0-9, no server properties, PLAIN, en_US.
  return frame(u16(10) + u16(10) + std::string{0, 9} + std::string(4, '\0') + long_string("PLAIN") +
               long_string("en_US"));
}

std::string connection_close(int code, const std::string& text) {
  return frame(u16(10) + u16(50) + u16(code) + static_cast<char>(text.size()) + text + u16(0) + u16(0));
}

// Reads whatever the client sends next (up to 2 s); false when it closed.
bool read_some(int fd) {
  pollfd p{fd, POLLIN, 0};
  char buffer[4096];
  return ::poll(&p, 1, 2000) > 0 && ::recv(fd, buffer, sizeof buffer, 0) > 0;
}

// Answers the protocol header with connection.start, the client's
// start-ok with connection.close 320, then waits for the client to go.
TestServer::Handler broker_going_away() {
  return [](TestServer&, int fd) {
    if (!read_some(fd)) return;
    write_all(fd, connection_start());
    if (!read_some(fd)) return;
    write_all(fd, connection_close(320, "CONNECTION_FORCED - broker forced connection closure with reason 'shutdown'"));
    while (read_some(fd)) {
    }
  };
}

}  // namespace

TEST_CASE("amqp: 320 CONNECTION_FORCED during the handshake is not yet", "[amqp]") {
  TestServer broker(broker_going_away());
  broker.listen();
  Attempt a = attempt(*make("amqp://app:apppass@127.0.0.1:" + std::to_string(broker.port()) + "/appvh"));
  INFO(describe(a.outcome));
  CHECK(a.outcome.verdict == Verdict::not_yet);
  CHECK(a.outcome.reason ==
        "320 CONNECTION_FORCED - broker forced connection closure with reason 'shutdown'");
}

TEST_CASE("amqp: refused before the node boots, ready once the vhost can be opened", "[amqp]") {
  RabbitmqServer& mq = node();
  REQUIRE_FALSE(mq.running());  // this case runs before any other starts it
  auto probe = make(app_url(mq, "?queues=jobs"));
  Attempt before = attempt(*probe);
  INFO(describe(before.outcome));
  CHECK(before.outcome.verdict == Verdict::not_yet);
  CHECK(before.outcome.cheap);
  CHECK(before.outcome.reason == "connection refused");

  mq.start();
  // While the VM boots the port is closed, then the listener opens; every
  // attempt meanwhile must be not yet, never fatal.
  Outcome last;
  bool ready = poll_until([&] {
    last = attempt(*probe).outcome;
    REQUIRE(last.verdict != Verdict::fatal);
    return last.verdict == Verdict::ready;
  }, 180s, 100ms);
  INFO(describe(last) << "\n" << mq.log_tail());
  CHECK(ready);
  CHECK(last.reason == "jobs exists");
  REQUIRE(mq.wait_ready(60s));
}

TEST_CASE("amqp: the vhost comes from the path, / by default", "[amqp]") {
  RabbitmqServer& mq = running_node();
  std::string base = "amqp://app:apppass@127.0.0.1:" + std::to_string(mq.port());
  for (const std::string& url : {base, base + "/", base + "/%2F", base + "/appvh"}) {
    Attempt a = attempt(*make(url));
    INFO(url << ": " << describe(a.outcome));
    CHECK(a.outcome.verdict == Verdict::ready);
  }
  CHECK(attempt(*make(base)).outcome.reason == "vhost / open");
  // No user: guest:guest, as the AMQP URI scheme says.
  CHECK(attempt(*make("amqp://127.0.0.1:" + std::to_string(mq.port()))).outcome.verdict == Verdict::ready);
}

TEST_CASE("amqp: the password may come from password_file", "[amqp]") {
  RabbitmqServer& mq = running_node();
  std::string file = mq.dir() + "/app.pw";
  write_file(file, std::string(MQ::k_app_password) + "\n");
  Attempt a = attempt(*make("amqp://app@127.0.0.1:" + std::to_string(mq.port()) + "/appvh?password_file=" + file));
  INFO(describe(a.outcome));
  CHECK(a.outcome.verdict == Verdict::ready);
}

TEST_CASE("amqp: what waiting cannot fix is fatal", "[amqp]") {
  RabbitmqServer& mq = running_node();

  SECTION("a wrong password: 403 ACCESS_REFUSED, not echoed") {
    Attempt a = attempt(*make(mq.url(MQ::k_app_user, "Wr0ngSecret", MQ::k_app_vhost)));
    INFO(describe(a.outcome));
    CHECK(a.outcome.verdict == Verdict::fatal);
    CHECK_THAT(a.outcome.reason, Catch::StartsWith("403 ACCESS_REFUSED - Login was refused"));
    CHECK(a.outcome.reason.find("Wr0ngSecret") == std::string::npos);
  }
  SECTION("a vhost that does not exist: 530 NOT_ALLOWED") {
    Attempt a = attempt(*make(mq.url(MQ::k_app_user, MQ::k_app_password, "nosuchvh")));
    INFO(describe(a.outcome));
    CHECK(a.outcome.verdict == Verdict::fatal);
    CHECK(a.outcome.reason == "530 NOT_ALLOWED - vhost nosuchvh not found");
  }
  SECTION("a user without access to the vhost: 530 NOT_ALLOWED") {
    Attempt a = attempt(*make(mq.url("noperm", "nopass", MQ::k_app_vhost)));
    INFO(describe(a.outcome));
    CHECK(a.outcome.verdict == Verdict::fatal);
    CHECK(a.outcome.reason == "530 NOT_ALLOWED - access to vhost 'appvh' refused for user 'noperm'");
  }
}

TEST_CASE("amqp: a queue that does not exist yet is not yet, then ready", "[amqp]") {
  RabbitmqServer& mq = running_node();
  auto probe = make(app_url(mq, "?queues=jobs,later"));
  Attempt missing = attempt(*probe);
  INFO(describe(missing.outcome));
  CHECK(missing.outcome.verdict == Verdict::not_yet);
  CHECK(missing.outcome.reason == "queue later does not exist yet");

  Client client(mq);
  client.declare("later");  // auto-delete: goes with the client
  Attempt present = attempt(*probe);
  INFO(describe(present.outcome));
  CHECK(present.outcome.verdict == Verdict::ready);
  CHECK(present.outcome.reason == "jobs, later exist");
}

TEST_CASE("amqp: min_consumers counts each queue's consumers", "[amqp]") {
  RabbitmqServer& mq = running_node();
  auto probe = make(app_url(mq, "?queues=jobs&min_consumers=1"));
  Attempt none = attempt(*probe);
  INFO(describe(none.outcome));
  CHECK(none.outcome.verdict == Verdict::not_yet);
  CHECK(none.outcome.reason == "queue jobs has 0 consumers, want at least 1");
  {
    Client worker(mq);
    worker.consume(MQ::k_queue);
    Attempt one = attempt(*probe);
    INFO(describe(one.outcome));
    CHECK(one.outcome.verdict == Verdict::ready);
  }
  // The worker left: its consumer with it.
  Outcome gone = poll_for(*probe, Verdict::not_yet, 5s);
  CHECK(gone.reason == "queue jobs has 0 consumers, want at least 1");
}

TEST_CASE("amqp: a peer that closes during the handshake, or hangs, is not yet", "[amqp]") {
  SECTION("closes at once") {
    CannedServer closes("");
    Attempt a = attempt(*make("amqp://127.0.0.1:" + std::to_string(closes.port())));
    INFO(describe(a.outcome));
    CHECK(a.outcome.verdict == Verdict::not_yet);
    CHECK(a.outcome.reason == "connection closed by the broker while logging in to vhost /");
  }
  SECTION("never answers") {
    SilentServer silent;
    Attempt a = attempt(*make("amqp://127.0.0.1:" + std::to_string(silent.port())), 300ms);
    INFO(describe(a.outcome));
    CHECK(a.outcome.verdict == Verdict::not_yet);
    CHECK(a.outcome.reason == "timed out after 300ms logging in to vhost /");
    CHECK(a.elapsed >= 250ms);
  }
}

TEST_CASE("amqp: options are checked when the probe is made", "[amqp]") {
  CHECK(make_error("amqp://app:s3cr3t@mq/appvh?queue=jobs") ==
        "unknown option 'queue' for amqp:// (did you mean 'queues'?) in amqp://app:***@mq/appvh?queue=jobs");
  CHECK(make_error("amqp://mq?min_consumers=1") == "min_consumers needs queues=a,b in amqp://mq?min_consumers=1");
  CHECK(make_error("amqp://mq?queues=jobs&min_consumers=x").find("min_consumers must be") != std::string::npos);
}

// Last: the node is gone afterwards.
TEST_CASE("amqp: killed after ready, the next attempt is not yet", "[amqp]") {
  RabbitmqServer& mq = running_node();
  auto probe = make(app_url(mq));
  REQUIRE(attempt(*probe).outcome.verdict == Verdict::ready);
  mq.kill();
  // The VM's sockets may outlive the start script by a moment: the next
  // attempt may still connect and be cut off, never ready or fatal.
  Attempt a = attempt(*probe);
  INFO(describe(a.outcome));
  CHECK(a.outcome.verdict == Verdict::not_yet);
  Outcome refused;
  poll_until([&] {
    refused = attempt(*probe).outcome;
    REQUIRE(refused.verdict == Verdict::not_yet);
    return refused.cheap;
  }, 10s);
  INFO(describe(refused));
  CHECK(refused.reason == "connection refused");
}

}  // namespace stackgate::testing
