#pragma once
// etp-topics' settings: environment variables through runtime::ConfigSpec (the table that also
// prints --help) and the switches --check and --timeout. Read once in main.

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "etp/runtime/config.hpp"
#include "etp/runtime/log.hpp"

namespace etp::topics {

struct TopicsConfig {
    std::string kafka_brokers;
    std::string topic_prefix;
    // librdkafka properties of KAFKA_SECURITY_PROTOCOL, KAFKA_SASL_*, ... as every service has.
    std::map<std::string, std::string> kafka_properties;
    std::chrono::milliseconds event_retain_for{};
    // KAFKA_TOPIC_REPLICATION_FACTOR; 0: each topic's catalog value, capped at the brokers.
    std::int64_t replication_factor = 0;
    log::Level log_level = log::Level::kInfo;
    bool check = false;                        // --check: report only, create nothing
    std::chrono::milliseconds timeout{30000};  // --timeout: for the whole run
};

struct ParsedCommandLine {
    bool help_requested = false;
    std::string help_text;
    std::vector<std::string> problems;  // one line each; empty: every value parsed
};

// Parses the environment (through `env`) and the arguments into `config`.
ParsedCommandLine parse_command_line(const runtime::ConfigSpec::EnvLookup& env,
                                     const std::vector<std::string>& args, TopicsConfig& config);

// main's entry: nullopt to go on, or the exit code after printing --help (0, stdout) or the
// problems in one line (2, stderr).
std::optional<int> parse_command_line_or_exit_code(int argc, char** argv, TopicsConfig& config);

}  // namespace etp::topics
