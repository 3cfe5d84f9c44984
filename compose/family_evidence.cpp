#include "compose/family_evidence.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string_view>
#include <unordered_map>

#include "compose/connection_refs.h"
#include "compose/healthcheck_hint.h"
#include "compose/shell_words.h"
#include "util/strings.h"

namespace stackgate::compose {

namespace fs = std::filesystem;

namespace {

struct Signal {
  ImageFamily family;
  int weight;
  std::string text;
};


std::string env_where(const Service& s, const std::string& name) {
  auto w = s.environment_where.find(name);
  std::string at = w == s.environment_where.end() ? "" : util::format_location(w->second);
  return at.empty() ? "" : " (" + at + ")";
}

std::string_view basename(std::string_view path) {
  size_t slash = path.rfind('/');
  return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

// Language runtimes and general-purpose images: whatever their environment
// says, they are the application, not one of the servers in the table.
bool generic_image(const std::string& image) {
  static constexpr std::string_view k_generic[] = {
      "node",    "python", "golang",   "ruby",    "php",     "openjdk", "eclipse-temurin", "amazoncorretto",
      "nginx",   "httpd",  "caddy",    "traefik", "busybox", "alpine",  "debian",          "ubuntu",
      "centos",  "fedora", "curl",     "bash",    "denoland/deno", "oven/bun", "mcr.microsoft.com/dotnet/aspnet",
      "dotnet/aspnet", "dotnet/runtime", "tomcat", "jetty",  "perl",    "rust",    "elixir", "erlang", "haproxy",
      "envoyproxy/envoy", "kong", "minio/minio", "minio/mc", "adminer", "dpage/pgadmin4", "phpmyadmin",
      "grafana/grafana", "prom/prometheus", "jaegertracing/all-in-one", "otel/opentelemetry-collector-contrib"};
  std::string repository = image_repository(image);
  if (repository.empty()) return false;
  std::string_view unprefixed = std::string_view(repository).starts_with("library/")
                                    ? std::string_view(repository).substr(8)
                                    : std::string_view();
  for (std::string_view g : k_generic) {
    if (repository == g || unprefixed == g) return true;
  }
  return false;
}

// `family` is image_family(image), which the caller has already.
bool tool_image(const std::string& image, ImageFamily family) {
  // A family word next to a tool word ("postgres-exporter", "kafka-ui").
  std::string repository = image_repository(image);
  if (repository.empty() || family != ImageFamily::unknown) return false;
  std::string last(basename(repository));
  for (const FamilyTraits& t : family_table()) {
    for (std::string_view w : t.words) {
      if (last.find(w) != std::string::npos) return true;
    }
  }
  return false;
}

// The programs a command line starts: the first word of every shell
// segment (after sh -c, exec, gosu/su-exec USER, env VAR=...).
std::vector<std::string> programs(const Service& service) {
  std::vector<std::string> out;
  std::vector<std::string> argv = service.entrypoint;
  argv.insert(argv.end(), service.command.begin(), service.command.end());
  std::vector<std::vector<std::string>> lines;
  if (!argv.empty()) lines.push_back(argv);
  for (size_t n = 0; n < lines.size() && n < 8; ++n) {
    std::vector<std::string> words = lines[n];
    // Split at shell operators that split_shell_words leaves as words.
    std::vector<std::vector<std::string>> segments(1);
    for (const std::string& w : words) {
      if (w == "&&" || w == "||" || w == ";" || w == "|" || w == "&") {
        segments.emplace_back();
      } else if (w.size() > 1 && w.back() == ';') {
        segments.back().push_back(w.substr(0, w.size() - 1));
        segments.emplace_back();
      } else {
        segments.back().push_back(w);
      }
    }
    for (const std::vector<std::string>& seg : segments) {
      size_t i = 0;
      while (i < seg.size()) {
        std::string_view name = basename(seg[i]);
        if (name == "exec" || name == "nohup" || name == "tini" || name == "dumb-init" || name == "--") {
          ++i;
        } else if ((name == "gosu" || name == "su-exec" || name == "chroot") && i + 1 < seg.size()) {
          i += 2;
        } else if (name == "env" || seg[i].find('=') != std::string::npos) {
          ++i;
        } else {
          break;
        }
      }
      if (i >= seg.size()) continue;
      std::string_view name = basename(seg[i]);
      if ((name == "sh" || name == "bash" || name == "ash" || name == "dash") ) {
        for (size_t j = i + 1; j + 1 < seg.size(); ++j) {
          if (seg[j].starts_with('-') && seg[j].find('c') != std::string::npos) {
            if (auto inner = split_shell_words(seg[j + 1])) lines.push_back(*inner);
            break;
          }
        }
        continue;
      }
      out.emplace_back(name);
    }
  }
  return out;
}

// --- Dockerfile ----------------------------------------------------------------

std::string substitute(std::string_view text, const std::map<std::string, std::string>& vars) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '$' || i + 1 >= text.size()) {
      out += text[i];
      continue;
    }
    std::string name, fallback;
    bool braced = text[i + 1] == '{';
    size_t j = i + (braced ? 2 : 1);
    while (j < text.size() && (std::isalnum(static_cast<unsigned char>(text[j])) || text[j] == '_')) name += text[j++];
    if (braced) {
      size_t close = text.find('}', j);
      if (close == std::string_view::npos) return out + std::string(text.substr(i));
      std::string_view modifier = text.substr(j, close - j);
      if (modifier.starts_with(":-") || modifier.starts_with("-")) fallback = std::string(modifier.substr(modifier.find('-') + 1));
      j = close + 1;
    }
    auto it = vars.find(name);
    out += it != vars.end() && !it->second.empty() ? it->second : fallback;
    i = j - 1;
  }
  return out;
}

}  // namespace

