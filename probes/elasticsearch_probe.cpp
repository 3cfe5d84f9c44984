#include "probes/elasticsearch_probe.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <optional>
#include <string_view>
#include <vector>

#include "probes/http_client.h"
#include "probes/module.h"
#include "util/strings.h"

namespace stackgate::probes {
namespace {

const std::vector<std::string> k_options = {"status", "indices", "tls", "insecure", "ca"};

// green > yellow > red; -1 for anything else.
int rank(std::string_view status) {
  if (status == "green") return 2;
  if (status == "yellow") return 1;
  if (status == "red") return 0;
  return -1;
}

struct Config {
  HttpRequest request;  // host, port, TLS and auth; target set per attempt
  std::string wanted = "yellow";
  std::vector<std::string> indices;
};

// Server bytes are foreign: one line, printable ASCII, bounded.
std::string printable(std::string_view text) {
  std::string out;
  for (char c : text.substr(0, 160)) {
    auto u = static_cast<unsigned char>(c);
    out += (u >= 0x20 && u < 0x7f) ? c : ' ';
  }
  return std::string(util::trim(out));
}

std::string shards_note(const nlohmann::json& health) {
  std::vector<std::string> parts;
  for (const char* key : {"unassigned_shards", "initializing_shards", "relocating_shards"}) {
    auto it = health.find(key);
    if (it != health.end() && it->is_number_integer() && it->get<long long>() > 0) {
      std::string name = key;
      name.replace(name.find('_'), 1, " ");
      parts.push_back(std::to_string(it->get<long long>()) + " " + name);
    }
  }
  return parts.empty() ? "" : " (" + util::join(parts, ", ") + ")";
}

// The error type of an Elasticsearch error body ("master_not_discovered_exception").
std::string error_type(const std::string& body) {
  nlohmann::json doc = nlohmann::json::parse(body, nullptr, false);
  if (doc.is_object() && doc.contains("error")) {
    const nlohmann::json& error = doc["error"];
    if (error.is_object() && error.contains("type") && error["type"].is_string()) {
      return printable(error["type"].get<std::string>());
    }
    if (error.is_string()) return printable(error.get<std::string>());
  }
  return printable(body.substr(0, body.find('\n')));
}

class ElasticsearchProbe final : public Probe {
 public:
  explicit ElasticsearchProbe(Config config) : m_config(std::move(config)) {}

  Outcome check(Millis timeout) override;

 private:
  Outcome judge(const HttpResponse& response) const;

