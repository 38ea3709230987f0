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
#include "etp/domain/trigger.hpp"
#include "etp/pg/pool.hpp"

namespace etp::dispatcher {

struct DeliverySettings {
    Target target;
    RetryPolicy retry;
    std::vector<std::string> secrets;  // every unexpired secret signs
};

// The settings of an unsaved definition's test, carried by the delivery itself.
std::shared_ptr<const DeliverySettings> inline_settings(const Target& target);

// Lookups for one batch. Not thread-safe; lives on the stack of the thread handling a batch.
class BatchSettings {
 public:
    explicit BatchSettings(pg::Pool& pool) : pool_(pool) {}
    // Null when the trigger is gone, has no target, or its target is disabled (410 Gone). Throws
    // etp::Error when PostgreSQL fails.
    std::shared_ptr<const DeliverySettings> get(const TriggerId& id);

 private:
    pg::Pool& pool_;
    std::map<TriggerId, std::shared_ptr<const DeliverySettings>> found_;
};

}  // namespace etp::dispatcher
