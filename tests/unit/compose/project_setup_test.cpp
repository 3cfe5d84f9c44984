// Files, project directory, variables, project name and profiles.
#include <catch2/catch.hpp>

#include "temp_project.h"

using namespace stackgate::compose;
using stackgate::compose::testing::format_errors;
using stackgate::compose::testing::TempProject;

TEST_CASE("setup: compose.yaml is found in a parent directory, with its override", "[setup]") {
  TempProject t;
  t.write("compose.yaml", "services:\n  a: {image: base}\n");
  t.write("compose.override.yaml", "services:\n  a: {image: overridden}\n");
  t.write("deep/er/.keep", "");
  LoadOptions o = t.options();
  o.cwd = t.path("deep/er");
  auto r = t.load(o);
  SG_REQUIRE_LOADED(r);
  CHECK(r->services.at("a").image == "overridden");
  CHECK(r->working_dir == t.path());
}

TEST_CASE("setup: compose.yaml is preferred to docker-compose.yml", "[setup]") {
  TempProject t;
  t.write("compose.yaml", "services:\n  a: {image: new}\n");
  t.write("docker-compose.yml", "services:\n  a: {image: old}\n");
  auto r = t.load();
  SG_REQUIRE_LOADED(r);
  CHECK(r->services.at("a").image == "new");
  CHECK(r->warnings.size() == 1);
}

TEST_CASE("setup: no compose file is an error", "[setup]") {
  TempProject t;
  auto r = t.load();
  REQUIRE_FALSE(r);
  CHECK(format_errors(r.error()).starts_with("error: no configuration file provided: not found"));
}

TEST_CASE("setup: a missing -f file is an error", "[setup]") {
  TempProject t;
  LoadOptions o = t.options();
  o.files = {"nope.yaml"};
  auto r = t.load(o);
  REQUIRE_FALSE(r);
  CHECK(format_errors(r.error()) == "nope.yaml: error: compose file not found");
}

TEST_CASE("setup: COMPOSE_FILE lists files, split on COMPOSE_PATH_SEPARATOR", "[setup]") {
  TempProject t;
  t.write("a.yaml", "services:\n  s: {image: a}\n");
  t.write("b.yaml", "services:\n  s: {hostname: b}\n");
  LoadOptions o = t.options();
  o.environ = {{"COMPOSE_FILE", "a.yaml;b.yaml"}, {"COMPOSE_PATH_SEPARATOR", ";"}};
  auto r = t.load(o);
  SG_REQUIRE_LOADED(r);
  CHECK(r->services.at("s").image == "a");
  CHECK(r->services.at("s").hostname == "b");
}

TEST_CASE("setup: COMPOSE_FILE may come from .env", "[setup]") {
  TempProject t;
  t.write(".env", "COMPOSE_FILE=a.yaml:b.yaml\n");
  t.write("a.yaml", "services:\n  s: {image: a}\n");
  t.write("b.yaml", "services:\n  s: {hostname: b}\n");
  auto r = t.load();
  SG_REQUIRE_LOADED(r);
  CHECK(r->services.at("s").hostname == "b");
}

TEST_CASE("setup: the OS environment wins over .env", "[setup]") {
  TempProject t;
  t.write(".env", "TAG=from-dotenv\nOTHER=dotenv\n");
  t.write("compose.yaml", "services:\n  a:\n    image: app:${TAG}\n    hostname: ${OTHER}\n");
  LoadOptions o = t.options();
  o.environ = {{"TAG", "from-os"}};
  auto r = t.load(o);
  SG_REQUIRE_LOADED(r);
  CHECK(r->services.at("a").image == "app:from-os");
  CHECK(r->services.at("a").hostname == "dotenv");
}

TEST_CASE("setup: --env-file replaces .env", "[setup]") {
  TempProject t;
  t.write(".env", "TAG=dotenv\n");
  t.write("custom.env", "TAG=custom\n");
  t.write("compose.yaml", "services:\n  a:\n    image: app:${TAG}\n");
  LoadOptions o = t.options();
  o.env_files = {"custom.env"};
  auto r = t.load(o);
  SG_REQUIRE_LOADED(r);
  CHECK(r->services.at("a").image == "app:custom");
}

TEST_CASE("setup: COMPOSE_DISABLE_ENV_FILE skips .env", "[setup]") {
  TempProject t;
  t.write(".env", "TAG=dotenv\n");
  t.write("compose.yaml", "services:\n  a:\n    image: app:${TAG:-none}\n");
  LoadOptions o = t.options();
  o.environ = {{"COMPOSE_DISABLE_ENV_FILE", "true"}};
  auto r = t.load(o);
  SG_REQUIRE_LOADED(r);
  CHECK(r->services.at("a").image == "app:none");
}

TEST_CASE("setup: .env is read from --project-directory", "[setup]") {
  TempProject t;
  t.write("proj/.env", "TAG=proj\n");
  t.write("files/compose.yaml", "services:\n  a:\n    image: app:${TAG}\n");
  LoadOptions o = t.options();
  o.files = {"files/compose.yaml"};
  o.project_directory = "proj";
  auto r = t.load(o);
  SG_REQUIRE_LOADED(r);
  CHECK(r->services.at("a").image == "app:proj");
  CHECK(r->working_dir == t.path("proj"));
}

