#pragma once
// The platform's topic names under a configurable prefix (KAFKA_TOPIC_PREFIX, default "etp.").

#include <string>
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

    // Every topic with the partition count the development broker creates it with.
    std::vector<TopicSpec> all(int partitions = 16) const;

 private:
    std::string prefix_;
};

}  // namespace etp::bus
