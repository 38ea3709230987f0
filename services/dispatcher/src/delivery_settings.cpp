#include "delivery_settings.hpp"

#include "etp/pg/trigger_secret_store.hpp"
#include "etp/pg/trigger_store.hpp"

namespace etp::dispatcher {

DeliverySettingsCache::DeliverySettingsCache(pg::Pool& pool, std::chrono::milliseconds ttl)
    : pool_(pool), ttl_(ttl) {}

std::shared_ptr<const DeliverySettings> DeliverySettingsCache::get(const TriggerId& id) {
    auto now = std::chrono::steady_clock::now();
    {
        std::lock_guard lock(mutex_);
        auto it = entries_.find(id);
        if (it != entries_.end() && it->second.expires > now) return it->second.settings;
    }
    std::shared_ptr<const DeliverySettings> settings;
    {
        auto conn = pool_.acquire();
        auto trigger = pg::TriggerStore::get(*conn, id);
        if (trigger && trigger->spec.target) {
            auto s = std::make_shared<DeliverySettings>();
            s->target = *trigger->spec.target;
            s->retry = trigger->spec.retry;
            s->secrets = pg::TriggerSecretStore::active_secrets(*conn, id);
            settings = std::move(s);
        }
    }
    std::lock_guard lock(mutex_);
    if (entries_.size() > 10000) entries_.clear();  // bounded: many short-lived triggers
    entries_[id] = Entry{settings, now + ttl_};
    return settings;
}

}  // namespace etp::dispatcher
