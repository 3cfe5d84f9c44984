// The AMQP 0-9-1 (RabbitMQ) probe: amqp://user:pass@host:5672/vhost over
// librabbitmq (rabbitmq-c).
//
// RabbitMQ accepts TCP before it can serve a client: its vhosts, users and
// queues come from definitions and from the applications that declare them.
// One attempt = TCP connect (amqp_socket_open_noblock, bounded), the AMQP
// handshake and PLAIN login on the vhost (handshake timeout), channel 1
// opened, then a passive queue.declare per asked-for queue (RPC timeouts):
// each bounded by what is left of the attempt, and the connection closed
// politely when time remains.
//
// The vhost is the URL path without its first '/': amqp://h/ and amqp://h
// mean "/", amqp://h/%2F is "/" too, amqp://h/prod is "prod". Without
// user:pass@ the login is guest:guest (the AMQP URI default).
//
//   not_yet  refused; connection closed during the handshake; 320
//            CONNECTION_FORCED (the broker is booting or stopping); a queue
//            that does not exist yet (404 on the passive declare); fewer
//            consumers than min_consumers; timed out
//   fatal    403 ACCESS_REFUSED (login refused, or no permission on a
//            queue); 530 NOT_ALLOWED (vhost not found, or access to the
//            vhost refused for the user)
//
// Options: queues=a,b (each must exist), min_consumers=N (each of those
// queues has at least N consumers; needs queues=).
#pragma once

#include <expected>
#include <memory>
#include <string>

#include "probes/probe.h"

namespace stackgate::probes {

/// Builds an amqp:// probe; the error names a bad or unknown option.
std::expected<std::unique_ptr<Probe>, std::string> make_amqp_probe(const ProbeSpec& spec);

}  // namespace stackgate::probes
