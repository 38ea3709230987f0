#include "cdc_metrics.hpp"

namespace etp::cdc_capture {

CdcMetrics& metrics() {
    auto& registry = runtime::metrics_registry();
    static auto& changes = prometheus::BuildCounter()
                               .Name("etp_cdc_changes_total")
                               .Help("Row changes published on etp.cdc.changes (acknowledged)")
                               .Register(registry);
    static auto& firings = prometheus::BuildCounter()
                               .Name("etp_cdc_firings_total")
                               .Help("cdc trigger firings published (acknowledged)")
                               .Register(registry);
    static auto& snapshot_rows =
        prometheus::BuildCounter()
            .Name("etp_cdc_snapshot_rows_total")
            .Help("Rows of initial table snapshots published on etp.cdc.changes (acknowledged)")
            .Register(registry);
    static auto& capture_lag =
        prometheus::BuildHistogram()
            .Name("etp_cdc_capture_lag_seconds")
            .Help("Kafka acknowledgement time of a change minus its commit time")
            .Register(registry);
    static auto& lag =
        prometheus::BuildGauge()
            .Name("etp_cdc_lag_seconds")
            .Help("Age of the oldest change not yet acknowledged by Kafka (0 when none)")
            .Register(registry);
    static auto& slot_lag = prometheus::BuildGauge()
                                .Name("etp_cdc_slot_lag_bytes")
                                .Help(
                                    "WAL between the source's current position and the slot's "
                                    "confirmed position")
                                .Register(registry);
    static auto& confirmed = prometheus::BuildGauge()
                                 .Name("etp_cdc_confirmed_lsn")
                                 .Help("The WAL position last confirmed to PostgreSQL")
                                 .Register(registry);
    static auto& leader = prometheus::BuildGauge()
                              .Name("etp_cdc_leader")
                              .Help("1 while this instance streams the slot, 0 while it waits")
                              .Register(registry);
    static auto& triggers = prometheus::BuildGauge()
                                .Name("etp_cdc_triggers")
                                .Help("Active cdc triggers loaded")
                                .Register(registry);
    static auto& tables = prometheus::BuildGauge()
                              .Name("etp_cdc_publication_tables")
                              .Help("Tables in the publication")
                              .Register(registry);
    static auto& refused =
        prometheus::BuildGauge()
            .Name("etp_cdc_refused_tables")
            .Help(
                "Tables CDC_TABLES or active cdc triggers name that are not in the publication "
                "(reasons in the platform database's cdc_table_status and the trigger warnings)")
            .Register(registry);
    static auto& failures = prometheus::BuildCounter()
                                .Name("etp_cdc_failures_total")
                                .Help("Failed capture steps, by step (retried)")
                                .Register(registry);
    static CdcMetrics m{
        changes.Add({}),
        firings.Add({}),
        snapshot_rows.Add({}),
        capture_lag.Add({}, prometheus::Histogram::BucketBoundaries{0.005, 0.01, 0.025, 0.05, 0.1,
                                                                    0.2, 0.5, 1, 2.5, 5, 10, 30}),
        lag.Add({}),
        slot_lag.Add({}),
        confirmed.Add({}),
        leader.Add({}),
        triggers.Add({}),
        tables.Add({}),
        refused.Add({}),
        failures.Add({{"step", "stream"}}),
        failures.Add({{"step", "refresh"}}),
    };
    return m;
}

}  // namespace etp::cdc_capture
