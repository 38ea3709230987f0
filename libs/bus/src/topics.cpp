#include "etp/bus/topics.hpp"

namespace etp::bus {

std::vector<TopicSpec> Topics::all(int partitions) const {
    return {
        {trigger_changes(), partitions, true},  // latest definition per trigger id; tombstones
        {trigger_fired(), partitions, false},  {events(), partitions, false},
        {cdc_changes(), partitions, false},    {deliveries_dead(), partitions, false},
    };
}

}  // namespace etp::bus
