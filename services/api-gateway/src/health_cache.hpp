#pragma once
// The answer of GET /api/v1/health, which is public: checks of PostgreSQL and Kafka run at most
// once per `max_age` however many requests ask. The request that finds the answer older than
// that runs the checks (up to the checks' own timeouts); requests meanwhile get the previous
// answer at once, and only the very first ones wait for it. No thread of its own. A dependency
// that turns unavailable is logged with its reason once, and once when it answers again.
// Thread-safe.

#include <chrono>
#include <condition_variable>
#include <exception>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <utility>

#include "etp/runtime/log.hpp"

namespace etp::gateway {

class HealthCache {
 public:
    // nullopt when the dependency answers, else why not. May block.
    using Check = std::function<std::optional<std::string>()>;

    struct Status {
        std::optional<std::string> postgres;  // the reason, when PostgreSQL did not answer
        std::optional<std::string> kafka;     // the reason, when Kafka did not answer
        std::chrono::steady_clock::time_point checked_at;
    };

    HealthCache(Check postgres, Check kafka, std::chrono::steady_clock::duration max_age)
        : postgres_(std::move(postgres)), kafka_(std::move(kafka)), max_age_(max_age) {}

    Status get() {
        std::unique_lock lock(mutex_);
        if (status_ && std::chrono::steady_clock::now() - status_->checked_at < max_age_)
            return *status_;
        if (refreshing_) {
            if (status_) return *status_;
            refreshed_.wait(lock, [this] { return !refreshing_; });
            return *status_;
        }
        refreshing_ = true;
        lock.unlock();
        Status fresh{run(postgres_), run(kafka_), std::chrono::steady_clock::now()};
        lock.lock();
        log_change("postgres", status_ ? status_->postgres : std::nullopt, fresh.postgres);
        log_change("kafka", status_ ? status_->kafka : std::nullopt, fresh.kafka);
        status_ = fresh;
        refreshing_ = false;
        refreshed_.notify_all();
        return fresh;
    }

 private:
    static std::optional<std::string> run(const Check& check) {
        try {
            return check();
        } catch (const std::exception& e) {
            return std::string(e.what());
        }
    }

    static void log_change(const char* dependency, const std::optional<std::string>& before,
                           const std::optional<std::string>& now) {
        if (now && !before)
            log::warn("health check failed", {{"dependency", dependency}, {"error", *now}});
        else if (!now && before)
            log::info("health check passes again", {{"dependency", dependency}});
    }

    const Check postgres_;
    const Check kafka_;
    const std::chrono::steady_clock::duration max_age_;
    std::mutex mutex_;  // guards status_ and refreshing_
    std::condition_variable refreshed_;
    std::optional<Status> status_;
    bool refreshing_ = false;
};

}  // namespace etp::gateway
