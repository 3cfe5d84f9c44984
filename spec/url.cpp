// Probe URL parsing: scheme://[user[:password]@]host[:port][,host[:port]...][/path][?query]
//
// http+unix keeps a percent-encoded socket path where the host would be.
// Nothing here prints a password: errors quote the URL in redacted form.
#include "spec/url.h"

#include <charconv>

#include <algorithm>

#include "spec/scheme.h"
#include "util/redact.h"
#include "util/sanitize.h"
#include "util/strings.h"

namespace stackgate::spec {

namespace {

Address address_of(std::string_view scheme) {
  const Scheme* s = find_scheme(scheme);
  return s ? s->address : Address::host_port;
}

bool allows_several_hosts(std::string_view scheme) {
  const Scheme* s = find_scheme(scheme);
  return s && s->multi_host;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// The raw text with the userinfo password and `password=` query values
// replaced by ***, without decoding anything (so it works on bad URLs too).
// Passwords, secret options (password=, rdkafka.sasl.password=, ...) and
// credential headers masked: util/redact.h is the one place that knows.
// Sanitised too: the redacted form is the one that is printed and stored
// in JSON, and a value interpolated from the environment may hold any bytes.
std::string redact_text(std::string_view text) { return util::sanitize(util::redact_url(text)); }

std::expected<int, std::string> parse_port(std::string_view s) {
  if (s.empty() || s.size() > 5 || !std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return std::unexpected("bad port '" + std::string(s) + "'");
  }
  int port = std::stoi(std::string(s));
  if (port < 1 || port > 65535) return std::unexpected("bad port '" + std::string(s) + "'");
  return port;
}

std::expected<HostPort, std::string> parse_host_port(std::string_view s, std::string_view scheme) {
  HostPort hp;
  std::string_view port_text;
  bool has_port = false;
  if (s.starts_with('[')) {
    size_t close = s.find(']');
    if (close == std::string_view::npos) return std::unexpected("unterminated IPv6 address '" + std::string(s) + "'");
    hp.host = s.substr(1, close - 1);
    std::string_view rest = s.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') return std::unexpected("unexpected '" + std::string(rest) + "' after IPv6 address");
      port_text = rest.substr(1);
      has_port = true;
    }
  } else {
    size_t colon = s.find(':');
    if (colon != std::string_view::npos && s.find(':', colon + 1) != std::string_view::npos) {
      return std::unexpected("IPv6 address '" + std::string(s) + "' must be in brackets ([::1]:port)");
    }
    hp.host = s.substr(0, colon);
    if (colon != std::string_view::npos) {
      port_text = s.substr(colon + 1);
      has_port = true;
    }
  }
  if (hp.host.empty()) return std::unexpected(std::string("missing host"));
  if (address_of(scheme) == Address::name) {
    if (has_port) return std::unexpected(std::string(scheme) + ":// takes a name without a port");
    return hp;
  }
  if (has_port) {
    auto port = parse_port(port_text);
    if (!port) return std::unexpected(port.error());
    hp.port = *port;
  } else {
    hp.port = default_port(scheme);
    if (hp.port == 0) return std::unexpected("missing port (" + std::string(scheme) + ":// has no default)");
  }
  return hp;
}

std::string format_host_port(const HostPort& hp) {
  std::string host = hp.host.find(':') != std::string::npos ? "[" + hp.host + "]" : hp.host;
  return hp.port == 0 ? host : host + ":" + std::to_string(hp.port);
}

}  // namespace

std::string percent_encode(std::string_view s, std::string_view keep) {
  static constexpr char k_hex[] = "0123456789ABCDEF";
  std::string out;
  for (char c : s) {
    auto u = static_cast<unsigned char>(c);
    bool unreserved = std::isalnum(u) || c == '-' || c == '.' || c == '_' || c == '~';
    if (unreserved || keep.find(c) != std::string_view::npos) {
      out += c;
    } else {
      out += '%';
      out += k_hex[u >> 4];
      out += k_hex[u & 15];
    }
  }
  return out;
}

std::expected<std::string, std::string> percent_decode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '%') {
      out += s[i];
      continue;
    }
    int hi = i + 1 < s.size() ? hex_value(s[i + 1]) : -1;
    int lo = i + 2 < s.size() ? hex_value(s[i + 2]) : -1;
    if (hi < 0 || lo < 0) return std::unexpected("bad percent-encoding '" + std::string(s.substr(i, 3)) + "'");
    out += static_cast<char>(hi * 16 + lo);
    i += 2;
  }
  return out;
}

std::optional<std::string> Url::param(std::string_view key) const {
  for (const auto& [k, v] : query) {
    if (k == key) return v;
  }
  return std::nullopt;
}

std::expected<std::optional<int>, std::string> Url::count_param(std::string_view key, int min) const {
  std::optional<std::string> v = param(key);
  if (!v) return std::optional<int>{};
  int n = min - 1;
  auto [end, ec] = std::from_chars(v->data(), v->data() + v->size(), n);
  if (ec != std::errc() || end != v->data() + v->size() || n < min) {
    return std::unexpected(std::string(key) + " must be a whole number >= " + std::to_string(min) + ", not '" + *v + "'");
  }
  return std::optional<int>{n};
}

std::expected<std::optional<bool>, std::string> Url::flag_param(std::string_view key) const {
  std::optional<std::string> v = param(key);
  if (!v) return std::optional<bool>{};
  if (*v != "1" && *v != "0" && *v != "true" && *v != "false") {
    return std::unexpected(std::string(key) + " must be 1 or 0, not '" + *v + "'");
  }
  return std::optional<bool>{*v == "1" || *v == "true"};
}

