// etp-topics' settings: the variables it reads, its switches, and what it refuses.
#include "topics_config.hpp"

#include <catch2/catch.hpp>
#include <map>

#include "etp/domain/event_retention.hpp"

using namespace std::chrono_literals;
using Catch::Matchers::Contains;
using etp::topics::parse_command_line;
using etp::topics::TopicsConfig;

namespace {

etp::runtime::ConfigSpec::EnvLookup env_of(std::map<std::string, std::string> values) {
    return [values](std::string_view name) -> std::optional<std::string> {
        auto it = values.find(std::string(name));
        if (it == values.end()) return std::nullopt;
        return it->second;
    };
}

}  // namespace

TEST_CASE("Without settings etp-topics uses the platform's defaults", "[config]") {
    TopicsConfig config;
    const auto parsed = parse_command_line(env_of({}), {}, config);
    CHECK(parsed.problems.empty());
    CHECK(config.kafka_brokers == "127.0.0.1:9092");
    CHECK(config.topic_prefix == "etp.");
    // The retention service's default too: one constant.
    CHECK(config.event_retain_for == 48h);
    CHECK(config.event_retain_for == etp::runtime::parse_duration(etp::kEventRetainForDefault));
    CHECK(config.replication_factor == 0);
    CHECK(config.log_level == etp::log::Level::kInfo);
    CHECK_FALSE(config.check);
    CHECK(config.timeout == 30s);
}

TEST_CASE("etp-topics reads its variables and switches", "[config]") {
    TopicsConfig config;
    const auto parsed = parse_command_line(env_of({{"KAFKA_BROKERS", "k1:9092,k2:9092"},
                                                   {"KAFKA_TOPIC_PREFIX", "staging."},
                                                   {"EVENT_RETAIN_FOR", "3d"},
                                                   {"KAFKA_TOPIC_REPLICATION_FACTOR", "2"},
                                                   {"LOG_LEVEL", "debug"}}),
                                           {"--check", "--timeout", "5s"}, config);
    CHECK(parsed.problems.empty());
    CHECK(config.kafka_brokers == "k1:9092,k2:9092");
    CHECK(config.topic_prefix == "staging.");
    CHECK(config.event_retain_for == 72h);
    CHECK(config.replication_factor == 2);
    CHECK(config.log_level == etp::log::Level::kDebug);
    CHECK(config.check);
    CHECK(config.timeout == 5s);

    TopicsConfig other;
    CHECK(parse_command_line(env_of({}), {"--timeout=1m30s"}, other).problems.empty());
    CHECK(other.timeout == 90s);
}

TEST_CASE("Bad values are all reported at once", "[config]") {
    TopicsConfig config;
    const auto parsed = parse_command_line(
        env_of({{"EVENT_RETAIN_FOR", "forever"}, {"KAFKA_TOPIC_REPLICATION_FACTOR", "-1"}}),
        {"--timeout=soon", "--force"}, config);
    REQUIRE(parsed.problems.size() == 4);
    CHECK_THAT(parsed.problems[0], Contains("unknown argument --force"));
    CHECK_THAT(parsed.problems[1], Contains("EVENT_RETAIN_FOR=\"forever\" must be a duration"));
    CHECK_THAT(parsed.problems[2],
               Contains("KAFKA_TOPIC_REPLICATION_FACTOR=\"-1\" must be an integer from 0"));
    CHECK_THAT(parsed.problems[3], Contains("--timeout=\"soon\" must be a positive duration"));

    CHECK(parse_command_line(env_of({}), {"--timeout=0s"}, config).problems.size() == 1);
    CHECK(parse_command_line(env_of({}), {"--timeout"}, config).problems ==
          std::vector<std::string>{"--timeout needs a duration such as 30s"});
}

TEST_CASE("--help lists the variables, the switches and the exit codes", "[config]") {
    TopicsConfig config;
    const auto parsed =
        parse_command_line(env_of({{"EVENT_RETAIN_FOR", "forever"}}), {"--help"}, config);
    CHECK(parsed.help_requested);
    CHECK(parsed.problems.empty());
    for (const char* text :
         {"KAFKA_BROKERS", "KAFKA_TOPIC_PREFIX", "EVENT_RETAIN_FOR",
          "KAFKA_TOPIC_REPLICATION_FACTOR", "LOG_LEVEL", "--check", "--timeout=DURATION",
          "(default: 48h)", "Exit codes: 0", "3 Kafka did not answer within --timeout"}) {
        CHECK_THAT(parsed.help_text, Contains(text));
    }
}
