#include "target_queues.hpp"

namespace etp::dispatcher {

void TargetQueues::push(DeliveryJob job) {
    Origin& origin = origins_[job.url.origin];
    origin.queue.push_back(std::move(job));
    make_ready(origin);
}

void TargetQueues::make_ready(Origin& origin) {
    std::size_t limit = origin.failing_streak >= kFailingStreak ? 1 : per_target_;
    if (origin.ready || origin.queue.empty() || origin.in_flight >= limit) return;
    origin.ready = true;
    ready_.push_back(&origin);
}

std::vector<DeliveryJob> TargetQueues::take(Clock::time_point now) {
    std::vector<DeliveryJob> jobs;
    while (in_flight_ < max_in_flight_ && !ready_.empty()) {
        Origin& origin = *ready_.front();
        ready_.pop_front();
        origin.ready = false;
        if (origin.queue.empty()) continue;
        jobs.push_back(std::move(origin.queue.front()));
        origin.queue.pop_front();
        ++origin.in_flight;
        ++in_flight_;
        origin.last_used = now;
        make_ready(origin);  // round-robin: back of the line if it has more
    }
    return jobs;
}

bool TargetQueues::finish(const std::string& origin_key, bool failed) {
    auto it = origins_.find(origin_key);
    // An origin with attempts in flight is never pruned.
    if (it == origins_.end() || it->second.in_flight == 0) return false;
    Origin& origin = it->second;
    --origin.in_flight;
    --in_flight_;
    if (failed)
        ++origin.failing_streak;
    else
        origin.failing_streak = 0;
    make_ready(origin);
    return true;
}

void TargetQueues::prune_idle(Clock::time_point cutoff) {
    std::erase_if(origins_, [&](const auto& entry) {
        const Origin& o = entry.second;
        return o.queue.empty() && o.in_flight == 0 && !o.ready && o.last_used < cutoff;
    });
}

void TargetQueues::clear() {
    origins_.clear();
    ready_.clear();
}

}  // namespace etp::dispatcher
