#include "compose/connection_refs.h"

#include <algorithm>
#include <charconv>
#include <map>

#include "util/strings.h"

namespace stackgate::compose {

namespace {

std::optional<int> parse_port(std::string_view text) {
  int port = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), port);
  if (text.empty() || ec != std::errc() || ptr != text.data() + text.size() || port <= 0 || port > 65535) {
    return std::nullopt;
  }
  return port;
}

int hex(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

std::string percent_decode(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && hex(s[i + 1]) >= 0 && hex(s[i + 2]) >= 0) {
      out += static_cast<char>(hex(s[i + 1]) * 16 + hex(s[i + 2]));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

bool is_host_name(std::string_view host) {
  if (host.empty() || host.size() > 253) return false;
  return std::all_of(host.begin(), host.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.' || c == '_';
  });
}

// "host:port", "[::1]:5432" or "host" -> host, port.
bool split_host_port(std::string_view text, std::string& host, std::optional<int>& port) {
  if (text.starts_with('[')) {
    size_t close = text.find(']');
    if (close == std::string_view::npos) return false;
    host = std::string(text.substr(1, close - 1));
    std::string_view rest = text.substr(close + 1);
    if (rest.starts_with(':')) port = parse_port(rest.substr(1));
    return true;
  }
  size_t colon = text.rfind(':');
  if (colon != std::string_view::npos) {
    auto p = parse_port(text.substr(colon + 1));
    if (!p) return false;
    port = p;
    text = text.substr(0, colon);
  }
  if (!is_host_name(text)) return false;
  host = util::to_lower(text);
  return true;
}

std::vector<std::string> name_words(std::string_view name) {
  std::vector<std::string> out;
  std::string word;
  for (char c : name) {
    if (c == '_' || c == '.' || c == '-') {
      if (!word.empty()) out.push_back(word);
      word.clear();
    } else {
      word += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    }
  }
  if (!word.empty()) out.push_back(word);
  return out;
}

// The family a variable's name speaks of: "REDIS_HOST" -> redis,
// "KAFKA_BOOTSTRAP_SERVERS" -> kafka. Generic words (BROKER, BOOTSTRAP)
// count only when no specific one does ("MQTT_BROKER" is MQTT).
ImageFamily variable_family(std::string_view name) {
  static constexpr std::string_view k_generic[] = {"BROKER", "BROKERS", "BOOTSTRAP"};
  std::vector<std::string> words = name_words(name);
  // One walk of the table for both kinds of word (this runs for every
  // variable of every service): [0] specific words, [1] generic ones.
  ImageFamily found[2] = {ImageFamily::unknown, ImageFamily::unknown};
  bool ambiguous[2] = {false, false};
  for (const FamilyTraits& t : family_table()) {
    for (std::string_view w : t.variable_words) {
      if (std::find(words.begin(), words.end(), w) == words.end()) continue;
      size_t generic = std::find(std::begin(k_generic), std::end(k_generic), w) != std::end(k_generic) ? 1 : 0;
      if (found[generic] != ImageFamily::unknown && found[generic] != t.family) {
        ambiguous[generic] = true;
      } else {
        found[generic] = t.family;
      }
    }
  }
  if (ambiguous[0]) return ImageFamily::unknown;
  if (found[0] != ImageFamily::unknown) return found[0];
  return ambiguous[1] ? ImageFamily::unknown : found[1];
}

bool ends_with_any(std::string_view name, std::initializer_list<std::string_view> suffixes, std::string_view* prefix) {
  for (std::string_view s : suffixes) {
    if (name.size() > s.size() && name.ends_with(s)) {
      *prefix = name.substr(0, name.size() - s.size());
      return true;
    }
  }
  return false;
}

const std::string* lookup(const Service& s, const std::string& name) {
  auto it = s.environment.find(name);
  return it == s.environment.end() || it->second.empty() ? nullptr : &it->second;
}

// One URL: scheme://[user[:password]@]host[:port][,host[:port]...][/path][?query].
void parse_url_value(std::string_view text, const std::string& variable, ImageFamily name_family,
                     std::vector<ConnectionRef>& out) {
  size_t sep = text.find("://");
  std::string scheme = util::to_lower(text.substr(0, sep));
  if (scheme.starts_with("jdbc:")) scheme = scheme.substr(5);
  std::string_view rest = text.substr(sep + 3);
  size_t end = rest.find_first_of("/?#");
  std::string_view authority = rest.substr(0, end);
  std::string path = end == std::string_view::npos ? "" : std::string(rest.substr(end));
  ConnectionRef base;
  base.scheme = scheme;
  base.variable = variable;
  base.family = scheme_family(scheme);
  base.family_from_scheme = base.family != ImageFamily::unknown;
  if (!base.family_from_scheme) {
    // A variable's name speaks for a URL only where the family talks that
    // protocol: ClickHouse and Elasticsearch over HTTP, anything over tcp://.
    // KAFKA_SCHEMA_REGISTRY_URL=http://... names a registry, not a broker.
    bool http = scheme == "http" || scheme == "https";
    bool http_family = name_family == ImageFamily::clickhouse || name_family == ImageFamily::elasticsearch;
    base.family = (scheme == "tcp" || (http && http_family)) ? name_family : ImageFamily::unknown;
  }
  if (size_t at = authority.rfind('@'); at != std::string_view::npos) {
    std::string_view userinfo = authority.substr(0, at);
    authority = authority.substr(at + 1);
    size_t colon = userinfo.find(':');
    std::string user = percent_decode(userinfo.substr(0, colon));
    if (!user.empty()) base.user = user;
    if (colon != std::string_view::npos) base.password = percent_decode(userinfo.substr(colon + 1));
  }
  base.path = path;
  std::string_view db = path;
  if (db.starts_with('/')) db.remove_prefix(1);
  db = db.substr(0, db.find_first_of("/?#"));
  if (!db.empty()) base.database = percent_decode(db);
  // JDBC and libpq-style query credentials: ?user=app&password=...
  if (size_t q = path.find('?'); q != std::string::npos) {
    for (const std::string& kv : util::split(std::string_view(path).substr(q + 1), '&')) {
      size_t eq = kv.find('=');
      if (eq == std::string::npos) continue;
      std::string key = util::to_lower(kv.substr(0, eq));
      std::string value = percent_decode(kv.substr(eq + 1));
      if ((key == "user" || key == "username") && !base.user) base.user = value;
      if (key == "password" && !base.password) base.password = value;
    }
  }
  for (const std::string& item : util::split(authority, ',')) {
    ConnectionRef ref = base;
    if (split_host_port(util::trim(item), ref.host, ref.port) && !ref.host.empty()) out.push_back(std::move(ref));
  }
}

// libpq's keyword form: "host=db port=5432 user=app password=x dbname=app".
bool parse_conninfo(std::string_view text, ConnectionRef& ref) {
  if (text.find("host=") == std::string_view::npos) return false;
  std::map<std::string, std::string> kv;
  size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && std::isspace(static_cast<unsigned char>(text[i]))) ++i;
    size_t eq = text.find('=', i);
    if (eq == std::string_view::npos) break;
    std::string key = util::to_lower(util::trim(text.substr(i, eq - i)));
    i = eq + 1;
    while (i < text.size() && text[i] == ' ') ++i;
    std::string value;
    if (i < text.size() && text[i] == '\'') {
      for (++i; i < text.size() && text[i] != '\''; ++i) {
        if (text[i] == '\\' && i + 1 < text.size()) ++i;
        value += text[i];
      }
      ++i;
    } else {
      while (i < text.size() && !std::isspace(static_cast<unsigned char>(text[i]))) value += text[i++];
    }
    if (key.empty() || key.find(' ') != std::string::npos) return false;
    kv[key] = value;
  }
  if (!kv.contains("host") || !(kv.contains("dbname") || kv.contains("user") || kv.contains("port"))) return false;
  if (!split_host_port(kv["host"], ref.host, ref.port)) return false;
  if (kv.contains("port")) ref.port = parse_port(kv["port"]);
  if (kv.contains("user")) ref.user = kv["user"];
  if (kv.contains("password")) ref.password = kv["password"];
  if (kv.contains("dbname")) ref.database = kv["dbname"];
  ref.family = ImageFamily::postgres;
  ref.family_from_scheme = true;
  ref.scheme = "postgres";
  return true;
}