TEST_CASE("setup: a missing --env-file is an error", "[setup]") {
  TempProject t;
  t.write("compose.yaml", "services:\n  a: {}\n");
  LoadOptions o = t.options();
  o.env_files = {"missing.env"};
  auto r = t.load(o);
  REQUIRE_FALSE(r);
  CHECK(format_errors(r.error()) == t.path("missing.env") + ": error: env file not found");
}

TEST_CASE("setup: a .env syntax error names file and line", "[setup]") {
  TempProject t;
  t.write(".env", "OK=1\nBAD KEY=2\n");
  t.write("compose.yaml", "services:\n  a: {}\n");
  auto r = t.load();
  REQUIRE_FALSE(r);
  CHECK(format_errors(r.error()) == t.path(".env") + ":2: error: key \"BAD ...\" cannot contain a space");
}

TEST_CASE("setup: an unset variable is a warning with its position", "[setup]") {
  TempProject t;
  t.write("compose.yaml", "services:\n  a:\n    image: app:${TAG}\n");
  auto r = t.load();
  SG_REQUIRE_LOADED(r);
  CHECK(r->services.at("a").image == "app:");
  REQUIRE(r->warnings.size() == 1);
  CHECK(r->warnings[0].message == "The \"TAG\" variable is not set. Defaulting to a blank string.");
  CHECK(r->warnings[0].where.line == 3);
}

TEST_CASE("setup: a required variable is an error at its position", "[setup]") {
  TempProject t;
  t.write("compose.yaml", "services:\n  a:\n    image: app:${TAG:?set TAG to a release}\n");
  auto r = t.load();
  REQUIRE_FALSE(r);
  CHECK(format_errors(r.error()) ==
        "compose.yaml:3:12: error: required variable TAG is missing a value: set TAG to a release");
}

TEST_CASE("setup: an invalid template is an error naming the path", "[setup]") {
  TempProject t;
  t.write("compose.yaml", "services:\n  a:\n    image: \"app:${TAG!}\"\n");
  auto r = t.load();
  REQUIRE_FALSE(r);
  CHECK(format_errors(r.error()) ==
        "compose.yaml:3:12: error: Invalid template: \"app:${TAG!}\" at services.a.image (write a literal $ as $$)");
}

TEST_CASE("setup: mapping keys are never interpolated", "[setup]") {
  TempProject t;
  t.write("compose.yaml", "services:\n  a:\n    environment:\n      $KEY: v\n      - \n");
  t.write("compose.yaml", "services:\n  a:\n    environment:\n      $KEY: $VALUE\n");
  LoadOptions o = t.options();
  o.environ = {{"KEY", "k"}, {"VALUE", "v"}};
  auto r = t.load(o);
  SG_REQUIRE_LOADED(r);
  CHECK(r->services.at("a").environment == std::map<std::string, std::string>{{"$KEY", "v"}});
}

TEST_CASE("setup: the project name is the directory name, normalised", "[setup]") {
  TempProject t;
  t.write("My_App.v2/compose.yaml", "services:\n  a: {}\n");
  LoadOptions o = t.options();
  o.cwd = t.path("My_App.v2");
  auto r = t.load(o);
  SG_REQUIRE_LOADED(r);
  CHECK(r->name == "my_appv2");
}

TEST_CASE("setup: project name precedence is -p, COMPOSE_PROJECT_NAME, name:", "[setup]") {
  TempProject t;
  t.write("compose.yaml", "name: from-file\nservices:\n  a:\n    hostname: ${COMPOSE_PROJECT_NAME}\n");
  LoadOptions o = t.options();
  auto by_file = t.load(o);
  SG_REQUIRE_LOADED(by_file);
  CHECK(by_file->name == "from-file");
  CHECK(by_file->services.at("a").hostname == "from-file");
  o.environ = {{"COMPOSE_PROJECT_NAME", "from-env"}};
  CHECK(t.load(o)->name == "from-env");
  o.project_name = "from-flag";
  auto by_flag = t.load(o);
  CHECK(by_flag->name == "from-flag");
}

TEST_CASE("setup: an explicit project name must already be normalised", "[setup]") {
  TempProject t;
  t.write("compose.yaml", "services:\n  a: {}\n");
  LoadOptions o = t.options();
  o.project_name = "My App";
  auto r = t.load(o);
  REQUIRE_FALSE(r);
  CHECK(format_errors(r.error()) ==
        "error: \"My App\" is not a valid project name: it must contain only characters from [a-z0-9_-] and start "
        "with [a-z0-9]");
}

