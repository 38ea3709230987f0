#pragma once

#include "etp/runtime/shutdown.hpp"
#include "retention_config.hpp"
#include "retention_pass.hpp"

namespace etp::retention {

// Runs until shutdown is requested; returns the process exit code.
int run_retention(const RetentionConfig& config, runtime::ShutdownSignal& shutdown);

// `retention --once`: takes the retention lock (waiting up to 30 s for an active instance to
// let go), runs one pass and returns 0 when it completed, 1 otherwise. Uses PostgreSQL only.
int run_retention_once(const RetentionConfig& config);

PassOptions pass_options(const RetentionConfig& config);

}  // namespace etp::retention
