#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "etp/domain/secret_box.hpp"
#include "etp/runtime/config.hpp"

namespace etp::dispatcher {

struct DispatcherConfig {
    runtime::CommonConfig common;
    std::string group_id;
    std::int64_t batch_size = 500;
    std::chrono::milliseconds poll_timeout{200};
    std::chrono::milliseconds fetch_wait{20};
    std::int64_t delivery_max_in_flight = 10000;
    std::int64_t delivery_per_target = 8;
    std::int64_t delivery_io_threads = 0;  // 0: one per core
    std::string delivery_ca_file;
    std::string legacy_delivery_workers;  // DELIVERY_WORKERS: accepted, ignored
    std::chrono::milliseconds delivery_lease{30000};
    std::chrono::milliseconds delivery_poll_interval{500};
    std::int64_t delivery_max_in_memory = 20000;
    std::int64_t allow_private_targets = 0;
    std::shared_ptr<const secrets::SecretBox> secret_box;  // ETP_SECRET_KEY*
};

runtime::ConfigSpec make_config_spec(DispatcherConfig& config);

}  // namespace etp::dispatcher
