#pragma once

#include "etp/runtime/shutdown.hpp"
#include "scheduler_config.hpp"

namespace etp::scheduler {

// Runs until shutdown is requested; returns the process exit code.
int run_scheduler(const SchedulerConfig& config, runtime::ShutdownSignal& shutdown);

}  // namespace etp::scheduler
