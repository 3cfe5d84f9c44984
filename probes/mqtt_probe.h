// The MQTT probe: mqtt://[user:pass@]host:1883 speaks just enough MQTT 3.1.1
// (no library): CONNECT (clean session, keepalive 10, client id
// stackgate-<pid>-<n>, user name and password when given), read CONNACK,
// then DISCONNECT, all within the attempt timeout.
//
//   ready    CONNACK 0 (accepted)
//   not_yet  refused, timed out, closed before CONNACK, 3 server unavailable
//   fatal    1 unacceptable protocol version, 2 identifier rejected, 4 bad
//            user name or password, 5 not authorized; a reply that is not a
//            CONNACK (not an MQTT broker)
//
// No options beyond the common ones.
#pragma once

#include <expected>
#include <memory>
#include <string>

#include "probes/probe.h"

namespace stackgate::probes {

/// Builds an mqtt:// probe.
std::expected<std::unique_ptr<Probe>, std::string> make_mqtt_probe(const ProbeSpec& spec);

}  // namespace stackgate::probes
