#pragma once

#include "dispatcher_config.hpp"
#include "etp/runtime/shutdown.hpp"

namespace etp::dispatcher {

// Runs until shutdown is requested; returns the process exit code.
int run_dispatcher(const DispatcherConfig& config, runtime::ShutdownSignal& shutdown);

}  // namespace etp::dispatcher
