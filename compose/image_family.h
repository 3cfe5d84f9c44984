// Which server an image runs, from its repository name: the table that
// zero-config inference starts from. Adding an image is one line in
// image_family.cpp.
#pragma once

#include <string>
#include <string_view>

namespace stackgate::compose {

enum class ImageFamily { unknown, postgres, bitnami_postgres, redis, bitnami_redis, kafka, clickhouse, zookeeper, mqtt };

/// "docker.io/library/postgres:16@sha256:..." -> "postgres";
/// "ghcr.io/acme/api:1.2" -> "acme/api". Registry, tag and digest removed.
std::string image_repository(std::string_view image);

/// The family of `image`, matched on its repository: exactly, by a
/// trailing '*' prefix rule, or as the suffix "/<rule>" of a mirror path.
ImageFamily image_family(std::string_view image);

const char* to_string(ImageFamily family);

}  // namespace stackgate::compose
