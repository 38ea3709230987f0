#pragma once
// The platform's topics as data: proto/kafka/topics.json, built into the binary, so nothing
// reads the source tree at run time. Names here are suffixes; KAFKA_TOPIC_PREFIX goes in
// front (etp::bus::Topics). etp-topics creates topics from this; Topics::all() lists it.

#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace etp::bus {

struct TopicDefinition {
    std::string name;  // the suffix after the prefix, e.g. "trigger.changes"
    std::string description;
    int partitions = 0;
    int replication_factor = 0;  // the production aim; etp-topics may cap it
    // When set, retention.ms is EVENT_RETAIN_FOR (the event log's retention), not a constant.
    bool retention_follows_event_log = false;
    std::map<std::string, std::string> configs;  // Kafka topic configs, verbatim

    // cleanup.policy includes compact.
    bool compacted() const;
};

// Parses a catalog in the format of proto/kafka/topics.json. Throws Error(kInvalidInput) naming
// the first thing wrong (a missing field, a duplicate name, a config value that is no string).
std::vector<TopicDefinition> parse_topic_catalog(std::string_view json_text);

// The embedded proto/kafka/topics.json, parsed on first use. Thread-safe.
const std::vector<TopicDefinition>& topic_catalog();

}  // namespace etp::bus