std::string Url::authority() const {
  if (address_of(scheme) == Address::socket_path) return socket_path;
  if (address_of(scheme) == Address::local_path) return path;
  if (hosts.empty()) return "";
  return format_host_port(hosts.front());
}

std::string Url::redacted() const {
  if (!text.empty()) return redact_text(text);
  std::string out = scheme + "://";
  if (!user.empty() || has_password) {
    out += percent_encode(user);
    if (has_password) out += ":***";
    out += '@';
  }
  if (address_of(scheme) == Address::socket_path) {
    out += percent_encode(socket_path);
  } else {
    for (size_t i = 0; i < hosts.size(); ++i) out += (i ? "," : "") + format_host_port(hosts[i]);
  }
  out += percent_encode(path, "/:@!$&'()*+,;=");
  for (size_t i = 0; i < query.size(); ++i) {
    const auto& [k, v] = query[i];
    out += (i ? "&" : "?") + percent_encode(k) + "=" + (util::is_secret_name(k) ? "***" : percent_encode(v, ":/,"));
  }
  return util::sanitize(util::redact_url(out));
}

std::expected<Url, std::string> parse_url(std::string_view text) {
  // `what` may quote a piece of the URL (a host, a port): sanitised like the
  // rest, since errors are printed as they are.
  auto fail = [&](const std::string& what) {
    return std::unexpected(util::sanitize(what) + " in " + redact_text(text));
  };
  Url url;
  url.text = std::string(text);
  size_t sep = text.find("://");
  if (sep == std::string_view::npos || sep == 0) {
    return std::unexpected("missing scheme in '" + redact_text(text) + "' (expected e.g. tcp://host:port)");
  }
  url.scheme = util::to_lower(text.substr(0, sep));
  const auto& schemes = known_schemes();
  if (std::find(schemes.begin(), schemes.end(), url.scheme) == schemes.end()) {
    std::string msg = "unknown scheme '" + util::sanitize(url.scheme) + "'";
    if (auto suggestion = util::closest_match(url.scheme, schemes)) msg += " (did you mean '" + *suggestion + "'?)";
    return std::unexpected(msg);
  }

  std::string_view rest = text.substr(sep + 3);
  if (size_t hash = rest.find('#'); hash != std::string_view::npos) rest = rest.substr(0, hash);
  size_t auth_end = rest.find_first_of("/?");
  std::string_view authority = rest.substr(0, auth_end);
  std::string_view path_and_query = auth_end == std::string_view::npos ? "" : rest.substr(auth_end);

  if (size_t at = authority.rfind('@'); at != std::string_view::npos) {
    std::string_view userinfo = authority.substr(0, at);
    authority = authority.substr(at + 1);
    size_t colon = userinfo.find(':');
    auto user = percent_decode(userinfo.substr(0, colon));
    if (!user) return fail(user.error() + " in the user name");
    url.user = *user;
    if (colon != std::string_view::npos) {
      auto password = percent_decode(userinfo.substr(colon + 1));
      if (!password) return fail("bad percent-encoding in the password");
      url.password = *password;
      url.has_password = true;
    }
  }

  if (address_of(url.scheme) == Address::socket_path) {
    auto socket_path = percent_decode(authority);
    if (!socket_path) return fail(socket_path.error());
    if (socket_path->empty()) return fail("missing socket path (write it percent-encoded: %2Frun%2Fapp.sock)");
    url.socket_path = *socket_path;
  } else if (address_of(url.scheme) == Address::local_path) {
    // scheme:///absolute/path: the authority must be empty (or localhost).
    if (!authority.empty() && authority != "localhost") {
      return fail(url.scheme + ":// takes a local path, not a host (write " + url.scheme + ":///path)");
    }
    if (!path_and_query.starts_with('/')) return fail("missing path (write " + url.scheme + ":///path)");
  } else if (address_of(url.scheme) == Address::service) {
    // docker://SERVICE: a Compose service name, not a host; no port.
    auto service = percent_decode(authority);
    if (!service) return fail(service.error());
    if (service->empty()) return fail("missing service name (docker://SERVICE?project=NAME)");
    url.hosts.push_back(HostPort{std::move(*service), 0});
  } else {
    if (authority.empty()) return fail("missing host");
    std::vector<std::string> parts = util::split(authority, ',');
    if (parts.size() > 1 && !allows_several_hosts(url.scheme)) {
      return fail("several hosts are only allowed for kafka:// and zk://");
    }
    for (const std::string& part : parts) {
      auto hp = parse_host_port(part, url.scheme);
      if (!hp && authority.data() == rest.data() &&
          text.find('@', sep + 3 + authority.size()) != std::string_view::npos) {
        // "user:pa/ss@host": what looks like a bad host or port is part of a
        // password; quoting it would print the password.
        return fail("the password holds an unencoded '/', '?' or '#' (percent-encode it: %2F, %3F, %23)");
      }
      if (!hp) return fail(hp.error());
      url.hosts.push_back(std::move(*hp));
    }
  }

  size_t qmark = path_and_query.find('?');
  auto path = percent_decode(path_and_query.substr(0, qmark));
  if (!path) return fail(path.error());
  url.path = *path;
  if (qmark != std::string_view::npos) {
    for (const std::string& item : util::split(path_and_query.substr(qmark + 1), '&')) {
      if (item.empty()) continue;
      size_t eq = item.find('=');
      auto key = percent_decode(std::string_view(item).substr(0, eq));
      auto value = percent_decode(eq == std::string::npos ? "" : std::string_view(item).substr(eq + 1));
      if (!key) return fail(key.error());
      if (!value) return fail(value.error());
      url.query.emplace_back(std::move(*key), std::move(*value));
    }
  }
  return url;
}

}  // namespace stackgate::spec
