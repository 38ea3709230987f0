#pragma once

#include "cdc_capture_config.hpp"
#include "etp/runtime/shutdown.hpp"

namespace etp::cdc_capture {

// Runs until shutdown is requested; returns the process exit code.
int run_cdc_capture(const CdcCaptureConfig& config, runtime::ShutdownSignal& shutdown);

}  // namespace etp::cdc_capture