// Go's MySQL driver: "user:pass@tcp(db:3306)/name?parseTime=true".
bool parse_go_mysql(std::string_view text, ConnectionRef& ref) {
  size_t tcp = text.find("@tcp(");
  if (tcp == std::string_view::npos) return false;
  size_t close = text.find(')', tcp);
  if (close == std::string_view::npos) return false;
  std::string_view userinfo = text.substr(0, tcp);
  size_t colon = userinfo.find(':');
  ref.user = std::string(userinfo.substr(0, colon));
  if (colon != std::string_view::npos) ref.password = std::string(userinfo.substr(colon + 1));
  if (!split_host_port(text.substr(tcp + 5, close - tcp - 5), ref.host, ref.port)) return false;
  std::string_view rest = text.substr(close + 1);
  if (rest.starts_with('/')) {
    std::string_view db = rest.substr(1, rest.find('?') == std::string_view::npos ? std::string_view::npos : rest.find('?') - 1);
    if (!db.empty()) ref.database = std::string(db);
  }
  ref.family = ImageFamily::mysql;
  ref.family_from_scheme = true;
  ref.scheme = "mysql";
  return true;
}

}  // namespace

bool is_local_host(std::string_view host) {
  std::string h = util::to_lower(host);
  return h == "localhost" || h == "127.0.0.1" || h == "::1" || h == "0.0.0.0" || h == "::" ||
         h == "host.docker.internal" || h.empty();
}

