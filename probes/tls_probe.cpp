// The TLS adapter: the only file that includes OpenSSL headers. The
// handshake runs with SSL_VERIFY_NONE so that the certificate can be judged
// here, with its dates, instead of a bare "verification failed"; the chain
// and host name are still verified (SSL_get_verify_result) unless insecure=1.
#include "probes/tls_probe.h"

#include <arpa/inet.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <unistd.h>

#include <ctime>
#include <memory>

#include "probes/module.h"
#include "probes/sanitize.h"
#include "util/duration.h"

namespace stackgate::probes {

namespace {

struct CtxFree {
  void operator()(SSL_CTX* p) const { SSL_CTX_free(p); }
};
struct SslFree {
  void operator()(SSL* p) const { SSL_free(p); }
};
struct X509Free {
  void operator()(X509* p) const { X509_free(p); }
};
struct BioFree {
  void operator()(BIO* p) const { BIO_free(p); }
};

std::string host_port(const CertCheck& c) {
  return (c.host.find(':') != std::string::npos ? "[" + c.host + "]" : c.host) + ":" + std::to_string(c.port);
}

bool is_ip_literal(const std::string& host) {
  unsigned char buf[sizeof(in6_addr)];
  return inet_pton(AF_INET, host.c_str(), buf) == 1 || inet_pton(AF_INET6, host.c_str(), buf) == 1;
}

// The oldest queued OpenSSL error as text, the queue cleared.
std::string openssl_error() {
  unsigned long code = ERR_get_error();
  ERR_clear_error();
  if (code == 0) return "unknown error";
  const char* reason = ERR_reason_error_string(code);
  return reason != nullptr ? reason : "error " + std::to_string(code);
}

std::string name_text(const X509_NAME* name) {
  std::unique_ptr<BIO, BioFree> bio(BIO_new(BIO_s_mem()));
  if (!bio || X509_NAME_print_ex(bio.get(), name, 0, XN_FLAG_RFC2253) < 0) return "?";
  char* data = nullptr;
  long n = BIO_get_mem_data(bio.get(), &data);
  return sanitize(std::string_view(data, n > 0 ? static_cast<size_t>(n) : 0));
}

std::string time_text(const ASN1_TIME* t) {
  std::tm tm{};
  if (ASN1_TIME_to_tm(t, &tm) != 1) return "?";
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S UTC", &tm);
  return buf;
}

// Waits for the socket as SSL_get_error() asks; false when the deadline passed.
bool wait_for(int fd, int ssl_error, const net::Deadline& deadline) {
  for (;;) {
    auto left = deadline.remaining();
    if (left.count() <= 0) return false;
    pollfd p{fd, static_cast<short>(ssl_error == SSL_ERROR_WANT_WRITE ? POLLOUT : POLLIN), 0};
    int n = ::poll(&p, 1, static_cast<int>(left.count()));
    if (n > 0) return true;
    if (n < 0 && errno != EINTR) return true;
  }
}

Outcome judge(X509* cert, long verify_result, const CertCheck& check) {
  const ASN1_TIME* not_before = X509_get0_notBefore(cert);
  const ASN1_TIME* not_after = X509_get0_notAfter(cert);
  std::string who = "certificate " + name_text(X509_get_subject_name(cert)) + " (issuer " +
                    name_text(X509_get_issuer_name(cert)) + ")";
  std::string dates = "valid from " + time_text(not_before) + " until " + time_text(not_after);
  if (X509_cmp_current_time(not_before) > 0) return Outcome::fatal(who + " is not valid yet: " + dates);
  if (X509_cmp_current_time(not_after) < 0) return Outcome::fatal(who + " has expired: " + dates);
  if (check.verify && verify_result != X509_V_OK) {
    return Outcome::fatal(who + " of " + host_port(check) +
                          " is not trusted: " + X509_verify_cert_error_string(verify_result) +
                          (check.ca_file.empty() ? "" : " (CA file " + check.ca_file + ")"));
  }
  int days = 0;
  int seconds = 0;
  if (ASN1_TIME_diff(&days, &seconds, nullptr, not_after) != 1) return Outcome::not_yet(who + ": unreadable expiry date");
  std::string left = std::to_string(days) + (days == 1 ? " day" : " days") + " left";
  if (days < check.min_days) {
    return Outcome::not_yet(who + " expires " + time_text(not_after) + ", " + left + ", want at least " +
                            std::to_string(check.min_days));
  }
  return Outcome::ready("certificate " + name_text(X509_get_subject_name(cert)) + " valid until " +
                        time_text(not_after) + " (" + left + ")");
}

class TlsProbe : public Probe {
 public:
  explicit TlsProbe(CertCheck check) : m_check(std::move(check)) {}
  Outcome check(Millis timeout) override { return check_certificate(m_check, net::Deadline::after(timeout)); }

