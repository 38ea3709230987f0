#pragma once
// Cron expressions and their next firing instant in an IANA time zone. An immutable value type:
// thread-safe to copy and to share; next_after() does not block (the tz database is loaded by
// date::locate_zone, before the zone pointer reaches us).
//
// Syntax: 5 fields "minute hour day-of-month month day-of-week" (seconds = 0), or 6 fields with
// seconds first. A field is a comma-separated list of items; an item is `*`, a value, a range
// `a-b`, or any of these with a step: `*/n`, `a-b/n`, `a/n` (a to the field's maximum). `?` is
// `*` in day-of-month and day-of-week. Months accept JAN-DEC and days SUN-SAT (any case);
// day-of-week 0 and 7 are both Sunday. Macros: @yearly @annually @monthly @weekly @daily
// @midnight @hourly.
//
// Day rule (Vixie cron): when both day-of-month and day-of-week are restricted, a day matches if
// either matches; otherwise only the restricted one counts. A field is unrestricted only when it
// is exactly `*` or `?` (unlike Vixie cron, `*/2` counts as restricted).

#include <bitset>
#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace date {
class time_zone;  // from <date/tz.h> (Howard Hinnant's date library, linked as date::date-tz)
}

namespace etp {

class CronExpr {
 public:
    // Throws Error(kInvalidInput) naming the field and the problem, e.g.
    // "hour: 25 is out of range 0-23".
    static CronExpr parse(std::string_view text);

    // The first firing instant strictly after `after`, with the expression evaluated on the wall
    // clock of `zone` (nullptr means UTC). Daylight saving time:
    // - a wall-clock time that does not exist (spring-forward gap) fires once, at the instant the
    //   clock jumps (e.g. 02:30 on the day Berlin jumps from 02:00 to 03:00 fires at 03:00 CEST);
    // - a wall-clock time that occurs twice (fall-back) fires only on its first occurrence.
    // nullopt when nothing matches within about five years (e.g. "0 0 30 2 *").
    std::optional<std::chrono::sys_seconds> next_after(std::chrono::sys_seconds after,
                                                       const date::time_zone* zone) const;

    const std::string& text() const noexcept { return text_; }  // as given to parse()

    // The expanded fields: bit i is set when value i matches.
    const std::bitset<60>& seconds() const noexcept { return seconds_; }
    const std::bitset<60>& minutes() const noexcept { return minutes_; }
    const std::bitset<24>& hours() const noexcept { return hours_; }
    const std::bitset<32>& days_of_month() const noexcept { return days_of_month_; }  // 1-31
    const std::bitset<13>& months() const noexcept { return months_; }                // 1-12
    const std::bitset<7>& days_of_week() const noexcept { return days_of_week_; }     // 0 = Sun
    bool day_of_month_restricted() const noexcept { return day_of_month_restricted_; }
    bool day_of_week_restricted() const noexcept { return day_of_week_restricted_; }

 private:
    CronExpr() = default;

    std::string text_;
    std::bitset<60> seconds_;
    std::bitset<60> minutes_;
    std::bitset<24> hours_;
    std::bitset<32> days_of_month_;
    std::bitset<13> months_;
    std::bitset<7> days_of_week_;
    bool day_of_month_restricted_ = false;
    bool day_of_week_restricted_ = false;
};

}  // namespace etp
