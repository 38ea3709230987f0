#include "delivery_settings.hpp"

#include "etp/pg/trigger_secret_store.hpp"
#include "etp/pg/trigger_store.hpp"

namespace etp::dispatcher {

std::shared_ptr<const DeliverySettings> inline_settings(const Target& target) {
    auto s = std::make_shared<DeliverySettings>();
    s->target = target;
    if (target.secret) s->secrets = {*target.secret};
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
        s->secrets = pg::TriggerSecretStore::active_secrets(*conn, id);
        settings = std::move(s);
    }
    found_.emplace(id, settings);
    return settings;
}

}  // namespace etp::dispatcher
