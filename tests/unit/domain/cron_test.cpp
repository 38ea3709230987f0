#include <date/date.h>
#include <date/tz.h>

#include <catch2/catch.hpp>

#include "etp/domain/cron.hpp"
#include "etp/domain/error.hpp"
#include "etp/domain/time.hpp"

using etp::CronExpr;

namespace {

std::chrono::sys_seconds utc(const std::string& text) {
    auto t = etp::parse_rfc3339(text);
    REQUIRE(t);
    return std::chrono::floor<std::chrono::seconds>(*t);
}

// The next `n` firings after `after`, as UTC RFC 3339 strings.
std::vector<std::string> fires(const std::string& cron, const std::string& after, int n,
                               const char* zone = nullptr) {
    CronExpr expr = CronExpr::parse(cron);
    const date::time_zone* tz = zone != nullptr ? date::locate_zone(zone) : nullptr;
    std::vector<std::string> out;
    std::chrono::sys_seconds t = utc(after);
    for (int i = 0; i < n; ++i) {
        auto next = expr.next_after(t, tz);
        if (!next) break;
        REQUIRE(*next > t);
        out.push_back(date::format("%FT%TZ", *next));
        t = *next;
    }
    return out;
}

template <std::size_t N>
std::vector<int> values(const std::bitset<N>& bits) {
    std::vector<int> out;
    for (std::size_t i = 0; i < N; ++i)
        if (bits.test(i)) out.push_back(static_cast<int>(i));
    return out;
}

std::vector<int> range(int lo, int hi) {
    std::vector<int> out;
    for (int i = lo; i <= hi; ++i) out.push_back(i);
    return out;
}

std::string error_of(const std::string& cron) {
    try {
        CronExpr::parse(cron);
    } catch (const etp::Error& e) {
        CHECK(e.kind() == etp::ErrorKind::kInvalidInput);
        return e.what();
    }
    return "(accepted)";
}

using V = std::vector<int>;
using S = std::vector<std::string>;

}  // namespace

TEST_CASE("cron fields expand steps, ranges, lists and names") {
    struct Row {
        const char* cron;
        V seconds, minutes, hours, days, months, weekdays;
    };
    const Row rows[] = {
        {"* * * * *", {0}, range(0, 59), range(0, 23), range(1, 31), range(1, 12), range(0, 6)},
        {"*/15 */6 */10 */3 */2",
         {0},
         {0, 15, 30, 45},
         {0, 6, 12, 18},
         {1, 11, 21, 31},
         {1, 4, 7, 10},
         {0, 2, 4, 6}},
        {"5-20/5 1-3 10-12 6-8 1-5",
         {0},
         {5, 10, 15, 20},
         {1, 2, 3},
         {10, 11, 12},
         {6, 7, 8},
         range(1, 5)},
        {"10/20 22/1 28/2 11/1 5/1", {0}, {10, 30, 50}, {22, 23}, {28, 30}, {11, 12}, {5, 6}},
        {"0 0 ? JAN,mar-May,dec MON-FRI",
         {0},
         {0},
         {0},
         range(1, 31),
         {1, 3, 4, 5, 12},
         range(1, 5)},
        {"0 0 1 * sat,SUN", {0}, {0}, {0}, {1}, range(1, 12), {0, 6}},
        {"0 0 1 * 7", {0}, {0}, {0}, {1}, range(1, 12), {0}},
        {"0 0 1 * 0-7", {0}, {0}, {0}, {1}, range(1, 12), range(0, 6)},
        {"0 0 1 * FRI-SUN", {0}, {0}, {0}, {1}, range(1, 12), {0, 5, 6}},
        {"0 0 1 * 5-7", {0}, {0}, {0}, {1}, range(1, 12), {0, 5, 6}},
        {"*/20 0 0 1 1 ?", {0, 20, 40}, {0}, {0}, {1}, {1}, range(0, 6)},
        {"59 59 23 31 12 6", {59}, {59}, {23}, {31}, {12}, {6}},
    };
    for (const Row& row : rows) {
        INFO(row.cron);
        CronExpr c = CronExpr::parse(row.cron);
        CHECK(values(c.seconds()) == row.seconds);
        CHECK(values(c.minutes()) == row.minutes);
        CHECK(values(c.hours()) == row.hours);
        CHECK(values(c.days_of_month()) == row.days);
        CHECK(values(c.months()) == row.months);
        CHECK(values(c.days_of_week()) == row.weekdays);
    }
    CronExpr list = CronExpr::parse("1,3-5,*/30 0,12 1,15 1 0");
    CHECK(values(list.minutes()) == V{0, 1, 3, 4, 5, 30});
    CHECK(values(list.hours()) == V{0, 12});
    CHECK(values(list.days_of_month()) == V{1, 15});
}

