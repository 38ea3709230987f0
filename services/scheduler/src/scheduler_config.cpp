#include "scheduler_config.hpp"

namespace etp::scheduler {

runtime::ConfigSpec make_config_spec(SchedulerConfig& config) {
    runtime::ConfigSpec spec(
        "scheduler",
        "Fires scheduled triggers (cron, interval, one-time) on time, in their time zone, once "
        "per slot: due rows of the schedules table are claimed with FOR UPDATE SKIP LOCKED, so "
        "any number of replicas share the work; each slot becomes an etp.trigger.fired message "
        "whose event id is derived from (trigger id, slot). After downtime each trigger's "
        "misfire policy (fire_once, skip, fire_all) decides what is caught up.");
    runtime::add_common(spec, config.common, 9102);
    spec.integer("SCHEDULER_BATCH_SIZE", 1000,
                 "due schedules claimed per transaction by one worker", config.batch_size, 1, 10000)
        .integer("SCHEDULER_WORKERS", 16,
                 "firing workers, each with its own database connection; they take turns to "
                 "claim, so a burst of due slots (many triggers on the same second) is claimed "
                 "batch after batch within the lookahead and fired at once; "
                 "workers x batch size bounds the slots fired at the same instant without lag",
                 config.workers, 1, 64)
        .duration("SCHEDULER_LOOKAHEAD", "200ms",
                  "how far ahead of their slot schedules are claimed; each firing is still "
                  "produced at its slot, not before",
                  config.lookahead)
        .duration("SCHEDULER_POLL_INTERVAL", "25ms",
                  "pause between looks for due and changed (unplanned) schedules when there is "
                  "nothing to do",
                  config.poll_interval)
        .duration("SCHEDULER_MISFIRE_GRACE", "5s",
                  "a slot fired later than this after its time counts as misfired, and the "
                  "trigger's misfire policy decides (fire_once, skip, fire_all)",
                  config.misfire_grace)
        .duration("SCHEDULER_BACKLOG_INTERVAL", "5s",
                  "how often etp_scheduler_due_backlog is counted", config.backlog_interval)
        .integer("SCHEDULER_PLAN_CACHE", 100000,
                 "parsed schedules kept in memory, one per (trigger, version); least recently "
                 "used dropped first",
                 config.plan_cache_size, 100, 10000000);
    return spec;
}

}  // namespace etp::scheduler
