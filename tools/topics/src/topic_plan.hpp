#pragma once
// What each topic should look like on a given cluster: the catalog (proto/kafka/topics.json)
// under the prefix, with EVENT_RETAIN_FOR and the replication factor the cluster can hold.
// Pure; no I/O.

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "etp/bus/topic_catalog.hpp"

namespace etp::topics {

struct WantedTopic {
    std::string name;  // with the prefix
    int partitions = 0;
    int replication_factor = 0;
    int catalog_replication_factor = 0;  // what topics.json asks for, before any cap
    std::map<std::string, std::string> configs;
};

struct PlanInput {
    std::string prefix;
    std::chrono::milliseconds event_retain_for{};
    // KAFKA_TOPIC_REPLICATION_FACTOR: used as given for every topic. Without it, each topic's
    // catalog value capped at broker_count.
    std::optional<int> replication_factor;
    int broker_count = 0;
};

std::vector<WantedTopic> plan_topics(const std::vector<bus::TopicDefinition>& catalog,
                                     const PlanInput& input);

// The min.insync.replicas a topic with this replication factor gets when the catalog wants
// `wanted`: at most replication_factor - 1 (so one replica may be down), at least 1.
int min_insync_replicas_for(int wanted, int replication_factor);

}  // namespace etp::topics
