#include "gate/tasks.h"

#include "gate/cli.h"
#include "probes/factory.h"

namespace stackgate::gate {

ProbeOptions resolve_options(const spec::ProbeSpec& spec, const spec::ProbeSettings& from_compose,
                             const TaskDefaults& defaults) {
  spec::ProbeSettings settings = spec::overlay(spec, from_compose);
  ProbeOptions options;
  options.timeout = settings.timeout.value_or(spec.url.scheme == "kafka" ? k_default_kafka_attempt_timeout
                                                                         : k_default_attempt_timeout);
  options.interval = settings.interval;
  options.max_latency = settings.max_latency;
  options.window = defaults.force_window ? defaults.window : settings.window.over(defaults.window);
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
      ServiceTasks tasks{name, {}};
      for (const PlannedProbe& pp : planned.probes) {
        std::string prefix = "service \"" + name + "\": ";
        auto spec = pp.parsed ? spec::probe_spec_from(*pp.parsed)
                              : std::expected<spec::ProbeSpec, std::string>(std::unexpect, pp.parse_error);
        if (!spec) {
          errors.push_back({pp.where, prefix + spec.error()});
          continue;
        }
        ProbeOptions options = resolve_options(*spec, pp.settings, defaults);
        // The probe sees the merged settings too (the Kafka probe's group
        // window is its stable_for), as if all had been written in its URL.
        static_cast<spec::ProbeSettings&>(*spec) = spec::overlay(*spec, pp.settings);
        auto probe = probes::make_probe(*spec);
        if (!probe) {
          errors.push_back({pp.where, prefix + probe.error()});
          continue;
        }
        ProbeTask task;
        task.probe = std::shared_ptr<probes::Probe>(std::move(*probe));
        task.type = spec->url.scheme;
        task.target = spec->url.redacted();
        task.options = options;
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
