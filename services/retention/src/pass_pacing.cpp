#include "pass_pacing.hpp"

#include <algorithm>
#include <utility>

namespace etp::retention {

std::chrono::microseconds rest_after(std::chrono::steady_clock::duration work,
                                     std::int64_t work_percent) {
    const auto us = std::chrono::duration_cast<std::chrono::microseconds>(work).count();
    if (us <= 0 || work_percent >= 100) return std::chrono::microseconds(0);
    const std::int64_t p = std::max<std::int64_t>(work_percent, 1);
    return std::chrono::microseconds(us * (100 - p) / p);
}

PassPacer::PassPacer(std::int64_t work_percent, std::function<bool()> stopping, Rest rest)
    : work_percent_(work_percent),
      stopping_(std::move(stopping)),
      rest_(std::move(rest)),
      since_(std::chrono::steady_clock::now()) {}

bool PassPacer::next_step() {
    if (rest_) {
        const auto owed = rest_after(std::chrono::steady_clock::now() - since_, work_percent_);
        if (owed.count() > 0) {
            const auto began = std::chrono::steady_clock::now();
            const bool go_on = rest_(owed);
            rested_ += std::chrono::steady_clock::now() - began;
            if (!go_on) return false;
        }
    }
    since_ = std::chrono::steady_clock::now();
    return !stopping_();
}

}  // namespace etp::retention
