// One merged service tree -> compose::Service.
//
// The tree is final: interpolated, included, extended, merged, tags
// stripped, relative paths (env_file, build context) already resolved.
// Reads env_file files from disk; nothing else touches the filesystem.
#pragma once

#include <map>
#include <string>

#include "compose/model.h"
#include "compose/node.h"
#include "compose/node_values.h"

namespace stackgate::compose {

/// `variables` is the project environment (OS environment over .env): it
/// interpolates env_file contents and fills bare `environment` keys.
Service build_service(const MapEntry& entry, const std::map<std::string, std::string>& variables, Diagnostics& diag);

/// Parts of build_service, in their own files.
void read_environment(const Node& service, const std::string& path, const std::map<std::string, std::string>& variables,
                      Service& out, Diagnostics& diag);
void read_stackgate(const Node& service, const std::string& path, Service& out, Diagnostics& diag);
void read_depends_on(const Node& service, const std::string& path, Service& out, Diagnostics& diag);

}  // namespace stackgate::compose
