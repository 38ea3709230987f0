#include "scheduler_metrics.hpp"

namespace etp::scheduler {

SchedulerMetrics& metrics() {
    auto& registry = runtime::metrics_registry();
    static auto& fires = prometheus::BuildCounter()
                             .Name("etp_scheduler_fires_total")
                             .Help("Scheduled slots fired (acknowledged by Kafka)")
                             .Register(registry);
    static auto& lag = prometheus::BuildHistogram()
                           .Name("etp_scheduler_fire_lag_seconds")
                           .Help("Kafka acknowledgement time of a firing minus its slot time")
                           .Register(registry);
    static auto& skipped = prometheus::BuildCounter()
                               .Name("etp_scheduler_skipped_slots_total")
                               .Help(
                                   "Due slots not fired: misfire policy skip or fire_once, or "
                                   "beyond fire_all's cap")
                               .Register(registry);
    static auto& misfires = prometheus::BuildCounter()
                                .Name("etp_scheduler_misfires_total")
                                .Help("Triggers found due later than SCHEDULER_MISFIRE_GRACE")
                                .Register(registry);
    static auto& backlog = prometheus::BuildGauge()
                               .Name("etp_scheduler_due_backlog")
                               .Help("Schedules due now and not yet fired")
                               .Register(registry);
    static auto& planned = prometheus::BuildCounter()
                               .Name("etp_scheduler_planned_total")
                               .Help("Schedules (re)planned after a trigger change")
                               .Register(registry);
    static auto& completed = prometheus::BuildCounter()
                                 .Name("etp_scheduler_completed_total")
                                 .Help("Triggers with no slot left, marked completed (inactive)")
                                 .Register(registry);
    static auto& failures = prometheus::BuildCounter()
                                .Name("etp_scheduler_failures_total")
                                .Help("Failed scheduler steps, by step (retried)")
                                .Register(registry);
    static SchedulerMetrics m{
        fires.Add({}),
        lag.Add({},
                prometheus::Histogram::BucketBoundaries{
                    0.001, 0.002, 0.003, 0.005, 0.0075, 0.01, 0.015, 0.02, 0.025, 0.03, 0.04, 0.05,
                    0.075, 0.1,   0.15,  0.2,   0.3,    0.5,  0.75,  1,    2,     5,    10}),
        skipped.Add({}),
        misfires.Add({}),
        backlog.Add({}),
        planned.Add({}),
        completed.Add({}),
        failures.Add({{"step", "claim"}}),
        failures.Add({{"step", "produce"}}),
        failures.Add({{"step", "plan"}})};
    return m;
}

}  // namespace etp::scheduler