TEST_CASE("cron keeps its text and knows which day fields restrict") {
    CronExpr c = CronExpr::parse("  0 0 * * *\t");
    CHECK(c.text() == "  0 0 * * *\t");
    CHECK_FALSE(c.day_of_month_restricted());
    CHECK_FALSE(c.day_of_week_restricted());
    CronExpr q = CronExpr::parse("0 0 ? * ?");
    CHECK_FALSE(q.day_of_month_restricted());
    CHECK_FALSE(q.day_of_week_restricted());
    CronExpr both = CronExpr::parse("0 0 */2 * MON");
    CHECK(both.day_of_month_restricted());
    CHECK(both.day_of_week_restricted());
}

TEST_CASE("cron next_after steps through minutes, hours and days in UTC") {
    CHECK(fires("*/15 * * * *", "2026-01-01T00:07:00Z", 4) ==
          S{"2026-01-01T00:15:00Z", "2026-01-01T00:30:00Z", "2026-01-01T00:45:00Z",
            "2026-01-01T01:00:00Z"});
    // Strictly after: an instant that matches is not returned again.
    CHECK(fires("*/15 * * * *", "2026-01-01T00:15:00Z", 1) == S{"2026-01-01T00:30:00Z"});
    CHECK(fires("*/15 * * * *", "2026-01-01T00:14:59Z", 1) == S{"2026-01-01T00:15:00Z"});
    CHECK(fires("30 2 * * *", "2026-01-01T02:30:00Z", 2) ==
          S{"2026-01-02T02:30:00Z", "2026-01-03T02:30:00Z"});
    CHECK(fires("0 9 * * MON-FRI", "2026-01-02T10:00:00Z", 3) ==
          S{"2026-01-05T09:00:00Z", "2026-01-06T09:00:00Z", "2026-01-07T09:00:00Z"});
    CHECK(fires("0 12 * * FRI-SUN", "2026-01-01T00:00:00Z", 4) ==
          S{"2026-01-02T12:00:00Z", "2026-01-03T12:00:00Z", "2026-01-04T12:00:00Z",
            "2026-01-09T12:00:00Z"});
    CHECK(fires("0 0,12 1,15 * *", "2026-01-01T06:00:00Z", 3) ==
          S{"2026-01-01T12:00:00Z", "2026-01-15T00:00:00Z", "2026-01-15T12:00:00Z"});
    CHECK(fires("0 0 1 */4 *", "2026-01-01T00:00:00Z", 3) ==
          S{"2026-05-01T00:00:00Z", "2026-09-01T00:00:00Z", "2027-01-01T00:00:00Z"});
    CHECK(fires("59 23 31 12 *", "2026-06-01T00:00:00Z", 2) ==
          S{"2026-12-31T23:59:00Z", "2027-12-31T23:59:00Z"});
}

TEST_CASE("cron day-of-month and day-of-week: either matches when both are restricted") {
    // Fridays and the 13th (2026-01-13 is a Tuesday, 2026-02-13 a Friday).
    CHECK(fires("0 0 13 * FRI", "2026-01-01T00:00:00Z", 8) ==
          S{"2026-01-02T00:00:00Z", "2026-01-09T00:00:00Z", "2026-01-13T00:00:00Z",
            "2026-01-16T00:00:00Z", "2026-01-23T00:00:00Z", "2026-01-30T00:00:00Z",
            "2026-02-06T00:00:00Z", "2026-02-13T00:00:00Z"});
    CHECK(fires("0 0 13 * *", "2026-01-01T00:00:00Z", 2) ==
          S{"2026-01-13T00:00:00Z", "2026-02-13T00:00:00Z"});
    CHECK(fires("0 0 13 * ?", "2026-01-01T00:00:00Z", 1) == S{"2026-01-13T00:00:00Z"});
    CHECK(fires("0 0 * * FRI", "2026-01-01T00:00:00Z", 2) ==
          S{"2026-01-02T00:00:00Z", "2026-01-09T00:00:00Z"});
    CHECK(fires("0 0 ? * FRI", "2026-01-01T00:00:00Z", 1) == S{"2026-01-02T00:00:00Z"});
    // "*/10" is a restriction: days 1, 11, 21, 31 or Mondays.
    CHECK(fires("0 0 */10 * MON", "2026-06-01T00:00:00Z", 6) ==
          S{"2026-06-08T00:00:00Z", "2026-06-11T00:00:00Z", "2026-06-15T00:00:00Z",
            "2026-06-21T00:00:00Z", "2026-06-22T00:00:00Z", "2026-06-29T00:00:00Z"});
    // Sunday as 0 and as 7.
    CHECK(fires("0 0 * * 0", "2026-01-01T00:00:00Z", 1) == S{"2026-01-04T00:00:00Z"});
    CHECK(fires("0 0 * * 7", "2026-01-01T00:00:00Z", 1) == S{"2026-01-04T00:00:00Z"});
}

