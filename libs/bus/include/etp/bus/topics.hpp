#pragma once
// The platform's topic names under a configurable prefix (KAFKA_TOPIC_PREFIX, default "etp.").
// The topics themselves (partitions, configs) are data: proto/kafka/topics.json, see
// topic_catalog.hpp; every name here is listed there (tests/unit/bus/topics_test.cpp).

#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace etp::bus {

struct TopicSpec {
    std::string name;
    int partitions;
    bool compacted;
};

class Topics {
 public:
    explicit Topics(std::string prefix = "etp.") : prefix_(std::move(prefix)) {}

    std::string trigger_changes() const { return prefix_ + "trigger.changes"; }
    std::string trigger_fired() const { return prefix_ + "trigger.fired"; }
    std::string events() const { return prefix_ + "events"; }
    std::string cdc_changes() const { return prefix_ + "cdc.changes"; }
    std::string deliveries_dead() const { return prefix_ + "deliveries.dead"; }

    // Every topic of the catalog (topic_catalog()), in its order, with its partition count or,
    // when given, `partitions` for all (the development broker's --partitions).
    std::vector<TopicSpec> all(std::optional<int> partitions = std::nullopt) const;

 private:
    std::string prefix_;
};

}  // namespace etp::bus
