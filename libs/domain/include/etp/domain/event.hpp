#pragma once
// An event: one firing of a trigger. The gateway, scheduler and cdc-capture create it (id and
// triggered_at fixed at that moment, so replays keep the same key); the dispatcher logs it.

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "etp/domain/ids.hpp"
#include "etp/domain/time.hpp"
#include "etp/domain/trace_context.hpp"
#include "etp/domain/trigger.hpp"

namespace etp {

// Who fired: "api" (a client's fire call), "schedule", "cdc", "test" (a manual test firing).
inline constexpr std::string_view kSourceApi = "api";
inline constexpr std::string_view kSourceSchedule = "schedule";
inline constexpr std::string_view kSourceCdc = "cdc";
inline constexpr std::string_view kSourceTest = "test";

struct Event {
    EventId id;
    TriggerId trigger_id;
    std::string trigger_name;
    TriggerType trigger_type = TriggerType::kApi;
    std::string source;
    bool is_test = false;
    nlohmann::json payload;
    std::optional<Timestamp> scheduled_for;
    Timestamp triggered_at;
    // Set only for a test of an unsaved trigger definition, which has no triggers row the
    // dispatcher could look up; carries the secret, so it travels in the firing message and
    // never in the API representation.
    std::optional<Target> target;
    // The W3C trace the firing belongs to; its parent-id is the span that fired. Carried as
    // the CloudEvent's distributed-tracing extension, not in the data.
    std::optional<TraceContext> trace;
    // Set by the event log only.
    std::optional<Timestamp> logged_at;
    std::optional<Timestamp> archived_at;
};

// The firing as carried in etp.trigger.fired (no log fields; the target with its secret when
// set).
nlohmann::json firing_to_json(const Event& event);
// Throws ValidationError naming each missing or mistyped field.
Event firing_from_json(const nlohmann::json& json);

// The API / etp.events representation: the firing plus logged_at, archived_at and status, never
// the target.
nlohmann::json to_json(const Event& event);

}  // namespace etp
