#pragma once
// The retention service's Prometheus metrics, registered once in the process-wide registry.
// Thread-safe (prometheus-cpp metrics are).

#include "etp/runtime/metrics.hpp"

namespace etp::retention {

struct RetentionMetrics {
    prometheus::Counter& archived;             // events archived
    prometheus::Counter& deleted;              // events deleted (partitions + rows)
    prometheus::Counter& deliveries_deleted;   // deliveries + delivery_attempts rows
    prometheus::Counter& idempotency_deleted;  // expired idempotency keys
    prometheus::Counter& partitions_created;   // hourly partitions created ahead
    prometheus::Counter& partitions_dropped;   // hourly partitions dropped
    prometheus::Counter& default_rows_moved;   // rows moved out of events_default
    prometheus::Counter& passes_ok;            // passes that completed
    prometheus::Counter& passes_failed;        // passes that stopped on an error
    prometheus::Histogram& pass_seconds;       // duration of completed passes
    prometheus::Gauge& oldest_event_age;       // now − oldest stored triggered_at, seconds
    prometheus::Gauge& partitions;             // hourly partitions attached to events
    prometheus::Gauge& default_rows;           // rows in events_default
    prometheus::Gauge& active;                 // 1 while this instance holds the lock
};

RetentionMetrics& metrics();

}  // namespace etp::retention
