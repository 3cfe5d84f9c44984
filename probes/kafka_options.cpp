// Reading the kafka options of a probe URL (kafka_probe.h lists them).
// Plain code: no librdkafka here.
#include <algorithm>
#include <charconv>
#include <optional>
#include <set>
#include <string_view>

#include "probes/kafka_probe.h"
#include "spec/scheme.h"
#include "util/duration.h"
#include "util/strings.h"

namespace stackgate::probes {
namespace {

const std::vector<std::string>& k_common_options = spec::common_option_names();
const std::vector<std::string> k_kafka_options = {"brokers", "topics", "min_isr", "groups", "min_members",
                                                  "assigned", "session_timeout"};

std::expected<int, std::string> parse_count(std::string_view key, std::string_view value) {
  int n = 0;
  auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
  if (ec != std::errc() || end != value.data() + value.size() || n < 1) {
    return std::unexpected("kafka: option '" + std::string(key) + "' wants a positive integer, got '" +
                           std::string(value) + "'");
  }
  return n;
}

std::expected<std::vector<std::string>, std::string> parse_list(std::string_view key, std::string_view value) {
  std::vector<std::string> items;
  for (const std::string& raw : util::split(value, ',')) {
    std::string item(util::trim(raw));
    if (item.empty()) {
      return std::unexpected("kafka: option '" + std::string(key) + "' has an empty name in '" + std::string(value) +
                             "'");
    }
    if (std::find(items.begin(), items.end(), item) != items.end()) {
      return std::unexpected("kafka: option '" + std::string(key) + "' names '" + item + "' twice");
    }
    items.push_back(std::move(item));
  }
  if (items.empty()) return std::unexpected("kafka: option '" + std::string(key) + "' is empty");
  return items;
}

}  // namespace

std::expected<KafkaOptions, std::string> parse_kafka_options(const Url& url) {
  KafkaOptions options;
  if (url.hosts.empty()) return std::unexpected("kafka: no broker address in the URL");
  for (const HostPort& hp : url.hosts) {
    std::string host = hp.host.find(':') != std::string::npos ? "[" + hp.host + "]" : hp.host;
    int port = hp.port ? hp.port : spec::default_port("kafka");
    options.bootstrap.push_back(host + ":" + std::to_string(port));
    HostPort address = hp;
    address.port = port;
    options.addresses.push_back(std::move(address));
  }
  if (!url.path.empty() && url.path != "/") {
    return std::unexpected("kafka: unexpected path '" + url.path + "' (topics go in ?topics=)");
  }
  if (!url.user.empty()) {
    options.rdkafka.emplace_back("security.protocol", "SASL_PLAINTEXT");
    options.rdkafka.emplace_back("sasl.mechanism", "PLAIN");
    options.rdkafka.emplace_back("sasl.username", url.user);
    if (url.has_password) options.rdkafka.emplace_back("sasl.password", url.password);
  }

  std::set<std::string> seen;
  for (const auto& [key, value] : url.query) {
    if (std::find(k_common_options.begin(), k_common_options.end(), key) != k_common_options.end()) continue;
    if (key.starts_with("rdkafka.")) {
      std::string property = key.substr(8);
      if (property.empty()) return std::unexpected(std::string("kafka: option 'rdkafka.' names no property"));
      options.rdkafka.emplace_back(property, value);
      continue;
    }
    if (!seen.insert(key).second) return std::unexpected("kafka: option '" + key + "' given twice");
    if (key == "brokers" || key == "min_isr" || key == "min_members") {
      std::expected<int, std::string> n = parse_count(key, value);
      if (!n) return std::unexpected(n.error());
      (key == "brokers" ? options.brokers : key == "min_isr" ? options.min_isr : options.min_members) = *n;
    } else if (key == "topics" || key == "groups") {
      auto list = parse_list(key, value);
      if (!list) return std::unexpected(list.error());
      (key == "topics" ? options.topics : options.groups) = std::move(*list);
    } else if (key == "session_timeout") {
      std::expected<Millis, std::string> d = util::parse_duration(value);
      if (!d || d->count() <= 0) {
        return std::unexpected("kafka: option 'session_timeout' wants a duration such as 45s, got '" + value + "'");
      }
      options.session_timeout = *d;
    } else if (key == "assigned") {
      if (value != "all") return std::unexpected("kafka: option 'assigned' takes 'all', got '" + value + "'");
      options.assigned_all = true;
    } else {
      std::vector<std::string> known = k_kafka_options;
      known.insert(known.end(), k_common_options.begin(), k_common_options.end());
      std::string message = "kafka: unknown option '" + key + "'";
      if (std::optional<std::string> guess = util::closest_match(key, known)) {
        message += " (did you mean '" + *guess + "'?)";
      } else {
        message += " (options: " + util::join(k_kafka_options, ", ") + ", rdkafka.<property>)";
      }
      return std::unexpected(message);
    }
  }
  // Options that qualify another one mean nothing without it; silently
  // ignoring them would let a gate pass that the user meant to be stricter.
  auto needs = [&](std::string_view option, std::string_view other, bool given) -> std::expected<void, std::string> {
    if (!seen.contains(std::string(option)) || given) return {};
    return std::unexpected("kafka: option '" + std::string(option) + "' needs " + std::string(other) +
                           "= (it applies to the " + (other == "topics" ? "listed topics" : "listed groups") + ")");
  };
  for (auto check : {needs("min_isr", "topics", !options.topics.empty()),
                     needs("min_members", "groups", !options.groups.empty()),
                     needs("assigned", "groups", !options.groups.empty()),
                     needs("session_timeout", "groups", !options.groups.empty())}) {
    if (!check) return std::unexpected(check.error());
  }
  return options;
}

}  // namespace stackgate::probes
