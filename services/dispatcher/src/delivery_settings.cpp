#include "delivery_settings.hpp"

#include "etp/pg/trigger_secret_store.hpp"
#include "etp/pg/trigger_store.hpp"

namespace etp::dispatcher {

std::shared_ptr<const DeliverySettings> BatchSettings::inline_for(const pg::DeliveryKey& key,
                                                                  const Target& target) {
    auto s = std::make_shared<DeliverySettings>();
    s->target = target;
    s->target.secret.reset();
    auto conn = pool_.acquire();
    if (auto secret = pg::DeliveryQueue::target_secret(*conn, box_, key))
        s->secrets = {std::move(*secret)};
    return s;
}

std::shared_ptr<const DeliverySettings> BatchSettings::get(const TriggerId& id) {
    if (auto it = found_.find(id); it != found_.end()) return it->second;
    std::shared_ptr<const DeliverySettings> settings;
    auto conn = pool_.acquire();
    auto trigger = pg::TriggerStore::get(*conn, id);
    if (trigger && trigger->spec.target && !trigger->target_disabled) {
        auto s = std::make_shared<DeliverySettings>();
        s->target = *trigger->spec.target;
        s->retry = trigger->spec.retry;
        s->secrets = pg::TriggerSecretStore::active_secrets(*conn, box_, id);
        settings = std::move(s);
    }
    found_.emplace(id, settings);
    return settings;
}

}  // namespace etp::dispatcher