TEST_CASE("setup: a name: written in a file is normalised, not rejected", "[setup]") {
  TempProject t;
  t.write("compose.yaml", "name: My-App_2\nservices:\n  a:\n    hostname: ${COMPOSE_PROJECT_NAME}\n");
  auto r = t.load();
  SG_REQUIRE_LOADED(r);
  CHECK(r->name == "my-app_2");
  CHECK(r->services.at("a").hostname == "my-app_2");
  LoadOptions o = t.options();
  o.environ = {{"COMPOSE_PROJECT_NAME", "My-App"}};
  CHECK_FALSE(t.load(o));  // set explicitly: must already be normalised
}

TEST_CASE("profiles: unset or empty COMPOSE_PROFILES is the one profile \"\"", "[profiles]") {
  // compose-go's WithDefaultProfiles splits "" into [""]: a service whose
  // profile interpolates to "" is enabled while no profile is chosen.
  TempProject t;
  t.write("compose.yaml",
          "services:\n  app:\n    depends_on:\n      store: {condition: service_started, required: false}\n"
          "  store:\n    profiles: [\"${STORE_HOST:+external}\"]\n");
  auto unset = t.load();
  SG_REQUIRE_LOADED(unset);
  CHECK(unset->services.count("store") == 1);
  CHECK(unset->services.at("app").depends_on.size() == 1);
  LoadOptions o = t.options();
  o.environ = {{"COMPOSE_PROFILES", ""}};
  CHECK(t.load(o)->services.count("store") == 1);
  o.environ = {{"COMPOSE_PROFILES", "local, "}};  // an empty item counts too
  CHECK(t.load(o)->services.count("store") == 1);
  o.environ = {{"COMPOSE_PROFILES", "local"}};
  auto local = t.load(o);
  SG_REQUIRE_LOADED(local);
  CHECK(local->disabled_services.count("store") == 1);
  CHECK(local->services.at("app").depends_on.empty());
  o.environ = {{"STORE_HOST", "db"}};
  CHECK(t.load(o)->disabled_services.count("store") == 1);
}

TEST_CASE("profiles: services without profiles are always enabled", "[profiles]") {
  TempProject t;
  t.write("compose.yaml", "services:\n  a: {}\n  debug:\n    profiles: [debug]\n");
  auto r = t.load();
  SG_REQUIRE_LOADED(r);
  CHECK(r->services.count("a") == 1);
  CHECK(r->disabled_services.count("debug") == 1);
}

TEST_CASE("profiles: --profile enables matching services", "[profiles]") {
  TempProject t;
  t.write("compose.yaml", "services:\n  a: {}\n  debug:\n    profiles: [debug, tools]\n  other:\n    profiles: [x]\n");
  LoadOptions o = t.options();
  o.profiles = {"tools"};
  auto r = t.load(o);
  SG_REQUIRE_LOADED(r);
  CHECK(r->services.count("debug") == 1);
  CHECK(r->disabled_services.count("other") == 1);
}

TEST_CASE("profiles: * enables everything", "[profiles]") {
  TempProject t;
  t.write("compose.yaml", "services:\n  debug:\n    profiles: [debug]\n");
  LoadOptions o = t.options();
  o.profiles = {"*"};
  CHECK(t.load(o)->services.count("debug") == 1);
}

TEST_CASE("profiles: COMPOSE_PROFILES from .env, comma-separated and trimmed", "[profiles]") {
  TempProject t;
  t.write(".env", "COMPOSE_PROFILES= a , b\n");
  t.write("compose.yaml", "services:\n  x:\n    profiles: [b]\n  y:\n    profiles: [c]\n");
  auto r = t.load();
  SG_REQUIRE_LOADED(r);
  CHECK(r->services.count("x") == 1);
  CHECK(r->disabled_services.count("y") == 1);
}

TEST_CASE("profiles: --profile replaces COMPOSE_PROFILES", "[profiles]") {
  TempProject t;
  t.write("compose.yaml", "services:\n  x:\n    profiles: [b]\n");
  LoadOptions o = t.options();
  o.environ = {{"COMPOSE_PROFILES", "b"}};
  o.profiles = {"other"};
  CHECK(t.load(o)->disabled_services.count("x") == 1);
}

TEST_CASE("profiles: a required dependency on a disabled service is an error", "[profiles]") {
  TempProject t;
  t.write("compose.yaml", R"(services:
  api:
    depends_on:
      - db
  db:
    profiles: [storage, full]
)");
  auto r = t.load();
  REQUIRE_FALSE(r);
  CHECK(format_errors(r.error()) ==
        "compose.yaml:4:9: error: service \"db\" is required by \"api\" but is disabled. Can be enabled by profiles "
        "[storage full]");
}

TEST_CASE("profiles: an optional dependency on a disabled or missing service is dropped", "[profiles]") {
  TempProject t;
  t.write("compose.yaml", R"(services:
  api:
    depends_on:
      db: {condition: service_started, required: false}
      ghost: {condition: service_started, required: false}
      cache: {condition: service_started}
  db:
    profiles: [storage]
  cache: {}
)");
  auto r = t.load();
  SG_REQUIRE_LOADED(r);
  REQUIRE(r->services.at("api").depends_on.size() == 1);
  CHECK(r->services.at("api").depends_on[0].service == "cache");
  CHECK(r->warnings.size() == 2);
}