std::vector<std::string> command_words(const Service& service) {
  std::vector<std::string> out;
  for (const std::vector<std::string>* argv : {&service.entrypoint, &service.command}) {
    for (const std::string& arg : *argv) {
      auto words = split_shell_words(arg);
      if (words && words->size() > 1) {
        out.insert(out.end(), words->begin(), words->end());
      } else {
        out.push_back(arg);
      }
    }
  }
  return out;
}

std::optional<BuildBase> build_base_image(const Project& project, const Service& service) {
  if (!service.build_context) return std::nullopt;
  std::string text;
  std::string shown;
  if (service.build_dockerfile_inline) {
    text = *service.build_dockerfile_inline;
    shown = "build.dockerfile_inline";
  } else {
    const std::string& context = *service.build_context;
    if (context.find("://") != std::string::npos || context.starts_with("git@")) return std::nullopt;
    fs::path file = service.build_dockerfile.empty() ? fs::path("Dockerfile") : fs::path(service.build_dockerfile);
    if (!file.is_absolute()) file = fs::path(context) / file;
    std::error_code ec;
    if (!fs::is_regular_file(file, ec) || fs::file_size(file, ec) > (1 << 20)) return std::nullopt;
    std::ifstream in(file);
    if (!in) return std::nullopt;
    std::stringstream buffer;
    buffer << in.rdbuf();
    text = buffer.str();
    fs::path relative = file.lexically_relative(project.working_dir);
    shown = !relative.empty() && !relative.string().starts_with("..") ? "./" + relative.string() : file.string();
  }
  std::map<std::string, std::string> globals;  // ARGs before the first FROM
  std::map<std::string, std::string> stages;   // stage name -> its base image
  std::optional<BuildBase> last;
  std::optional<BuildBase> target;
  std::istringstream lines(text);
  std::string line, logical;
  int number = 0, start = 0;
  bool seen_from = false;
  while (std::getline(lines, line)) {
    ++number;
    std::string_view t = util::trim(line);
    if (logical.empty()) {
      start = number;
      if (t.starts_with('#')) continue;
    }
    if (t.ends_with('\\')) {
      logical += std::string(t.substr(0, t.size() - 1)) + " ";
      continue;
    }
    logical += std::string(t);
    std::string instruction = logical;
    logical.clear();
    auto words = split_shell_words(instruction);
    if (!words || words->empty()) continue;
    std::string keyword = util::to_lower((*words)[0]);
    if (keyword == "arg" && !seen_from) {
      for (size_t i = 1; i < words->size(); ++i) {
        const std::string& w = (*words)[i];
        size_t eq = w.find('=');
        std::string name = w.substr(0, eq);
        globals[name] = eq == std::string::npos ? "" : w.substr(eq + 1);
      }
      continue;
    }
    if (keyword != "from") continue;
    seen_from = true;
    std::map<std::string, std::string> vars = globals;
    for (const auto& [k, v] : service.build_args) vars[k] = v;
    std::string image, alias;
    for (size_t i = 1; i < words->size(); ++i) {
      const std::string& w = (*words)[i];
      if (w.starts_with("--")) continue;
      if (image.empty()) {
        image = substitute(w, vars);
      } else if (util::to_lower(w) == "as" && i + 1 < words->size()) {
        alias = (*words)[i + 1];
        break;
      }
    }
    if (image.empty()) continue;
    if (auto it = stages.find(image); it != stages.end()) image = it->second;  // FROM an earlier stage
    if (!alias.empty()) stages[alias] = image;
    BuildBase base{image, shown + ":" + std::to_string(start)};
    last = base;
    if (!service.build_target.empty() && alias == service.build_target) target = base;
  }
  return target ? target : last;
}

