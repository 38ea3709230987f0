#pragma once
// How an existing topic differs from what is wanted. etp-topics never changes an existing
// topic, so this is all it does with one: report. Pure; no I/O.
//
// Drift (exit 1): fewer partitions or replicas than wanted, another cleanup.policy, a shorter
// retention.ms, a lower min.insync.replicas (or one above the replication factor, which makes
// every acks=all write fail), any other catalog config with another value.
// Fine, but noted: more partitions or replicas, a longer (or unlimited) retention.ms, a higher
// min.insync.replicas the replicas can meet.

#include <map>
#include <string>
#include <vector>

#include "topic_plan.hpp"

namespace etp::topics {

struct ObservedState {
    int partitions = 0;
    int replication_factor = 0;
    std::map<std::string, std::string> configs;  // as the broker reports them, defaults included
};

struct Comparison {
    std::vector<std::string> drift;  // empty: the topic is as wanted
    std::vector<std::string> notes;  // differences that are fine
};

Comparison compare_topic(const WantedTopic& wanted, const ObservedState& observed);

// "2d", "48h", "90m", "1500ms": the largest unit that divides the duration evenly.
std::string format_ms(long long ms);

}  // namespace etp::topics
