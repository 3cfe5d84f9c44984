// The PostgreSQL probe: postgres://user:pass@host:port/db over libpqxx and libpq.
//
// One attempt = a TCP connection (never the unix socket) made by a libpqxx
// connection policy with PQconnectStartParams/PQconnectPoll against our own
// deadline, then `SELECT 1` (plus the semantic checks below) in the same
// session through pqxx::nontransaction, ended at the deadline too.
//
//   not_yet  connection refused or timed out; 57P03 "the database system is
//            starting up / shutting down / in recovery mode / not yet
//            accepting connections"; 53300 "too many clients" and
//            "remaining connection slots are reserved"; fewer free slots
//            than min_free_connections; in recovery when writable=1
//   fatal    password authentication failed, database or role does not
//            exist, no pg_hba.conf entry, SSL required/unsupported, role
//            not permitted to log in
//
// Options (query string): writable=1, min_free_connections=N,
// sslmode=disable|allow|prefer|require|verify-ca|verify-full, sslrootcert=PATH.
// The attempt timeout bounds connect_timeout and statement_timeout.
#pragma once

#include <expected>
#include <memory>
#include <string>

#include "probes/probe.h"

namespace stackgate::probes {

/// Builds a postgres:// probe; the error names a bad or unknown option.
std::expected<std::unique_ptr<Probe>, std::string> make_postgres_probe(const ProbeSpec& spec);

}  // namespace stackgate::probes
