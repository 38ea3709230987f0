#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
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

// Issue 22: "999999999999d" overflowed the multiplication into milliseconds (UBSan aborts).
TEST_CASE("durations longer than 100 years are refused, not overflowed") {
    using etp::runtime::parse_duration;
    CHECK(parse_duration("36500d") == 24h * 36'500);
    CHECK(parse_duration("876000h") == 24h * 36'500);
    for (const char* bad : {"999999999999d", "999999999999h", "999999999999ms999999999999d",
                            "36501d", "36500d1ms", "36000d36000d", "999999999999m999999999999m"}) {
        INFO(bad);
        CHECK_FALSE(parse_duration(bad));
    }
    std::chrono::milliseconds out{0};
    ConfigSpec spec("svc", "A service.");
    spec.duration("EVENT_RETAIN_FOR", "48h", "How long events are kept.", out);
    bool help = false;
    auto problems = spec.parse(env_of({{"EVENT_RETAIN_FOR", "999999999999d"}}), {}, &help);
    REQUIRE(problems.size() == 1);
    CHECK(problems[0] ==
          "EVENT_RETAIN_FOR=\"999999999999d\" must be a duration such as 500ms, 30s, 5m, 2h or "
          "1h30m, at most 36500d (100 years)");
}

// Found by tests/fuzz (duration): 36500d was accepted but the same in milliseconds, 13 digits,
// was not.
TEST_CASE("the longest duration reads the same in any unit") {
    using etp::runtime::parse_duration;
    CHECK(parse_duration("3153600000000ms") == 24h * 36'500);
    CHECK(parse_duration("3153600000s") == 24h * 36'500);
    CHECK(parse_duration("000000000000000001s") == 1s);
    CHECK_FALSE(parse_duration("3153600000001ms"));
    CHECK_FALSE(parse_duration("999999999999999999ms"));
    CHECK_FALSE(parse_duration("9999999999999999999ms"));
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

namespace {

// Every variable of add_common that configures Kafka clients.
constexpr const char* kKafkaVariables[] = {"KAFKA_SECURITY_PROTOCOL",
                                           "KAFKA_SASL_MECHANISM",
                                           "KAFKA_SASL_USERNAME",
                                           "KAFKA_SASL_PASSWORD",
                                           "KAFKA_SASL_PASSWORD_FILE",
                                           "KAFKA_SSL_CA_LOCATION",
                                           "KAFKA_SSL_CERTIFICATE_LOCATION",
                                           "KAFKA_SSL_KEY_LOCATION",
                                           "KAFKA_SSL_KEY_PASSWORD",
                                           "KAFKA_PROPERTIES_FILE"};

std::vector<std::string> parse_common(std::map<std::string, std::string> env,
                                      etp::runtime::CommonConfig& common) {
    ConfigSpec spec("svc", "A service.");
    etp::runtime::add_common(spec, common, 9100);
    bool help = false;
    return spec.parse(env_of(std::move(env)), {}, &help);
}

// A file in the temporary directory, removed at the end of the test.
struct TempFile {
    explicit TempFile(const std::string& content)
        : path(
              std::filesystem::temp_directory_path() /
              ("etp_config_test_" + std::to_string(::getpid()) + "_" + std::to_string(counter++))) {
        std::ofstream(path) << content;
    }
    ~TempFile() { std::filesystem::remove(path); }
    std::filesystem::path path;
    static inline int counter = 0;
};

}  // namespace

TEST_CASE("--help lists every Kafka client variable, and the secrets without a value") {
    etp::runtime::CommonConfig common;
    ConfigSpec spec("svc", "A service.");
    etp::runtime::add_common(spec, common, 9100);
    const std::string text = spec.help_text();
    for (const char* name : kKafkaVariables) {
        INFO(name);
        CHECK(text.find(std::string("  ") + name + " ") != std::string::npos);
    }
    for (const char* secret : {"KAFKA_SASL_PASSWORD ", "KAFKA_SSL_KEY_PASSWORD "}) {
        const std::size_t line = text.find(secret);
        REQUIRE(line != std::string::npos);
        CHECK(text.substr(line, text.find('\n', line) - line).ends_with("(secret; no default)"));
    }
}

TEST_CASE("no Kafka security settings leave the properties empty") {
    etp::runtime::CommonConfig common;
    CHECK(parse_common({}, common).empty());
    CHECK(common.kafka_properties.empty());
}

TEST_CASE("the Kafka security settings become the clients' properties") {
    etp::runtime::CommonConfig common;
    auto problems = parse_common({{"KAFKA_SECURITY_PROTOCOL", "SASL_SSL"},
                                  {"KAFKA_SASL_MECHANISM", "scram-sha-256"},
                                  {"KAFKA_SASL_USERNAME", "etp"},
                                  {"KAFKA_SASL_PASSWORD", "hunter2"},
                                  {"KAFKA_SSL_CA_LOCATION", "/etc/ssl/kafka-ca.pem"}},
                                 common);
    CHECK(problems.empty());
    CHECK(common.kafka_properties ==
          std::map<std::string, std::string>{{"security.protocol", "sasl_ssl"},
                                             {"sasl.mechanism", "SCRAM-SHA-256"},
                                             {"sasl.username", "etp"},
                                             {"sasl.password", "hunter2"},
                                             {"ssl.ca.location", "/etc/ssl/kafka-ca.pem"}});
}

TEST_CASE("bad Kafka security values are refused, secrets unechoed") {
    etp::runtime::CommonConfig common;
    auto problems = parse_common(
        {{"KAFKA_SECURITY_PROTOCOL", "tls"}, {"KAFKA_SASL_MECHANISM", "GSSAPI"}}, common);
    REQUIRE(problems.size() == 2);
    CHECK(problems[0] ==
          "KAFKA_SECURITY_PROTOCOL=\"tls\" must be plaintext, ssl, sasl_plaintext or sasl_ssl");
    CHECK(problems[1] ==
          "KAFKA_SASL_MECHANISM=\"GSSAPI\" must be PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512");

    problems = parse_common({{"KAFKA_SECURITY_PROTOCOL", "sasl_plaintext"},
                             {"KAFKA_SASL_MECHANISM", "PLAIN"},
                             {"KAFKA_SASL_PASSWORD", "hunter2"}},
                            common);
    REQUIRE(problems.size() == 1);
    CHECK(problems[0] ==
          "KAFKA_SASL_USERNAME (sasl.username) must be set with SASL mechanism PLAIN");

    problems = parse_common({{"KAFKA_SASL_MECHANISM", "PLAIN"}}, common);
    REQUIRE(problems.size() == 1);
    CHECK(problems[0].starts_with("KAFKA_SASL_MECHANISM (sasl.mechanism) needs"));

    problems = parse_common({{"KAFKA_SECURITY_PROTOCOL", "sasl_ssl"},
                             {"KAFKA_SASL_MECHANISM", "PLAIN"},
                             {"KAFKA_SASL_USERNAME", "etp"},
                             {"KAFKA_SASL_PASSWORD", "hunter2"},
                             {"KAFKA_SASL_PASSWORD_FILE", "/run/secrets/kafka"}},
                            common);
    REQUIRE(problems.size() == 1);
    CHECK(problems[0] == "KAFKA_SASL_PASSWORD and KAFKA_SASL_PASSWORD_FILE are both set; use one");

    problems =
        parse_common({{"KAFKA_PROPERTIES_FILE", "/nonexistent/etp-kafka.properties"}}, common);
    REQUIRE(problems.size() == 1);
    CHECK(problems[0].starts_with(
        "KAFKA_PROPERTIES_FILE=\"/nonexistent/etp-kafka.properties\" cannot be read: "));
}

TEST_CASE("the Kafka properties and password files are read at start") {
    TempFile properties("# tuning\nsocket.keepalive.enable = true\nsecurity.protocol=sasl_ssl\n");
    TempFile password("from-a-file\n");
    etp::runtime::CommonConfig common;
    auto problems = parse_common({{"KAFKA_PROPERTIES_FILE", properties.path.string()},
                                  {"KAFKA_SASL_MECHANISM", "SCRAM-SHA-512"},
                                  {"KAFKA_SASL_USERNAME", "etp"},
                                  {"KAFKA_SASL_PASSWORD_FILE", password.path.string()}},
                                 common);
    CHECK(problems.empty());
    CHECK(common.kafka_properties ==
          std::map<std::string, std::string>{{"security.protocol", "sasl_ssl"},
                                             {"socket.keepalive.enable", "true"},
                                             {"sasl.mechanism", "SCRAM-SHA-512"},
                                             {"sasl.username", "etp"},
                                             {"sasl.password", "from-a-file"}});

    TempFile broken("socket.keepalive.enable=true\nsasl.password hunter2\n");
    problems = parse_common({{"KAFKA_PROPERTIES_FILE", broken.path.string()}}, common);
    CHECK(problems == std::vector<std::string>{"KAFKA_PROPERTIES_FILE line 2: expected key=value"});
}

TEST_CASE("a bad value is reported alone, not again by the cross-checks") {
    etp::runtime::CommonConfig common;
    // The protocol is refused; the mechanism must not also be reported as lacking one.
    auto problems = parse_common(
        {{"KAFKA_SECURITY_PROTOCOL", "sasl"}, {"KAFKA_SASL_MECHANISM", "PLAIN"}}, common);
    REQUIRE(problems.size() == 1);
    CHECK(problems[0].starts_with("KAFKA_SECURITY_PROTOCOL=\"sasl\""));
}

TEST_CASE("ADMIN_HOST takes host names and IP addresses, IPv6 with or without brackets") {
    auto host_of = [](const std::string& value) -> std::optional<std::string> {
        etp::runtime::CommonConfig config;
        ConfigSpec spec("svc", "test");
        etp::runtime::add_common(spec, config, 9100);
        bool help = false;
        auto problems = spec.parse(env_of({{"ADMIN_HOST", value}}), {}, &help);
        if (!problems.empty()) return std::nullopt;
        return config.admin_host;
    };
    CHECK(host_of("0.0.0.0") == "0.0.0.0");
    CHECK(host_of("127.0.0.1") == "127.0.0.1");
    CHECK(host_of("admin.internal") == "admin.internal");
    CHECK(host_of("::1") == "::1");
    CHECK(host_of("[::]") == "::");
    CHECK_FALSE(host_of(""));
    CHECK_FALSE(host_of("not a host"));
    CHECK_FALSE(host_of("10.0.0.1:9101"));
}

// Issue 22: a malformed DATABASE_URL was echoed in the config error with its password.
TEST_CASE("a bad PostgreSQL URL is echoed without its password") {
    using etp::runtime::redact_postgres_url;
    CHECK(redact_postgres_url("postgresql://etp:s3cret@db:5432/etp") ==
          "postgresql://etp:***@db:5432/etp");
    CHECK(redact_postgres_url("postgresql://etp:pa/ss@w@rd@db:notaport/etp") ==
          "postgresql://etp:***@db:notaport/etp");
    CHECK(redact_postgres_url("postgres://db/etp?user=etp&password=s3cret&sslmode=x") ==
          "postgres://db/etp?user=etp&password=***&sslmode=x");
    CHECK(redact_postgres_url("host=db password='s3 cr\\'et' port=x") ==
          "host=db password=*** port=x");
    CHECK(redact_postgres_url("host=db PASSWORD = s3cret user=etp") ==
          "host=db PASSWORD = *** user=etp");
    CHECK(redact_postgres_url("postgresql://etp@db/etp") == "postgresql://etp@db/etp");
    CHECK(redact_postgres_url("postgresql://db/etp") == "postgresql://db/etp");

    std::string url;
    std::string source;
    ConfigSpec spec("svc", "A service.");
    spec.postgres_url("DATABASE_URL", "postgresql://etp@127.0.0.1:5432/etp", "db", url)
        .postgres_url("CDC_SOURCE_URL", "", "source", source);
    bool help = false;
    auto problems = spec.parse(env_of({{"DATABASE_URL", "postgresql://etp:s3cret@db:notaport/etp"},
                                       {"CDC_SOURCE_URL", "host=db password=s3cret port"}}),
                               {}, &help);
    REQUIRE(problems.size() == 2);
    CHECK(problems[0] ==
          "DATABASE_URL=\"postgresql://etp:***@db:notaport/etp\" must be a PostgreSQL URL such as "
          "postgresql://user:password@host:5432/dbname");
    CHECK(problems[1].find("CDC_SOURCE_URL=\"host=db password=*** port\"") == 0);
    for (const auto& p : problems) CHECK(p.find("s3cret") == std::string::npos);
}
