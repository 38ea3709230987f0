#pragma once
// Answers of an expensive read query (GET /api/v1/events/aggregate scans the event log), kept
// per key for `ttl`. One computation per key at a time: callers asking for a key being computed
// wait for it and share the answer, so a burst of identical requests costs one scan. At most
// `max_running` computations run at once over all keys; a caller beyond that gets nullopt (the
// route answers 429), so varied keys cannot hold every database connection either. At most
// `max_entries` answers are kept; expired ones go first, then the oldest. A computation that
// throws leaves nothing behind: its waiters try again themselves. Thread-safe.

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>

namespace etp::gateway {

template <class Value>
class QueryCache {
 public:
    using Clock = std::chrono::steady_clock;

    QueryCache(Clock::duration ttl, std::size_t max_entries, std::size_t max_running)
        : ttl_(ttl), max_entries_(max_entries), max_running_(max_running) {}

    // The value for `key`: a cached one computed less than ttl ago, or one computed now by
    // `compute` (here or by a concurrent caller). Nullopt when max_running computations run.
    std::optional<Value> get(const std::string& key, const std::function<Value()>& compute) {
        std::unique_lock lock(mutex_);
        while (true) {
            auto it = entries_.find(key);
            if (it == entries_.end()) break;
            if (!it->second.computing) {
                if (Clock::now() - it->second.computed_at < ttl_) return it->second.value;
                break;
            }
            changed_.wait(lock);
        }
        if (running_ >= max_running_) return std::nullopt;
        entries_[key].computing = true;
        ++running_;
        lock.unlock();
        std::optional<Value> value;
        try {
            value = compute();
        } catch (...) {
            lock.lock();
            entries_.erase(key);
            --running_;
            changed_.notify_all();
            throw;
        }
        lock.lock();
        --running_;
        Entry& entry = entries_[key];
        entry.computing = false;
        entry.value = *value;
        entry.computed_at = Clock::now();
        evict_locked();
        changed_.notify_all();
        return value;
    }

 private:
    struct Entry {
        bool computing = false;
        Value value{};
        Clock::time_point computed_at{};
    };

    void evict_locked() {
        const auto now = Clock::now();
        for (auto it = entries_.begin(); it != entries_.end() && entries_.size() > max_entries_;)
            it = !it->second.computing && now - it->second.computed_at >= ttl_ ? entries_.erase(it)
                                                                               : std::next(it);
        while (entries_.size() > max_entries_) {
            auto oldest = entries_.end();
            for (auto it = entries_.begin(); it != entries_.end(); ++it)
                if (!it->second.computing && (oldest == entries_.end() ||
                                              it->second.computed_at < oldest->second.computed_at))
                    oldest = it;
            if (oldest == entries_.end()) return;  // all computing: they are few (max_running)
            entries_.erase(oldest);
        }
    }

    const Clock::duration ttl_;
    const std::size_t max_entries_;
    const std::size_t max_running_;
    std::mutex mutex_;  // guards entries_ and running_
    std::condition_variable changed_;
    std::map<std::string, Entry> entries_;
    std::size_t running_ = 0;
};

}  // namespace etp::gateway