TEST_CASE("cron with seconds first has second resolution") {
    CHECK(fires("*/20 * * * * *", "2026-01-01T00:00:05Z", 4) ==
          S{"2026-01-01T00:00:20Z", "2026-01-01T00:00:40Z", "2026-01-01T00:01:00Z",
            "2026-01-01T00:01:20Z"});
    CHECK(fires("0 30 2 * * *", "2026-01-01T00:00:00Z", 1) == S{"2026-01-01T02:30:00Z"});
    CHECK(fires("15 0 0 1 1 *", "2026-01-01T00:00:15Z", 1) == S{"2027-01-01T00:00:15Z"});
    CHECK(fires("* * * * * *", "2026-12-31T23:59:59Z", 1) == S{"2027-01-01T00:00:00Z"});
}

TEST_CASE("cron macros") {
    const std::string after = "2026-01-01T00:30:00Z";
    CHECK(fires("@hourly", after, 2) == S{"2026-01-01T01:00:00Z", "2026-01-01T02:00:00Z"});
    CHECK(fires("@daily", after, 1) == S{"2026-01-02T00:00:00Z"});
    CHECK(fires("@midnight", after, 1) == S{"2026-01-02T00:00:00Z"});
    CHECK(fires("@weekly", after, 2) == S{"2026-01-04T00:00:00Z", "2026-01-11T00:00:00Z"});
    CHECK(fires("@monthly", after, 1) == S{"2026-02-01T00:00:00Z"});
    CHECK(fires("@yearly", after, 1) == S{"2027-01-01T00:00:00Z"});
    CHECK(fires("@annually", after, 1) == S{"2027-01-01T00:00:00Z"});
    CHECK(fires(" @DAILY ", after, 1) == S{"2026-01-02T00:00:00Z"});
    CHECK(CronExpr::parse("@daily").text() == "@daily");
}

TEST_CASE("cron leap days and month ends") {
    CHECK(fires("0 0 29 2 *", "2025-03-01T00:00:00Z", 2) ==
          S{"2028-02-29T00:00:00Z", "2032-02-29T00:00:00Z"});
    CHECK(fires("0 12 28-31 2 *", "2027-02-27T00:00:00Z", 2) ==
          S{"2027-02-28T12:00:00Z", "2028-02-28T12:00:00Z"});
    CHECK(fires("0 12 28-31 2 *", "2028-02-28T12:00:00Z", 1) == S{"2028-02-29T12:00:00Z"});
    // The 31st skips the months that lack it.
    CHECK(fires("0 0 31 * *", "2026-01-31T00:00:00Z", 4) ==
          S{"2026-03-31T00:00:00Z", "2026-05-31T00:00:00Z", "2026-07-31T00:00:00Z",
            "2026-08-31T00:00:00Z"});
    CHECK(fires("0 0 30 * *", "2026-01-30T00:00:00Z", 1) == S{"2026-03-30T00:00:00Z"});
}

TEST_CASE("cron that can never fire gives up") {
    CronExpr c = CronExpr::parse("0 0 30 2 *");
    CHECK_FALSE(c.next_after(utc("2026-01-01T00:00:00Z"), nullptr));
    CHECK_FALSE(c.next_after(utc("2026-01-01T00:00:00Z"), date::locate_zone("Europe/Berlin")));
    CHECK_FALSE(
        CronExpr::parse("0 0 31 4,6,9,11 *").next_after(utc("2026-01-01T00:00:00Z"), nullptr));
    // Only the OR rule makes "30 February or a Monday" possible.
    CHECK(fires("0 0 30 2 MON", "2026-01-01T00:00:00Z", 1) == S{"2026-02-02T00:00:00Z"});
}

