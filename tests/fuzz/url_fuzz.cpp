// libFuzzer entry point for the probe URL parser (spec/url.h): parse_url
// and parse_probe_spec must never crash, and whatever they return must keep
// the promises the rest of stackgate relies on:
//   - an error is one printable line (it goes to the terminal as it is);
//   - the password never appears in redacted() or in an error;
//   - parse_probe_spec accepts only what parse_url accepts, and leaves no
//     common option (timeout, passes, ...) in url.query;
//   - percent-encoding round-trips: a string encoded into the userinfo,
//     path and query comes back as it was, and the redacted form hides it.
// URLs with password_file are parsed but not given to parse_probe_spec: it
// would read whatever file the input names (/dev/zero, a FIFO).
#include <cstdint>
#include <optional>
#include <utility>
#include <string>
#include <string_view>
#include <vector>

#include "spec/probe_spec.h"
#include "spec/url.h"
#include "tests/fuzz/fuzz_check.h"

namespace {

using namespace stackgate::spec;
using stackgate::fuzz::is_printable;

constexpr std::string_view k_marker = "Pw7marker";
const std::vector<std::string>& k_common_options = common_option_names();

// Where the userinfo password is written in `text` (still percent-encoded),
// as parse_url splits it: after the first ':' of the userinfo, up to the
// last '@' before the path. nullopt when there is no password.
std::optional<std::pair<size_t, size_t>> password_range(std::string_view text) {
  size_t sep = text.find("://");
  if (sep == std::string_view::npos) return std::nullopt;
  size_t begin = sep + 3;
  std::string_view rest = text.substr(begin);
  size_t at = rest.substr(0, rest.find_first_of("/?#")).rfind('@');
  if (at == std::string_view::npos) return std::nullopt;
  size_t colon = rest.substr(0, at).find(':');
  if (colon == std::string_view::npos) return std::nullopt;
  return std::pair{begin + colon + 1, at - colon - 1};
}

void check_no_marker(std::string_view output, std::string_view where) {
  FUZZ_CHECK(output.find(k_marker) == std::string_view::npos, std::string(where) + ": " + std::string(output));
}

// The same URL with its password replaced by a marker that occurs nowhere
// else: no output of either parser may contain the marker. (Searching for
// the original password would flag "pecte" in "expected".)
void check_password_never_shown(std::string_view input) {
  auto range = password_range(input);
  if (!range || input.find(k_marker) != std::string_view::npos) return;
  std::string marked = std::string(input.substr(0, range->first)) + std::string(k_marker) +
                       std::string(input.substr(range->first + range->second));
  auto url = parse_url(marked);
  if (!url) {
    check_no_marker(url.error(), "password in a parse_url error");
    return;
  }
  check_no_marker(url->redacted(), "password in redacted()");
  for (const auto& [key, value] : url->query) {
    if (key == "password_file") return;
  }
  auto spec = parse_probe_spec(marked);
  check_no_marker(spec ? spec->url.redacted() : spec.error(), "password in parse_probe_spec's output");
}

void check_percent_round_trip(std::string_view raw) {
  if (raw.empty()) return;
  std::string encoded = percent_encode(raw);
  auto url = parse_url("tcp://user:" + encoded + "@h:1/" + encoded + "?k=" + encoded);
  FUZZ_CHECK(url.has_value(), url.error());
  FUZZ_CHECK(url->password == raw, "password changed by encode + decode");
  FUZZ_CHECK(url->path == "/" + std::string(raw), "path changed by encode + decode");
  FUZZ_CHECK(url->param("k") == std::string(raw), "query value changed by encode + decode");
  auto secret = parse_url("tcp://user:" + encoded + "@h:1/p?k=v");
  FUZZ_CHECK(secret.has_value(), secret.error());
  FUZZ_CHECK(secret->redacted() == "tcp://user:***@h:1/p?k=v", secret->redacted());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  check_percent_round_trip(input.substr(0, 64));
  check_password_never_shown(input);

  auto url = parse_url(input);
  if (!url) {
    FUZZ_CHECK(is_printable(url.error()), "parse_url error not printable: " + url.error());
    return 0;
  }
  std::string redacted = url->redacted();
  FUZZ_CHECK(is_printable(redacted), "redacted() not printable: " + redacted);
  (void)url->authority();

  for (const auto& [key, value] : url->query) {
    if (key == "password_file") return 0;
  }
  auto spec = parse_probe_spec(input);
  if (!spec) {
    FUZZ_CHECK(is_printable(spec.error()), "parse_probe_spec error not printable: " + spec.error());
    return 0;
  }
  for (const auto& [key, value] : spec->url.query) {
    for (const std::string& common : k_common_options) FUZZ_CHECK(key != common, "common option left in query: " + key);
  }
  if (spec->timeout) FUZZ_CHECK(spec->timeout->count() > 0, "timeout not positive");
  if (spec->window.passes) FUZZ_CHECK(*spec->window.passes >= 1, "passes < 1");
  if (spec->max_latency) FUZZ_CHECK(spec->max_latency->count() > 0, "max_latency not positive");
  FUZZ_CHECK(spec->url.password == url->password, "parse_probe_spec changed the password");
  return 0;
}
