#include "compose/healthcheck_hint.h"

#include <algorithm>
#include <charconv>
#include <span>
#include <vector>

#include "compose/connection_refs.h"
#include "compose/shell_words.h"
#include "util/strings.h"

namespace stackgate::compose {

namespace {

using Words = std::vector<std::string>;

struct Segment {
  Words words;
  bool piped_into = false;  // the previous segment's output is this one's input
  Words previous;           // the previous segment, for `echo srvr | nc ...`
};

// Splits a shell command line at ;, &&, || and | outside quotes, then each
// part into words. Nothing is expanded.
std::vector<Segment> split_segments(std::string_view line) {
  std::vector<Segment> out;
  std::string current;
  char quote = 0;
  bool pipe_next = false;
  Words previous;
  auto flush = [&](bool pipe_after) {
    auto words = split_shell_words(current);
    current.clear();
    if (words && !words->empty()) {
      Segment seg{*words, pipe_next, previous};
      previous = *words;
      out.push_back(std::move(seg));
    }
    pipe_next = pipe_after;
  };
  for (size_t i = 0; i < line.size(); ++i) {
    char c = line[i];
    if (quote) {
      if (c == quote) quote = 0;
      if (c == '\\' && quote == '"' && i + 1 < line.size()) current += line[i++];
      current += c;
      continue;
    }
    if (c == '\'' || c == '"') {
      quote = c;
      current += c;
    } else if (c == '\\' && i + 1 < line.size()) {
      current += c;
      current += line[++i];
    } else if (c == ';' || c == '\n') {
      flush(false);
    } else if ((c == '&' || c == '|') && i + 1 < line.size() && line[i + 1] == c) {
      flush(false);
      ++i;
    } else if (c == '|') {
      flush(true);
    } else if (c == '&') {
      flush(false);
    } else {
      current += c;
    }
  }
  flush(false);
  return out;
}

std::optional<int> to_port(std::string_view text) {
  int port = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), port);
  if (text.empty() || ec != std::errc() || ptr != text.data() + text.size() || port <= 0 || port > 65535) {
    return std::nullopt;
  }
  return port;
}

