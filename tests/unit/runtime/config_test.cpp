#include <catch2/catch.hpp>
#include <map>

#include "etp/runtime/config.hpp"

using namespace std::chrono_literals;
using etp::runtime::ConfigSpec;

namespace {
ConfigSpec::EnvLookup env_of(std::map<std::string, std::string> values) {
    return [values](std::string_view name) -> std::optional<std::string> {
        auto it = values.find(std::string(name));
        if (it == values.end()) return std::nullopt;
        return it->second;
    };
}
}  // namespace

TEST_CASE("durations parse in every unit and in sequences") {
    using etp::runtime::parse_duration;
    CHECK(parse_duration("500ms") == 500ms);
    CHECK(parse_duration("30s") == 30s);
    CHECK(parse_duration("2h") == 2h);
    CHECK(parse_duration("48h") == 48h);
    CHECK(parse_duration("1h30m") == 90min);
    CHECK(parse_duration("1d") == 24h);
    CHECK_FALSE(parse_duration(""));
    CHECK_FALSE(parse_duration("10"));
    CHECK_FALSE(parse_duration("h"));
    CHECK_FALSE(parse_duration("-5s"));
    CHECK_FALSE(parse_duration("5 s"));
}

TEST_CASE("PostgreSQL URLs are checked") {
    using etp::runtime::is_valid_postgres_url;
    CHECK(is_valid_postgres_url("postgresql://etp:secret@db.example:5432/etp?sslmode=require"));
    CHECK(is_valid_postgres_url("postgres://localhost/etp"));
    CHECK(is_valid_postgres_url("postgresql:///etp"));
    CHECK(is_valid_postgres_url("host=127.0.0.1 port=5432 dbname=etp"));
    CHECK_FALSE(is_valid_postgres_url("mysql://localhost/etp"));
    CHECK_FALSE(is_valid_postgres_url("postgresql://host:notaport/etp"));
    CHECK_FALSE(is_valid_postgres_url("postgresql://ho st/etp"));
    CHECK_FALSE(is_valid_postgres_url("just words"));
    CHECK_FALSE(is_valid_postgres_url(""));
}

TEST_CASE("broker lists are checked") {
    using etp::runtime::is_valid_broker_list;
    CHECK(is_valid_broker_list("127.0.0.1:9092"));
    CHECK(is_valid_broker_list("kafka-0:9092,kafka-1:9092"));
    CHECK(is_valid_broker_list("PLAINTEXT://kafka:9092"));
    CHECK_FALSE(is_valid_broker_list("kafka"));
    CHECK_FALSE(is_valid_broker_list("kafka:0"));
    CHECK_FALSE(is_valid_broker_list("kafka:9092,"));
}

TEST_CASE("a spec parses the environment, reports every problem, and documents itself") {
    etp::runtime::CommonConfig common;
    std::int64_t batch = 0;
    bool migrate_only = false;
    ConfigSpec spec("svc", "A service.");
    etp::runtime::add_common(spec, common, 9100);
    spec.integer("BATCH", 100, "rows per batch", batch, 1, 1000)
        .flag("--migrate-only", "apply migrations and exit", migrate_only);

    bool help = false;
    auto problems =
        spec.parse(env_of({{"KAFKA_BROKERS", "k:1"}, {"BATCH", "7"}}), {"--migrate-only"}, &help);
    CHECK(problems.empty());
    CHECK(common.kafka_brokers == "k:1");
    CHECK(common.database_url == "postgresql://etp@127.0.0.1:5432/etp");
    CHECK(common.admin_port == 9100);
    CHECK(batch == 7);
    CHECK(migrate_only);

    problems = spec.parse(env_of({{"DATABASE_URL", "nope"}, {"BATCH", "0"}, {"LOG_LEVEL", "loud"}}),
                          {"--bogus"}, &help);
    REQUIRE(problems.size() == 4);
    CHECK(problems[0] == "unknown argument --bogus (see --help)");
    CHECK(problems[1].starts_with("DATABASE_URL=\"nope\" must be a PostgreSQL URL"));
    CHECK(problems[2].starts_with("LOG_LEVEL=\"loud\""));
    CHECK(problems[3].starts_with("BATCH=\"0\" must be an integer from 1 to 1000"));

    problems = spec.parse(env_of({}), {"--help"}, &help);
    CHECK(help);
    std::string text = spec.help_text();
    for (const char* name : {"DATABASE_URL", "KAFKA_BROKERS", "KAFKA_TOPIC_PREFIX", "LOG_LEVEL",
                             "ADMIN_PORT", "SHUTDOWN_TIMEOUT", "BATCH", "--migrate-only"}) {
        INFO(name);
        CHECK(text.find(name) != std::string::npos);
    }
    CHECK(text.find("(default: 100)") != std::string::npos);
}
