#include "etp/domain/schedule_preview.hpp"

#include <date/tz.h>

#include "etp/domain/error.hpp"
#include "etp/domain/schedule_plan.hpp"

namespace etp {

namespace {

const date::time_zone* zone_or_throw(const std::string& name) {
    try {
        if (const date::time_zone* zone = date::locate_zone(name)) return zone;
    } catch (const std::exception&) {
        // Falls through: an unknown name is the caller's mistake, reported below.
    }
    throw Error(ErrorKind::kInvalidInput, "schedule: unknown time zone '" + name + "'");
}

}  // namespace

std::vector<PreviewSlot> preview_schedule(const Schedule& schedule, Timestamp after,
                                          std::size_t count) {
    const date::time_zone* zone = zone_or_throw(schedule.timezone);
    SchedulePlan plan(schedule, schedule.start_at.value_or(after));
    std::vector<PreviewSlot> out;
    out.reserve(count);
    for (auto slot = plan.next_after(after); slot && out.size() < count;
         slot = plan.next_after(*slot)) {
        date::zoned_time local{zone, std::chrono::floor<std::chrono::seconds>(*slot)};
        out.push_back({*slot, date::format("%FT%T%Ez", local)});
    }
    return out;
}

}  // namespace etp