std::string_view basename(std::string_view path) {
  size_t slash = path.rfind('/');
  return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

// $VAR / ${VAR} from the container's environment; nullopt when the word
// holds a variable the file does not set (the value is then unknown).
std::optional<std::string> resolve(const Service& s, const std::string& word) {
  if (word.find('$') == std::string::npos) return word;
  std::string name = word.substr(word.find('$') + 1);
  std::string prefix = word.substr(0, word.find('$'));
  if (name.starts_with('{') && name.ends_with('}')) name = name.substr(1, name.size() - 2);
  if (name.empty() || name.find_first_of("${}()") != std::string::npos) return std::nullopt;
  auto it = s.environment.find(name);
  if (it == s.environment.end()) return std::nullopt;
  return prefix + it->second;
}

bool local_host(const Service& s, std::string_view host) {
  return is_local_host(host) || names_service(s, host) || host.starts_with("$(hostname") ||
         host.starts_with("`hostname") || host == "$HOSTNAME" || host == "${HOSTNAME}";
}

// The value of an option: "-p 5432", "-p5432" (short options only when
// `attached`), "--port 5432", "--port=5432".
struct Options {
  const Words& w;
  std::optional<std::string> value(std::initializer_list<std::string_view> names, bool attached = false) const {
    for (size_t i = 1; i < w.size(); ++i) {
      for (std::string_view n : names) {
        if (w[i] == n && i + 1 < w.size()) return w[i + 1];
        if (n.starts_with("--") && w[i].starts_with(std::string(n) + "=")) return w[i].substr(n.size() + 1);
        if (attached && n.size() == 2 && !n.starts_with("--") && w[i].starts_with(n) && w[i].size() > 2) {
          return w[i].substr(2);
        }
      }
    }
    return std::nullopt;
  }
  bool has(std::string_view word) const {
    for (size_t i = 1; i < w.size(); ++i) {
      if (w[i] == word) return true;
    }
    return false;
  }
};

// "http://localhost:8080/health" or "localhost:8080/health" (wget/curl add http://).
bool parse_http_target(const Service& s, std::string_view text, HealthcheckHint& hint) {
  std::string scheme = "http";
  if (size_t sep = text.find("://"); sep != std::string_view::npos) {
    scheme = util::to_lower(text.substr(0, sep));
    text = text.substr(sep + 3);
  }
  if (scheme != "http" && scheme != "https") return false;
  size_t slash = text.find_first_of("/?");
  std::string_view authority = text.substr(0, slash);
  std::string host(authority);
  std::optional<int> port;
  if (authority.starts_with('[')) {
    size_t close = authority.find(']');
    host = std::string(authority.substr(1, close == std::string_view::npos ? 0 : close - 1));
    if (close != std::string_view::npos && authority.substr(close + 1).starts_with(':')) {
      port = to_port(authority.substr(close + 2));
    }
  } else if (size_t colon = authority.rfind(':'); colon != std::string_view::npos) {
    host = std::string(authority.substr(0, colon));
    port = to_port(authority.substr(colon + 1));
    if (!port) return false;
  }
  if (!local_host(s, host)) return false;
  hint.scheme = scheme;
  hint.port = port.value_or(scheme == "https" ? 443 : 80);
  hint.path = slash == std::string_view::npos ? "/" : std::string(text.substr(slash));
  if (hint.path.starts_with('?')) hint.path = "/" + hint.path;
  return true;
}

// The first word after the program that is not an option or an option's
// value (`with_value` lists the options that take one).
std::optional<std::string> first_operand(const Words& w, std::span<const std::string_view> with_value) {
  for (size_t i = 1; i < w.size(); ++i) {
    if (std::find(with_value.begin(), with_value.end(), w[i]) != with_value.end()) {
      ++i;
    } else if (!w[i].starts_with('-')) {
      return w[i];
    }
  }
  return std::nullopt;
}

bool http_command(const Service& s, const Words& w, std::span<const std::string_view> with_value,
                  HealthcheckHint& hint) {
  auto target = first_operand(w, with_value);
  if (!target) return false;
  auto resolved = resolve(s, *target);
  return resolved && parse_http_target(s, *resolved, hint);
}

bool curl(const Service& s, const Words& w, HealthcheckHint& hint) {
  static constexpr std::string_view k_with_value[] = {
      "-X", "-H", "-u", "-o", "-m", "-d", "-A", "-e", "-w", "-x", "--request", "--header", "--user", "--output",
      "--max-time", "--data", "--connect-timeout", "--retry", "--write-out", "--user-agent", "--cacert", "--resolve",
      "--noproxy", "--retry-delay", "--retry-max-time", "-c", "-b", "--cookie", "--cert", "--key", "--interface",
      "--proxy", "-F", "--form", "-K", "--config", "--data-raw", "--data-binary", "--data-urlencode", "-r", "--range",
      "-T", "--upload-file", "--max-filesize", "--limit-rate", "-Y", "-y", "--ciphers"};
  bool fail = false;
  for (size_t i = 1; i < w.size(); ++i) {
    const std::string& a = w[i];
    if (a == "--unix-socket") return false;
    fail = fail || a == "--fail" || a == "--fail-with-body" ||
           (a.starts_with('-') && !a.starts_with("--") && a.find('f') != std::string::npos);
  }
  if (!http_command(s, w, k_with_value, hint)) return false;
  // curl -f fails on >= 400; without -f any answer passes. Redirects are
  // not followed either way.
  hint.status = fail ? "2xx,3xx" : "2xx,3xx,4xx";
  return true;
}

bool wget(const Service& s, const Words& w, HealthcheckHint& hint) {
  static constexpr std::string_view k_with_value[] = {"-O", "-T", "-t", "-U", "-o", "-P", "-e", "--header",
                                                      "--user", "--password", "--output-document"};
  if (!http_command(s, w, k_with_value, hint)) return false;
  hint.status = "2xx,3xx";  // wget fails on 4xx/5xx and follows redirects
  return true;
}

// nc -z host port | nc host port (after `echo srvr |`).
bool netcat(const Service& s, const Segment& seg, HealthcheckHint& hint) {
  Words args;
  for (size_t i = 1; i < seg.words.size(); ++i) {
    const std::string& a = seg.words[i];
    if (a == "-w" || a == "-i" || a == "-q" || a == "-W") {
      ++i;
      continue;
    }
    if (!a.starts_with('-')) args.push_back(a);
  }
  if (args.size() < 2) return false;
  auto host = resolve(s, args[0]);
  auto port = resolve(s, args[1]);
  if (!host || !port || !local_host(s, *host) || !to_port(*port)) return false;
  hint.port = to_port(*port);
  hint.scheme = "tcp";
  if (seg.piped_into && !seg.previous.empty()) {
    // `echo srvr | nc ...`: ZooKeeper's four-letter words, as whole words
    // (memcached's `echo stats | nc` is not one).
    for (const std::string& fed : seg.previous) {
      for (std::string_view word : {"srvr", "ruok", "mntr", "stat", "isro", "conf", "cons", "envi"}) {
        if (fed == word) {
          hint.family = ImageFamily::zookeeper;
          hint.scheme = "zk";
        }
      }
    }
  }
  return true;
}

void host_port_option(const Service& s, const Options& o, std::initializer_list<std::string_view> host_names,
                      std::initializer_list<std::string_view> port_names, HealthcheckHint& hint, bool* remote,
                      bool attached = false) {
  if (auto h = o.value(host_names, attached)) {
    auto host = resolve(s, *h);
    if (host && !local_host(s, *host)) *remote = true;
  }
  if (auto p = o.value(port_names, attached)) {
    if (auto port = resolve(s, *p)) hint.port = to_port(*port);
  }
}

// "--bootstrap-server localhost:9092" and friends.
bool bootstrap(const Service& s, const Options& o, HealthcheckHint& hint) {
  auto value = o.value({"--bootstrap-server", "--bootstrap-servers", "--broker-list", "-b", "--brokers", "-X"});
  if (!value) return true;
  auto resolved = resolve(s, *value);
  if (!resolved) return true;
  std::string first = util::split(*resolved, ',').front();
  if (size_t sep = first.find("://"); sep != std::string::npos) first = first.substr(sep + 3);
  size_t colon = first.rfind(':');
  if (colon == std::string::npos) return local_host(s, first);
  if (!local_host(s, first.substr(0, colon))) return false;
  hint.port = to_port(first.substr(colon + 1));
  return true;
}

bool family_tool(const Service& s, const Segment& seg, HealthcheckHint& hint) {
  const Words& w = seg.words;
  std::string program(basename(w[0]));
  Options o{w};
  bool remote = false;
  ProgramFamily pf = program_family(program);
  if (program == "healthcheck.sh" && (o.has("--connect") || o.has("--innodb_initialized"))) {
    pf = {ImageFamily::mysql, false};  // the MariaDB image's own healthcheck script
  }
  if (program == "clickhouse" && w.size() > 1 && (w[1] == "client" || w[1] == "local")) {
    pf = {ImageFamily::clickhouse, false};
  }
  if (pf.family == ImageFamily::unknown) return false;
  hint.family = pf.family;
  switch (pf.family) {
    case ImageFamily::postgres:
      host_port_option(s, o, {"-h", "--host"}, {"-p", "--port"}, hint, &remote);
      if (auto u = o.value({"-U", "--username"})) hint.user = resolve(s, *u);
      if (auto d = o.value({"-d", "--dbname"})) hint.database = resolve(s, *d);
      break;
    case ImageFamily::redis:
      host_port_option(s, o, {"-h"}, {"-p"}, hint, &remote);
      if (auto a = o.value({"-a", "--pass"})) {
        hint.password = resolve(s, *a);
        if (!hint.password) return false;  // a password we cannot know: a probe without it can never pass
      }
      if (auto u = o.value({"--user"})) hint.user = resolve(s, *u);
      if (auto url = o.value({"-u"}); url && url->find("://") != std::string::npos) {
        if (auto resolved = resolve(s, *url)) {
          Service holder;
          holder.environment["U"] = *resolved;
          for (const ConnectionRef& ref : connection_refs(holder)) {
            if (!local_host(s, ref.host)) remote = true;
            hint.port = ref.port;
            hint.password = ref.password;
            hint.user = ref.user;
          }
        } else {
          return false;
        }
      }
      break;
    case ImageFamily::mysql:
      host_port_option(s, o, {"-h", "--host"}, {"-P", "--port"}, hint, &remote, /*attached=*/true);
      if (auto u = o.value({"-u", "--user"}, true)) hint.user = resolve(s, *u);
      if (auto p = o.value({"-p", "--password"}, true)) {
        hint.password = resolve(s, *p);
        if (!hint.password) return false;
      }
      break;
    case ImageFamily::kafka:
      if (!bootstrap(s, o, hint)) remote = true;
      break;
    case ImageFamily::mqtt:
      host_port_option(s, o, {"-h", "--host"}, {"-p", "--port"}, hint, &remote);
      if (auto u = o.value({"-u", "--username"})) hint.user = resolve(s, *u);
      if (auto p = o.value({"-P", "--pw"})) {
        hint.password = resolve(s, *p);
        if (!hint.password) return false;
      }
      break;
    case ImageFamily::zookeeper:
      if (auto server = o.value({"-server"})) {
        auto resolved = resolve(s, *server);
        if (resolved) {
          size_t colon = resolved->rfind(':');
          if (!local_host(s, resolved->substr(0, colon))) remote = true;
          if (colon != std::string::npos) hint.port = to_port(resolved->substr(colon + 1));
        }
      }
      break;
    case ImageFamily::clickhouse:
      host_port_option(s, o, {"-h", "--host"}, {}, hint, &remote);  // --port is the native port
      if (auto u = o.value({"-u", "--user"})) hint.user = resolve(s, *u);
      if (auto p = o.value({"--password"})) {
        hint.password = resolve(s, *p);
        if (!hint.password) return false;
      }
      break;
    default:
      break;
  }
  if (remote) return false;
  hint.scheme = std::string(traits(hint.family)->scheme);
  return true;
}

bool stackgate_check(const Service& s, const Words& w, HealthcheckHint& hint) {
  for (size_t i = 1; i + 1 < w.size(); ++i) {
    if (w[i] != "check") continue;
    for (size_t j = i + 1; j < w.size(); ++j) {
      if (w[j].starts_with('-')) continue;
      auto url = resolve(s, w[j]);
      if (!url || url->find("://") == std::string::npos) return false;
      // Replace a local host by the service's name, keeping the rest.
      size_t start = url->find("://") + 3;
      size_t end = url->find_first_of("/?", start);
      std::string authority = url->substr(start, end == std::string::npos ? std::string::npos : end - start);
      size_t at = authority.rfind('@');
      std::string hostport = at == std::string::npos ? authority : authority.substr(at + 1);
      std::string host = hostport.starts_with('[') ? hostport.substr(1, hostport.find(']') - 1)
                                                    : hostport.substr(0, hostport.rfind(':'));
      if (hostport.find(':') == std::string::npos) host = hostport;
      if (!local_host(s, host)) return false;
      std::string rest = hostport.substr(hostport.starts_with('[') ? hostport.find(']') + 1 : host.size());
      hint.url = url->substr(0, start) + (at == std::string::npos ? "" : authority.substr(0, at + 1)) + s.name + rest +
                 (end == std::string::npos ? "" : url->substr(end));
      hint.scheme = util::to_lower(url->substr(0, start - 3));
      return true;
    }
  }
  return false;
}

bool understand(const Service& s, const Segment& seg, HealthcheckHint& hint) {
  const Words& w = seg.words;
  std::string program(basename(w[0]));
  hint.program = program;
  if (program == "sh" || program == "bash" || program == "ash" || program == "dash") {
    for (size_t i = 1; i + 1 < w.size(); ++i) {
      if (w[i].starts_with('-') && w[i].find('c') != std::string::npos) {
        for (const Segment& inner : split_segments(w[i + 1])) {
          if (understand(s, inner, hint)) return true;
        }
        return false;
      }
    }
    return false;
  }
  if (program == "curl") return curl(s, w, hint);
  if (program == "wget") return wget(s, w, hint);
  if (program == "nc" || program == "netcat" || program == "ncat") return netcat(s, seg, hint);
  if (program == "stackgate") return stackgate_check(s, w, hint);
  return family_tool(s, seg, hint);
}

}  // namespace

std::optional<HealthcheckHint> healthcheck_hint(const Service& service) {
  if (!service.healthcheck || service.healthcheck->disabled || service.healthcheck->test.size() < 2) {
    return std::nullopt;
  }
  const std::vector<std::string>& test = service.healthcheck->test;
  std::vector<Segment> segments;
  if (test[0] == "CMD-SHELL") {
    segments = split_segments(test[1]);
  } else if (test[0] == "CMD") {
    segments.push_back(Segment{Words(test.begin() + 1, test.end()), false, {}});
  }
  for (const Segment& seg : segments) {
    HealthcheckHint hint;
    if (understand(service, seg, hint)) return hint;
  }
  return std::nullopt;
}

}  // namespace stackgate::compose
