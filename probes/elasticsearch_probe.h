// The Elasticsearch / OpenSearch probe: elasticsearch://[user:pass@]host:9200
// (opensearch:// is the same) over the HTTP client (http_client.h; part of
// the http module).
//
// One attempt = GET /_cluster/health (or /_cluster/health/a,b with
// indices=a,b), whose JSON `status` must be at least the wanted one, green >
// yellow > red. Elasticsearch answers HTTP long before the cluster is usable:
// while it recovers, the status is red. The request carries `timeout=` below
// the attempt's budget, because for an index that does not exist the server
// waits that long (30 s by default) and then answers 408 with status red.
//
//   not_yet  refused, timed out; status below the wanted one ("cluster
//            status red, want yellow (5 unassigned shards)"); an index that
//            does not exist yet; 503 (no master elected yet), other 5xx, 408
//            and 429
//   fatal    401 and 403 (credentials), 404 (not an Elasticsearch port),
//            TLS verification failures
//
// Options: status=green|yellow|red (default yellow), indices=a,b (those
// indices' health instead of the whole cluster's), tls=1 (https),
// insecure=1 (with tls: do not verify the certificate), ca=PATH.
// user:pass@ becomes basic auth.
#pragma once

#include <expected>
#include <memory>
#include <string>

#include "probes/probe.h"

namespace stackgate::probes {

/// Builds an elasticsearch:// or opensearch:// probe; the error names a bad option.
std::expected<std::unique_ptr<Probe>, std::string> make_elasticsearch_probe(const ProbeSpec& spec);

}  // namespace stackgate::probes
