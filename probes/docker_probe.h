// The Docker Engine probe: reads container state over the Engine API on its
// unix socket (the Engine API client is docker_engine.h; no library).
//
//   docker://SERVICE?project=NAME[&state=running|healthy|exited0][&socket=/path]
//
// finds the containers of a Compose service by Compose's labels
// (com.docker.compose.project=NAME, com.docker.compose.service=SERVICE),
// leaving out one-off containers (`compose run`, com.docker.compose.oneoff=True),
// and requires every one of them (a service may have several replicas) to be
//
//   running  (default) running and not restarting; only the container list
//            is read (one request), so a HEALTHCHECK stays cheap
//   healthy  running with Health.Status "healthy"; starting and unhealthy are
//            not_yet with the last health check's output; a container without
//            a healthcheck is fatal, as in Compose's service_healthy
//   exited0  exited with code 0 (a one-shot job, Compose's
//            service_completed_successfully); a non-zero exit code is fatal
//
// No container yet, created, restarting, paused and exited (for running and
// healthy) are not_yet. The socket is `socket=`, else DOCKER_HOST (unix://
// only), else /var/run/docker.sock. A missing socket and permission denied on
// it are fatal; connection refused is a cheap not_yet. Engine API errors
// carry the engine's message: 4xx fatal, 5xx not_yet. Container names and
// health check output are sanitised before they reach a reason.
//
// project= falls back to COMPOSE_PROJECT_NAME; without either the URL is a
// config error.
#pragma once

#include <chrono>
#include <expected>
#include <memory>
#include <string>

#include "probes/probe.h"

namespace stackgate::probes {

/// The path of the Docker Engine's unix socket from the environment:
/// DOCKER_HOST=unix:///path gives /path, an unset or empty DOCKER_HOST
/// /var/run/docker.sock. Any other DOCKER_HOST (tcp://, ssh://, npipe://) is
/// an error naming it: only the unix socket is supported. Reads the
/// environment only; does not touch the socket.
std::expected<std::string, std::string> docker_socket_path();

/// True when a Docker Engine answers GET /_ping with 200 "OK" on
/// docker_socket_path() within `timeout`. Never throws; false on any error
/// (no socket, no permission, DOCKER_HOST not unix://). Meant for deciding
/// whether docker:// probes can be used at all.
bool docker_engine_available(std::chrono::milliseconds timeout);

/// Builds a docker:// probe. Errors (missing project, unknown state, unknown
/// option, DOCKER_HOST not unix://) are one line naming the URL.
std::expected<std::unique_ptr<Probe>, std::string> make_docker_probe(const ProbeSpec& spec);

}  // namespace stackgate::probes
