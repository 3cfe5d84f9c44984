// Which server a service runs, decided from evidence, each piece weighed:
//   image repository (exact table entry 100, a family word in the name 80),
//   the Dockerfile's final FROM (90) or an image in build.args (70),
//   the server's own program in command/entrypoint (85),
//   a dependent's connection string naming the service (scheme 75,
//   variable name 45), environment variables only a server sets (60),
//   variables servers and clients share (25), its healthcheck running the
//   family's tool against itself (50), and a container port equal to the
//   family's client port (20).
// The family with the strongest single signal wins (sum on ties); it needs
// a signal of at least 45, or two signals adding up to 45. Environment and
// port signals are void when the service is evidently a client: its own
// connection strings point at another host of that family, it depends on a
// service of that family, or its image is a tool around the server
// (exporter, admin UI...) or a language runtime.
#pragma once

#include <string>
#include <vector>

#include "compose/connection_refs.h"
#include "compose/image_family.h"
#include "compose/model.h"

namespace stackgate::compose {

struct FamilyDecision {
  ImageFamily family = ImageFamily::unknown;
  std::vector<std::string> evidence;  // the signals for `family`, strongest first ("FROM postgres:16 in ./db/Dockerfile:1")
  // The service runs a client tool of some family (psql, kafka-topics...)
  // and no server: a job or a helper, never probed as a server.
  bool runs_client = false;
  std::string client_program;
};

// A connection string in `owner`'s environment that names another service.
struct NamedRef {
  std::string owner;
  bool direct = false;  // `owner` depends on the service it names
  ConnectionRef ref;
};

/// `refs_naming` are the connection strings of other services that name
/// `service` (see InferIndex); the overload without it scans the project.
FamilyDecision decide_family(const Project& project, const Service& service, const std::vector<NamedRef>& refs_naming);
FamilyDecision decide_family(const Project& project, const Service& service);
/// With `own_refs` = connection_refs(service), already computed (InferIndex
/// keeps them: reading every environment twice was a good part of planning
/// a large project).
FamilyDecision decide_family(const Project& project, const Service& service, const std::vector<NamedRef>& refs_naming,
                             const std::vector<ConnectionRef>& own_refs);

/// The image of the final stage of `service`'s build (Dockerfile FROM after
/// ARG and build.args substitution), with "FROM x in file:line"; nullopt
/// when there is no local build or the file cannot be read.
struct BuildBase {
  std::string image;
  std::string where;  // "./db/Dockerfile:3"
};
std::optional<BuildBase> build_base_image(const Project& project, const Service& service);

/// The words of the service's command line: entrypoint then command, a
/// `sh -c "..."` string split again.
std::vector<std::string> command_words(const Service& service);

}  // namespace stackgate::compose
