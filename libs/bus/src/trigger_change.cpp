#include "etp/bus/trigger_change.hpp"

#include "etp/bus/cloud_event.hpp"

namespace etp::bus {

OutgoingMessage make_trigger_change_message(const Topics& topics, const Trigger& trigger) {
    CloudEvent ce;
    ce.id = new_uuid_v7().to_string();
    ce.source = "/etp/api-gateway";
    ce.type = std::string(kTriggerChangedType);
    ce.subject = trigger.id.to_string();
    ce.time = format_rfc3339(trigger.updated_at);
    // As GET /api/v1/triggers/{id} shows it to a read-only key: the topic's readers are not
    // necessarily allowed to change the trigger, and nothing of ours needs the hidden values
    // (services read definitions from PostgreSQL).
    ce.data = etp::to_redacted_json(trigger);
    return kafka_message(topics.trigger_changes(), trigger.id.to_string(), ce);
}

OutgoingMessage make_trigger_tombstone(const Topics& topics, const TriggerId& id) {
    return OutgoingMessage{topics.trigger_changes(), id.to_string(), std::nullopt, {}};
}

}  // namespace etp::bus
