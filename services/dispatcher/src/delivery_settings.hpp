#pragma once
// Where and how a trigger's webhooks go: its target, retry policy and active signing secrets,
// read from PostgreSQL. Looked up once per trigger per batch of deliveries (BatchSettings), not
// cached across batches, so a rotated secret signs every delivery looked up after the rotation
// answered, and a changed or deleted trigger is seen by the next batch.

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "etp/domain/event.hpp"
#include "etp/domain/secret_box.hpp"
#include "etp/domain/trigger.hpp"
#include "etp/pg/delivery_queue.hpp"
#include "etp/pg/pool.hpp"

namespace etp::dispatcher {

struct DeliverySettings {
    Target target;
    RetryPolicy retry;
    std::vector<std::string> secrets;  // every unexpired secret signs
};

// Lookups for one batch. Not thread-safe; lives on the stack of the thread handling a batch.
class BatchSettings {
 public:
    BatchSettings(pg::Pool& pool, const secrets::SecretBox& box) : pool_(pool), box_(box) {}
    // Null when the trigger is gone, has no target, or its target is disabled (410 Gone). Throws
    // etp::Error when PostgreSQL fails or a stored secret does not decrypt.
    std::shared_ptr<const DeliverySettings> get(const TriggerId& id);
    // The settings of an unsaved definition's test: the target the delivery carries, and its
    // secret as stored with the delivery (never carried by the firing message).
    std::shared_ptr<const DeliverySettings> inline_for(const pg::DeliveryKey& key,
                                                       const Target& target);

 private:
    pg::Pool& pool_;
    const secrets::SecretBox& box_;
    std::map<TriggerId, std::shared_ptr<const DeliverySettings>> found_;
};

}  // namespace etp::dispatcher
