#pragma once

#include "etp/runtime/shutdown.hpp"
#include "retention_config.hpp"

namespace etp::retention {

// Runs until shutdown is requested; returns the process exit code.
int run_retention(const RetentionConfig& config, runtime::ShutdownSignal& shutdown);

}  // namespace etp::retention
