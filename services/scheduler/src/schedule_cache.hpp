#pragma once
// Parsed schedules by (trigger id, version), least recently used dropped first: a trigger's
// stored schedule is parsed (full validation, cron, time zone) once per version rather than once
// per firing. A new version is a new key; old ones age out. Thread-safe (one mutex, never held
// while parsing).

#include <cstdint>
#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <string_view>
#include <utility>

#include "etp/pg/schedule_store.hpp"

namespace etp::scheduler {

class ScheduleCache {
 public:
    explicit ScheduleCache(std::size_t capacity);

    // The cached schedule, or the parsed one (then cached). Throws what
    // pg::ScheduleStore::parse_stored_schedule throws.
    std::shared_ptr<const pg::StoredSchedule> get(const TriggerId& id, std::int64_t version,
                                                  std::string_view schedule_json,
                                                  std::string_view payload_json,
                                                  Timestamp created_at);
    // Stores an already parsed schedule (the planner warms the cache for slots due soon).
    void put(const TriggerId& id, std::int64_t version,
             std::shared_ptr<const pg::StoredSchedule> value);
    std::size_t size() const;

 private:
    using Key = std::pair<TriggerId, std::int64_t>;
    struct Entry {
        std::shared_ptr<const pg::StoredSchedule> value;
        std::list<Key>::iterator recency;
    };

    void insert_locked(const Key& key, std::shared_ptr<const pg::StoredSchedule> value);

    const std::size_t capacity_;
    mutable std::mutex mutex_;  // guards entries_ and recency_
    std::map<Key, Entry> entries_;
    std::list<Key> recency_;  // most recently used first
};

}  // namespace etp::scheduler