TEST_CASE("cron in Europe/Berlin: spring-forward gap fires once when the clock jumps") {
    // 2026-03-29: 02:00 CET (01:00Z) jumps to 03:00 CEST.
    const char* berlin = "Europe/Berlin";
    CHECK(fires("30 2 * * *", "2026-03-27T12:00:00Z", 3, berlin) ==
          S{"2026-03-28T01:30:00Z", "2026-03-29T01:00:00Z", "2026-03-30T00:30:00Z"});
    // Several times inside the gap, and 03:00 itself, are one firing.
    CHECK(fires("0,30 2,3 * * *", "2026-03-29T00:00:00Z", 3, berlin) ==
          S{"2026-03-29T01:00:00Z", "2026-03-29T01:30:00Z", "2026-03-30T00:00:00Z"});
    CHECK(fires("0 * * * *", "2026-03-28T23:30:00Z", 4, berlin) ==
          S{"2026-03-29T00:00:00Z", "2026-03-29T01:00:00Z", "2026-03-29T02:00:00Z",
            "2026-03-29T03:00:00Z"});
    // Every second of the missing hour collapses into one firing.
    CHECK(fires("* * 2 * * *", "2026-03-29T00:59:58Z", 3, berlin) ==
          S{"2026-03-29T01:00:00Z", "2026-03-30T00:00:00Z", "2026-03-30T00:00:01Z"});
}

TEST_CASE("cron in Europe/Berlin: fall-back repeat fires only the first time") {
    // 2026-10-25: 03:00 CEST (01:00Z) goes back to 02:00 CET; 02:xx happens twice.
    const char* berlin = "Europe/Berlin";
    CHECK(fires("30 2 * * *", "2026-10-24T12:00:00Z", 2, berlin) ==
          S{"2026-10-25T00:30:00Z", "2026-10-26T01:30:00Z"});
    CHECK(fires("0 * * * *", "2026-10-24T23:30:00Z", 3, berlin) ==
          S{"2026-10-25T00:00:00Z", "2026-10-25T02:00:00Z", "2026-10-25T03:00:00Z"});
    // Starting inside the second pass: the repeated quarter hours do not fire again.
    CHECK(fires("*/15 * * * *", "2026-10-25T01:10:00Z", 2, berlin) ==
          S{"2026-10-25T02:00:00Z", "2026-10-25T02:15:00Z"});
    // Starting inside the first pass: the rest of the first pass fires.
    CHECK(fires("*/15 * * * *", "2026-10-25T00:40:00Z", 3, berlin) ==
          S{"2026-10-25T00:45:00Z", "2026-10-25T02:00:00Z", "2026-10-25T02:15:00Z"});
}

TEST_CASE("cron in America/New_York across both DST changes") {
    const char* ny = "America/New_York";
    // 2026-03-08: 02:00 EST (07:00Z) jumps to 03:00 EDT.
    CHECK(fires("30 2 * * *", "2026-03-07T12:00:00Z", 3, ny) ==
          S{"2026-03-08T07:00:00Z", "2026-03-09T06:30:00Z", "2026-03-10T06:30:00Z"});
    // 2026-11-01: 02:00 EDT (06:00Z) goes back to 01:00 EST; 01:30 happens twice.
    CHECK(fires("30 1 * * *", "2026-10-31T12:00:00Z", 2, ny) ==
          S{"2026-11-01T05:30:00Z", "2026-11-02T06:30:00Z"});
    CHECK(fires("30 1 * * *", "2026-11-01T05:30:00Z", 1, ny) == S{"2026-11-02T06:30:00Z"});
    // Summer and winter: 09:00 local is 13:00Z and 14:00Z.
    CHECK(fires("0 9 * * MON", "2026-07-01T00:00:00Z", 1, ny) == S{"2026-07-06T13:00:00Z"});
    CHECK(fires("0 9 * * MON", "2026-12-01T00:00:00Z", 1, ny) == S{"2026-12-07T14:00:00Z"});
}

