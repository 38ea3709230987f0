#include "retention_metrics.hpp"

namespace etp::retention {

RetentionMetrics& metrics() {
    auto& registry = runtime::metrics_registry();
    static auto& archived = prometheus::BuildCounter()
                                .Name("etp_retention_archived_total")
                                .Help("Events archived after EVENT_ACTIVE_FOR")
                                .Register(registry);
    static auto& deleted = prometheus::BuildCounter()
                               .Name("etp_retention_deleted_total")
                               .Help(
                                   "Events deleted after EVENT_RETAIN_FOR (dropped partitions "
                                   "and rows deleted one by one)")
                               .Register(registry);
    static auto& rows = prometheus::BuildCounter()
                            .Name("etp_retention_rows_deleted_total")
                            .Help("Other expired rows deleted, by table")
                            .Register(registry);
    static auto& partition_ops = prometheus::BuildCounter()
                                     .Name("etp_retention_partition_changes_total")
                                     .Help("Hourly events partitions created or dropped")
                                     .Register(registry);
    static auto& moved = prometheus::BuildCounter()
                             .Name("etp_retention_default_rows_moved_total")
                             .Help("Rows moved from events_default into a new hourly partition")
                             .Register(registry);
    static auto& passes = prometheus::BuildCounter()
                              .Name("etp_retention_passes_total")
                              .Help("Retention passes, by outcome")
                              .Register(registry);
    static auto& seconds = prometheus::BuildHistogram()
                               .Name("etp_retention_pass_seconds")
                               .Help("Duration of a completed retention pass")
                               .Register(registry);
    static auto& oldest = prometheus::BuildGauge()
                              .Name("etp_retention_oldest_event_age_seconds")
                              .Help(
                                  "Age of the oldest stored event (triggered_at), after the "
                                  "last pass; 0 when the log is empty")
                              .Register(registry);
    static auto& partitions = prometheus::BuildGauge()
                                  .Name("etp_retention_partitions")
                                  .Help("Hourly partitions attached to events, after the last pass")
                                  .Register(registry);
    static auto& default_rows = prometheus::BuildGauge()
                                    .Name("etp_retention_default_partition_rows")
                                    .Help(
                                        "Rows in events_default (no hourly partition fitted "
                                        "them), after the last pass")
                                    .Register(registry);
    static auto& active = prometheus::BuildGauge()
                              .Name("etp_retention_active")
                              .Help(
                                  "1 while this instance holds the retention lock and runs "
                                  "passes; 0 on a standby")
                              .Register(registry);
    static RetentionMetrics m{
        archived.Add({}),
        deleted.Add({}),
        rows.Add({{"table", "deliveries"}}),
        rows.Add({{"table", "idempotency_keys"}}),
        partition_ops.Add({{"change", "created"}}),
        partition_ops.Add({{"change", "dropped"}}),
        moved.Add({}),
        passes.Add({{"outcome", "completed"}}),
        passes.Add({{"outcome", "failed"}}),
        seconds.Add({}, prometheus::Histogram::BucketBoundaries{0.01, 0.025, 0.05, 0.1, 0.25, 0.5,
                                                                1, 2.5, 5, 10, 25, 60, 120, 300}),
        oldest.Add({}),
        partitions.Add({}),
        default_rows.Add({}),
        active.Add({})};
    return m;
}

}  // namespace etp::retention
