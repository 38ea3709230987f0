#include "etp/service/run_main.hpp"
#include "scheduler_app.hpp"

int main(int argc, char** argv) {
    return etp::service::run_main<etp::scheduler::SchedulerConfig>(
        argc, argv, {"scheduler", etp::scheduler::make_config_spec, etp::scheduler::run_scheduler});
}
