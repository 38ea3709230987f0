#include "topics_config.hpp"

#include <cstdlib>
#include <iostream>

#include "etp/domain/event_retention.hpp"
#include "topic_report.hpp"

namespace etp::topics {
namespace {

constexpr const char* kProgram = "etp-topics";

constexpr const char* kSummary =
    "Creates the platform's Kafka topics that are missing, as proto/kafka/topics.json (built in) "
    "describes them: partitions, replication factor, configs. Reports topics that exist but "
    "differ, and leaves them alone: it never deletes a topic nor changes one, because adding "
    "partitions sends a trigger's later messages to another partition than its earlier ones "
    "(breaking per-trigger order), and a config someone set is not overwritten silently; fix "
    "drift by hand (kafka-topics.sh, kafka-configs.sh). Safe to run any number of times. "
    "Prints one line per topic: '<topic>: created', 'ok', 'drift: <what>', 'missing' (--check) "
    "or 'failed: <why>'; logs go to stderr. Needs a broker with the Admin API (CreateTopics, "
    "DescribeConfigs): the development broker (librdkafka's mock, ETP_BROKER=dev) has neither "
    "and creates its own topics.\n\n"
    "Exit codes: 0 every topic exists as wanted; 1 a topic drifted, is missing (--check) or "
    "could not be created; 2 bad configuration; 3 Kafka did not answer within --timeout.";

// ConfigSpec knows switches only; the value of --timeout is taken out of the arguments here,
// and the switch is listed in the table for --help alone.
constexpr const char* kTimeoutHelpEntry = "--timeout=DURATION";

void extract_timeout(std::vector<std::string>& args, TopicsConfig& config,
                     std::vector<std::string>& problems) {
    std::vector<std::string> rest;
    std::optional<std::string> value;
    for (std::size_t i = 0; i < args.size(); ++i) {
        if (args[i] == "--timeout") {
            if (i + 1 == args.size()) {
                problems.push_back("--timeout needs a duration such as 30s");
                continue;
            }
            value = args[++i];
        } else if (args[i].starts_with("--timeout=")) {
            value = args[i].substr(std::string_view("--timeout=").size());
        } else {
            rest.push_back(args[i]);
        }
    }
    args = std::move(rest);
    if (!value) return;
    const auto timeout = runtime::parse_duration(*value);
    if (!timeout || timeout->count() <= 0) {
        problems.push_back("--timeout=\"" + *value +
                           "\" must be a positive duration such as 500ms, 30s or 2m");
        return;
    }
    config.timeout = *timeout;
}

}  // namespace

ParsedCommandLine parse_command_line(const runtime::ConfigSpec::EnvLookup& env,
                                     const std::vector<std::string>& args, TopicsConfig& config) {
    bool timeout_listed = false;  // never set: kTimeoutHelpEntry is no argument anyone types
    runtime::ConfigSpec spec(kProgram, kSummary);
    spec.brokers("KAFKA_BROKERS", "127.0.0.1:9092", "Kafka bootstrap servers", config.kafka_brokers)
        .text("KAFKA_TOPIC_PREFIX", "etp.", "prefix of every topic name", config.topic_prefix);
    runtime::add_kafka_security(spec, config.kafka_properties);
    spec.duration("EVENT_RETAIN_FOR", std::string(kEventRetainForDefault),
                  "how long the event log keeps an event (the retention service's setting); "
                  "the events topic keeps its messages as long (retention.ms)",
                  config.event_retain_for)
        .integer("KAFKA_TOPIC_REPLICATION_FACTOR", 0,
                 "replication factor of the topics created; 0: topics.json's (3), capped at "
                 "the number of brokers the cluster reports (logged when capped)",
                 config.replication_factor, 0, 32767)
        .log_level("LOG_LEVEL", "info", "debug, info, warn or error", config.log_level)
        .flag("--check", "report only: create nothing; a missing topic is reported (exit 1)",
              config.check)
        .flag(kTimeoutHelpEntry,
              "how long Kafka may take to answer, for the whole run (default 30s); exit 3 "
              "when it does not",
              timeout_listed);

    ParsedCommandLine parsed;
    std::vector<std::string> rest = args;
    std::vector<std::string> timeout_problems;
    extract_timeout(rest, config, timeout_problems);
    parsed.problems = spec.parse(env, rest, &parsed.help_requested);
    if (parsed.help_requested) {
        parsed.help_text = spec.help_text();
        return parsed;
    }
    parsed.problems.insert(parsed.problems.end(), timeout_problems.begin(), timeout_problems.end());
    return parsed;
}

std::optional<int> parse_command_line_or_exit_code(int argc, char** argv, TopicsConfig& config) {
    const ParsedCommandLine parsed = parse_command_line(
        [](std::string_view name) -> std::optional<std::string> {
            const char* value = std::getenv(std::string(name).c_str());
            if (value == nullptr) return std::nullopt;
            return std::string(value);
        },
        std::vector<std::string>(argv + 1, argv + argc), config);
    if (parsed.help_requested) {
        std::cout << parsed.help_text;
        return kExitOk;
    }
    if (!parsed.problems.empty()) {
        std::string line = std::string(kProgram) + ": invalid configuration: ";
        for (std::size_t i = 0; i < parsed.problems.size(); ++i) {
            if (i > 0) line += "; ";
            line += parsed.problems[i];
        }
        std::cerr << line << "\n";
        return kExitConfig;
    }
    return std::nullopt;
}

}  // namespace etp::topics
