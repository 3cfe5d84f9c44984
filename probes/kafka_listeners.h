// What a Kafka client does with addresses before it speaks Kafka: connect to
// a bootstrap broker, then to each broker under the name the cluster
// advertises for it. Both checks are plain TCP connects (probes/net.h), so
// they need no librdkafka and return by their deadline.
//
// The bootstrap check keeps a broker that is down cheap to ask again: a
// refused or unresolvable bootstrap is answered in microseconds instead of
// after librdkafka's own connection timeouts. The advertised-listener check
// catches a cluster whose bootstrap port answers but which advertises a name
// clients cannot use (a name that does not resolve, or localhost seen from
// another container): metadata passes there, every real client fails.
#pragma once

#include <optional>
#include <set>
#include <string>
#include <vector>

#include "probes/probe.h"
#include "spec/probe_spec.h"

namespace stackgate::probes::kafka {

/// A broker as the metadata lists it.
struct AdvertisedBroker {
  int id = 0;
  std::string host;
  int port = 0;
};

/// Connects to each bootstrap address in turn (each gets an equal share of
/// what is left of `budget`) and stops at the first that accepts: nullopt.
/// When none does, a not_yet naming `endpoint` and the first failure; cheap
/// when every failure was refused, unreachable or a name not resolvable yet.
///
/// With `plaintext` (the client's security.protocol is PLAINTEXT), the
/// accepting broker is also asked ApiVersions and then Metadata (at the
/// lowest version it supports, so Kafka 4's removal of old versions does not
/// look like a mismatch): a TLS listener closes the connection on the first,
/// a SASL listener on the second (librdkafka only reconnects quietly until
/// its timeout), which is a not_yet saying so. No answer in time proves
/// nothing and is left to librdkafka.
std::optional<Outcome> check_bootstrap(const std::vector<HostPort>& addresses, const std::string& endpoint,
                                       Millis budget, bool plaintext);

/// Resolves and connects to every advertised broker not in `verified`
/// ("host:port"), adding those that accept. The first one that does not is a
/// not_yet naming the broker id and the address: "broker 1 advertises
/// kafka-broker.invalid:19095, which does not resolve from here".
std::optional<Outcome> check_advertised(const std::vector<AdvertisedBroker>& brokers, Millis budget,
                                        std::set<std::string>* verified);

}  // namespace stackgate::probes::kafka
