// The compose model after loading: plain data, no behaviour.
//
// Everything here is the *final* project, as Docker Compose would see it
// after interpolation, include, extends, multi-file merge, !reset/!override,
// profiles and the implicit dependencies of links / volumes_from /
// network_mode|ipc|pid|uts|cgroup: service:X.
#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "spec/probe_spec.h"
#include "util/diagnostics.h"

namespace stackgate::compose {

using util::SourceLocation;
using Millis = std::chrono::milliseconds;

enum class Condition { service_started, service_healthy, service_completed_successfully };

const char* to_string(Condition c);  // "service_started", ...

struct Dependency {
  std::string service;
  Condition condition = Condition::service_started;
  bool required = true;
  bool restart = false;
  bool implicit = false;  // derived from links / volumes_from / network_mode...
  std::string via;        // "depends_on", "links", "volumes_from", "network_mode", "ipc", "pid", "uts", "cgroup"
  SourceLocation where;   // of the entry naming the service
};

struct Healthcheck {
  std::vector<std::string> test;  // normalised: ["CMD-SHELL", "..."], ["CMD", ...] or ["NONE"]
  bool disabled = false;          // disable: true or test: ["NONE"]
  std::optional<Millis> interval, timeout, start_period, start_interval;
  std::optional<int> retries;
};

struct PortMapping {
  std::string host_ip;           // "" = all interfaces
  int published = 0;             // 0 = not published / ephemeral
  int published_end = 0;         // range end, 0 when not a range
  int target = 0;                // container port
  std::string protocol = "tcp";
  SourceLocation where;          // the entry in `ports:` (lint names it)
};

// The x-stackgate extension on a service (and stackgate.* labels).
struct StackgateExtension {
  bool present = false;
  bool skip = false;                        // x-stackgate: { skip: true } / stackgate.skip=true
  std::vector<std::string> probes;          // probe URLs, already interpolated
  std::vector<SourceLocation> probe_where;  // parallel to probes
  std::vector<std::string> probe_origin;    // parallel to probes: "x-stackgate" or "label"
  bool replace_inferred = true;             // probes given: they replace inferred ones unless `infer: true`
  // "Release me only when my group is stable": x-stackgate: {kafka: {groups: [...], stable_for: 10s}}
  std::vector<std::string> kafka_groups;
  std::optional<Millis> kafka_stable_for;
  std::optional<int> kafka_min_members;
  std::optional<std::string> kafka_bootstrap;  // override the inferred broker list
  // x-stackgate window / timeout / max_latency, parsed once: the service's
  // settings for every probe it has (a probe's URL and its own kind's keys
  // come first; see compose/infer.h).
  spec::ProbeSettings settings;
  SourceLocation where;
};

struct Service {
  std::string name;
  SourceLocation where;  // of the service's key
  std::string image;
  std::optional<std::string> build_context;  // resolved against the project directory; remote URLs as written
  std::string build_dockerfile;                  // build.dockerfile ("" = Dockerfile), relative to the context
  std::optional<std::string> build_dockerfile_inline;
  std::map<std::string, std::string> build_args;  // build.args (a bare KEY without a value is left out)
  std::string build_target;                       // build.target: the stage to build ("" = the last)
  std::vector<std::string> command;     // argv; a string command is split like a shell would (no expansion)
  std::vector<std::string> entrypoint;
  // Final container environment: env_file entries, then `environment`
  // (list or map) on top. A bare `KEY` takes the value from the loader's
  // environment or is absent.
  std::map<std::string, std::string> environment;
  std::map<std::string, SourceLocation> environment_where;  // where each environment value was written
  std::vector<int> expose;              // container ports (first of a range)
  std::vector<PortMapping> ports;
  std::vector<Dependency> depends_on;   // explicit and implicit, in declaration order
  std::vector<std::string> profiles;
  std::optional<Healthcheck> healthcheck;
  std::map<std::string, std::string> labels;
  std::vector<std::string> network_aliases;  // from networks.<net>.aliases
  std::string hostname;
  std::string container_name;
  std::optional<int> replicas;          // scale / deploy.replicas
  StackgateExtension stackgate;
};

using Warning = util::Diagnostic;  // of Severity::warning (util::warning())

struct Project {
  std::string name;                 // normalised project name
  std::string working_dir;          // project directory
  std::vector<std::string> files;   // the files loaded, in order (includes included files)
  std::vector<std::string> profiles;  // the active profiles ("*" = all)
  std::map<std::string, Service> services;           // enabled services
  std::map<std::string, Service> disabled_services;  // profiled out
  std::vector<Warning> warnings;    // unset variables, obsolete `version`...
};

}  // namespace stackgate::compose
