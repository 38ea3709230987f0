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
    // The change messages (docs/change-capture-debezium.md).
    std::string server_name = "etp";          // CDC_SERVER_NAME: source.name
    std::string topic_mode = "single";        // CDC_TOPIC_MODE: single | table
    std::string topic_prefix;                 // CDC_TOPIC_PREFIX; "" → server_name
    std::string value_encoding = "friendly";  // CDC_VALUE_ENCODING: friendly | debezium
    std::string emit_truncate = "false";      // CDC_EMIT_TRUNCATE
    std::string tombstones = "false";         // CDC_TOMBSTONES
};

runtime::ConfigSpec make_config_spec(CdcCaptureConfig& config);

// CDC_TABLES parsed: see etp::parse_cdc_tables (a system schema's table is refused too).
// Throws etp::Error(kInvalidInput) naming the first bad entry.
std::vector<std::string> capture_tables(const std::string& list);

}  // namespace etp::cdc_capture
