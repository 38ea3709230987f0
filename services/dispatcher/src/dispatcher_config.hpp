#pragma once

#include <chrono>
#include <cstdint>

#include "etp/runtime/config.hpp"

namespace etp::dispatcher {

struct DispatcherConfig {
    runtime::CommonConfig common;
    std::string group_id;
    std::int64_t batch_size = 500;
    std::chrono::milliseconds poll_timeout{200};
};

runtime::ConfigSpec make_config_spec(DispatcherConfig& config);

}  // namespace etp::dispatcher
