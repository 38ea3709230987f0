#include "etp/bus/firing.hpp"

#include "etp/bus/cloud_event.hpp"
#include "etp/domain/error.hpp"

namespace etp::bus {

OutgoingMessage make_firing_message(const Topics& topics, const Event& event,
                                    std::string_view producer) {
    CloudEvent ce;
    ce.id = event.id.to_string();
    ce.source = "/etp/" + std::string(producer);
    ce.type = std::string(kTriggerFiredType);
    ce.subject = event.trigger_id.to_string();
    ce.time = format_rfc3339(event.triggered_at);
    ce.data = firing_to_json(event);
    set_trace(ce, event.trace);
    return kafka_message(topics.trigger_fired(), event.trigger_id.to_string(), ce);
}

Event parse_firing_message(const Message& message) {
    if (!message.value)
        throw ValidationError(std::vector<FieldError>{{"", "a firing message must have a value"}});
    CloudEvent ce = parse_cloud_event(*message.value);
    if (ce.type != kTriggerFiredType)
        throw ValidationError(
            std::vector<FieldError>{{"/type", "must be " + std::string(kTriggerFiredType)}});
    try {
        Event event = firing_from_json(ce.data);
        event.trace = trace_of(ce);
        return event;
    } catch (const ValidationError& e) {
        std::vector<FieldError> errors;
        for (const auto& f : e.errors()) errors.push_back({"/data" + f.pointer, f.message});
        throw ValidationError(std::move(errors));
    }
}

}  // namespace etp::bus
