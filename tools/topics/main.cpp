// etp-topics: creates the platform's Kafka topics that are missing and reports the ones that
// differ from proto/kafka/topics.json. See --help and docs/kafka-topics.md.

#include <exception>
#include <iostream>

#include "etp/runtime/log.hpp"
#include "topic_report.hpp"
#include "topics_command.hpp"
#include "topics_config.hpp"

int main(int argc, char** argv) {
    etp::topics::TopicsConfig config;
    if (auto code = etp::topics::parse_command_line_or_exit_code(argc, argv, config)) return *code;
    etp::log::init("etp-topics", config.log_level);
    try {
        return etp::topics::run_topics(config, config.kafka_properties, std::cout, std::cerr);
    } catch (const std::exception& e) {
        etp::log::error("etp-topics failed", {{"error", e.what()}});
        return etp::topics::kExitNotAsWanted;
    }
}
