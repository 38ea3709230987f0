#pragma once

#include <chrono>
#include <string>

#include "etp/runtime/config.hpp"

namespace etp::retention {

struct RetentionConfig {
    runtime::CommonConfig common;
    std::chrono::milliseconds active_for{};
    std::chrono::milliseconds retain_for{};
    std::chrono::milliseconds interval{};
};

runtime::ConfigSpec make_config_spec(RetentionConfig& config);

}  // namespace etp::retention
