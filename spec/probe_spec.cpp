// The common probe options: parsed once, from the URL's query, into typed
// settings; merged field by field with the other sources (overlay()).
#include "spec/probe_spec.h"

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <fstream>
#include <sstream>

#include "util/duration.h"
#include "util/sanitize.h"
#include "util/strings.h"

namespace stackgate::spec {

namespace {

std::expected<std::string, std::string> read_secret_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::unexpected("cannot read password_file " + util::sanitize(path) + ": " + std::strerror(errno));
  std::ostringstream content;
  content << in.rdbuf();
  std::string secret = content.str();
  while (!secret.empty() && (secret.back() == '\n' || secret.back() == '\r')) secret.pop_back();
  return secret;
}

std::expected<int, std::string> parse_passes(std::string_view s) {
  int n = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
  if (s.empty() || ec != std::errc() || end != s.data() + s.size() || n < 1) {
    return std::unexpected("passes must be a whole number >= 1, not '" + std::string(s) + "'");
  }
  return n;
}

template <typename T>
std::optional<T> first_of(const std::optional<T>& a, const std::optional<T>& b) {
  return a ? a : b;
}

}  // namespace

const std::vector<std::string>& common_option_names() {
  static const std::vector<std::string> names = {"timeout", "interval", "max_latency", "passes",
                                                 "stable_for", "window", "password_file"};
  return names;
}

ProbeSettings overlay(const ProbeSettings& over, const ProbeSettings& under) {
  ProbeSettings out;
  out.timeout = first_of(over.timeout, under.timeout);
  out.interval = first_of(over.interval, under.interval);
  out.max_latency = first_of(over.max_latency, under.max_latency);
  out.window.passes = first_of(over.window.passes, under.window.passes);
  out.window.stable_for = first_of(over.window.stable_for, under.window.stable_for);
  return out;
}

std::expected<WindowSettings, std::string> parse_window(std::string_view text) {
  WindowSettings window;
  for (const std::string& part : util::split(text, ',')) {
    std::string_view item = util::trim(part);
    if (item.empty()) continue;
    size_t eq = item.find('=');
    if (eq == std::string_view::npos) {
      return std::unexpected("expected passes=N,stable_for=DURATION, got '" + std::string(item) + "'");
    }
    std::string_view key = item.substr(0, eq), value = item.substr(eq + 1);
    if (key == "passes") {
      auto n = parse_passes(value);
      if (!n) return std::unexpected(n.error());
      window.passes = *n;
    } else if (key == "stable_for") {
      auto d = util::parse_duration(value);
      if (!d) return std::unexpected("stable_for: " + d.error());
      window.stable_for = *d;
    } else {
      return std::unexpected("unknown window option '" + std::string(key) + "' (expected passes or stable_for)");
    }
  }
  return window;
}

std::string format_window(const WindowSettings& window) {
  std::string out;
  if (window.passes) out = "passes=" + std::to_string(*window.passes);
  if (window.stable_for) out += (out.empty() ? "" : ",") + std::string("stable_for=") + util::format_duration_exact(*window.stable_for);
  return out;
}

std::string format_settings(const ProbeSettings& settings) {
  std::string out;
  auto add = [&](const char* key, const std::string& value) { out += (out.empty() ? "" : ", ") + std::string(key) + "=" + value; };
  if (settings.timeout) add("timeout", util::format_duration_exact(*settings.timeout));
  if (settings.interval) add("interval", util::format_duration_exact(*settings.interval));
  if (settings.max_latency) add("max_latency", util::format_duration_exact(*settings.max_latency));
  if (!settings.window.empty()) add("window", format_window(settings.window));
  return out;
}

std::expected<ProbeSpec, std::string> parse_probe_spec(std::string_view text) {
  auto url = parse_url(text);
  if (!url) return std::unexpected(url.error());
  return probe_spec_from(std::move(*url));
}

std::expected<ProbeSpec, std::string> probe_spec_from(Url parsed) {
  std::optional<Url> url(std::move(parsed));
  ProbeSpec spec;
  auto fail = [&](const std::string& option, const std::string& value, const std::string& why) {
    // The value and the reason may quote decoded bytes of the URL: printable only.
    return std::unexpected("bad " + option + " '" + util::sanitize(value) + "' in " + url->redacted() + ": " +
                           util::sanitize(why));
  };
  std::optional<std::string> password_file;
  std::vector<std::pair<std::string, std::string>> own;
  for (auto& [key, value] : url->query) {
    if (key == "timeout" || key == "interval" || key == "stable_for" || key == "max_latency") {
      auto d = util::parse_duration(value);
      if (!d) return fail(key, value, d.error());
      if ((key == "timeout" || key == "max_latency") && d->count() <= 0) return fail(key, value, "must be positive");
      if (key == "timeout") spec.timeout = *d;
      if (key == "interval") spec.interval = *d;
      if (key == "max_latency") spec.max_latency = *d;
      if (key == "stable_for") spec.window.stable_for = *d;
    } else if (key == "passes") {
      auto n = parse_passes(value);
      if (!n) return fail(key, value, n.error());
      spec.window.passes = *n;
    } else if (key == "window") {
      auto w = parse_window(value);
      if (!w) return fail("window", value, w.error());
      // Within one URL, too, a field set alone (stable_for=) is not undone
      // by a window= that leaves it out.
      if (w->passes) spec.window.passes = w->passes;
      if (w->stable_for) spec.window.stable_for = w->stable_for;
    } else if (key == "password_file") {
      password_file = value;
    } else {
      own.emplace_back(std::move(key), std::move(value));
    }
  }
  url->query = std::move(own);
  if (password_file) {
    if (url->has_password) {
      return std::unexpected("password given both in the URL and in password_file in " + url->redacted());
    }
    auto secret = read_secret_file(*password_file);
    if (!secret) return std::unexpected(secret.error());
    url->password = std::move(*secret);
    url->has_password = true;
  }
  spec.url = std::move(*url);
  return spec;
}

}  // namespace stackgate::spec
