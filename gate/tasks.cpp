#include "gate/tasks.h"

#include "gate/cli.h"
#include "probes/factory.h"
#include "util/duration.h"

namespace stackgate::gate {

std::expected<ProbeOptions, std::string> resolve_options(const probes::ProbeSpec& spec,
                                                         const compose::StackgateExtension& extension,
                                                         const TaskDefaults& defaults) {
  ProbeOptions options;
  options.timeout = spec.url.scheme == "kafka" ? k_default_kafka_attempt_timeout : k_default_attempt_timeout;
  if (extension.timeout) {
    auto d = util::parse_duration(*extension.timeout);
    if (!d) return std::unexpected("invalid x-stackgate timeout '" + *extension.timeout + "': " + d.error());
    options.timeout = *d;
  }
  if (spec.timeout) options.timeout = *spec.timeout;
  options.interval = spec.interval;

  options.window = defaults.window;
  if (!defaults.force_window) {
    if (extension.window) {
      auto w = parse_window(*extension.window);
      if (!w) return std::unexpected("invalid x-stackgate window '" + *extension.window + "': " + w.error());
      options.window = *w;
    }
    if (spec.window) options.window = *spec.window;
  }
  return options;
}

std::expected<std::vector<LevelTasks>, util::ConfigErrors> build_tasks(const Plan& plan,
                                                                       const compose::Project& project,
                                                                       const TaskDefaults& defaults) {
  std::vector<LevelTasks> levels;
  util::ConfigErrors errors;
  for (const auto& names : plan.levels) {
    LevelTasks level;
    for (const std::string& name : names) {
      const PlannedService& planned = plan.services.at(name);
      const compose::Service& service = project.services.at(name);
      ServiceTasks tasks{name, {}};
      for (const PlannedProbe& pp : planned.probes) {
        std::string prefix = "service \"" + name + "\": ";
        auto spec = probes::parse_probe_spec(pp.url);
        if (!spec) {
          errors.push_back({pp.where, prefix + spec.error()});
          continue;
        }
        auto options = resolve_options(*spec, service.stackgate, defaults);
        if (!options) {
          errors.push_back({service.stackgate.where.file.empty() ? pp.where : service.stackgate.where,
                            prefix + options.error()});
          continue;
        }
        auto probe = probes::make_probe(*spec);
        if (!probe) {
          errors.push_back({pp.where, prefix + probe.error()});
          continue;
        }
        ProbeTask task;
        task.probe = std::shared_ptr<probes::Probe>(std::move(*probe));
        task.type = spec->url.scheme;
        task.target = spec->url.redacted();
        task.options = *options;
        tasks.probes.push_back(std::move(task));
      }
      level.push_back(std::move(tasks));
    }
    levels.push_back(std::move(level));
  }
  if (!errors.empty()) return std::unexpected(std::move(errors));
  return levels;
}

}  // namespace stackgate::gate
