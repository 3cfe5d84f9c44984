#include "compose/ports.h"

#include <charconv>

namespace stackgate::compose {

namespace {

struct Range {
  int begin = 0;
  int end = 0;  // == begin when not a range
};

std::expected<int, std::string> parse_number(std::string_view s, bool allow_zero) {
  int value = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (s.empty() || ec != std::errc() || ptr != s.data() + s.size() || value < (allow_zero ? 0 : 1) || value > 65535) {
    return std::unexpected("invalid port \"" + std::string(s) + "\"");
  }
  return value;
}

std::expected<Range, std::string> parse_range(std::string_view s, bool allow_zero) {
  size_t dash = s.find('-');
  auto begin = parse_number(s.substr(0, dash), allow_zero);
  if (!begin) {
    return std::unexpected(begin.error());
  }
  if (dash == std::string_view::npos) {
    return Range{*begin, *begin};
  }
  auto end = parse_number(s.substr(dash + 1), allow_zero);
  if (!end) {
    return std::unexpected(end.error());
  }
  if (*end < *begin) {
    return std::unexpected("invalid port range \"" + std::string(s) + "\"");
  }
  return Range{*begin, *end};
}

std::expected<std::vector<PortMapping>, std::string> expand(const std::string& host_ip, std::string_view published,
                                                            std::string_view target, const std::string& protocol) {
  auto container = parse_range(target, false);
  if (!container) {
    return std::unexpected(container.error());
  }
  Range host{0, 0};
  if (!published.empty()) {
    auto parsed = parse_range(published, true);
    if (!parsed) {
      return std::unexpected(parsed.error());
    }
    host = *parsed;
  }
  std::vector<PortMapping> out;
  int count = container->end - container->begin + 1;
  if (count == 1) {
    PortMapping m{host_ip, host.begin, host.end != host.begin ? host.end : 0, container->begin, protocol, {}};
    out.push_back(m);
    return out;
  }
  if (!published.empty() && host.end - host.begin + 1 != count) {
    return std::unexpected("port ranges do not match: " + std::string(published) + " and " + std::string(target));
  }
  for (int i = 0; i < count; ++i) {
    int pub = published.empty() ? 0 : host.begin + i;
    out.push_back(PortMapping{host_ip, pub, 0, container->begin + i, protocol, {}});
  }
  return out;
}

std::expected<std::vector<PortMapping>, std::string> parse_short(std::string_view spec) {
  std::string protocol = "tcp";
  size_t slash = spec.rfind('/');
  if (slash != std::string_view::npos) {
    protocol = std::string(spec.substr(slash + 1));
    spec = spec.substr(0, slash);
  }
  std::string host_ip;
  if (spec.starts_with('[')) {
    size_t close = spec.find(']');
    if (close == std::string_view::npos || close + 1 >= spec.size() || spec[close + 1] != ':') {
      return std::unexpected("invalid IPv6 address in port \"" + std::string(spec) + "\"");
    }
    host_ip = std::string(spec.substr(1, close - 1));
    spec = spec.substr(close + 2);
    size_t colon = spec.find(':');
    if (colon == std::string_view::npos) {
      return std::unexpected("invalid port \"" + std::string(spec) + "\"");
    }
    return expand(host_ip, spec.substr(0, colon), spec.substr(colon + 1), protocol);
  }
  std::vector<std::string_view> parts;
  size_t start = 0;
  for (size_t i = 0; i <= spec.size(); ++i) {
    if (i == spec.size() || spec[i] == ':') {
      parts.push_back(spec.substr(start, i - start));
      start = i + 1;
    }
  }
  size_t n = parts.size();
  if (n == 1) {
    return expand("", "", parts[0], protocol);
  }
  if (n == 2) {
    return expand("", parts[0], parts[1], protocol);
  }
  // ip:published:target, where an unbracketed IPv6 address has colons too.
  std::string_view ip = spec.substr(0, spec.size() - parts[n - 1].size() - parts[n - 2].size() - 2);
  return expand(std::string(ip), parts[n - 2], parts[n - 1], protocol);
}

std::string field(const Node& entry, std::string_view key) {
  const Node* n = entry.find(key);
  return n && n->is_scalar() ? n->value : std::string();
}

}  // namespace

std::expected<std::vector<PortMapping>, std::string> parse_port(const Node& entry) {
  if (entry.is_scalar()) {
    return parse_short(entry.value);
  }
  if (!entry.is_mapping()) {
    return std::unexpected("a port must be a string, a number or a mapping");
  }
  std::string target = field(entry, "target");
  if (target.empty()) {
    return std::unexpected("a port mapping needs a target (the container port)");
  }
  std::string protocol = field(entry, "protocol");
  return expand(field(entry, "host_ip"), field(entry, "published"), target, protocol.empty() ? "tcp" : protocol);
}

std::expected<int, std::string> parse_expose(std::string_view text) {
  text = text.substr(0, text.find('/'));
  auto range = parse_range(text, false);
  if (!range) {
    return std::unexpected(range.error());
  }
  return range->begin;
}

}  // namespace stackgate::compose
