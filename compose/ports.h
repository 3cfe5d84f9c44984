// Port specifications: the short syntax "[ip:][published:]target[/proto]"
// with ranges ("3000-3005", "9090-9091:8080-8081", "127.0.0.1:5000-5010:5000",
// "[::1]:6001:6001") and the long syntax {target, published, host_ip,
// protocol}. A container range becomes one mapping per port, as in
// compose-go; a host range for one container port stays one mapping.
#pragma once

#include <expected>
#include <string>
#include <string_view>
#include <vector>

#include "compose/model.h"
#include "compose/node.h"

namespace stackgate::compose {

/// One entry of `ports:`; the error names what is wrong with it.
std::expected<std::vector<PortMapping>, std::string> parse_port(const Node& entry);

/// One entry of `expose:` ("3000", "3000-3005", "3000/tcp"): the first port.
std::expected<int, std::string> parse_expose(std::string_view text);

}  // namespace stackgate::compose
