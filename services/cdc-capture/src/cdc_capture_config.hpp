#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "etp/runtime/config.hpp"

namespace etp::cdc_capture {

struct CdcCaptureConfig {
    runtime::CommonConfig common;
    std::string source_url;
    std::string slot = "etp_cdc";
    std::string publication = "etp_cdc";
    std::string tables;  // CDC_TABLES as given; see capture_tables()
    std::chrono::milliseconds trigger_refresh{1000};
    std::chrono::milliseconds heartbeat_interval{10000};
    std::chrono::milliseconds status_interval{10000};
    std::int64_t max_in_flight = 50000;
    std::string snapshot = "initial";  // CDC_SNAPSHOT: initial or never
};

runtime::ConfigSpec make_config_spec(CdcCaptureConfig& config);

// CDC_TABLES parsed: see etp::parse_cdc_tables (a system schema's table is refused too).
// Throws etp::Error(kInvalidInput) naming the first bad entry.
std::vector<std::string> capture_tables(const std::string& list);

}  // namespace etp::cdc_capture
