#pragma once
// Retention's optional summaries on etp.events: after a pass that archived or deleted events,
// one "etp.event.archived" and/or one "etp.event.deleted" CloudEvent (see
// etp/bus/event_message.hpp). Best effort: a summary the broker does not take is logged and
// dropped, and the pass's work stands either way; a pass that fails midway publishes nothing.

#include "etp/bus/producer.hpp"
#include "etp/bus/topics.hpp"
#include "retention_pass.hpp"

namespace etp::retention {

// Enqueues the pass's summaries (none when it neither archived nor deleted anything).
void publish_summaries(bus::Producer& producer, const bus::Topics& topics,
                       const PassReport& report);

}  // namespace etp::retention
