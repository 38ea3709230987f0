#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "etp/domain/secret_box.hpp"
#include "etp/runtime/config.hpp"

namespace etp::gateway {

struct GatewayConfig {
    runtime::CommonConfig common;
    std::string http_host;
    int http_port = 8080;
    std::int64_t http_threads = 16;    // handler threads for routes that may block
    std::int64_t http_io_threads = 0;  // 0: one per hardware thread
    std::int64_t http_max_connections = 10'000;
    std::chrono::milliseconds http_header_timeout{10'000};
    std::chrono::milliseconds http_idle_timeout{60'000};
    std::string admin_key;
    std::string swagger_ui_dir;
    std::string console_dir;         // the repository's web/console
    std::string console_vendor_dir;  // a node_modules directory holding preact and htm
    // 1: webhook targets may be loopback, private or link-local addresses (development, tests).
    std::int64_t allow_private_targets = 0;
    std::string cdc_source_url;
    std::string cdc_tables;  // CDC_TABLES as given; see etp::parse_cdc_tables
    std::shared_ptr<const secrets::SecretBox> secret_box;  // ETP_SECRET_KEY*
    bool migrate_only = false;
};

// The table that both parses the environment and prints --help.
runtime::ConfigSpec make_config_spec(GatewayConfig& config);

}  // namespace etp::gateway
