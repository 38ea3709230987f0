#pragma once
// When a scheduled trigger fires: its slots (the instants it is due), and which due slots a
// scheduler fires after being late by the misfire policy. Pure; thread-safe.
//
// Slots: cron — every instant CronExpr::next_after yields in the schedule's time zone;
// interval — anchor + k * interval_seconds (k >= 0), where the anchor is start_at or, without
// one, the trigger's creation time; at — that one instant. Only slots >= start_at and <= end_at
// count. A schedule with recurring = false has only its first slot at or after the anchor.
//
// A firing of slot S has the event id firing_event_id(trigger, S) (firing.hpp), and both
// scheduled_for and triggered_at = S, so a slot fired twice (a scheduler that died between
// producing and committing) is the same event and is logged once.

#include <chrono>
#include <cstdint>
#include <optional>
#include <vector>

#include "etp/domain/ids.hpp"
#include "etp/domain/time.hpp"
#include "etp/domain/trigger.hpp"

namespace etp {

// Microsecond precision is kept for `at`, start_at and the anchor; cron slots are whole seconds.
class SchedulePlan {
 public:
    // Throws Error(kInvalidInput) when the schedule cannot be planned (bad cron or time zone;
    // parse_trigger_spec refuses those earlier). `anchor` is start_at or the creation time.
    SchedulePlan(const Schedule& schedule, Timestamp anchor);

    // The first slot strictly after `after` (the first slot at all when `after` is before the
    // anchor), or nullopt when none is left (end_at passed, `at` passed, non-recurring fired).
    std::optional<Timestamp> next_after(Timestamp after) const;
    // The first slot at or after `at`.
    std::optional<Timestamp> first_at_or_after(Timestamp at) const;
    bool recurring() const noexcept;

 private:
    struct Impl;
    std::shared_ptr<const Impl> impl_;
};

// What to fire for a trigger whose next slot (`first_due`) is due at `now`.
struct DueSlots {
    std::vector<Timestamp> fire;    // in order; at most max_fire_all for fire_all
    std::int64_t skipped = 0;       // due slots not fired (misfire policy or the cap)
    std::optional<Timestamp> next;  // the first slot after now; nullopt = completed
    bool misfired = false;          // first_due was later than the grace
};

// All slots in [first_due, now] are due. When first_due is no later than `grace` before now
// they all fire (on time, or a short stall). Otherwise the trigger misfired and its policy
// decides: fire_once fires only the latest due slot, skip fires none, fire_all fires them all
// up to max_fire_all (the latest ones), the rest skipped. Counting stops at `max_count` due
// slots; beyond that `skipped` is a lower bound.
DueSlots due_slots(const SchedulePlan& plan, Misfire policy, Timestamp first_due, Timestamp now,
                   std::chrono::milliseconds grace, std::size_t max_fire_all = 1000,
                   std::size_t max_count = 100000);

}  // namespace etp