  Config m_config;
};

Outcome ElasticsearchProbe::check(Millis timeout) {
  HttpRequest request = m_config.request;
  request.timeout = timeout;
  request.max_body = 2 * 1024 * 1024;  // level=indices lists every index asked for
  // The server-side wait (for a missing index) must end before ours does.
  long long server_ms = std::max<long long>(1, timeout.count() * 3 / 4);
  request.target = "/_cluster/health";
  if (!m_config.indices.empty()) request.target += "/" + percent_encode(util::join(m_config.indices, ","), ",*");
  request.target += "?timeout=" + std::to_string(server_ms) + "ms";
  if (!m_config.indices.empty()) request.target += "&level=indices";
  auto response = http_request(request);
  if (!response) return outcome_from_http_error(response.error());
  return judge(*response);
}

Outcome ElasticsearchProbe::judge(const HttpResponse& response) const {
  int status = response.status;
  std::string http = "HTTP " + std::to_string(status) + " from /_cluster/health";
  if (status == 401 || status == 403) return Outcome::fatal(http + ": " + error_type(response.body));
  if (status == 404) {
    return Outcome::fatal(http + ": not an Elasticsearch or OpenSearch HTTP port");
  }
  nlohmann::json health = nlohmann::json::parse(response.body, nullptr, false);
  bool has_status = health.is_object() && health.contains("status") && health["status"].is_string();
  // 408: the server's own timeout passed (an index missing, or slow); the
  // body still has the health. 503: no master elected yet.
  if (status != 200 && !(status == 408 && has_status)) {
    std::string reason = http;
    if (!response.body.empty()) reason += ": " + error_type(response.body);
    return Outcome::not_yet(reason);
  }
  if (!has_status) return Outcome::not_yet(http + ": no status in the answer");
  std::string cluster = printable(health["status"].get<std::string>());

  if (!m_config.indices.empty()) {
    const nlohmann::json* indices = health.contains("indices") && health["indices"].is_object() ? &health["indices"] : nullptr;
    for (const std::string& index : m_config.indices) {
      if (index.find('*') != std::string::npos) continue;  // a pattern: the overall status covers it
      if (indices == nullptr || !indices->contains(index)) return Outcome::not_yet("index " + index + " does not exist yet");
      const nlohmann::json& one = (*indices)[index];
      std::string s = one.contains("status") && one["status"].is_string() ? one["status"].get<std::string>() : "";
      if (rank(s) < rank(m_config.wanted)) {
        return Outcome::not_yet("index " + index + " is " + printable(s) + ", want " + m_config.wanted + shards_note(one));
      }
    }
  }
  if (rank(cluster) < rank(m_config.wanted)) {
    std::string what = m_config.indices.empty() ? "cluster status " : "status of " + util::join(m_config.indices, ",") + " ";
    return Outcome::not_yet(what + cluster + ", want " + m_config.wanted + shards_note(health));
  }
  return Outcome::ready(m_config.indices.empty() ? "cluster status " + cluster : "status " + cluster);
}

bool truthy(const std::string& v) { return v == "1" || v == "true"; }

std::expected<Config, std::string> make_config(const ProbeSpec& spec) {
  const Url& url = spec.url;
  for (const auto& [key, value] : url.query) {
    if (std::find(k_options.begin(), k_options.end(), key) != k_options.end()) continue;
    std::string error = "unknown option '" + key + "' for " + url.scheme + "://";
    if (auto close = util::closest_match(key, k_options)) error += " (did you mean '" + *close + "'?)";
    return std::unexpected(error);
  }
  if (url.hosts.size() != 1 || url.hosts.front().host.empty()) return std::unexpected("exactly one host:port expected");
  if (!url.path.empty() && url.path != "/") {
    return std::unexpected("no path expected ('" + url.path + "'); name indices with indices=a,b");
  }
  Config c;
  c.request.host = url.hosts.front().host;
  c.request.port = url.hosts.front().port;
  if (!url.user.empty() || url.has_password) {
    c.request.headers.emplace_back("Authorization", basic_authorization(url.user, url.password));
  }
  if (auto v = url.param("status")) {
    if (rank(*v) < 0) return std::unexpected("status must be green, yellow or red, not '" + *v + "'");
    c.wanted = *v;
  }
  if (auto v = url.param("indices")) {
    for (const std::string& index : util::split(*v, ',')) {
      if (!index.empty()) c.indices.push_back(index);
    }
    if (c.indices.empty()) return std::unexpected(std::string("indices names no index"));
  }
  if (auto v = url.param("tls")) c.request.tls = truthy(*v);
  if (auto v = url.param("insecure")) c.request.verify_tls = !truthy(*v);
  if (auto v = url.param("ca")) c.request.ca_file = *v;
  return c;
}

}  // namespace

std::expected<std::unique_ptr<Probe>, std::string> make_elasticsearch_probe(const ProbeSpec& spec) {
  std::expected<Config, std::string> config = make_config(spec);
  if (!config) return std::unexpected(config.error() + " in " + spec.url.redacted());
  return std::make_unique<ElasticsearchProbe>(std::move(*config));
}

STACKGATE_EXPORT_PROBE(make_elasticsearch_probe, "elasticsearch", "opensearch");

}  // namespace stackgate::probes
