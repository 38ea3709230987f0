#include "retention_config.hpp"

#include "etp/domain/event_retention.hpp"

namespace etp::retention {

runtime::ConfigSpec make_config_spec(RetentionConfig& config) {
    runtime::ConfigSpec spec(
        "retention",
        "Keeps the event log's promise: an event is active for EVENT_ACTIVE_FOR, archived until "
        "EVENT_RETAIN_FOR, then deleted with its deliveries. Every RETENTION_INTERVAL one pass "
        "creates the hourly events partitions ahead, archives events older than "
        "EVENT_ACTIVE_FOR (by moving the archive watermark: one row, however many events; an "
        "event archived by hand keeps its time), deletes "
        "expired delivery rows, drops whole partitions past EVENT_RETAIN_FOR and deletes the "
        "rows left past that boundary, counting deleted events per trigger for lifetime_total, "
        "and deletes expired idempotency keys. Each step is its own short transaction; a crash "
        "leaves consistent data and the next pass finishes the work. One instance is active "
        "(PostgreSQL advisory lock); others stand by, ready, and take over when it dies. "
        "Durations: 90s, 15m, 2h, 2d.");
    runtime::add_common(spec, config.common, 9105);
    spec.duration("EVENT_ACTIVE_FOR", "2h", "how long an event stays active before it is archived",
                  config.active_for)
        .duration("EVENT_RETAIN_FOR", std::string(kEventRetainForDefault),
                  "how long an event is kept before it is deleted (must exceed EVENT_ACTIVE_FOR)",
                  config.retain_for)
        .duration("RETENTION_INTERVAL", "1m", "how often a pass runs", config.interval)
        .integer("RETENTION_PARTITIONS_AHEAD", pg::kPartitionsAhead.count(),
                 "hours of hourly events partitions kept created ahead of now",
                 config.partitions_ahead, 2, 24 * 31)
        .integer("RETENTION_BATCH_SIZE", 10000,
                 "rows deleted per transaction; smaller batches hold row locks for less time",
                 config.batch_size, 1, 1000000)
        .duration("RETENTION_LOCK_TIMEOUT", "2s",
                  "how long partition DDL (create, drop) waits for its table locks before it "
                  "gives up until the next pass, so inserts never queue behind it for longer",
                  config.lock_timeout)
        .integer("RETENTION_WORK_PERCENT", 25,
                 "share of a pass's span its statements may fill: after a step that ran for t "
                 "the pass rests t*(100-p)/p, so that event logging next to it slows less "
                 "while it runs; 100 = no rests",
                 config.work_percent, 1, 100)
        .flag("--once",
              "run one pass and exit (for a Kubernetes CronJob): 0 when it completed, 1 when it "
              "failed or another instance kept the retention lock for 30 s",
              config.once)
        .check([&config] {
            std::vector<std::string> problems;
            if (config.retain_for <= config.active_for)
                problems.push_back("EVENT_RETAIN_FOR must be longer than EVENT_ACTIVE_FOR");
            if (config.interval <= std::chrono::milliseconds(0))
                problems.push_back("RETENTION_INTERVAL must be positive");
            return problems;
        });
    return spec;
}

}  // namespace etp::retention
