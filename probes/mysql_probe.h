// The MySQL / MariaDB probe: mysql://user:pass@host:3306/db (mariadb:// is
// the same) over libmariadb (Connector/C).
//
// One attempt = a TCP connection (MYSQL_OPT_PROTOCOL=TCP to an address we
// resolved ourselves, so never the unix socket: the official images run
// their init scripts on a temporary server started with --skip-networking,
// which answers on the socket only), authentication, `SELECT 1` and the
// checks the options ask for, in one session. libmariadb's non-blocking API
// drives the exchange, so our own deadline bounds it to the millisecond;
// MYSQL_OPT_CONNECT_TIMEOUT / READ_TIMEOUT / WRITE_TIMEOUT are set to the
// budget as well.
//
//   not_yet  refused; lost connection during the handshake (2013, 2006: the
//            server closed it, e.g. while starting or with a full backlog);
//            1040 too many connections; 1203 user has too many connections;
//            1053 server shutdown in progress; 1927 connection killed;
//            3168 server isn't available; @@global.read_only = 1 when
//            writable=1; fewer free connections than min_free_connections
//   fatal    1045 access denied; 1044 access denied to the database; 1049
//            unknown database; 1130 host not allowed; 1129 host blocked
//            (mysqladmin flush-hosts); 1251 / 2059 authentication plugin;
//            1862 password expired; 4151 account locked; 1698 access denied
//            without a password
//
// Without user:pass@, libmariadb logs in as the OS user name: give the user.
// No TLS options yet (Connector/C 3.3 does not use TLS unless asked).
//
// Options: writable=1 (@@global.read_only must be 0), min_free_connections=N
// (@@global.max_connections minus the other connected threads, i.e.
// Threads_connected without the probe's own session, must be >= N).
#pragma once

#include <expected>
#include <memory>
#include <string>

#include "probes/probe.h"

namespace stackgate::probes {

/// Builds a mysql:// or mariadb:// probe; the error names a bad or unknown option.
std::expected<std::unique_ptr<Probe>, std::string> make_mysql_probe(const ProbeSpec& spec);

}  // namespace stackgate::probes
