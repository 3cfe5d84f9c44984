#include "probes/clickhouse_probe.h"

#include <algorithm>
#include <charconv>
#include <chrono>
#include <optional>
#include <string_view>
#include <vector>

#include "probes/http_client.h"
#include "probes/module.h"
#include "util/strings.h"

namespace stackgate::probes {
namespace {

using Clock = std::chrono::steady_clock;

const std::vector<std::string> k_options = {"replicas_status"};

struct Config {
  std::string host;
  int port = 8123;
  std::string user;
  std::string password;
  bool has_password = false;
  std::string database;
  bool replicas_status = false;
};

std::string first_line(std::string_view text) {
  std::string_view line = util::trim(text.substr(0, text.find('\n')));
  if (line.size() > 160) line = line.substr(0, 160);
  return std::string(line);
}

// The N of "Code: N" (ClickHouse's exception code) in an error body.
std::optional<int> exception_code(std::string_view body) {
  size_t at = body.find("Code: ");
  if (at == std::string_view::npos) return std::nullopt;
  std::string_view digits = body.substr(at + 6);
  int code = 0;
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), code);
  if (ec != std::errc()) return std::nullopt;
  return code;
}

// "DB::Exception: Wrong password for user app" out of
// "Code: 193, e.displayText() = DB::Exception: Wrong password for user app, e.what() = DB::Exception".
std::string exception_text(std::string_view body) {
  std::string line = first_line(body);
  size_t text = line.find("DB::Exception: ");
  if (text == std::string::npos) return line;
  std::string out = line.substr(text + 15);
  size_t what = out.find(", e.what()");
  if (what != std::string::npos) out.erase(what);
  return out;
}

// The one place that maps a ClickHouse error answer to a verdict.
Outcome classify_error(int status, std::string_view body) {
  std::optional<int> code = exception_code(body);
  if (code) {
    std::string reason = "Code " + std::to_string(*code) + ": " + exception_text(body);
    switch (*code) {
      case 81:   // UNKNOWN_DATABASE
      case 192:  // UNKNOWN_USER
      case 193:  // WRONG_PASSWORD
      case 194:  // REQUIRED_PASSWORD
      case 497:  // ACCESS_DENIED
      case 516:  // AUTHENTICATION_FAILED
        return Outcome::fatal(reason);
      case 202:  // TOO_MANY_SIMULTANEOUS_QUERIES
      case 225:  // NO_ZOOKEEPER
      case 242:  // TABLE_IS_READ_ONLY
        return Outcome::not_yet(reason);
      default:
        return Outcome::not_yet(reason);
    }
  }
  std::string reason = "HTTP " + std::to_string(status) + " for SELECT 1";
  if (!body.empty()) reason += ": " + first_line(body);
  if (status == 401 || status == 403) return Outcome::fatal(reason);
  return Outcome::not_yet(reason);
}

class ClickHouseProbe final : public Probe {
 public:
  explicit ClickHouseProbe(Config config) : m_config(std::move(config)) {}

  Outcome check(Millis timeout) override;

 private:
  // A request against what is left of the attempt; nullopt when none is left.
  std::optional<HttpRequest> request(std::string target, Clock::time_point deadline) const;

  Config m_config;
};

std::optional<HttpRequest> ClickHouseProbe::request(std::string target, Clock::time_point deadline) const {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
  if (left.count() <= 0) return std::nullopt;
  HttpRequest r;
  r.host = m_config.host;
  r.port = m_config.port;
  r.target = std::move(target);
  r.timeout = left;
  r.max_body = 16 * 1024;
  return r;
}

Outcome ClickHouseProbe::check(Millis timeout) {
  const Clock::time_point deadline = Clock::now() + timeout;
  const std::string timed_out = "timed out after " + std::to_string(timeout.count()) + " ms";

  // Liveness: /ping answers before users or tables are involved.
  std::optional<HttpRequest> ping = request("/ping", deadline);
  if (!ping) return Outcome::not_yet(timed_out);
  auto pong = http_request(*ping);
  if (!pong) return outcome_from_http_error(pong.error());
  if (pong->status == 404) {
    return Outcome::fatal("GET /ping answered 404: not a ClickHouse HTTP port, or a server older than 18.12");
  }
  if (pong->status != 200 || pong->body != "Ok.\n") {
    return Outcome::not_yet("GET /ping answered HTTP " + std::to_string(pong->status) + " " + first_line(pong->body));
  }

  // SELECT 1 as the configured user, in the configured database.
  long long seconds = std::max<long long>(1, (timeout.count() + 999) / 1000);
  std::string target = "/?query=SELECT%201&max_execution_time=" + std::to_string(seconds);
  if (!m_config.database.empty()) target += "&database=" + percent_encode(m_config.database);
  std::optional<HttpRequest> select = request(target, deadline);
  if (!select) return Outcome::not_yet(timed_out);
  if (!m_config.user.empty()) select->headers.emplace_back("X-ClickHouse-User", m_config.user);
  if (m_config.has_password) select->headers.emplace_back("X-ClickHouse-Key", m_config.password);
  auto answer = http_request(*select);
  if (!answer) return outcome_from_http_error(answer.error());
  if (answer->status != 200 || answer->body != "1\n") {
    if (answer->status == 200 && !exception_code(answer->body)) {
      return Outcome::not_yet("SELECT 1 answered " + first_line(answer->body) + " instead of 1");
    }
    return classify_error(answer->status, answer->body);
  }

  if (m_config.replicas_status) {
    std::optional<HttpRequest> replicas = request("/replicas_status", deadline);
    if (!replicas) return Outcome::not_yet(timed_out);
    auto status = http_request(*replicas);
    if (!status) return outcome_from_http_error(status.error());
    // Old servers answer 200 with the lagging tables, new ones 503.
    if (status->body != "Ok.\n") {
      return Outcome::not_yet("replicas_status (HTTP " + std::to_string(status->status) + "): " +
                              first_line(status->body));
    }
  }
  return Outcome::ready();
}

std::expected<Config, std::string> make_config(const ProbeSpec& spec) {
  const Url& url = spec.url;
  for (const auto& [key, value] : url.query) {
    if (std::find(k_options.begin(), k_options.end(), key) != k_options.end()) continue;
    std::string error = "unknown option '" + key + "' for clickhouse://";
    if (auto close = util::closest_match(key, k_options)) error += " (did you mean '" + *close + "'?)";
    return std::unexpected(error);
  }
  if (url.hosts.size() != 1 || url.hosts.front().host.empty()) {
    return std::unexpected("exactly one host:port expected");
  }
  Config c;
  c.host = url.hosts.front().host;
  if (url.hosts.front().port) c.port = url.hosts.front().port;
  c.user = url.user;
  c.password = url.password;
  c.has_password = url.has_password;
  c.database = url.path.starts_with('/') ? url.path.substr(1) : url.path;
  if (auto v = url.param("replicas_status")) {
    if (*v != "1" && *v != "0" && *v != "true" && *v != "false") {
      return std::unexpected("replicas_status must be 1 or 0, not '" + *v + "'");
    }
    c.replicas_status = (*v == "1" || *v == "true");
  }
  return c;
}

}  // namespace

std::expected<std::unique_ptr<Probe>, std::string> make_clickhouse_probe(const ProbeSpec& spec) {
  std::expected<Config, std::string> config = make_config(spec);
  if (!config) return std::unexpected(config.error() + " in " + spec.url.redacted());
  return std::make_unique<ClickHouseProbe>(std::move(*config));
}

STACKGATE_EXPORT_PROBE(make_clickhouse_probe, "clickhouse");

}  // namespace stackgate::probes