bool names_service(const Service& s, std::string_view host) {
  std::string h = util::to_lower(host);
  auto same = [&](const std::string& name) { return !name.empty() && util::to_lower(name) == h; };
  if (same(s.name) || same(s.hostname) || same(s.container_name)) return true;
  return std::any_of(s.network_aliases.begin(), s.network_aliases.end(), same);
}

std::vector<ConnectionRef> connection_refs(const Service& service) {
  std::vector<ConnectionRef> out;
  for (const auto& [name, raw] : service.environment) {
    std::string_view value = util::trim(raw);
    if (value.empty() || value.size() > 4096) continue;
    ImageFamily name_family = variable_family(name);
    size_t before = out.size();
    ConnectionRef keyword;
    keyword.variable = name;
    if (value.find("://") == std::string_view::npos &&
        (parse_conninfo(value, keyword) || parse_go_mysql(value, keyword))) {
      out.push_back(std::move(keyword));
    } else if (value.find("://") != std::string_view::npos) {
      // One URL, or a list of them ("PLAINTEXT://kafka:9092,SSL://kafka:9093";
      // "redis://a:6379,redis://b:6379"); a list of hosts after one scheme is
      // handled inside parse_url_value.
      std::vector<std::string> items = util::split(value, ',');
      bool each_has_scheme = items.size() > 1 && std::all_of(items.begin(), items.end(), [](const std::string& i) {
                               return i.find("://") != std::string::npos;
                             });
      if (each_has_scheme) {
        for (const std::string& item : items) parse_url_value(util::trim(item), name, name_family, out);
      } else {
        parse_url_value(value, name, name_family, out);
      }
    } else {
      // host:port lists ("kafka:9092,kafka2:9092", "zookeeper:2181/chroot"),
      // or a bare host in a *_HOST-like variable.
      std::string_view prefix;
      bool host_variable = ends_with_any(name, {"_HOST", "_HOSTNAME", "_SERVER", "_SERVERS", "_ADDR", "_ADDRESS",
                                                "_HOSTS", "_NODES", "_BROKERS", "_BOOTSTRAP_SERVERS", "_CONNECT",
                                                "_URL", "_URI", "_DSN", "_ENDPOINT", "_ENDPOINTS"},
                                         &prefix) ||
                           name == "PGHOST";
      std::vector<std::string> items = util::split(value, ',');
      for (const std::string& item : items) {
        std::string_view text = util::trim(item);
        text = text.substr(0, text.find('/'));  // zookeeper chroot
        ConnectionRef ref;
        ref.variable = name;
        ref.family = name_family;
        if (!split_host_port(text, ref.host, ref.port)) continue;
        if (!ref.port && !host_variable) continue;
        // "10:30" is a time, not host 10: a host needs a letter or a dotted quad.
        bool numeric = ref.host.find_first_not_of("0123456789.") == std::string::npos;
        if (numeric && std::count(ref.host.begin(), ref.host.end(), '.') != 3) continue;
        out.push_back(std::move(ref));
      }
      // A PREFIX_HOST group: PREFIX_PORT, PREFIX_USER, PREFIX_PASSWORD, PREFIX_DB.
      if (out.size() == before + 1 && (ends_with_any(name, {"_HOST", "_HOSTNAME", "_SERVER", "_ADDR"}, &prefix) ||
                                       name == "PGHOST")) {
        std::string p = name == "PGHOST" ? "PG" : std::string(prefix) + "_";
        ConnectionRef& ref = out.back();
        if (ref.family == ImageFamily::unknown && name == "PGHOST") ref.family = ImageFamily::postgres;
        auto first = [&](std::initializer_list<std::string_view> suffixes) -> std::pair<std::string, const std::string*> {
          for (std::string_view s : suffixes) {
            std::string var = p + std::string(s);
            if (const std::string* v = lookup(service, var)) return {var, v};
          }
          return {"", nullptr};
        };
        if (!ref.port) {
          if (auto [var, v] = first({"PORT"}); v) ref.port = parse_port(util::trim(*v));
        }
        if (auto [var, v] = first({"USER", "USERNAME"}); v) ref.user = *v;
        if (auto [var, v] = first({"PASSWORD", "PASS", "PASSWD"}); v) {
          ref.password = *v;
          ref.password_variable = var;
        }
        if (auto [var, v] = first({"DB", "NAME", "DATABASE", "DBNAME", "DB_NAME"}); v) ref.database = *v;
      }
    }
    for (size_t i = before; i < out.size(); ++i) {
      if (auto w = service.environment_where.find(name); w != service.environment_where.end()) out[i].where = w->second;
    }
  }
  return out;
}

}  // namespace stackgate::compose
