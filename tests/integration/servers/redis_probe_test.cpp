// The redis probe against a real redis-server 7 on loopback.
#include <catch2/catch.hpp>

#include "tests/integration/servers/fake_servers.h"
#include "tests/integration/servers/probe_support.h"
#include "tests/servers/redis_server.h"

namespace stackgate::testing {
namespace {

using namespace std::chrono_literals;

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

}  // namespace

TEST_CASE("redis: ready", "[redis]") {
  RedisServer redis;
  redis.start();
  REQUIRE(redis.wait_ready());
  Attempt a = attempt(*make(redis.url()));
  INFO(describe(a.outcome));
  CHECK(a.outcome.verdict == Verdict::ready);
  CHECK(attempt(*make(redis.url("", "3"))).outcome.verdict == Verdict::ready);
  CHECK(attempt(*make(redis.url() + "?role=master")).outcome.verdict == Verdict::ready);
}

TEST_CASE("redis: a host name is resolved within the attempt, each address tried", "[redis]") {
  RedisServer redis;
  redis.start();
  REQUIRE(redis.wait_ready());
  Attempt a = attempt(*make("redis://localhost:" + std::to_string(redis.port())));
  INFO(describe(a.outcome));
  CHECK(a.outcome.verdict == Verdict::ready);

  Attempt unknown = attempt(*make("redis://no-such-host.invalid:6379"), 1000ms);
  INFO(describe(unknown.outcome));
  CHECK(unknown.outcome.verdict == Verdict::not_yet);
  CHECK(unknown.outcome.cheap);
}

TEST_CASE("redis: not yet before the server starts, ready once it is up", "[redis]") {
  RedisServer redis;
  auto probe = make(redis.url());
  Attempt before = attempt(*probe);
  INFO(describe(before.outcome));
  CHECK(before.outcome.verdict == Verdict::not_yet);
  CHECK(before.outcome.cheap);

  redis.start();
  Outcome after = poll_for(*probe, Verdict::ready, 10s);
  INFO(describe(after) << "\n" << redis.log_tail());
  CHECK(after.verdict == Verdict::ready);
}

TEST_CASE("redis: killed after ready, the next attempt is not yet", "[redis]") {
  RedisServer redis;
  redis.start();
  REQUIRE(redis.wait_ready());
  auto probe = make(redis.url());
  REQUIRE(attempt(*probe).outcome.verdict == Verdict::ready);
  redis.kill();
  Attempt a = attempt(*probe);
  INFO(describe(a.outcome));
  CHECK(a.outcome.verdict == Verdict::not_yet);
  CHECK(a.outcome.cheap);
}

TEST_CASE("redis: passwords", "[redis]") {
  RedisServer redis;

  SECTION("requirepass and no password in the URL is fatal NOAUTH, not a wait forever") {
    redis.start({.requirepass = "s3cret"});
    REQUIRE(redis.wait_ready());
    Attempt a = attempt(*make(redis.url()));
    INFO(describe(a.outcome));
    CHECK(a.outcome.verdict == Verdict::fatal);
    CHECK(contains(a.outcome.reason, "requires a password"));
    CHECK(attempt(*make(redis.url("s3cret"))).outcome.verdict == Verdict::ready);
  }

  SECTION("a wrong password is fatal WRONGPASS and not echoed") {
    redis.start({.requirepass = "s3cret"});
    REQUIRE(redis.wait_ready());
    Attempt a = attempt(*make(redis.url("Wr0ngPass")));
    INFO(describe(a.outcome));
    CHECK(a.outcome.verdict == Verdict::fatal);
    CHECK(contains(a.outcome.reason, "WRONGPASS"));
    CHECK_FALSE(contains(a.outcome.reason, "Wr0ngPass"));
  }

  SECTION("a password for a server without one is fatal") {
    redis.start();
    REQUIRE(redis.wait_ready());
    Attempt a = attempt(*make(redis.url("whatever")));
    INFO(describe(a.outcome));
    CHECK(a.outcome.verdict == Verdict::fatal);
    CHECK(contains(a.outcome.reason, "without any password configured"));
  }

  SECTION("an ACL user authenticates with AUTH user pass") {
    redis.start({.args = {"--user", "app", "on", ">apppass", "~*", "&*", "+@all"}});
    REQUIRE(redis.wait_ready());
    std::string base = "127.0.0.1:" + std::to_string(redis.port());
    Attempt ok = attempt(*make("redis://app:apppass@" + base));
    INFO(describe(ok.outcome) << "\n" << redis.log_tail());
    CHECK(ok.outcome.verdict == Verdict::ready);
    Attempt bad = attempt(*make("redis://app:nope@" + base));
    INFO(describe(bad.outcome));
    CHECK(bad.outcome.verdict == Verdict::fatal);
    CHECK(contains(bad.outcome.reason, "WRONGPASS"));
  }
}

TEST_CASE("redis: an out-of-range database index is fatal", "[redis]") {
  RedisServer redis;
  redis.start();
  REQUIRE(redis.wait_ready());
  Attempt a = attempt(*make(redis.url("", "99")));
  INFO(describe(a.outcome));
  CHECK(a.outcome.verdict == Verdict::fatal);
  CHECK(contains(a.outcome.reason, "DB index"));
}

TEST_CASE("redis: LOADING is not yet until the dataset is in memory", "[redis][trap]") {
  RedisServer redis;
  redis.start();
  REQUIRE(redis.wait_ready());
  REQUIRE(redis.populate(40000));
  // 40000 keys at 50 us each: loading takes a couple of seconds.
  redis.start({.args = {"--key-load-delay", "50", "--loading-process-events-interval-bytes", "1024"}});
  REQUIRE(redis.wait_listening());
  auto probe = make(redis.url());
  Outcome loading;
  poll_until([&] {
    loading = attempt(*probe).outcome;
    return contains(loading.reason, "LOADING") || loading.verdict == Verdict::ready;
  }, 10s);
  INFO(describe(loading) << "\n" << redis.log_tail());
  CHECK(loading.verdict == Verdict::not_yet);
  CHECK(contains(loading.reason, "LOADING"));
  CHECK_FALSE(loading.cheap);

  Outcome loaded = poll_for(*probe, Verdict::ready, 60s);
  INFO(describe(loaded));
  CHECK(loaded.verdict == Verdict::ready);
}

TEST_CASE("redis: role=replica needs the master link up", "[redis]") {
  RedisServer master;
  master.start();
  REQUIRE(master.wait_ready());
  RedisServer replica;
  replica.start({.args = {"--replicaof", "127.0.0.1", std::to_string(master.port())}});
  REQUIRE(replica.wait_listening());

  auto as_replica = make(replica.url() + "?role=replica");
  Outcome synced = poll_for(*as_replica, Verdict::ready, 20s);
  INFO(describe(synced) << "\n" << replica.log_tail());
  REQUIRE(synced.verdict == Verdict::ready);

  Attempt wrong = attempt(*make(replica.url() + "?role=master"));
  INFO(describe(wrong.outcome));
  CHECK(wrong.outcome.verdict == Verdict::not_yet);
  CHECK(wrong.outcome.reason == "role is replica, want master");

  master.kill();
  Outcome down = poll_for(*as_replica, Verdict::not_yet, 10s);
  INFO(describe(down));
  CHECK(down.verdict == Verdict::not_yet);
  CHECK(contains(down.reason, "master_link_status:down"));
}

TEST_CASE("redis: a replica whose master is down, serving no stale data, is not yet MASTERDOWN", "[redis]") {
  RedisServer replica;
  replica.start({.args = {"--replicaof", "127.0.0.1", std::to_string(free_port()), "--replica-serve-stale-data", "no"}});
  REQUIRE(replica.wait_ready());
  Attempt a = attempt(*make(replica.url()));
  INFO(describe(a.outcome));
  CHECK(a.outcome.verdict == Verdict::not_yet);
  CHECK(contains(a.outcome.reason, "MASTERDOWN"));
}

TEST_CASE("redis: a long-running script is not yet BUSY until it is killed", "[redis]") {
  RedisServer redis;
  redis.start({.args = {"--busy-reply-threshold", "100"}});
  REQUIRE(redis.wait_ready());
  auto probe = make(redis.url());
  REQUIRE(attempt(*probe).outcome.verdict == Verdict::ready);

  ServerProcess script;  // a client stuck in EVAL, run like a server so it can be stopped
  script.start({"redis-cli", "-p", std::to_string(redis.port()), "EVAL", "while true do end", "0"},
               redis.dir() + "/script.log");
  Outcome busy;
  poll_until([&] {
    busy = attempt(*probe).outcome;
    return contains(busy.reason, "BUSY");
  }, 10s);
  INFO(describe(busy));
  CHECK(busy.verdict == Verdict::not_yet);
  CHECK(contains(busy.reason, "BUSY"));

  REQUIRE(run_command({"redis-cli", "-p", std::to_string(redis.port()), "SCRIPT", "KILL"}, redis.dir() + "/kill.log") == 0);
  Outcome after = poll_for(*probe, Verdict::ready, 10s);
  INFO(describe(after));
  CHECK(after.verdict == Verdict::ready);
}

TEST_CASE("redis: protected mode DENIED is fatal", "[redis]") {
  // Protected mode only refuses non-loopback clients: a canned reply stands in.
  CannedServer fake("-DENIED Redis is running in protected mode because protected mode is enabled\r\n");
  Attempt a = attempt(*make("redis://127.0.0.1:" + std::to_string(fake.port())));
  INFO(describe(a.outcome));
  CHECK(a.outcome.verdict == Verdict::fatal);
  CHECK(contains(a.outcome.reason, "protected mode"));
}

TEST_CASE("redis: cluster=1 needs every slot served", "[redis]") {
  RedisServer redis(free_port_below(65535 - 10000));  // the cluster bus listens on port + 10000
  redis.start({.args = {"--cluster-enabled", "yes", "--cluster-config-file", redis.dir() + "/nodes.conf"}});
  REQUIRE(redis.wait_ready());
  auto probe = make(redis.url() + "?cluster=1");
  Attempt empty = attempt(*probe);
  INFO(describe(empty.outcome));
  CHECK(empty.outcome.verdict == Verdict::not_yet);
  CHECK(empty.outcome.reason == "cluster_state:fail");

  REQUIRE(run_command({"redis-cli", "-p", std::to_string(redis.port()), "CLUSTER", "ADDSLOTSRANGE", "0", "16383"},
                      redis.dir() + "/addslots.log") == 0);
  Outcome served = poll_for(*probe, Verdict::ready, 10s);
  INFO(describe(served));
  CHECK(served.verdict == Verdict::ready);
}

TEST_CASE("redis: cluster=1 against a non-cluster server is fatal", "[redis]") {
  RedisServer redis;
  redis.start();
  REQUIRE(redis.wait_ready());
  Attempt a = attempt(*make(redis.url() + "?cluster=1"));
  INFO(describe(a.outcome));
  CHECK(a.outcome.verdict == Verdict::fatal);
  CHECK(contains(a.outcome.reason, "cluster support disabled"));
}

TEST_CASE("redis: a hung server is not yet within the attempt timeout", "[redis]") {
  SilentServer silent;
  Attempt a = attempt(*make("redis://127.0.0.1:" + std::to_string(silent.port())), 300ms);
  INFO(describe(a.outcome));
  CHECK(a.outcome.verdict == Verdict::not_yet);
  CHECK(contains(a.outcome.reason, "timed out"));
  CHECK(a.elapsed >= 250ms);
}

TEST_CASE("redis: rediss:// is fatal in this build", "[redis]") {
  Attempt a = attempt(*make("rediss://127.0.0.1:6380"));
  CHECK(a.outcome.verdict == Verdict::fatal);
  CHECK(a.outcome.reason == "TLS not supported by this build (hiredis 0.14); use redis:// or a TLS proxy");
}

TEST_CASE("redis: options are checked when the probe is made", "[redis]") {
  CHECK(make_error("redis://:pw@cache:6379/0?rol=master") ==
        "unknown option 'rol' for redis:// (did you mean 'role'?) in redis://:***@cache:6379/0?rol=master");
  CHECK(make_error("redis://cache/zero").find("database number") != std::string::npos);
  CHECK(make_error("redis://cache?role=leader").find("role must be") != std::string::npos);
}

}  // namespace stackgate::testing
