#include "trigger_cache.hpp"

#include <cstring>

#include "etp/pg/trigger_store.hpp"

namespace etp::gateway {

std::size_t TriggerCache::IdHash::operator()(const TriggerId& id) const noexcept {
    std::size_t h = 0;
    std::memcpy(&h, id.value.bytes().data() + 8, sizeof h);  // the random half of a v7 UUID
    return h;
}

std::shared_ptr<const CachedTrigger> TriggerCache::get(const TriggerId& id) {
    auto now = std::chrono::steady_clock::now();
    {
        std::lock_guard lock(mutex_);
        auto it = entries_.find(id);
        if (it != entries_.end() && it->second.expires > now) return it->second.value;
    }
    std::optional<Trigger> trigger;
    {
        auto conn = pool_.acquire();
        trigger = pg::TriggerStore::get(*conn, id);
    }
    // Absence is not cached: a trigger created on another replica is found at once, and
    // requests for random ids cannot grow the cache.
    if (!trigger) return nullptr;
    auto value = std::make_shared<CachedTrigger>();
    if (!trigger->spec.api_schema.is_null())
        value->schema = PayloadSchema::compile(trigger->spec.api_schema, "/api_schema");
    value->trigger = std::move(*trigger);
    std::lock_guard lock(mutex_);
    if (entries_.size() > 100'000) entries_.clear();
    entries_[id] = {value, now + kTriggerCacheTtl};
    return value;
}

void TriggerCache::invalidate(const TriggerId& id) {
    std::lock_guard lock(mutex_);
    entries_.erase(id);
}

}  // namespace etp::gateway
