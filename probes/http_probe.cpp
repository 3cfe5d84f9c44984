#include "probes/http_probe.h"

#include <unistd.h>

#include <algorithm>
#include <charconv>

#include <nlohmann/json.hpp>

#include "probes/http_client.h"
#include "probes/module.h"
#include "probes/sanitize.h"
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

// json=PATH:VALUE. PATH is a small JSONPath subset: keys joined by dots and
// array indexes in brackets (mqtt.connected, checks[0].status, [2].ok, an
// optional leading "$."). VALUE is compared as JSON when it parses as JSON
// (true, false, null, 3, 2.5, "ok", {"a":1}), else as a plain string (ok ==
// "ok"); numbers compare by value (1 == 1.0).
struct JsonStep {
  std::string key;  // an object key, or
  long index = -1;  // >= 0: an array index
};

struct JsonCheck {
  std::string path_text;  // PATH as written, for reasons
  std::vector<JsonStep> path;
  nlohmann::json expected;
  std::string expected_text;  // VALUE as written
};

// Arrays longer than this are not something a health path indexes into.
constexpr long k_max_json_index = 1'000'000;
// json= probes read bodies up to this size (64 KiB otherwise).
constexpr size_t k_max_json_body = 1024 * 1024;

std::expected<std::vector<JsonStep>, std::string> parse_json_path(std::string_view text) {
  auto bad = [&](size_t at, const std::string& what) {
    return std::unexpected("bad json path '" + std::string(text) + "': " + what + " at character " +
                           std::to_string(at + 1) + " (expected keys and [n] indexes, e.g. checks[0].status)");
  };
  std::vector<JsonStep> steps;
  size_t i = 0;
  if (text.starts_with("$.") || text.starts_with("$[")) i = text[1] == '.' ? 2 : 1;
  bool want_key = i >= text.size() || text[i] != '[';  // the first step needs no dot
  while (i < text.size() || want_key) {
    if (want_key) {
      size_t end = text.find_first_of(".[]", i);
      if (end == std::string_view::npos) end = text.size();
      if (end == i) return bad(i, i < text.size() && text[i] == ']' ? "unexpected ']'" : "empty key");
      steps.push_back({std::string(text.substr(i, end - i)), -1});
      i = end;
      want_key = false;
    } else if (text[i] == '.') {
      ++i;
      want_key = true;
    } else if (text[i] == '[') {
      size_t close = text.find(']', i);
      if (close == std::string_view::npos) return bad(i, "unclosed '['");
      std::string_view digits = text.substr(i + 1, close - i - 1);
      long index = -1;
      auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), index);
      if (digits.empty() || ec != std::errc() || end != digits.data() + digits.size() || index < 0 ||
          index > k_max_json_index) {
        return bad(i + 1, "index '" + std::string(digits) + "' is not a whole number from 0 to 1000000");
      }
      steps.push_back({"", index});
      i = close + 1;
    } else {
      return bad(i, std::string("unexpected '") + text[i] + "'");
    }
  }
  return steps;
}

std::expected<JsonCheck, std::string> parse_json_check(std::string_view option) {
  size_t colon = option.find(':');
  if (colon == std::string_view::npos || colon == 0) {
    return std::unexpected("bad json '" + std::string(option) +
                           "' (expected PATH:VALUE, e.g. json=mqtt.connected:true)");
  }
  std::string_view value = option.substr(colon + 1);
  if (value.empty()) {
    return std::unexpected("bad json '" + std::string(option) + "': no VALUE after ':' (\"\" is the empty string)");
  }
  auto path = parse_json_path(option.substr(0, colon));
  if (!path) return std::unexpected(path.error());
  nlohmann::json expected = nlohmann::json::parse(value, nullptr, /*allow_exceptions=*/false);
  if (expected.is_discarded()) expected = std::string(value);
  return JsonCheck{std::string(option.substr(0, colon)), std::move(*path), std::move(expected), std::string(value)};
}

// Foreign JSON (a value the server sent) for a reason: a scalar compact and
// sanitised, a container by its size (dump() recurses: a body of 500,000 nested
// arrays must not cost the stack).
std::string shown_json(const nlohmann::json& value) {
  if (value.is_object()) return "an object of " + std::to_string(value.size()) + (value.size() == 1 ? " key" : " keys");
  if (value.is_array()) return "an array of " + std::to_string(value.size()) + (value.size() == 1 ? " item" : " items");
  return sanitize(value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace), 60);
}

std::string json_type(const nlohmann::json& value) {
  if (value.is_object()) return "an object";
  if (value.is_array()) return "an array";
  if (value.is_null()) return "null";
  return std::string(value.is_string() ? "the string " : "") + shown_json(value);
}

