#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include "etp/runtime/config.hpp"

namespace etp::scheduler {

struct SchedulerConfig {
    runtime::CommonConfig common;
    std::int64_t batch_size = 1000;
    std::int64_t workers = 16;
    std::chrono::milliseconds lookahead{200};
    std::chrono::milliseconds poll_interval{25};
    std::chrono::milliseconds misfire_grace{5000};
    std::chrono::milliseconds backlog_interval{5000};
    std::int64_t plan_cache_size = 100000;
};

runtime::ConfigSpec make_config_spec(SchedulerConfig& config);

}  // namespace etp::scheduler
