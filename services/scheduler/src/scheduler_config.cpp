#include "scheduler_config.hpp"

namespace etp::scheduler {

runtime::ConfigSpec make_config_spec(SchedulerConfig& config) {
    runtime::ConfigSpec spec(
        "scheduler",
        "Fires scheduled triggers (cron, interval, one-time) on time. In this build it connects to "
        "PostgreSQL and Kafka and reports health; firing arrives with the scheduler issue.");
    runtime::add_common(spec, config.common, 9102);
    return spec;
}

}  // namespace etp::scheduler