FamilyDecision decide_family(const Project& project, const Service& service, const std::vector<NamedRef>& refs_naming) {
  return decide_family(project, service, refs_naming, connection_refs(service));
}

FamilyDecision decide_family(const Project& project, const Service& service, const std::vector<NamedRef>& refs_naming,
                             const std::vector<ConnectionRef>& own_refs) {
  std::vector<Signal> signals;
  FamilyDecision decision;

  // The image, or the image the build starts from.
  ImageFamily own_image_family = image_family(service.image);
  if (ImageFamily f = own_image_family; f != ImageFamily::unknown) {
    bool exact = false;
    std::string repository = image_repository(service.image);
    for (std::string_view rule : traits(f)->images) {
      exact = exact || repository == rule || (rule.ends_with('*') && repository.starts_with(rule.substr(0, rule.size() - 1)));
    }
    signals.push_back({f, exact ? 100 : 80, "image " + service.image});
  }
  if (auto base = build_base_image(project, service)) {
    if (ImageFamily f = image_family(base->image); f != ImageFamily::unknown) {
      signals.push_back({f, 90, "FROM " + base->image + " in " + base->where});
    }
  }
  for (const auto& [name, value] : service.build_args) {
    if (value.find_first_of(" /:") == std::string::npos && value.find_first_of("0123456789") == 0) continue;
    if (ImageFamily f = image_family(value); f != ImageFamily::unknown && value.find(' ') == std::string::npos) {
      signals.push_back({f, 70, "build arg " + name + "=" + value});
    }
  }

  // The server program, or a client tool instead of one.
  bool runs_server = false;
  for (const std::string& program : programs(service)) {
    ProgramFamily pf = program_family(program);
    if (pf.family == ImageFamily::unknown) continue;
    if (pf.server) {
      runs_server = true;
      signals.push_back({pf.family, 85, "command runs " + program});
    } else if (decision.client_program.empty()) {
      decision.client_program = program;
    }
  }
  decision.runs_client = !runs_server && !decision.client_program.empty();

  // Evidence that the service is a client of a family voids that family's
  // environment and port signals.
  bool app_image = generic_image(service.image) || tool_image(service.image, own_image_family);
  std::vector<ImageFamily> client_of;
  for (const ConnectionRef& ref : own_refs) {
    if (ref.family != ImageFamily::unknown && !names_service(service, ref.host) && !is_local_host(ref.host)) {
      client_of.push_back(ref.family);
    }
  }
  // Once per distinct image: a service that inherits a long depends_on
  // through extends names hundreds of services of a few images.
  std::unordered_map<std::string_view, ImageFamily> dependency_families;
  for (const Dependency& d : service.depends_on) {
    auto it = project.services.find(d.service);
    if (it != project.services.end()) {
      auto [known, added] = dependency_families.try_emplace(it->second.image, ImageFamily::unknown);
      if (added) known->second = image_family(it->second.image);
      if (known->second != ImageFamily::unknown) client_of.push_back(known->second);
    }
  }
  auto voided = [&](ImageFamily f) {
    return app_image || std::find(client_of.begin(), client_of.end(), f) != client_of.end();
  };

  // The environment's variable `name`, without building a std::string for
  // every name of the table when the environment is small (the usual case).
  auto in_environment = [&](std::string_view name) -> const std::string* {
    if (service.environment.size() > 8) {
      auto it = service.environment.find(std::string(name));
      return it == service.environment.end() ? nullptr : &it->first;
    }
    for (const auto& [key, unused] : service.environment) {
      if (key == name) return &key;
    }
    return nullptr;
  };
  std::vector<int> ports = service.expose;
  for (const PortMapping& p : service.ports) ports.push_back(p.target);
  for (const FamilyTraits& t : family_table()) {
    if (voided(t.family)) continue;
    for (std::string_view name : t.server_env) {
      if (const std::string* key = in_environment(name)) {
        signals.push_back({t.family, 60, std::string(name) + " in environment" + env_where(service, *key)});
        break;
      }
    }
    for (std::string_view name : t.shared_env) {
      if (const std::string* key = in_environment(name)) {
        signals.push_back({t.family, 25, std::string(name) + " in environment" + env_where(service, *key)});
        break;
      }
    }
    if (std::find(ports.begin(), ports.end(), t.client_port) != ports.end()) {
      signals.push_back({t.family, 20, "container port " + std::to_string(t.client_port)});
    }
  }

  // Its own healthcheck.
  if (auto hint = healthcheck_hint(service); hint && hint->family != ImageFamily::unknown && !app_image) {
    signals.push_back({hint->family, 50, "healthcheck runs " + hint->program});
  }

  // Other services' connection strings naming it.
  for (const NamedRef& named : refs_naming) {
    const ConnectionRef& ref = named.ref;
    if (ref.family == ImageFamily::unknown) continue;
    signals.push_back({ref.family, ref.family_from_scheme ? 75 : 45,
                       ref.variable + " of service " + named.owner + " names it" +
                           (ref.family_from_scheme ? " (" + ref.scheme + "://)" : "")});
  }

  // Strongest single signal wins; the sum breaks ties.
  std::map<ImageFamily, std::pair<int, int>> score;  // family -> (max, sum)
  for (const Signal& s : signals) {
    auto& [max, sum] = score[s.family];
    max = std::max(max, s.weight);
    sum += s.weight;
  }
  ImageFamily best = ImageFamily::unknown;
  std::pair<int, int> best_score{0, 0};
  for (const auto& [family, sc] : score) {
    if (sc > best_score) {
      best = family;
      best_score = sc;
    }
  }
  if (best == ImageFamily::unknown || !(best_score.first >= 45 || best_score.second >= 45)) return decision;
  if (decision.runs_client) {
    // An image of the family whose command runs a client tool instead of
    // the server (`image: postgres`, `command: psql -h db -f seed.sql`).
    return decision;
  }
  decision.family = best;
  std::stable_sort(signals.begin(), signals.end(), [](const Signal& a, const Signal& b) { return a.weight > b.weight; });
  for (const Signal& s : signals) {
    if (s.family == best) decision.evidence.push_back(s.text);
  }
  return decision;
}

}  // namespace stackgate::compose

namespace stackgate::compose {

FamilyDecision decide_family(const Project& project, const Service& service) {
  std::vector<NamedRef> refs;
  for (const auto& [name, other] : project.services) {
    if (name == service.name) continue;
    bool direct = std::any_of(other.depends_on.begin(), other.depends_on.end(),
                              [&](const Dependency& d) { return d.service == service.name; });
    for (ConnectionRef& ref : connection_refs(other)) {
      if (names_service(service, ref.host)) refs.push_back(NamedRef{name, direct, std::move(ref)});
    }
  }
  return decide_family(project, service, refs);
}

}  // namespace stackgate::compose
