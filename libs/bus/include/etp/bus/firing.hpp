#pragma once
// The etp.trigger.fired message: a CloudEvent of type "etp.trigger.fired" whose data is the
// firing (etp::firing_to_json), keyed by trigger id so one trigger's firings stay in order, with
// the CloudEvents Kafka headers (kafka_message).

#include <string_view>

#include "etp/bus/message.hpp"
#include "etp/bus/topics.hpp"
#include "etp/domain/event.hpp"

namespace etp::bus {

inline constexpr std::string_view kTriggerFiredType = "etp.trigger.fired";

// `producer` names the service in the CloudEvent source, e.g. "api-gateway".
OutgoingMessage make_firing_message(const Topics& topics, const Event& event,
                                    std::string_view producer);
// Throws etp::ValidationError when the message is not a well-formed firing.
Event parse_firing_message(const Message& message);

}  // namespace etp::bus
