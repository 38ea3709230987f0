#include "topic_plan.hpp"

#include <algorithm>
#include <charconv>

namespace etp::topics {

int min_insync_replicas_for(int wanted, int replication_factor) {
    return std::max(1, std::min(wanted, replication_factor - 1));
}

std::vector<WantedTopic> plan_topics(const std::vector<bus::TopicDefinition>& catalog,
                                     const PlanInput& input) {
    std::vector<WantedTopic> wanted;
    for (const bus::TopicDefinition& topic : catalog) {
        WantedTopic out;
        out.name = input.prefix + topic.name;
        out.partitions = topic.partitions;
        out.catalog_replication_factor = topic.replication_factor;
        out.replication_factor = input.replication_factor.value_or(
            std::min(topic.replication_factor, std::max(1, input.broker_count)));
        out.configs = topic.configs;
        if (topic.retention_follows_event_log) {
            out.configs["retention.ms"] = std::to_string(input.event_retain_for.count());
        }
        if (auto it = out.configs.find("min.insync.replicas"); it != out.configs.end()) {
            int min_isr = 0;
            const auto [end, ec] =
                std::from_chars(it->second.data(), it->second.data() + it->second.size(), min_isr);
            // A value that is no number goes to the broker as written; it will say what's wrong.
            if (ec == std::errc{} && end == it->second.data() + it->second.size()) {
                it->second =
                    std::to_string(min_insync_replicas_for(min_isr, out.replication_factor));
            }
        }
        wanted.push_back(std::move(out));
    }
    return wanted;
}

}  // namespace etp::topics
