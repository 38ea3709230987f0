#pragma once
// The next instants a schedule would fire, as someone writing a definition wants to check them:
// each in UTC and on the wall clock of the schedule's time zone (where daylight saving time
// shows). Pure; thread-safe.

#include <cstddef>
#include <string>
#include <vector>

#include "etp/domain/time.hpp"
#include "etp/domain/trigger.hpp"

namespace etp {

struct PreviewSlot {
    Timestamp at;       // UTC
    std::string local;  // RFC 3339 with the zone's offset then, e.g. "2027-03-28T03:00:00+02:00"
};

// Up to `count` slots strictly after `after`, fewer when the schedule ends (end_at, a one-time
// `at`, a non-recurring schedule). The schedule is planned as if created at `after`: an interval
// without start_at counts from `after`. Throws Error(kInvalidInput) for a schedule that
// parse_schedule would refuse (bad cron or time zone).
std::vector<PreviewSlot> preview_schedule(const Schedule& schedule, Timestamp after,
                                          std::size_t count);

}  // namespace etp
