#pragma once

#include <chrono>
#include <string>

#include "etp/runtime/config.hpp"

namespace etp::cdc_capture {

struct CdcCaptureConfig {
    runtime::CommonConfig common;
    std::string source_url;
};

runtime::ConfigSpec make_config_spec(CdcCaptureConfig& config);

}  // namespace etp::cdc_capture
