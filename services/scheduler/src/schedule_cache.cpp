#include "schedule_cache.hpp"

#include <algorithm>

namespace etp::scheduler {

ScheduleCache::ScheduleCache(std::size_t capacity)
    : capacity_(std::max<std::size_t>(capacity, 1)) {}

std::shared_ptr<const pg::StoredSchedule> ScheduleCache::get(const TriggerId& id,
                                                             std::int64_t version,
                                                             std::string_view schedule_json,
                                                             std::string_view payload_json,
                                                             Timestamp created_at) {
    Key key{id, version};
    {
        std::lock_guard lock(mutex_);
        if (auto it = entries_.find(key); it != entries_.end()) {
            recency_.splice(recency_.begin(), recency_, it->second.recency);
            return it->second.value;
        }
    }
    auto parsed = pg::ScheduleStore::parse_stored_schedule(schedule_json, payload_json, created_at);
    std::lock_guard lock(mutex_);
    insert_locked(key, parsed);
    return parsed;
}

void ScheduleCache::put(const TriggerId& id, std::int64_t version,
                        std::shared_ptr<const pg::StoredSchedule> value) {
    std::lock_guard lock(mutex_);
    insert_locked({id, version}, std::move(value));
}

void ScheduleCache::insert_locked(const Key& key, std::shared_ptr<const pg::StoredSchedule> value) {
    if (auto it = entries_.find(key); it != entries_.end()) {
        recency_.splice(recency_.begin(), recency_, it->second.recency);
        return;
    }
    recency_.push_front(key);
    entries_.emplace(key, Entry{std::move(value), recency_.begin()});
    while (entries_.size() > capacity_) {
        entries_.erase(recency_.back());
        recency_.pop_back();
    }
}

std::size_t ScheduleCache::size() const {
    std::lock_guard lock(mutex_);
    return entries_.size();
}

}  // namespace etp::scheduler
