#pragma once
// Configuration from environment variables. One table both parses and prints --help, so the
// help can never drift from what is read. Not thread-safe; used once in main.

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "etp/runtime/log.hpp"

namespace etp::runtime {

class ConfigSpec {
 public:
    using EnvLookup = std::function<std::optional<std::string>(std::string_view name)>;

    ConfigSpec(std::string program, std::string summary);

    ConfigSpec& text(std::string name, std::string fallback, std::string help, std::string& out);
    // Like text, but the value is never echoed (in errors or --help defaults).
    ConfigSpec& secret(std::string name, std::string help, std::string& out);
    ConfigSpec& integer(std::string name, std::int64_t fallback, std::string help,
                        std::int64_t& out, std::int64_t min, std::int64_t max);
    ConfigSpec& port(std::string name, int fallback, std::string help, int& out);
    // A host name or IP address to bind or connect to; an IPv6 address with or without
    // brackets (stored without).
    ConfigSpec& host(std::string name, std::string fallback, std::string help, std::string& out);
    // "500ms", "30s", "5m", "2h", "1d", or sequences such as "1h30m".
    ConfigSpec& duration(std::string name, std::string fallback, std::string help,
                         std::chrono::milliseconds& out);
    // postgresql://user:pass@host:port/db?opts, or libpq "key=value ..." form.
    ConfigSpec& postgres_url(std::string name, std::string fallback, std::string help,
                             std::string& out);
    // Comma-separated host:port list.
    ConfigSpec& brokers(std::string name, std::string fallback, std::string help, std::string& out);
    ConfigSpec& log_level(std::string name, std::string fallback, std::string help,
                          log::Level& out);
    // One of `allowed`, compared case-insensitively and stored as spelled in `allowed`; an
    // empty value (the fallback "" included) means not set and is stored as "".
    ConfigSpec& choice(std::string name, std::string fallback, std::string help,
                       std::vector<std::string> allowed, std::string& out);
    // A command-line switch such as --migrate-only.
    ConfigSpec& flag(std::string argument, std::string help, bool& out);

    // A check across variables, run after every variable parsed without a problem (so it
    // never reports the consequence of a bad value); returns its problems, one line each.
    ConfigSpec& check(std::function<std::vector<std::string>()> rule);

    std::string help_text() const;

    // Returns the problems found (all of them, one line each); empty means every value parsed.
    // Sets *help_requested when --help or -h is among args.
    std::vector<std::string> parse(const EnvLookup& env, const std::vector<std::string>& args,
                                   bool* help_requested);

    // main()'s entry: reads the process environment and argv. Returns nullopt to go on, or
    // the exit code: 0 after printing --help, 2 after printing the problems on stderr.
    std::optional<int> parse_or_exit_code(int argc, char** argv);

 private:
    struct Var {
        std::string name;
        std::string fallback;  // as shown in --help
        std::string help;
        bool is_secret = false;
        // Parses text into the destination; returns an error message on failure.
        std::function<std::optional<std::string>(const std::string&)> apply;
        // How a bad value is echoed in its problem; as given when unset.
        std::function<std::string(const std::string&)> shown = {};
    };
    struct Flag {
        std::string argument;
        std::string help;
        bool* out;
    };

    ConfigSpec& add(Var var);

    std::string program_;
    std::string summary_;
    std::vector<Var> vars_;
    std::vector<Flag> flags_;
    std::vector<std::function<std::vector<std::string>()>> checks_;
};

// The longest duration parse_duration accepts: 100 years, so that one in nanoseconds, or added
// to any time up to the year 9999 in microseconds, cannot overflow.
inline constexpr std::chrono::milliseconds kMaxDuration = std::chrono::hours(24 * 36'500);

// Parsers exposed for tests and reuse. Each returns nullopt on bad input.
// parse_duration: also nullopt past kMaxDuration.
std::optional<std::chrono::milliseconds> parse_duration(std::string_view text);
bool is_valid_postgres_url(std::string_view text);
// The text with any password replaced by "***": the user info after the first ':' of a URL
// (up to the last '@', also in a URL too malformed to parse), and every password=... (URL query
// or libpq key=value form). For echoing a connection string that may be malformed.
std::string redact_postgres_url(std::string_view text);
bool is_valid_broker_list(std::string_view text);

// Settings every service shares.
struct CommonConfig {
    std::string database_url;
    std::string kafka_brokers;
    // librdkafka properties for every Kafka client the service creates (producers, consumers,
    // metadata requests): the KAFKA_* security settings over KAFKA_PROPERTIES_FILE. Pass as
    // bus::ProducerConfig::extra / ConsumerConfig::extra. Holds secrets: never log it as is
    // (describe_kafka_properties, redact_kafka_secrets).
    std::map<std::string, std::string> kafka_properties;
    std::string topic_prefix;
    log::Level log_level = log::Level::kInfo;
    std::string admin_host = "0.0.0.0";
    int admin_port = 0;
    std::chrono::milliseconds shutdown_timeout{8000};
    // DATABASE_STATEMENT_TIMEOUT: the statement_timeout of every pooled PostgreSQL connection;
    // zero leaves the server's setting.
    std::chrono::milliseconds statement_timeout{0};
};

// Adds the variables every service reads, the KAFKA_* security settings among them. Files
// named by KAFKA_PROPERTIES_FILE and KAFKA_SASL_PASSWORD_FILE are read during parse.
// `default_statement_timeout` is DATABASE_STATEMENT_TIMEOUT's default ("0s": off).
void add_common(ConfigSpec& spec, CommonConfig& config, int default_admin_port,
                const std::string& default_statement_timeout = "0s");

// The Kafka client's security settings (KAFKA_SECURITY_PROTOCOL, KAFKA_SASL_*, KAFKA_SSL_*,
// KAFKA_PROPERTIES_FILE) into librdkafka properties, for a program that does not take the
// whole add_common (etp-topics). add_common includes it. `properties` must outlive the parse.
void add_kafka_security(ConfigSpec& spec, std::map<std::string, std::string>& properties);

}  // namespace etp::runtime
