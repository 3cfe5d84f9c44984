// libFuzzer entry point: the loader must never crash or hang, whatever the
// compose file and .env say. Writes the input to a private temporary
// directory and loads it as a project, then infers probes for every service.
#include <unistd.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>

#include "compose/dotenv.h"
#include "compose/infer.h"
#include "compose/interpolation.h"
#include "compose/loader.h"

namespace {

using namespace stackgate::compose;

const std::string& work_dir() {
  static const std::string dir = [] {
    std::string pattern = (std::filesystem::temp_directory_path() / "sg-fuzz-XXXXXX").string();
    return std::string(::mkdtemp(pattern.data()));
  }();
  return dir;
}

void write(const std::string& path, std::string_view text) { std::ofstream(path, std::ios::binary) << text; }

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  std::string_view compose = input;
  std::string_view dotenv;
  if (size_t split = input.find("\n#--env--\n"); split != std::string_view::npos) {
    compose = input.substr(0, split);
    dotenv = input.substr(split + 10);
  }

  std::map<std::string, std::string> variables = {{"A", "a"}, {"EMPTY", ""}};
  (void)substitute(input, lookup_in(variables));
  (void)parse_dotenv(dotenv.empty() ? input : dotenv, lookup_in(variables));

  const std::string& dir = work_dir();
  write(dir + "/compose.yaml", compose);
  write(dir + "/.env", dotenv);
  LoadOptions options;
  options.cwd = dir;
  options.environ = variables;
  options.profiles = {"*"};
  auto project = load_project(options);
  if (project) {
    for (const auto& [name, service] : project->services) {
      (void)explain_probes(*project, service, InferOptions{AddressMode::service});
      (void)explain_probes(*project, service, InferOptions{AddressMode::published});
    }
  }
  return 0;
}