TEST_CASE("cron in Australia/Sydney: southern-hemisphere DST, both changes") {
    const char* sydney = "Australia/Sydney";
    struct Row {
        const char* name;
        const char* cron;
        const char* after;
        S expected;
    };
    const Row rows[] = {
        // 2026-10-04: 02:00 AEST (+10, 2026-10-03T16:00Z) jumps to 03:00 AEDT (+11).
        {"gap: 02:30 fires once when the clock jumps",
         "30 2 * * *",
         "2026-10-02T00:00:00Z",
         {"2026-10-02T16:30:00Z", "2026-10-03T16:00:00Z", "2026-10-04T15:30:00Z"}},
        {"gap: the missing 02:00 fires once, at the jump",
         "0 * * * *",
         "2026-10-03T14:30:00Z",
         {"2026-10-03T15:00:00Z", "2026-10-03T16:00:00Z", "2026-10-03T17:00:00Z"}},
        // 2026-04-05: 03:00 AEDT (+11, 2026-04-04T16:00Z) goes back to 02:00 AEST (+10).
        {"repeat: 02:30 fires only on its first occurrence",
         "30 2 * * *",
         "2026-04-03T00:00:00Z",
         {"2026-04-03T15:30:00Z", "2026-04-04T15:30:00Z", "2026-04-05T16:30:00Z"}},
        {"repeat: hourly does not fire the repeated 02:00",
         "0 * * * *",
         "2026-04-04T14:30:00Z",
         {"2026-04-04T15:00:00Z", "2026-04-04T17:00:00Z", "2026-04-04T18:00:00Z"}},
        {"winter: 09:00 AEST is 23:00Z the day before",
         "0 9 1 1,7 *",
         "2026-01-01T00:00:00Z",
         {"2026-06-30T23:00:00Z"}},
        {"summer: 09:00 AEDT is 22:00Z the day before",
         "0 9 1 1,7 *",
         "2026-12-01T00:00:00Z",
         {"2026-12-31T22:00:00Z"}},
    };
    for (const Row& row : rows) {
        INFO(row.name);
        CHECK(fires(row.cron, row.after, static_cast<int>(row.expected.size()), sydney) ==
              row.expected);
    }
}

TEST_CASE("cron in Australia/Lord_Howe: a 30-minute DST shift") {
    const char* lord_howe = "Australia/Lord_Howe";
    struct Row {
        const char* name;
        const char* cron;
        const char* after;
        S expected;
    };
    const Row rows[] = {
        // 2026-10-04: 02:00 (+10:30, 2026-10-03T15:30Z) jumps to 02:30 (+11).
        {"gap: 02:15 fires once when the clock jumps",
         "15 2 * * *",
         "2026-10-02T00:00:00Z",
         {"2026-10-02T15:45:00Z", "2026-10-03T15:30:00Z", "2026-10-04T15:15:00Z"}},
        {"gap: quarter hours across the jump",
         "*/15 * * * *",
         "2026-10-03T15:10:00Z",
         {"2026-10-03T15:15:00Z", "2026-10-03T15:30:00Z", "2026-10-03T15:45:00Z"}},
        // 2026-04-05: 02:00 (+11, 2026-04-04T15:00Z) goes back to 01:30 (+10:30).
        {"repeat: 01:45 fires only on its first occurrence",
         "45 1 * * *",
         "2026-04-03T00:00:00Z",
         {"2026-04-03T14:45:00Z", "2026-04-04T14:45:00Z", "2026-04-05T15:15:00Z"}},
        {"repeat: quarter hours do not fire the repeated half hour",
         "*/15 * * * *",
         "2026-04-04T14:40:00Z",
         {"2026-04-04T14:45:00Z", "2026-04-04T15:30:00Z", "2026-04-04T15:45:00Z"}},
    };
    for (const Row& row : rows) {
        INFO(row.name);
        CHECK(fires(row.cron, row.after, static_cast<int>(row.expected.size()), lord_howe) ==
              row.expected);
    }
}

