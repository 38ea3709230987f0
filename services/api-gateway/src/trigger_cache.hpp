#pragma once
// The gateway's read-through cache of triggers for the fire path, so a fire costs no database
// round trip. Entries live kTriggerCacheTtl; this gateway's own writes invalidate at once, and
// other replicas' writes are seen within the TTL. The compiled payload schema is kept with
// the trigger. Thread-safe.

#include <chrono>
#include <memory>
#include <mutex>
#include <unordered_map>

#include "etp/domain/payload_schema.hpp"
#include "etp/domain/trigger.hpp"
#include "etp/pg/pool.hpp"

namespace etp::gateway {

inline constexpr std::chrono::milliseconds kTriggerCacheTtl{1000};

struct CachedTrigger {
    Trigger trigger;
    std::shared_ptr<const PayloadSchema> schema;  // null when the trigger has no api_schema
};

class TriggerCache {
 public:
    explicit TriggerCache(pg::Pool& pool) : pool_(pool) {}

    // nullptr when no such trigger exists.
    std::shared_ptr<const CachedTrigger> get(const TriggerId& id);
    void invalidate(const TriggerId& id);

 private:
    struct Entry {
        std::shared_ptr<const CachedTrigger> value;
        std::chrono::steady_clock::time_point expires;
    };
    struct IdHash {
        std::size_t operator()(const TriggerId& id) const noexcept;
    };

    pg::Pool& pool_;
    std::mutex mutex_;  // guards entries_
    std::unordered_map<TriggerId, Entry, IdHash> entries_;
};

}  // namespace etp::gateway
