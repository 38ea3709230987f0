// retention's configuration: the spans are checked with the other variables, so a bad pair is
// reported like any bad value (exit 2, one stderr line) before anything connects.

#include <catch2/catch.hpp>

#include <map>

#include "retention_config.hpp"

namespace {
std::vector<std::string> problems_of(std::map<std::string, std::string> env) {
    etp::retention::RetentionConfig config;
    auto spec = etp::retention::make_config_spec(config);
    bool help = false;
    return spec.parse(
        [&env](std::string_view name) -> std::optional<std::string> {
            auto it = env.find(std::string(name));
            if (it == env.end()) return std::nullopt;
            return it->second;
        },
        {}, &help);
}
}  // namespace

TEST_CASE("retention's defaults are consistent") { CHECK(problems_of({}).empty()); }

TEST_CASE("EVENT_RETAIN_FOR not past EVENT_ACTIVE_FOR is a configuration problem") {
    CHECK(problems_of({{"EVENT_ACTIVE_FOR", "2d"}, {"EVENT_RETAIN_FOR", "2d"}}) ==
          std::vector<std::string>{"EVENT_RETAIN_FOR must be longer than EVENT_ACTIVE_FOR"});
    CHECK(problems_of({{"EVENT_ACTIVE_FOR", "3h"},
                       {"EVENT_RETAIN_FOR", "2h"},
                       {"RETENTION_INTERVAL", "0s"}}) ==
          std::vector<std::string>{"EVENT_RETAIN_FOR must be longer than EVENT_ACTIVE_FOR",
                                   "RETENTION_INTERVAL must be positive"});
}

TEST_CASE("a bad span value is reported alone, not again as a bad pair") {
    auto problems = problems_of({{"EVENT_ACTIVE_FOR", "soon"}, {"EVENT_RETAIN_FOR", "1h"}});
    REQUIRE(problems.size() == 1);
    CHECK(problems[0].starts_with("EVENT_ACTIVE_FOR=\"soon\""));
}
