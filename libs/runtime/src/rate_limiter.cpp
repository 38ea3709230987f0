#include "etp/runtime/rate_limiter.hpp"

#include <utility>

namespace etp::runtime {

std::optional<long> RateLimiter::admit(const std::string& key) {
    const auto now = std::chrono::steady_clock::now();
    std::lock_guard lock(mutex_);
    auto [it, inserted] = slots_.try_emplace(key);
    Slot& slot = it->second;
    if (!inserted && now - slot.last < interval_) {
        ++slot.dropped;
        return std::nullopt;
    }
    slot.last = now;
    return std::exchange(slot.dropped, 0);
}

}  // namespace etp::runtime
