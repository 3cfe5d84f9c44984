// The TLS certificate check: tls://host:port for any TLS server, and the
// cert_min_days= option of https://. One handshake; the server's leaf
// certificate is then judged:
//   fatal            expired, or not valid yet (both dates named); not
//                    trusted (unknown CA, self-signed, wrong host name)
//                    unless insecure=1; the CA file cannot be loaded
//   not_yet          fewer than cert_min_days days left (subject, issuer and
//                    expiry named): a renewal is due, e.g. cert-manager is
//                    still issuing; connection and handshake failures
//   ready            "certificate CN=db valid until 2027-03-01 12:00:00 UTC (92 days left)"
//
// Options (tls://): cert_min_days=N, servername=NAME (SNI and the name the
// certificate must carry; default the host), ca=/path (PEM bundle instead of
// the system store), insecure=1 (skip trust and name checks, keep the dates).
#pragma once

#include <expected>
#include <memory>
#include <string>

#include "probes/net.h"
#include "probes/probe.h"

namespace stackgate::probes {

struct CertCheck {
  std::string host;
  int port = 0;
  std::string server_name;  // "" = host
  std::string ca_file;      // "" = the system's default store
  bool verify = true;
  int min_days = 0;
};

/// One handshake with host:port and the verdict on its certificate.
Outcome check_certificate(const CertCheck& check, const net::Deadline& deadline);

/// Parses cert_min_days (a whole number of days, 0 to 36500).
std::expected<int, std::string> parse_cert_min_days(std::string_view text);

std::expected<std::unique_ptr<Probe>, std::string> make_tls_probe(const ProbeSpec& spec);

}  // namespace stackgate::probes
