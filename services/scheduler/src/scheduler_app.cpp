#include "scheduler_app.hpp"

#include "etp/service/service_host.hpp"

namespace etp::scheduler {

int run_scheduler(const SchedulerConfig& config, runtime::ShutdownSignal& shutdown) {
    service::ServiceHost host("scheduler", config.common, 2);
    return host.run(shutdown);
}

}  // namespace etp::scheduler
