// run_main: every service maps configuration problems and failures to the same exit codes and
// logs a failure once.

#include <catch2/catch.hpp>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include <unistd.h>

#include "etp/domain/error.hpp"
#include "etp/service/run_main.hpp"

using etp::runtime::ConfigSpec;
using etp::runtime::ShutdownSignal;

namespace {

struct TestConfig {
    etp::runtime::CommonConfig common;
    std::int64_t low = 1;
    std::int64_t high = 2;
    bool once = false;
};

ConfigSpec make_spec(TestConfig& config) {
    ConfigSpec spec("svc", "test");
    spec.integer("RUN_MAIN_TEST_LOW", 1, "low", config.low, 0, 100)
        .integer("RUN_MAIN_TEST_HIGH", 2, "high", config.high, 0, 100)
        .flag("--once", "one pass", config.once)
        .check([&config]() -> std::vector<std::string> {
            if (config.high <= config.low) return {"RUN_MAIN_TEST_HIGH must exceed LOW"};
            return {};
        });
    return spec;
}

int calls = 0;
int run(const TestConfig&, ShutdownSignal&) {
    ++calls;
    return 7;
}
int run_once(const TestConfig&) {
    calls += 10;
    return 5;
}

int main_with(std::vector<std::string> args) {
    std::vector<char*> argv;
    static std::string program = "svc";
    argv.push_back(program.data());
    for (auto& a : args) argv.push_back(a.data());
    return etp::service::run_main<TestConfig>(static_cast<int>(argv.size()), argv.data(),
                                              {.name = "svc",
                                               .make_spec = make_spec,
                                               .run = run,
                                               .once = &TestConfig::once,
                                               .run_once = run_once});
}

// What fd 2 received while `body` ran.
template <typename Body>
std::string stderr_of(Body body) {
    std::fflush(stderr);
    char path[] = "/tmp/etp-run-main-XXXXXX";
    int file = mkstemp(path);
    REQUIRE(file >= 0);
    int saved = dup(2);
    dup2(file, 2);
    body();
    std::fflush(stderr);
    dup2(saved, 2);
    close(saved);
    close(file);
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    std::remove(path);
    return text.str();
}

}  // namespace

TEST_CASE("run_guarded maps an invalid-input error to 2, any other failure to 1") {
    using etp::service::run_guarded;
    CHECK(run_guarded("svc", [] { return 0; }) == 0);
    CHECK(run_guarded("svc", [] { return 3; }) == 3);
    std::string log = stderr_of([] {
        CHECK(run_guarded("svc", []() -> int {
                  throw etp::Error(etp::ErrorKind::kInvalidInput, "bad span");
              }) == 2);
    });
    CHECK(log.find("\"msg\":\"svc failed\"") != std::string::npos);
    CHECK(log.find("bad span") != std::string::npos);
    CHECK(std::count(log.begin(), log.end(), '\n') == 1);
    CHECK(run_guarded("svc", []() -> int {
              throw etp::Error(etp::ErrorKind::kUnavailable, "db down");
          }) == 1);
    CHECK(run_guarded("svc", []() -> int { throw std::runtime_error("boom"); }) == 1);
    CHECK(run_guarded("svc", []() -> int { throw 42; }) == 1);
}

TEST_CASE("run_main runs the service, or its one-shot mode, after the configuration parsed") {
    calls = 0;
    CHECK(main_with({}) == 7);
    CHECK(calls == 1);
    calls = 0;
    CHECK(main_with({"--once"}) == 5);
    CHECK(calls == 10);
}

TEST_CASE("run_main reports a cross-field problem with the others and exits 2") {
    calls = 0;
    ::setenv("RUN_MAIN_TEST_LOW", "5", 1);
    ::setenv("RUN_MAIN_TEST_HIGH", "5", 1);
    std::string out = stderr_of([] { CHECK(main_with({}) == 2); });
    ::unsetenv("RUN_MAIN_TEST_LOW");
    ::unsetenv("RUN_MAIN_TEST_HIGH");
    CHECK(out == "svc: invalid configuration: RUN_MAIN_TEST_HIGH must exceed LOW\n");
    CHECK(calls == 0);
    CHECK(stderr_of([] {
              CHECK(main_with({"--bogus"}) == 2);
          }).starts_with("svc: invalid configuration: unknown argument --bogus"));
    CHECK(calls == 0);
}
