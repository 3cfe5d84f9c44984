// The zk probe against a real ZooKeeper 3.8 on loopback.
#include <catch2/catch.hpp>

#include "tests/integration/servers/fake_servers.h"
#include "tests/integration/servers/probe_support.h"
#include "tests/servers/zookeeper_server.h"

namespace stackgate::testing {
namespace {

using namespace std::chrono_literals;

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

}  // namespace

TEST_CASE("zk: not yet before the server starts, ready standalone once it is up, killed, not yet", "[zk]") {
  ZooKeeperServer zk;
  auto probe = make(zk.url());
  Attempt before = attempt(*probe);
  INFO(describe(before.outcome));
  CHECK(before.outcome.verdict == Verdict::not_yet);
  CHECK(before.outcome.cheap);

  zk.start();
  Outcome up = poll_for(*probe, Verdict::ready, 60s);
  INFO(describe(up) << "\n" << zk.log_tail());
  REQUIRE(up.verdict == Verdict::ready);
  CHECK(up.reason == "mode standalone");

  // A standalone node is its own leader, and never a follower.
  CHECK(attempt(*make(zk.url() + "?mode=leader")).outcome.verdict == Verdict::ready);
  Attempt follower = attempt(*make(zk.url() + "?mode=follower"));
  CHECK(follower.outcome.verdict == Verdict::not_yet);
  CHECK(follower.outcome.reason == "mode standalone, want follower");

  zk.kill();
  Attempt after = attempt(*probe);
  INFO(describe(after.outcome));
  CHECK(after.outcome.verdict == Verdict::not_yet);
  CHECK(after.outcome.cheap);
}

TEST_CASE("zk: srvr answers even with a 4lw whitelist that leaves it out", "[zk][trap]") {
  // ZooKeeper always adds srvr to the whitelist ("used by ZooKeeper itself",
  // FourLetterCommands.isEnabled), which is why the probe uses srvr, not ruok.
  ZooKeeperServer zk;
  zk.start({.whitelist = "ruok"});
  REQUIRE(zk.wait_listening());
  Outcome o = poll_for(*make(zk.url()), Verdict::ready, 30s);
  INFO(describe(o) << "\n" << zk.log_tail());
  CHECK(o.verdict == Verdict::ready);
}

TEST_CASE("zk: a whitelist refusal is fatal with the fix", "[zk]") {
  CannedServer fake("srvr is not executed because it is not in the whitelist.\n");
  Attempt a = attempt(*make("zk://127.0.0.1:" + std::to_string(fake.port())));
  INFO(describe(a.outcome));
  CHECK(a.outcome.verdict == Verdict::fatal);
  CHECK(a.outcome.reason == "127.0.0.1:" + std::to_string(fake.port()) +
                                ": srvr is not in the whitelist; add srvr to 4lw.commands.whitelist "
                                "(ZOO_4LW_COMMANDS_WHITELIST in the official image)");
}

TEST_CASE("zk: a node without quorum is not yet until the ensemble forms", "[zk][trap]") {
  auto nodes = ZooKeeperServer::ensemble(2);
  nodes[0]->start();
  REQUIRE(nodes[0]->wait_listening());
  auto first = make(nodes[0]->url());
  Outcome alone;
  poll_until([&] {
    alone = attempt(*first).outcome;
    return contains(alone.reason, "not currently serving");
  }, 30s);
  INFO(describe(alone) << "\n" << nodes[0]->log_tail());
  CHECK(alone.verdict == Verdict::not_yet);
  CHECK(contains(alone.reason, "not currently serving requests"));

  nodes[1]->start();
  Outcome joined = poll_for(*first, Verdict::ready, 60s);
  INFO(describe(joined) << "\n" << nodes[1]->log_tail());
  CHECK(joined.verdict == Verdict::ready);

  std::string both = "zk://127.0.0.1:" + std::to_string(nodes[0]->port()) + ",127.0.0.1:" +
                     std::to_string(nodes[1]->port());
  Outcome ensemble = poll_for(*make(both), Verdict::ready, 30s);
  INFO(describe(ensemble));
  CHECK(ensemble.verdict == Verdict::ready);
  CHECK(ensemble.reason == "2 nodes serving, one leader");
}

TEST_CASE("zk: canned answers are classified", "[zk]") {
  SECTION("not serving") {
    CannedServer fake("This ZooKeeper instance is not currently serving requests\n");
    Attempt a = attempt(*make("zk://127.0.0.1:" + std::to_string(fake.port())));
    CHECK(a.outcome.verdict == Verdict::not_yet);
  }
  SECTION("not ZooKeeper") {
    CannedServer fake("HTTP/1.1 400 Bad Request\r\n\r\n");
    Attempt a = attempt(*make("zk://127.0.0.1:" + std::to_string(fake.port())));
    CHECK(a.outcome.verdict == Verdict::fatal);
    CHECK(contains(a.outcome.reason, "not ZooKeeper?"));
  }
}

TEST_CASE("zk: a hung server is not yet within the attempt timeout", "[zk]") {
  SilentServer silent;
  Attempt a = attempt(*make("zk://127.0.0.1:" + std::to_string(silent.port())), 300ms);
  INFO(describe(a.outcome));
  CHECK(a.outcome.verdict == Verdict::not_yet);
  CHECK(contains(a.outcome.reason, "timed out"));
  CHECK(a.elapsed >= 250ms);
}

TEST_CASE("zk: options are checked when the probe is made", "[zk]") {
  CHECK(make_error("zk://zoo:2181?mod=leader") == "unknown option 'mod' for zk:// (did you mean 'mode'?) in zk://zoo:2181?mod=leader");
  CHECK(contains(make_error("zk://zoo:2181?mode=boss"), "mode must be"));
  CHECK(contains(make_error("zk://a:2181,b:2181?mode=leader"), "several hosts"));
}

}  // namespace stackgate::testing
