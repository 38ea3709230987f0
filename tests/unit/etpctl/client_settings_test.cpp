// Where etpctl finds the gateway and the key: flags > environment > .run/env > default.
#include "client_settings.hpp"

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <map>

using etp::ctl::EnvFile;
using etp::ctl::GlobalOptions;
using etp::ctl::parse_env_file;
using etp::ctl::resolve_settings;

namespace {

etp::ctl::EnvLookup env_of(const std::map<std::string, std::string>& values) {
    return [values](const std::string& name) -> std::optional<std::string> {
        auto it = values.find(name);
        if (it == values.end()) return std::nullopt;
        return it->second;
    };
}

}  // namespace

TEST_CASE("parse_env_file reads what scripts/run writes (bash's printf %q)", "[settings]") {
    const auto vars = parse_env_file(
        "# Written by scripts/run for this run; use it with: source .run/env\n"
        "export ETP_GATEWAY_URL=http://127.0.0.1:8080\n"
        "export ETP_ADMIN_KEY=dev-admin-key-1234\n"
        "export DATABASE_URL=postgresql://postgres@127.0.0.1:15432/etp\n"
        "export SPACED=a\\ b\\'c\n"
        "export ANSI=$'line\\none'\n"
        "QUOTED='x y'\n"
        "not a variable line\n"
        "export EMPTY=\n"
        "export WINDOWS=crlf\r\n");
    CHECK(vars.at("ETP_GATEWAY_URL") == "http://127.0.0.1:8080");
    CHECK(vars.at("ETP_ADMIN_KEY") == "dev-admin-key-1234");
    CHECK(vars.at("DATABASE_URL") == "postgresql://postgres@127.0.0.1:15432/etp");
    CHECK(vars.at("SPACED") == "a b'c");
    CHECK(vars.at("ANSI") == "line\none");
    CHECK(vars.at("QUOTED") == "x y");
    CHECK(vars.at("EMPTY").empty());
    CHECK(vars.at("WINDOWS") == "crlf");
    CHECK(vars.size() == 8);
}

TEST_CASE("Flags win over the environment, which wins over .run/env", "[settings]") {
    const EnvFile file{{"ETP_GATEWAY_URL", "http://file:1"}, {"ETP_ADMIN_KEY", "file-admin"}};
    const auto env = env_of({{"ETP_GATEWAY_URL", "http://env:2"}, {"ETP_API_KEY", "env-key"}});

    GlobalOptions flags;
    flags.url = "http://flag:3";
    flags.key = "flag-key";
    auto s = resolve_settings(flags, env, file);
    CHECK(s.url == "http://flag:3");
    CHECK(s.key == "flag-key");

    s = resolve_settings({}, env, file);
    CHECK(s.url == "http://env:2");
    CHECK(s.key == "env-key");

    s = resolve_settings({}, env_of({}), file);
    CHECK(s.url == "http://file:1");
    CHECK(s.key == "file-admin");

    s = resolve_settings({}, env_of({}), {});
    CHECK(s.url == "http://127.0.0.1:8080");
    CHECK_FALSE(s.key);
}

TEST_CASE("ETP_ADMIN_KEY counts after ETP_API_KEY: a shell that sourced .run/env works",
          "[settings]") {
    auto s =
        resolve_settings({}, env_of({{"ETP_ADMIN_KEY", "admin"}}), {{"ETP_API_KEY", "file-key"}});
    CHECK(s.key == "admin");
    s = resolve_settings({}, env_of({{"ETP_API_KEY", "api"}, {"ETP_ADMIN_KEY", "admin"}}), {});
    CHECK(s.key == "api");
    s = resolve_settings({}, env_of({}), {{"ETP_API_KEY", "k1"}, {"ETP_ADMIN_KEY", "k2"}});
    CHECK(s.key == "k1");
}

TEST_CASE("An empty value counts as unset", "[settings]") {
    GlobalOptions flags;
    flags.url = "";
    const auto s = resolve_settings(flags, env_of({{"ETP_GATEWAY_URL", ""}, {"ETP_API_KEY", ""}}),
                                    {{"ETP_GATEWAY_URL", "http://file:1"}, {"ETP_ADMIN_KEY", "f"}});
    CHECK(s.url == "http://file:1");
    CHECK(s.key == "f");
}

TEST_CASE("find_run_env looks in the directory and its parents", "[settings]") {
    namespace fs = std::filesystem;
    const auto root = fs::temp_directory_path() / ("etpctl-run-env-" + std::to_string(::getpid()));
    fs::remove_all(root);
    fs::create_directories(root / ".run");
    fs::create_directories(root / "a" / "b");
    CHECK_FALSE(etp::ctl::find_run_env(root / "a" / "b"));
    std::ofstream(root / ".run" / "env") << "export ETP_GATEWAY_URL=http://x:1\n";
    const auto found = etp::ctl::find_run_env(root / "a" / "b");
    REQUIRE(found);
    CHECK(*found == root / ".run" / "env");
    fs::remove_all(root);
}
