#include "etp/bus/event_message.hpp"

#include "etp/bus/cloud_event.hpp"

namespace etp::bus {
namespace {

// Every logged event is in a trace: one fired without (an older or outside producer) is in the
// trace derived from its id.
std::optional<TraceContext> logged_trace(const Event& event) {
    return event.trace ? event.trace : trace_for_event(event.id);
}

CloudEvent logged_event(const Event& event) {
    CloudEvent ce;
    ce.id = event.id.to_string();
    ce.source = "/etp/triggers/" + event.trigger_id.to_string();
    ce.type = std::string(kEventLoggedType);
    ce.subject = event.trigger_id.to_string();
    ce.time = format_rfc3339(event.triggered_at);
    ce.data = to_json(event);
    set_trace(ce, logged_trace(event));
    return ce;
}

}  // namespace

std::string serialize_logged_event(const Event& event) { return serialize(logged_event(event)); }

OutgoingMessage make_event_message(const Topics& topics, const Event& event) {
    return kafka_message(topics.events(), event.trigger_id.to_string(), logged_event(event));
}

OutgoingMessage make_dead_delivery_message(const Topics& topics, const DeadDelivery& dead) {
    CloudEvent ce;
    // Unique per (event, delivery): a consumer can drop the repeat a restart may produce.
    ce.id = uuid_v5(dead.event.id.value, std::to_string(dead.number)).to_string();
    ce.source = "/etp/dispatcher";
    ce.type = std::string(kDeliveryDeadType);
    ce.subject = dead.event.id.to_string();
    ce.time = format_rfc3339(now_utc());
    ce.data = {{"event_id", dead.event.id.to_string()},
               {"trigger_id", dead.event.trigger_id.to_string()},
               {"delivery", dead.number},
               {"attempts", dead.attempts},
               {"last_http_status",
                dead.last_http_status ? nlohmann::json(*dead.last_http_status) : nullptr},
               {"last_error", dead.last_error},
               {"target_url", dead.target_url},
               {"event", to_json(dead.event)}};
    set_trace(ce, logged_trace(dead.event));
    return kafka_message(topics.deliveries_dead(), dead.event.id.to_string(), ce);
}

OutgoingMessage make_retention_summary_message(const Topics& topics,
                                               const RetentionSummary& summary) {
    CloudEvent ce;
    ce.id = new_uuid_v7().to_string();
    ce.source = "/etp/retention";
    ce.type = std::string(summary.type);
    ce.time = format_rfc3339(summary.pass_started_at);
    ce.data = {{"events", summary.events},
               {"triggered_before", format_rfc3339(summary.triggered_before)}};
    return kafka_message(topics.events(), std::string(kRetentionKey), ce);
}

}  // namespace etp::bus
