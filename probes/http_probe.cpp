#include "probes/http_probe.h"

#include <unistd.h>

#include <algorithm>

#include "probes/http_client.h"
#include "probes/module.h"
#include "probes/tls_probe.h"
#include "util/strings.h"

namespace stackgate::probes {

namespace {

// A status code (200) or a class (2xx: code / 100 == 2).
struct StatusMatcher {
  int code = 0;
  int klass = 0;
  bool matches(int status) const { return code ? status == code : status / 100 == klass; }
};

std::expected<std::vector<StatusMatcher>, std::string> parse_status(std::string_view text) {
  std::vector<StatusMatcher> out;
  for (const std::string& item : util::split(text, ',')) {
    std::string s = util::to_lower(util::trim(item));
    bool ok = s.size() == 3 && s[0] >= '1' && s[0] <= '5';
    if (ok && s.substr(1) == "xx") {
      out.push_back({0, s[0] - '0'});
    } else if (ok && std::isdigit((unsigned char)s[1]) && std::isdigit((unsigned char)s[2])) {
      out.push_back({std::stoi(s), 0});
    } else {
      return std::unexpected("bad status '" + std::string(text) + "' (expected e.g. 200, 200,204 or 2xx)");
    }
  }
  return out;
}

bool truthy(std::string_view v) { return v == "1" || v == "true" || v == "yes" || v.empty(); }

class HttpProbe : public Probe {
 public:
  HttpProbe(HttpRequest request, std::vector<StatusMatcher> expected, std::optional<std::string> body,
            std::string shown_path, std::optional<CertCheck> cert)
      : m_request(std::move(request)),
        m_expected(std::move(expected)),
        m_body(std::move(body)),
        m_shown_path(std::move(shown_path)),
        m_cert(std::move(cert)) {}

  Outcome check(Millis timeout) override {
    m_request.timeout = timeout;
    if (m_cert) {
      // The certificate first, on its own handshake; the request gets what is left.
      net::Deadline deadline = net::Deadline::after(timeout);
      Outcome cert = check_certificate(*m_cert, deadline);
      if (cert.verdict != Verdict::ready) return cert;
      m_request.timeout = std::max(deadline.remaining(), Millis(1));
    }
    auto response = http_request(m_request);
    if (!response) return outcome_from_http_error(response.error());
    int status = response->status;
    std::string answer = "HTTP " + std::to_string(status) + " from " + m_shown_path;
    bool expected = false;
    for (const StatusMatcher& m : m_expected) expected = expected || m.matches(status);
    if (expected) {
      if (m_body && response->body.find(*m_body) == std::string::npos) {
        return Outcome::not_yet("body does not contain \"" + *m_body + "\"");
      }
      return Outcome::ready(answer);
    }
    if (status / 100 == 3) {
      std::string location = response->header("Location");
      return Outcome::fatal(answer + (location.empty() ? "" : " redirects to " + location) +
                            " (redirects are not followed: probe the final URL, or accept it with status=3xx)");
    }
    if (status / 100 == 4 && status != 408 && status != 425 && status != 429) return Outcome::fatal(answer);
    return Outcome::not_yet(answer);
  }

 private:

  HttpRequest m_request;
  std::vector<StatusMatcher> m_expected;
  std::optional<std::string> m_body;
  std::string m_shown_path;
  std::optional<CertCheck> m_cert;  // https with cert_min_days
};

}  // namespace

std::expected<std::unique_ptr<Probe>, std::string> make_http_probe(const ProbeSpec& spec) {
  const Url& url = spec.url;
  auto fail = [&](const std::string& what) { return std::unexpected(what + " in " + url.redacted()); };
  HttpRequest request;
  if (url.scheme == "http+unix") {
    request.socket_path = url.socket_path;
  } else {
    if (url.hosts.size() != 1) return fail(url.scheme + ":// takes exactly one host");
    request.host = url.hosts.front().host;
    request.port = url.hosts.front().port;
    request.tls = url.scheme == "https";
  }
  if (!url.user.empty() || url.has_password) {
    request.headers.emplace_back("Authorization", basic_authorization(url.user, url.password));
  }

  std::vector<StatusMatcher> expected = {{0, 2}};
  std::optional<std::string> body;
  std::optional<int> cert_min_days;
  std::string passed_on;
  for (const auto& [key, value] : url.query) {
    if (key == "status") {
      auto parsed = parse_status(value);
      if (!parsed) return fail(parsed.error());
      expected = std::move(*parsed);
    } else if (key == "body") {
      if (value.empty()) return fail("empty body option");
      body = value;
    } else if (key == "method") {
      std::string method = util::to_lower(value);
      if (method != "get" && method != "head") return fail("bad method '" + value + "' (expected GET or HEAD)");
      request.method = method == "get" ? "GET" : "HEAD";
    } else if (key == "header") {
      size_t colon = value.find(':');
      if (colon == std::string::npos || colon == 0) return fail("bad header '" + value + "' (expected Name:Value)");
      request.headers.emplace_back(std::string(util::trim(value.substr(0, colon))),
                                   std::string(util::trim(value.substr(colon + 1))));
    } else if (key == "cert_min_days") {
      if (url.scheme != "https") return fail("cert_min_days= only applies to https://");
      auto days = parse_cert_min_days(value);
      if (!days) return fail(days.error());
      cert_min_days = *days;
    } else if (key == "insecure" || key == "ca") {
      if (url.scheme != "https") return fail(key + "= only applies to https://");
      if (key == "insecure") request.verify_tls = !truthy(value);
      if (key == "ca") {
        if (::access(value.c_str(), R_OK) != 0) return fail("ca file " + value + " is not readable");
        request.ca_file = value;
      }
    } else {
      passed_on += (passed_on.empty() ? "?" : "&") + percent_encode(key) + "=" + percent_encode(value, ":/,");
    }
  }
  if (body && request.method == "HEAD") return fail("body= needs method=GET");
  std::string path = url.path.empty() ? "/" : url.path;
  request.target = percent_encode(path, "/:@!$&'()*+,;=") + passed_on;
  std::optional<CertCheck> cert;
  if (cert_min_days) {
    cert = CertCheck{request.host, request.port, "", request.ca_file, request.verify_tls, *cert_min_days};
  }
  return std::make_unique<HttpProbe>(std::move(request), std::move(expected), std::move(body), path,
                                     std::move(cert));
}

STACKGATE_EXPORT_PROBE(make_http_probe, "http", "https", "http+unix");

}  // namespace stackgate::probes