 private:
  CertCheck m_check;
};

bool truthy(std::string_view v) { return v == "1" || v == "true" || v == "yes" || v.empty(); }

}  // namespace

std::expected<int, std::string> parse_cert_min_days(std::string_view text) {
  bool digits = !text.empty() && text.size() <= 5 && text.find_first_not_of("0123456789") == std::string_view::npos;
  if (!digits || std::stoi(std::string(text)) > 36500) {
    return std::unexpected("bad cert_min_days '" + std::string(text) + "' (expected a number of days)");
  }
  return std::stoi(std::string(text));
}

Outcome check_certificate(const CertCheck& check, const net::Deadline& deadline) {
  std::string where = host_port(check);
  std::unique_ptr<SSL_CTX, CtxFree> ctx(SSL_CTX_new(TLS_client_method()));
  if (!ctx) return Outcome::not_yet("cannot create a TLS context: " + openssl_error());
  if (!check.ca_file.empty()) {
    if (SSL_CTX_load_verify_locations(ctx.get(), check.ca_file.c_str(), nullptr) != 1) {
      return Outcome::fatal("cannot load CA certificates from " + check.ca_file + ": " + openssl_error());
    }
  } else {
    SSL_CTX_set_default_verify_paths(ctx.get());
  }
  SSL_CTX_set_verify(ctx.get(), SSL_VERIFY_NONE, nullptr);

  auto socket = net::connect_tcp(check.host, check.port, deadline);
  if (!socket) return net::to_outcome(socket.error());
  std::unique_ptr<SSL, SslFree> ssl(SSL_new(ctx.get()));
  if (!ssl) return Outcome::not_yet("cannot create a TLS session: " + openssl_error());
  const std::string& name = check.server_name.empty() ? check.host : check.server_name;
  if (is_ip_literal(name)) {
    X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl.get()), name.c_str());
  } else {
    SSL_set_tlsext_host_name(ssl.get(), name.c_str());
    SSL_set1_host(ssl.get(), name.c_str());
  }
  SSL_set_fd(ssl.get(), socket->fd());
  for (;;) {
    ERR_clear_error();
    int rc = SSL_connect(ssl.get());
    if (rc == 1) break;
    int error = SSL_get_error(ssl.get(), rc);
    if (error == SSL_ERROR_WANT_READ || error == SSL_ERROR_WANT_WRITE) {
      if (!wait_for(socket->fd(), error, deadline)) {
        return Outcome::not_yet("timed out after " + util::format_duration(deadline.budget) +
                                " in the TLS handshake with " + where);
      }
      continue;
    }
    if (error == SSL_ERROR_SYSCALL && ERR_peek_error() == 0) {
      return Outcome::not_yet("connection closed by " + where + " during the TLS handshake");
    }
    return Outcome::not_yet("TLS handshake with " + where + " failed: " + openssl_error());
  }
  std::unique_ptr<X509, X509Free> cert(SSL_get1_peer_certificate(ssl.get()));
  if (!cert) return Outcome::fatal(where + " presented no certificate");
  return judge(cert.get(), SSL_get_verify_result(ssl.get()), check);
}

std::expected<std::unique_ptr<Probe>, std::string> make_tls_probe(const ProbeSpec& spec) {
  const Url& url = spec.url;
  auto fail = [&](const std::string& what) { return std::unexpected(what + " in " + url.redacted()); };
  if (url.hosts.size() != 1) return fail("tls:// takes exactly one host");
  CertCheck check;
  check.host = url.hosts.front().host;
  check.port = url.hosts.front().port;
  for (const auto& [key, value] : url.query) {
    if (key == "cert_min_days") {
      auto days = parse_cert_min_days(value);
      if (!days) return fail(days.error());
      check.min_days = *days;
    } else if (key == "servername") {
      if (value.empty()) return fail("empty servername");
      check.server_name = value;
    } else if (key == "ca") {
      if (::access(value.c_str(), R_OK) != 0) return fail("ca file " + value + " is not readable");
      check.ca_file = value;
    } else if (key == "insecure") {
      check.verify = !truthy(value);
    } else {
      return fail("unknown option '" + key + "' for tls:// (expected cert_min_days, servername, ca, insecure)");
    }
  }
  return std::make_unique<TlsProbe>(std::move(check));
}

STACKGATE_EXPORT_PROBE(make_tls_probe, "tls");

}  // namespace stackgate::probes
