// The SQLite probe: sqlite:///path/app.db opens the database file read-only
// (never creating it) with a busy timeout of the attempt's budget and reads
// its schema.
//
//   ready            "/data/app.db: 12 schema entries"
//   not_yet          the file does not exist yet; "database is locked"
//                    (SQLITE_BUSY: a writer holds it, e.g. a migration);
//                    the WAL file larger than max_wal_size; timed out
//   fatal            not a database (SQLITE_NOTADB), corrupt (SQLITE_CORRUPT,
//                    or quick_check reports a problem), not a regular file,
//                    permission denied (uid/gid and the file's owner and mode)
//
// Options: quick_check=1 (PRAGMA quick_check must answer "ok"; bounded by the
// attempt's deadline), max_wal_size=SIZE (64MiB: the -wal file beside the
// database is at most this big, i.e. checkpoints keep up).
#pragma once

#include <expected>
#include <memory>
#include <string>

#include "probes/probe.h"

namespace stackgate::probes {

std::expected<std::unique_ptr<Probe>, std::string> make_sqlite_probe(const ProbeSpec& spec);

}  // namespace stackgate::probes
