#pragma once
// Where and how a trigger's webhooks go: its target, retry policy and active signing secrets,
// read from PostgreSQL and kept for a short time so a busy trigger costs one lookup per TTL,
// not one per event. A changed or deleted trigger is seen within the TTL. Thread-safe.

#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "etp/domain/trigger.hpp"
#include "etp/pg/pool.hpp"

namespace etp::dispatcher {

struct DeliverySettings {
    Target target;
    RetryPolicy retry;
    std::vector<std::string> secrets;  // every unexpired secret signs
};

class DeliverySettingsCache {
 public:
    DeliverySettingsCache(pg::Pool& pool, std::chrono::milliseconds ttl);

    // Null when the trigger is gone or has no target. Throws etp::Error when PostgreSQL fails.
    std::shared_ptr<const DeliverySettings> get(const TriggerId& id);

 private:
    struct Entry {
        std::shared_ptr<const DeliverySettings> settings;
        std::chrono::steady_clock::time_point expires;
    };
    pg::Pool& pool_;
    const std::chrono::milliseconds ttl_;
    std::mutex mutex_;
    std::map<TriggerId, Entry> entries_;
};

}  // namespace etp::dispatcher
