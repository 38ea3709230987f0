#include "etp/bus/topics.hpp"

#include "etp/bus/topic_catalog.hpp"

namespace etp::bus {

std::vector<TopicSpec> Topics::all(std::optional<int> partitions) const {
    std::vector<TopicSpec> specs;
    for (const TopicDefinition& topic : topic_catalog()) {
        specs.push_back(
            {prefix_ + topic.name, partitions.value_or(topic.partitions), topic.compacted()});
    }
    return specs;
}

}  // namespace etp::bus
