#include "scheduler_app.hpp"

#include "etp/bus/topics.hpp"
#include "etp/service/service_host.hpp"
#include "firing_loop.hpp"
#include "schedule_cache.hpp"
#include "schedule_planner.hpp"

namespace etp::scheduler {

int run_scheduler(const SchedulerConfig& config, runtime::ShutdownSignal& shutdown) {
    const auto workers = static_cast<std::size_t>(config.workers);
    // Connections: one per firing worker, the planner, readiness.
    service::ServiceHost host("scheduler", config.common, workers + 2);
    bus::Topics topics(config.common.topic_prefix);
    ScheduleCache cache(static_cast<std::size_t>(config.plan_cache_size));

    PlannerOptions planner_options;
    planner_options.batch_size = static_cast<std::size_t>(config.batch_size);
    planner_options.poll_interval = config.poll_interval;
    planner_options.backlog_interval = config.backlog_interval;
    SchedulePlanner planner(host.pool(), cache, planner_options);

    FiringOptions firing_options;
    firing_options.workers = workers;
    firing_options.batch_size = static_cast<std::size_t>(config.batch_size);
    firing_options.lookahead = config.lookahead;
    firing_options.poll_interval = config.poll_interval;
    firing_options.misfire_grace = config.misfire_grace;
    // Half the shutdown budget for the batch in hand; the rest flushes the producer.
    firing_options.stop_ack_wait = config.common.shutdown_timeout / 2;
    FiringLoop firing(host.pool(), host.producer(), topics, cache, firing_options);

    host.add_check({"schedule planning", [&planner] { return planner.check(); }});
    host.add_check({"scheduled firing", [&firing] { return firing.check(); }});
    // Started in this order and stopped in reverse: firing stops first.
    host.add(planner);
    host.add(firing);
    return host.run(shutdown);
}

}  // namespace etp::scheduler
