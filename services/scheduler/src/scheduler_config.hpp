#pragma once

#include <chrono>
#include <string>

#include "etp/runtime/config.hpp"

namespace etp::scheduler {

struct SchedulerConfig {
    runtime::CommonConfig common;
};

runtime::ConfigSpec make_config_spec(SchedulerConfig& config);

}  // namespace etp::scheduler
