#include <exception>

#include "etp/runtime/allocator.hpp"
#include "etp/runtime/log.hpp"
#include "scheduler_app.hpp"

int main(int argc, char** argv) {
    etp::runtime::tune_allocator();
    etp::scheduler::SchedulerConfig config;
    auto spec = etp::scheduler::make_config_spec(config);
    if (auto code = spec.parse_or_exit_code(argc, argv)) return *code;
    etp::runtime::ShutdownSignal shutdown;
    try {
        return etp::scheduler::run_scheduler(config, shutdown);
    } catch (const std::exception& e) {
        etp::log::error("scheduler failed", {{"error", e.what()}});
        return 1;
    }
}
