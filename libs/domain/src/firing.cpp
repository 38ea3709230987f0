#include "etp/domain/firing.hpp"

#include <array>

#include "etp/domain/lsn.hpp"

namespace etp {
namespace {

// The uuid v5 namespaces. Fixed forever (see firing.hpp).
// 8c3e5a0f-6d2b-4e71-9a04-1fd27b66e893
constexpr std::array<std::uint8_t, 16> kSlotNamespace = {
    0x8c, 0x3e, 0x5a, 0x0f, 0x6d, 0x2b, 0x4e, 0x71, 0x9a, 0x04, 0x1f, 0xd2, 0x7b, 0x66, 0xe8, 0x93};
// 5b2d7c1e-93a4-4f0b-8e61-2c4d9a7f3e10
constexpr std::array<std::uint8_t, 16> kChangeNamespace = {
    0x5b, 0x2d, 0x7c, 0x1e, 0x93, 0xa4, 0x4f, 0x0b, 0x8e, 0x61, 0x2c, 0x4d, 0x9a, 0x7f, 0x3e, 0x10};
// 0e7a41d2-6c35-4b9f-a158-33c72e904d61
constexpr std::array<std::uint8_t, 16> kSnapshotNamespace = {
    0x0e, 0x7a, 0x41, 0xd2, 0x6c, 0x35, 0x4b, 0x9f, 0xa1, 0x58, 0x33, 0xc7, 0x2e, 0x90, 0x4d, 0x61};

}  // namespace

EventId request_event_id(Timestamp triggered_at) {
    return EventId{new_uuid_v7(
        std::chrono::time_point_cast<std::chrono::system_clock::duration>(triggered_at))};
}

EventId firing_event_id(const TriggerId& trigger, Timestamp slot) {
    static const Uuid kNamespace(kSlotNamespace);
    return EventId{uuid_v5(kNamespace, trigger.to_string() + "@" + format_rfc3339(slot))};
}

EventId cdc_event_id(const ChangeOrigin& origin, const TriggerId& trigger) {
    static const Uuid kNamespace(kChangeNamespace);
    return EventId{uuid_v5(
        kNamespace, origin.system_id + "/" + origin.db + "/" + format_lsn(origin.commit_lsn) + "/" +
                        std::to_string(origin.position) + "/" + trigger.to_string())};
}

EventId snapshot_event_id(const SnapshotRowOrigin& origin, const TriggerId& trigger) {
    static const Uuid kNamespace(kSnapshotNamespace);
    return EventId{uuid_v5(kNamespace, origin.system_id + "/" + origin.db + "/" + origin.table +
                                           "/" + std::to_string(origin.snapshot_id) + "/" +
                                           origin.row_key + "/" + trigger.to_string())};
}

Event new_firing(const FiringTrigger& trigger, std::string_view source, nlohmann::json payload,
                 EventId id, Timestamp triggered_at) {
    Event e;
    e.id = id;
    e.trigger_id = trigger.id;
    e.trigger_name = trigger.name;
    e.trigger_type = trigger.type;
    e.source = std::string(source);
    e.is_test = source == kSourceTest;
    e.payload = std::move(payload);
    e.triggered_at = triggered_at;
    return e;
}

Event request_firing(const FiringTrigger& trigger, std::string_view source, nlohmann::json payload,
                     TraceContext trace, Timestamp now) {
    Event e = new_firing(trigger, source, std::move(payload), request_event_id(now), now);
    e.trace = std::move(trace);
    return e;
}

Event scheduled_firing(const FiringTrigger& trigger, nlohmann::json payload, Timestamp slot) {
    Event e = new_firing(trigger, kSourceSchedule, std::move(payload),
                         firing_event_id(trigger.id, slot), slot);
    e.scheduled_for = slot;
    e.trace = trace_for_event(e.id);
    return e;
}

Event change_firing(const FiringTrigger& trigger, nlohmann::json payload,
                    const ChangeOrigin& origin, Timestamp commit_time) {
    Event e = new_firing(trigger, kSourceCdc, std::move(payload), cdc_event_id(origin, trigger.id),
                         commit_time);
    e.trace = trace_for_event(e.id);
    return e;
}

Event snapshot_firing(const FiringTrigger& trigger, nlohmann::json payload,
                      const SnapshotRowOrigin& origin, Timestamp started_at) {
    return new_firing(trigger, kSourceCdc, std::move(payload),
                      snapshot_event_id(origin, trigger.id), started_at);
}

}  // namespace etp
