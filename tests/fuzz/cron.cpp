// CronExpr::parse and next_after. The input is the expression; the instant to search from and
// the zone (UTC or Europe/Berlin, which has DST) come from a hash of it, so each input is one
// deterministic case. Properties: parsing only ever throws Error(kInvalidInput); parsing the
// text again gives the same fields; the next firing is strictly after the instant, and so is
// the one after that; in UTC the firing's wall clock matches every field and the day rule.

#include <date/date.h>
#include <date/tz.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>

#include "etp/domain/cron.hpp"
#include "etp/domain/error.hpp"
#include "fuzz_check.hpp"

using etp::fuzz::check;

namespace {

bool matches_utc(const etp::CronExpr& expr, std::chrono::sys_seconds at) {
    using namespace std::chrono;
    auto day = floor<days>(at);
    year_month_day ymd{day};
    hh_mm_ss<seconds> hms{at - day};
    const auto dom = static_cast<unsigned>(ymd.day());
    const auto month = static_cast<unsigned>(ymd.month());
    const unsigned dow = weekday(day).c_encoding();
    if (!expr.seconds().test(static_cast<std::size_t>(hms.seconds().count())) ||
        !expr.minutes().test(static_cast<std::size_t>(hms.minutes().count())) ||
        !expr.hours().test(static_cast<std::size_t>(hms.hours().count())) ||
        !expr.months().test(month))
        return false;
    const bool dom_ok = expr.days_of_month().test(dom);
    const bool dow_ok = expr.days_of_week().test(dow);
    if (expr.day_of_month_restricted() && expr.day_of_week_restricted()) return dom_ok || dow_ok;
    if (expr.day_of_month_restricted()) return dom_ok;
    if (expr.day_of_week_restricted()) return dow_ok;
    return dom_ok && dow_ok;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const unsigned char* data, std::size_t size) {
    const std::string text(etp::fuzz::text_of(data, size));
    std::optional<etp::CronExpr> parsed;
    try {
        parsed = etp::CronExpr::parse(text);
    } catch (const etp::Error& e) {
        check(e.kind() == etp::ErrorKind::kInvalidInput, "cron: parse threw a non-input error");
        return 0;
    }
    const etp::CronExpr& expr = *parsed;
    const etp::CronExpr again = etp::CronExpr::parse(expr.text());
    check(again.seconds() == expr.seconds() && again.minutes() == expr.minutes() &&
              again.hours() == expr.hours() && again.days_of_month() == expr.days_of_month() &&
              again.months() == expr.months() && again.days_of_week() == expr.days_of_week() &&
              again.day_of_month_restricted() == expr.day_of_month_restricted() &&
              again.day_of_week_restricted() == expr.day_of_week_restricted(),
          "cron: parsing the same text twice differs");

    // 2000-01-01 to about 2100, any second.
    const std::size_t hash = std::hash<std::string>{}(text);
    const std::chrono::sys_seconds after{std::chrono::seconds(
        946'684'800 + static_cast<std::int64_t>(hash % (100ULL * 365 * 86'400)))};
    static const date::time_zone* berlin = date::locate_zone("Europe/Berlin");
    const date::time_zone* zone = (hash >> 40) % 2 == 0 ? nullptr : berlin;

    auto next = expr.next_after(after, zone);
    if (!next) return 0;
    check(*next > after, "cron: next_after is not after the given instant");
    if (zone == nullptr) check(matches_utc(expr, *next), "cron: next firing does not match");
    auto following = expr.next_after(*next, zone);
    if (following) {
        check(*following > *next, "cron: the firing after the next is not later");
        if (zone == nullptr) check(matches_utc(expr, *following), "cron: firing does not match");
    }
    return 0;
}
