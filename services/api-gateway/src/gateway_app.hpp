#pragma once

#include "etp/runtime/shutdown.hpp"
#include "gateway_config.hpp"

namespace etp::gateway {

// Migrates, then serves until shutdown is requested; returns the process exit code.
// Throws etp::Error / std::exception when a dependency cannot be reached at start.
int run_gateway(const GatewayConfig& config, runtime::ShutdownSignal& shutdown);

}  // namespace etp::gateway
