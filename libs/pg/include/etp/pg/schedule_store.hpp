#pragma once
// The scheduler's rows in PostgreSQL (`schedules`, joined to `triggers`). Stateless: every call
// takes the connection to run on; SQL lives in schedule_store.cpp. PostgreSQL is the record:
// the gateway marks a row unplanned on every change that affects its schedule, plan() gives it
// its next slot, claim() hands due rows to one scheduler (FOR NO KEY UPDATE ... SKIP LOCKED on
// the schedule and its trigger, so replicas share the work and never wait on each other or on
// the gateway), and record() stores what was fired in the claiming transaction.
//
// Times are passed in rather than taken from the database clock: the scheduler fires by its own
// clock, so it must also decide by it what is due.

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "etp/domain/ids.hpp"
#include "etp/domain/schedule_plan.hpp"
#include "etp/domain/time.hpp"
#include "etp/domain/trigger.hpp"
#include "etp/pg/connection.hpp"

namespace etp::pg {

// A trigger's stored schedule and payload, parsed once per (trigger, version). Immutable.
struct StoredSchedule {
    Schedule schedule;
    SchedulePlan plan;
    nlohmann::json payload;
};

// A claimed row: what firing needs.
struct DueSchedule {
    TriggerId trigger_id;
    std::string name;
    std::int64_t version = 0;
    Timestamp created_at;
    Timestamp next_fire_at;
    std::optional<Timestamp> last_slot_at;
    std::string schedule_json;  // as stored; parse with parse_stored_schedule (cache it)
    std::string payload_json;   // "null" when none
};

// What became of a claimed (or planned) row.
struct ScheduleUpdate {
    TriggerId trigger_id;
    std::optional<Timestamp> next_fire_at;  // nullopt: nothing left to fire
    std::optional<Timestamp> last_slot_at;  // the latest slot fired (kept when nullopt)
    // With no next_fire_at: true completes the trigger (inactive, version + 1); false only
    // parks the row (a schedule that cannot be read), which its next change replans.
    bool completed = false;
};

struct PlanResult {
    std::size_t planned = 0;    // rows given a next slot or parked
    std::size_t completed = 0;  // triggers with no slot left, now inactive
};

class ScheduleStore {
 public:
    // Parses a stored schedule and payload (the full validation of parse_trigger_spec) and
    // builds its plan; anchor = start_at or created_at. Throws Error(kInternal) when the stored
    // schedule no longer validates. Costly: callers that fire often cache the result per
    // (trigger id, version).
    static std::shared_ptr<const StoredSchedule> parse_stored_schedule(
        std::string_view schedule_json, std::string_view payload_json, Timestamp created_at);

    // Returns the parsed schedule of a row; the default parses every time.
    using ScheduleSource = std::function<std::shared_ptr<const StoredSchedule>(
        const TriggerId&, std::int64_t version, std::string_view schedule_json,
        std::string_view payload_json, Timestamp created_at)>;

    // Plans up to `limit` unplanned rows (oldest change first) in one transaction of its own:
    // next_fire_at = the first slot at or after `now` (and after last_slot_at), planned = true;
    // a trigger with no slot left is completed; an inactive or unschedulable one gets no
    // next_fire_at. Rows locked by others are skipped.
    static PlanResult plan(Connection& conn, std::size_t limit, Timestamp now,
                           const ScheduleSource& source = {});

    // Inside the caller's transaction: up to `limit` planned rows of active triggers due at or
    // before `until`, earliest first, locked until the transaction ends (rows locked by others
    // are skipped).
    static std::vector<DueSchedule> claim(Connection& conn, std::size_t limit, Timestamp until);

    // Inside the caller's transaction: stores the outcome of claimed rows in one statement
    // (completions included). Rows must be locked by this transaction (claim()).
    static void record(Connection& conn, const std::vector<ScheduleUpdate>& updates);

    // Planned rows of active triggers due at or before `now` (the scheduler's backlog).
    static std::int64_t due_backlog(Connection& conn, Timestamp now);
};

}  // namespace etp::pg