// Why `check` does not hold in `doc`, or nullopt when it holds.
std::optional<std::string> json_mismatch(const nlohmann::json& doc, const JsonCheck& check) {
  const nlohmann::json* at = &doc;
  std::string walked;  // the part of PATH already walked
  auto where = [&] { return walked.empty() ? std::string("the body") : walked; };
  for (const JsonStep& step : check.path) {
    std::string prefix = "json " + check.path_text + ": ";
    if (step.index < 0) {
      if (!at->is_object()) return prefix + where() + " is " + json_type(*at) + ", not an object";
      auto found = at->find(step.key);
      if (found == at->end()) {
        std::vector<std::string> keys;
        for (auto it = at->begin(); it != at->end() && keys.size() < 5; ++it) keys.push_back(it.key());
        std::string has = keys.empty() ? "it is empty" : "it has " + util::join(keys, ", ") +
                                                              (at->size() > keys.size() ? ", …" : "");
        return prefix + "no key \"" + step.key + "\" in " + where() + " (" + sanitize(has, 80) + ")";
      }
      walked += (walked.empty() ? "" : ".") + step.key;
      at = &*found;
    } else {
      if (!at->is_array()) return prefix + where() + " is " + json_type(*at) + ", not an array";
      if (static_cast<size_t>(step.index) >= at->size()) {
        return prefix + where() + " has " + std::to_string(at->size()) + (at->size() == 1 ? " item" : " items") +
               ", no [" + std::to_string(step.index) + "]";
      }
      walked += "[" + std::to_string(step.index) + "]";
      at = &(*at)[static_cast<size_t>(step.index)];
    }
  }
  if (*at == check.expected) return std::nullopt;
  return "json " + check.path_text + " is " + shown_json(*at) + ", expected " + check.expected_text;
}

// The first json= check that does not hold, or nullopt when all hold.
std::optional<std::string> json_failure(const std::string& body, const std::vector<JsonCheck>& checks) {
  nlohmann::json doc = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) {
    std::string start(util::trim(body.substr(0, 200)));
    return "body is not JSON" + (start.empty() ? std::string(" (empty)") : ": " + sanitize(start, 40));
  }
  for (const JsonCheck& check : checks) {
    if (auto why = json_mismatch(doc, check)) return why;
  }
  return std::nullopt;
}

bool looks_like_json(const std::string& body) {
  std::string_view start = util::trim(body);
  return start.starts_with('{') || start.starts_with('[');
}

bool truthy(std::string_view v) { return v == "1" || v == "true" || v == "yes" || v.empty(); }

class HttpProbe : public Probe {
 public:
  HttpProbe(HttpRequest request, std::vector<StatusMatcher> expected, std::optional<std::string> body,
            std::vector<JsonCheck> json, std::string shown_path, std::optional<CertCheck> cert)
      : m_request(std::move(request)),
        m_expected(std::move(expected)),
        m_body(std::move(body)),
        m_json(std::move(json)),
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
      if (!m_json.empty()) {
        if (auto why = json_failure(response->body, m_json)) return Outcome::not_yet(answer + ": " + *why);
      }
      return Outcome::ready(answer);
    }
    if (status / 100 == 3) {
      std::string location = response->header("Location");
      return Outcome::fatal(answer + (location.empty() ? "" : " redirects to " + location) +
                            " (redirects are not followed: probe the final URL, or accept it with status=3xx)");
    }
    if (status / 100 == 4 && status != 408 && status != 425 && status != 429) return Outcome::fatal(answer);
    // A 503 from a health endpoint often says why in JSON ({"mqtt": {"connected": false}}):
    // name the json= value that does not hold, but never call a proxy's HTML error page "not JSON".
    if (!m_json.empty() && looks_like_json(response->body)) {
      if (auto why = json_failure(response->body, m_json)) return Outcome::not_yet(answer + ": " + *why);
    }
    return Outcome::not_yet(answer);
  }

 private:

  HttpRequest m_request;
  std::vector<StatusMatcher> m_expected;
  std::optional<std::string> m_body;
  std::vector<JsonCheck> m_json;  // every one must hold
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
  std::vector<JsonCheck> json;
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
    } else if (key == "json") {
      auto check = parse_json_check(value);
      if (!check) return fail(check.error());
      json.push_back(std::move(*check));
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
  if (!json.empty() && request.method == "HEAD") return fail("json= needs method=GET");
  if (!json.empty()) request.max_body = std::max(request.max_body, k_max_json_body);
  std::string path = url.path.empty() ? "/" : url.path;
  request.target = percent_encode(path, "/:@!$&'()*+,;=") + passed_on;
  std::optional<CertCheck> cert;
  if (cert_min_days) {
    cert = CertCheck{request.host, request.port, "", request.ca_file, request.verify_tls, *cert_min_days};
  }
  return std::make_unique<HttpProbe>(std::move(request), std::move(expected), std::move(body), std::move(json), path,
                                     std::move(cert));
}

STACKGATE_EXPORT_PROBE(make_http_probe, "http", "https", "http+unix");

}  // namespace stackgate::probes
