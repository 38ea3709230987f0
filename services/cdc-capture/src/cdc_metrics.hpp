#pragma once
// cdc-capture's Prometheus metrics, registered once in the process-wide registry. Thread-safe.

#include "etp/runtime/metrics.hpp"

namespace etp::cdc_capture {

struct CdcMetrics {
    prometheus::Counter& changes;        // changes acknowledged on etp.cdc.changes
    prometheus::Counter& firings;        // cdc trigger firings acknowledged on etp.trigger.fired
    prometheus::Counter& snapshot_rows;  // snapshot rows (op r) acknowledged on etp.cdc.changes
    prometheus::Histogram& capture_lag;  // Kafka ack time − commit time, seconds
    prometheus::Gauge& lag_seconds;      // now − commit time of the oldest unacknowledged change
    prometheus::Gauge& slot_lag_bytes;   // source WAL end − slot's confirmed_flush_lsn
    prometheus::Gauge& confirmed_lsn;    // the position last confirmed to PostgreSQL
    prometheus::Gauge& leader;           // 1 while this instance holds the slot
    prometheus::Gauge& triggers;         // active cdc triggers loaded
    prometheus::Gauge& tables;           // tables in the publication
    prometheus::Gauge& refused_tables;   // wanted tables left out (cdc_table_status)
    prometheus::Counter& stream_failures;   // streaming sessions that failed (reconnected)
    prometheus::Counter& refresh_failures;  // trigger reloads / publication updates that failed
};

CdcMetrics& metrics();

}  // namespace etp::cdc_capture
