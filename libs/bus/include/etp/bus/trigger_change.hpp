#pragma once
// The etp.trigger.changes messages, keyed by trigger id on a compacted topic. A create, replace,
// activation or deactivation is a CloudEvent of type "etp.trigger.changed" whose data is the
// trigger as the REST API shows it (etp::to_json: never a signing secret). A delete is a
// tombstone: no value and no headers, since it is no CloudEvent and compaction keeps neither.

#include <string_view>

#include "etp/bus/message.hpp"
#include "etp/bus/topics.hpp"
#include "etp/domain/trigger.hpp"

namespace etp::bus {

inline constexpr std::string_view kTriggerChangedType = "etp.trigger.changed";

// Each call is a distinct change notification with a fresh CloudEvent id; its time is the
// trigger's updated_at.
OutgoingMessage make_trigger_change_message(const Topics& topics, const Trigger& trigger);
OutgoingMessage make_trigger_tombstone(const Topics& topics, const TriggerId& id);

}  // namespace etp::bus
