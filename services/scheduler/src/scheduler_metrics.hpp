#pragma once
// The scheduler's Prometheus metrics, registered once in the process-wide registry.
// Thread-safe (prometheus-cpp metrics are).

#include "etp/runtime/metrics.hpp"

namespace etp::scheduler {

struct SchedulerMetrics {
    prometheus::Counter& fires;             // firings acknowledged by Kafka
    prometheus::Histogram& fire_lag;        // acknowledged − slot, seconds
    prometheus::Counter& skipped_slots;     // due slots not fired (misfire policy, cap)
    prometheus::Counter& misfires;          // triggers found later than the grace
    prometheus::Gauge& due_backlog;         // due rows not yet fired
    prometheus::Counter& planned;           // rows (re)planned after a change
    prometheus::Counter& completed;         // triggers with no slot left, made inactive
    prometheus::Counter& claim_failures;    // claim/record transactions that failed
    prometheus::Counter& produce_failures;  // firings Kafka did not acknowledge
    prometheus::Counter& plan_failures;     // planning transactions that failed
};

SchedulerMetrics& metrics();

}  // namespace etp::scheduler
