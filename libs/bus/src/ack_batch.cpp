#include "etp/bus/ack_batch.hpp"

#include <algorithm>
#include <condition_variable>
#include <mutex>

namespace etp::bus {

struct AckBatch::State {
    std::mutex mutex;  // guards everything below
    std::condition_variable answered;
    std::size_t produced = 0;
    std::size_t acknowledged = 0;
    std::size_t failed = 0;
    std::string last_error;
};

AckBatch::AckBatch(Producer& producer) : producer_(producer), state_(std::make_shared<State>()) {}

void AckBatch::produce(OutgoingMessage message, std::function<void()> on_acked) {
    {
        // Counted first: the answer may come before produce() returns.
        std::lock_guard lock(state_->mutex);
        ++state_->produced;
    }
    try {
        producer_.produce(std::move(message), [state = state_, on_acked = std::move(on_acked)](
                                                  std::optional<Error> error) {
            if (!error && on_acked) on_acked();
            {
                std::lock_guard lock(state->mutex);
                if (error) {
                    ++state->failed;
                    state->last_error = error->what();
                } else {
                    ++state->acknowledged;
                }
            }
            state->answered.notify_all();
        });
    } catch (...) {
        std::lock_guard lock(state_->mutex);
        --state_->produced;
        throw;
    }
}

AckResult AckBatch::wait(std::chrono::steady_clock::time_point deadline,
                         const std::function<bool()>& give_up) const {
    using Clock = std::chrono::steady_clock;
    // Bounded steps: give_up is asked between them, and no wait is given a time_point::max().
    const auto step = give_up ? std::chrono::milliseconds(50) : std::chrono::milliseconds(1000);
    std::unique_lock lock(state_->mutex);
    auto all_answered = [this] {
        return state_->acknowledged + state_->failed == state_->produced;
    };
    while (!all_answered()) {
        const auto now = Clock::now();
        if (now >= deadline) break;
        if (give_up) {
            lock.unlock();
            const bool stop = give_up();
            lock.lock();
            if (stop) break;
        }
        state_->answered.wait_until(lock, std::min(deadline, now + step), all_answered);
    }
    AckResult result;
    result.produced = state_->produced;
    result.acknowledged = state_->acknowledged;
    result.failed = state_->failed;
    result.unanswered = state_->produced - state_->acknowledged - state_->failed;
    result.last_error = state_->last_error;
    return result;
}

}  // namespace etp::bus
