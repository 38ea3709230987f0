#include "trigger_activation.hpp"

namespace etp::gateway {

std::optional<ProblemError> activation_conflict(const Trigger& trigger, Timestamp now) {
    const TriggerSpec& spec = trigger.spec;
    if (spec.type != TriggerType::kScheduled || !spec.schedule || !spec.schedule->at)
        return std::nullopt;
    if (!trigger.schedule_state || !trigger.schedule_state->completed_at) return std::nullopt;
    Timestamp at = *spec.schedule->at;
    if (at > now) return std::nullopt;
    Timestamp fired = trigger.schedule_state->last_fired_at.value_or(at);
    std::string message = "already fired at " + format_rfc3339(fired) +
                          "; a one-time schedule has no slot left: PUT the trigger with a new "
                          "schedule.at to fire it again";
    return ProblemError(ErrorKind::kConflict, "trigger " + trigger.id.to_string() + " " + message,
                        {FieldError{"/schedule/at", message}});
}

}  // namespace etp::gateway
