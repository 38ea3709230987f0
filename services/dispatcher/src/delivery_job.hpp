#pragma once
// One webhook delivery held in the dispatcher's memory (a job), the event-log writer's handoff
// it is made from, and what one attempt of it leaves the delivery as (a finished attempt,
// recorded by DeliveryRecorder). Pure; no I/O.

#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include "delivery_settings.hpp"
#include "etp/domain/event.hpp"
#include "etp/net/client.hpp"
#include "etp/pg/delivery_queue.hpp"

namespace etp::dispatcher {

struct DeliveryJob {
    pg::DeliveryKey key;
    std::shared_ptr<const Event> event;
    std::shared_ptr<const std::string> body;
    std::string body_error;  // set when the body cannot be built: the delivery ends dead
    std::shared_ptr<const DeliverySettings> settings;
    net::Url url;  // parsed from settings->target.url when queued; url.origin is its queue
    std::int64_t attempts_done = 0;
};

// A first delivery of a just-logged event (its row was inserted leased to this process).
struct Handoff {
    pg::DeliveryKey key;
    Event event;  // as logged (logged_at set)
};

struct FinishedAttempt {
    pg::AttemptOutcome outcome;
    std::shared_ptr<const Event> event;  // for a dead delivery's message
    std::string target_url;
};

// Sets the job's body: the CloudEvent shared per event through `cloudevents`, or a template
// rendered per trigger; body_error when it cannot be built.
void set_body(DeliveryJob& job, std::map<EventId, std::shared_ptr<const std::string>>& cloudevents);

// What an attempt started at `started` and answered with `http` leaves the delivery as:
// succeeded, dead (`give_up`, a 4xx that ends it, or the retry policy's last attempt) or
// pending again after the policy's back-off (at least the answer's Retry-After).
FinishedAttempt finish_attempt(const DeliveryJob& job, Timestamp started,
                               const net::ClientResponse& http, bool give_up);

// The trace an event travels in; one logged before traces were kept gets the one derived from its
// id, the same for every attempt.
TraceContext trace_of_event(const Event& event);

}  // namespace etp::dispatcher