TEST_CASE("cron on February 29 over the years and zones") {
    struct Row {
        const char* name;
        const char* cron;
        const char* after;
        const char* zone;
        S expected;
    };
    const Row rows[] = {
        {"UTC, three leap years",
         "0 0 29 2 *",
         "2023-01-01T00:00:00Z",
         nullptr,
         {"2024-02-29T00:00:00Z", "2028-02-29T00:00:00Z", "2032-02-29T00:00:00Z"}},
        {"strictly after a Feb 29 firing",
         "0 0 29 2 *",
         "2024-02-29T00:00:00Z",
         nullptr,
         {"2028-02-29T00:00:00Z"}},
        {"every hour of Feb 29 then the next leap year",
         "0 22,23 29 2 *",
         "2028-02-29T21:00:00Z",
         nullptr,
         {"2028-02-29T22:00:00Z", "2028-02-29T23:00:00Z", "2032-02-29T22:00:00Z"}},
        {"Europe/Berlin midnight is 23:00Z the day before",
         "0 0 29 2 *",
         "2023-01-01T00:00:00Z",
         "Europe/Berlin",
         {"2024-02-28T23:00:00Z", "2028-02-28T23:00:00Z"}},
        {"Australia/Sydney in summer time",
         "0 12 29 2 *",
         "2023-01-01T00:00:00Z",
         "Australia/Sydney",
         {"2024-02-29T01:00:00Z", "2028-02-29T01:00:00Z"}},
        {"America/New_York late evening is March 1 in UTC",
         "0 22 29 2 *",
         "2023-01-01T00:00:00Z",
         "America/New_York",
         {"2024-03-01T03:00:00Z", "2028-03-01T03:00:00Z"}},
        {"Feb 29 or a Sunday in February",
         "0 0 29 2 SUN",
         "2027-02-20T00:00:00Z",
         nullptr,
         {"2027-02-21T00:00:00Z", "2027-02-28T00:00:00Z", "2028-02-06T00:00:00Z"}},
    };
    for (const Row& row : rows) {
        INFO(row.name);
        CHECK(fires(row.cron, row.after, static_cast<int>(row.expected.size()), row.zone) ==
              row.expected);
    }
    // 2100 is not a leap year: after 2096 the next Feb 29 is in 2104, beyond the five-year search.
    CHECK_FALSE(CronExpr::parse("0 0 29 2 *").next_after(utc("2096-03-01T00:00:00Z"), nullptr));
}

TEST_CASE("malformed cron expressions are refused with a precise message") {
    const std::pair<const char*, const char*> rows[] = {
        {"", "cron expression is empty"},
        {"   ", "cron expression is empty"},
        {"* * *",
         "expected 5 fields (minute hour day-of-month month day-of-week) or 6 (seconds first), "
         "got 3"},
        {"* * * * * * *",
         "expected 5 fields (minute hour day-of-month month day-of-week) or 6 (seconds first), "
         "got 7"},
        {"0 25 * * *", "hour: 25 is out of range 0-23"},
        {"60 * * * *", "minute: 60 is out of range 0-59"},
        {"60 0 0 * * *", "second: 60 is out of range 0-59"},
        {"0 0 0 * *", "day-of-month: 0 is out of range 1-31"},
        {"0 0 32 * *", "day-of-month: 32 is out of range 1-31"},
        {"0 0 * 0 *", "month: 0 is out of range 1-12"},
        {"0 0 * 13 *", "month: 13 is out of range 1-12"},
        {"0 0 * * 8", "day-of-week: 8 is out of range 0-7"},
        {"99999999999999999999 * * * *", "minute: 99999999999999999999 is out of range 0-59"},
        {"0 0 * FOO *", "month: \"FOO\" is not a number or month name (JAN-DEC)"},
        {"0 0 * * FUN", "day-of-week: \"FUN\" is not a number or day name (SUN-SAT)"},
        {"0 MON * * *", "hour: \"MON\" is not a number"},
        {"1x * * * *", "minute: \"1x\" is not a number"},
        {"-1 * * * *", "minute: \"-1\" is missing a value"},
        {"1-2-3 * * * *", "minute: \"2-3\" is not a number"},
        {"1,,2 * * * *", "minute: empty item in list \"1,,2\""},
        {"0 1, * * *", "hour: empty item in list \"1,\""},
        {"0 20-10 * * *", "hour: range 20-10 ends before it starts"},
        {"0 0 * * FRI-MON", "day-of-week: range FRI-MON ends before it starts"},
        {"0 0 * * 5-0", "day-of-week: range 5-0 ends before it starts"},
        {"*/0 * * * *", "minute: step 0 is out of range 1-59"},
        {"0 0 1-10/0 * *", "day-of-month: step 0 is out of range 1-31"},
        {"*/60 * * * *", "minute: step 60 is out of range 1-59"},
        {"*/ * * * *", "minute: \"*/\" is missing the step after '/'"},
        {"*/x * * * *", "minute: step \"x\" is not a number"},
        {"? * * * *", "minute: '?' is only allowed in day-of-month and day-of-week"},
        {"0 0 * ? *", "month: '?' is only allowed in day-of-month and day-of-week"},
        {"@reboot",
         "unknown macro \"@reboot\"; use @yearly, @annually, @monthly, @weekly, @daily, "
         "@midnight or @hourly"},
        {"@daily 5",
         "expected 5 fields (minute hour day-of-month month day-of-week) or 6 (seconds first), "
         "got 2"},
    };
    for (const auto& [cron, message] : rows) {
        INFO("cron: \"" << cron << "\"");
        CHECK(error_of(cron) == message);
    }
}
