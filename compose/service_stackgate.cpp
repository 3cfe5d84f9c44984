// The x-stackgate extension and the stackgate.* labels:
//
//   x-stackgate:
//     probes: ["postgres://app@db/app"]   # or one string
//     infer: true                         # keep inferred probes too
//     skip: true                          # no probes at all
//     window: passes=3,stable_for=5s      # or {passes: 3, stable_for: 5s}
//     timeout: 2s
//     max_latency: 5s                     # a slower answer is not ready
//     kafka: {groups: [collector], stable_for: 10s, min_members: 1, bootstrap: "kafka:9092"}
//
//   labels: stackgate.probe=<url>, stackgate.probe.<n>=<url>, stackgate.skip=true
#include <algorithm>
#include <charconv>

#include "compose/service_builder.h"
#include "util/duration.h"

namespace stackgate::compose {

namespace {

void add_probe(StackgateExtension& ext, std::string url, const SourceLocation& where, const char* origin) {
  ext.present = true;
  ext.probes.push_back(std::move(url));
  ext.probe_where.push_back(where);
  ext.probe_origin.push_back(origin);
}

void read_probes(const Node& node, const std::string& path, StackgateExtension& ext, Diagnostics& diag) {
  if (node.is_scalar()) {
    add_probe(ext, node.value, node.where, "x-stackgate");
    return;
  }
  if (!node.is_sequence()) {
    diag.error(node.where, path + " must be a probe URL or a list of probe URLs");
    return;
  }
  for (size_t i = 0; i < node.items.size(); ++i) {
    if (auto url = read_string(node.items[i], path + "[" + std::to_string(i) + "]", diag)) {
      add_probe(ext, *url, node.items[i].where, "x-stackgate");
    }
  }
}

// Typed here, once, with the position of the value: the gate never parses
// a window or a duration from compose again.
void read_window(const Node& node, const std::string& path, StackgateExtension& ext, Diagnostics& diag) {
  if (node.is_scalar()) {
    auto window = spec::parse_window(node.value);
    if (!window) {
      diag.error(node.where, path + ": " + window.error());
      return;
    }
    ext.settings.window = *window;
    return;
  }
  if (!node.is_mapping()) {
    diag.error(node.where, path + " must be \"passes=N,stable_for=T\" or a mapping {passes, stable_for}");
    return;
  }
  check_keys(node, path, {"passes", "stable_for"}, diag);
  if (const Node* passes = node.find("passes")) {
    if (auto n = read_int(*passes, path + ".passes", diag)) {
      if (*n < 1) {
        diag.error(passes->where, path + ".passes must be a whole number >= 1, not '" + passes->value + "'");
      } else {
        ext.settings.window.passes = *n;
      }
    }
  }
  if (const Node* stable = node.find("stable_for")) {
    ext.settings.window.stable_for = read_duration(*stable, path + ".stable_for", diag);
  }
}

void read_kafka(const Node& node, const std::string& path, StackgateExtension& ext, Diagnostics& diag) {
  if (!node.is_mapping()) {
    diag.error(node.where, path + " must be a mapping {groups, stable_for, min_members, bootstrap}");
    return;
  }
  check_keys(node, path, {"groups", "stable_for", "min_members", "bootstrap"}, diag);
  if (const Node* groups = node.find("groups")) {
    ext.kafka_groups = read_string_list(*groups, path + ".groups", diag, true).value_or(std::vector<std::string>{});
  }
  if (const Node* stable = node.find("stable_for")) {
    ext.kafka_stable_for = read_duration(*stable, path + ".stable_for", diag);
  }
  if (const Node* members = node.find("min_members")) {
    ext.kafka_min_members = read_int(*members, path + ".min_members", diag);
  }
  if (const Node* bootstrap = node.find("bootstrap")) {
    if (auto s = read_string(*bootstrap, path + ".bootstrap", diag)) {
      ext.kafka_bootstrap = *s;
    }
  }
}

void read_extension(const Node& node, const std::string& path, StackgateExtension& ext, Diagnostics& diag) {
  ext.present = true;
  ext.where = node.where;
  if (node.is_null()) {
    return;
  }
  if (!node.is_mapping()) {
    diag.error(node.where, path + " must be a mapping (probes, infer, skip, window, timeout, max_latency, kafka)");
    return;
  }
  check_keys(node, path, {"probes", "infer", "skip", "window", "timeout", "max_latency", "kafka"}, diag);
  if (const Node* probes = node.find("probes")) {
    read_probes(*probes, path + ".probes", ext, diag);
  }
  if (const Node* infer = node.find("infer")) {
    ext.replace_inferred = !read_bool(*infer, path + ".infer", diag).value_or(false);
  }
  if (const Node* skip = node.find("skip")) {
    ext.skip = read_bool(*skip, path + ".skip", diag).value_or(false);
  }
  if (const Node* window = node.find("window")) {
    read_window(*window, path + ".window", ext, diag);
  }
  for (auto [key, field] : {std::pair{"timeout", &spec::ProbeSettings::timeout},
                            std::pair{"max_latency", &spec::ProbeSettings::max_latency}}) {
    const Node* value = node.find(key);
    if (!value) continue;
    std::optional<Millis> d = read_duration(*value, path + "." + key, diag);
    if (d && d->count() <= 0) {
      diag.error(value->where, path + "." + key + " must be positive, not '" + value->value + "'");
    } else {
      ext.settings.*field = d;
    }
  }
  if (const Node* kafka = node.find("kafka")) {
    read_kafka(*kafka, path + ".kafka", ext, diag);
  }
}

struct Label {
  std::string key;
  std::string value;
  SourceLocation where;
};

std::vector<Label> stackgate_labels(const Node& labels) {
  std::vector<Label> out;
  if (labels.is_sequence()) {
    for (const Node& item : labels.items) {
      if (item.is_scalar() && item.value.starts_with("stackgate.")) {
        size_t eq = item.value.find('=');
        out.push_back(Label{item.value.substr(0, eq), eq == std::string::npos ? "" : item.value.substr(eq + 1), item.where});
      }
    }
  } else if (labels.is_mapping()) {
    for (const MapEntry& e : labels.entries) {
      if (e.key.starts_with("stackgate.") && e.value.is_scalar()) {
        out.push_back(Label{e.key, e.value.value, e.value.where});
      }
    }
  }
  return out;
}

// stackgate.probe first, then stackgate.probe.<n> by number.
int probe_label_order(std::string_view key) {
  if (key == "stackgate.probe") {
    return -1;
  }
  std::string_view n = key.substr(std::string_view("stackgate.probe.").size());
  int value = 0;
  auto [ptr, ec] = std::from_chars(n.data(), n.data() + n.size(), value);
  return ec == std::errc() && ptr == n.data() + n.size() ? value : -2;
}

void read_labels(const Node& labels, const std::string& path, StackgateExtension& ext, Diagnostics& diag) {
  std::vector<Label> probes;
  for (Label& label : stackgate_labels(labels)) {
    if (label.key == "stackgate.skip") {
      Node value = Node::scalar(label.value, label.where);
      ext.skip = read_bool(value, path + ".stackgate.skip", diag).value_or(false) || ext.skip;
      ext.present = true;
    } else if (label.key == "stackgate.infer") {
      Node value = Node::scalar(label.value, label.where);
      ext.replace_inferred = !read_bool(value, path + ".stackgate.infer", diag).value_or(false);
      ext.present = true;
    } else if (label.key == "stackgate.probe" || label.key.starts_with("stackgate.probe.")) {
      if (probe_label_order(label.key) == -2) {
        diag.error(label.where, path + ": label " + label.key + " must be stackgate.probe or stackgate.probe.<number>");
        continue;
      }
      probes.push_back(std::move(label));
    }
  }
  std::stable_sort(probes.begin(), probes.end(), [](const Label& a, const Label& b) {
    return probe_label_order(a.key) < probe_label_order(b.key);
  });
  for (const Label& label : probes) {
    add_probe(ext, label.value, label.where, "label");
  }
}

}  // namespace

void read_stackgate(const Node& service, const std::string& path, Service& out, Diagnostics& diag) {
  if (const Node* ext = service.find("x-stackgate")) {
    read_extension(*ext, path + ".x-stackgate", out.stackgate, diag);
  }
  if (const Node* labels = service.find("labels")) {
    read_labels(*labels, path + ".labels", out.stackgate, diag);
  }
}

}  // namespace stackgate::compose
