#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include "etp/pg/event_store.hpp"
#include "etp/runtime/config.hpp"

namespace etp::retention {

struct RetentionConfig {
    runtime::CommonConfig common;
    std::chrono::milliseconds active_for{};
    std::chrono::milliseconds retain_for{};
    std::chrono::milliseconds interval{};
    std::int64_t partitions_ahead = pg::kPartitionsAhead.count();  // hours
    std::int64_t batch_size = 10000;
    std::chrono::milliseconds lock_timeout{};
    std::int64_t work_percent = 25;
    bool once = false;  // --once: one pass, then exit
};

runtime::ConfigSpec make_config_spec(RetentionConfig& config);

}  // namespace etp::retention
