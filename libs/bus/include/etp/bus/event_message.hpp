#pragma once
// What the dispatcher and retention publish. A logged event is one CloudEvent of type
// "etp.event.logged" whose data is the event as the REST API shows it; the same JSON is the body
// of its webhooks and the value on etp.events (keyed by trigger id). A delivery that ran out of
// attempts is an "etp.delivery.dead" CloudEvent on etp.deliveries.dead, keyed by event id.
// Retention's pass summaries share etp.events with the logged events. Every message here carries
// the CloudEvents Kafka headers (kafka_message). Logged and dead events carry their trace
// (event.trace, else trace_for_event of the id) as traceparent / tracestate.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "etp/bus/message.hpp"
#include "etp/bus/topics.hpp"
#include "etp/domain/event.hpp"

namespace etp::bus {

inline constexpr std::string_view kEventLoggedType = "etp.event.logged";
inline constexpr std::string_view kDeliveryDeadType = "etp.delivery.dead";

// The CloudEvent JSON text of a logged event (webhook body, etp.events value).
std::string serialize_logged_event(const Event& event);
OutgoingMessage make_event_message(const Topics& topics, const Event& event);

struct DeadDelivery {
    const Event& event;
    std::int64_t number = 1;  // which delivery of the event
    std::int64_t attempts = 0;
    std::optional<std::int64_t> last_http_status;
    std::string last_error;
    std::string target_url;
};
OutgoingMessage make_dead_delivery_message(const Topics& topics, const DeadDelivery& dead);

// Retention's summary of one pass on etp.events (key "retention"), only when the pass did it
// to at least one event: "etp.event.archived" — `events` still-active events triggered before
// `triggered_before` are archived now; "etp.event.deleted" — `events` events triggered before
// `triggered_before` are gone, with their deliveries.
inline constexpr std::string_view kEventsArchivedType = "etp.event.archived";
inline constexpr std::string_view kEventsDeletedType = "etp.event.deleted";
inline constexpr std::string_view kRetentionKey = "retention";

struct RetentionSummary {
    std::string_view type;  // kEventsArchivedType or kEventsDeletedType
    std::int64_t events = 0;
    Timestamp triggered_before;
    Timestamp pass_started_at;
};
OutgoingMessage make_retention_summary_message(const Topics& topics,
                                               const RetentionSummary& summary);

}  // namespace etp::bus
