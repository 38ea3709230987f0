#include "etp/domain/schedule_plan.hpp"

#include <catch2/catch.hpp>

#include "etp/domain/error.hpp"

using etp::DueSlots;
using etp::Misfire;
using etp::Schedule;
using etp::SchedulePlan;
using etp::Timestamp;
using std::chrono::milliseconds;
using std::chrono::minutes;
using std::chrono::seconds;

namespace {

using S = std::vector<std::string>;

Timestamp ts(const std::string& text) {
    auto t = etp::parse_rfc3339(text);
    REQUIRE(t);
    return *t;
}

std::string str(const std::optional<Timestamp>& t) {
    return t ? etp::format_rfc3339(*t) : std::string("none");
}

S strs(const std::vector<Timestamp>& ts) {
    S out;
    for (const auto& t : ts) out.push_back(etp::format_rfc3339(t));
    return out;
}

// The first `n` slots at or after `from`.
S slots(const SchedulePlan& plan, const std::string& from, int n) {
    S out;
    auto t = plan.first_at_or_after(ts(from));
    for (int i = 0; i < n && t; ++i) {
        out.push_back(etp::format_rfc3339(*t));
        t = plan.next_after(*t);
    }
    return out;
}

Schedule interval(std::int64_t secs) {
    Schedule s;
    s.interval_seconds = secs;
    return s;
}

Schedule cron(const std::string& text, const std::string& zone = "UTC") {
    Schedule s;
    s.cron = text;
    s.timezone = zone;
    return s;
}

Schedule at(const std::string& when) {
    Schedule s;
    s.at = ts(when);
    return s;
}

Schedule bounded(Schedule s, const char* start_at, const char* end_at) {
    if (start_at != nullptr) s.start_at = ts(start_at);
    if (end_at != nullptr) s.end_at = ts(end_at);
    return s;
}

Schedule once(Schedule s) {
    s.recurring = false;
    return s;
}

etp::ErrorKind error_kind(const Schedule& s) {
    try {
        SchedulePlan plan(s, ts("2026-01-01T00:00:00Z"));
    } catch (const etp::Error& e) {
        return e.kind();
    }
    return etp::ErrorKind::kInternal;  // accepted
}

}  // namespace

TEST_CASE("schedule plan: slots of intervals, at and cron") {
    struct Row {
        const char* name;
        Schedule schedule;
        const char* anchor;  // the creation time
        const char* from;
        S expected;
    };
    const Row rows[] = {
        {"interval anchored at creation, microseconds kept",
         interval(60),
         "2026-05-01T10:00:00.500000Z",
         "2026-05-01T09:00:00Z",
         {"2026-05-01T10:00:00.500000Z", "2026-05-01T10:01:00.500000Z",
          "2026-05-01T10:02:00.500000Z"}},
        {"interval: from inside the series",
         interval(60),
         "2026-05-01T10:00:00.500000Z",
         "2026-05-01T10:05:10Z",
         {"2026-05-01T10:06:00.500000Z", "2026-05-01T10:07:00.500000Z"}},
        {"interval: a slot exactly at `from` counts",
         interval(3600),
         "2026-05-01T10:00:00Z",
         "2026-05-01T13:00:00Z",
         {"2026-05-01T13:00:00.000000Z", "2026-05-01T14:00:00.000000Z"}},
        {"interval anchored at start_at, not at creation",
         bounded(interval(600), "2026-05-01T12:00:00Z", nullptr),
         "2026-05-01T10:03:00Z",
         "2026-05-01T09:00:00Z",
         {"2026-05-01T12:00:00.000000Z", "2026-05-01T12:10:00.000000Z"}},
        {"interval: end_at cuts off, a slot exactly at end_at counts",
         bounded(interval(3600), "2026-05-01T00:00:00Z", "2026-05-01T02:00:00Z"),
         "2026-04-30T00:00:00Z",
         "2026-04-30T00:00:00Z",
         {"2026-05-01T00:00:00.000000Z", "2026-05-01T01:00:00.000000Z",
          "2026-05-01T02:00:00.000000Z"}},
        {"interval: end_at between slots",
         bounded(interval(3600), nullptr, "2026-05-01T01:30:00Z"),
         "2026-05-01T00:00:00Z",
         "2026-05-01T00:00:00Z",
         {"2026-05-01T00:00:00.000000Z", "2026-05-01T01:00:00.000000Z"}},
        {"interval: start_at after end_at has no slots",
         bounded(interval(60), "2026-05-02T00:00:00Z", "2026-05-01T00:00:00Z"),
         "2026-05-01T00:00:00Z",
         "2026-04-01T00:00:00Z",
         {}},
        {"interval not recurring: only the anchor",
         once(interval(60)),
         "2026-05-01T10:00:00Z",
         "2026-04-01T00:00:00Z",
         {"2026-05-01T10:00:00.000000Z"}},
        {"at in the future",
         at("2026-06-01T08:00:00.123456Z"),
         "2026-05-01T00:00:00Z",
         "2026-05-01T00:00:00Z",
         {"2026-06-01T08:00:00.123456Z"}},
        {"at before the creation time still is its slot",
         at("2026-04-01T08:00:00Z"),
         "2026-05-01T00:00:00Z",
         "2026-01-01T00:00:00Z",
         {"2026-04-01T08:00:00.000000Z"}},
        {"at in the past of `from`: none left",
         at("2026-04-01T08:00:00Z"),
         "2026-03-01T00:00:00Z",
         "2026-04-01T08:00:00.000001Z",
         {}},
        {"at before start_at has no slot",
         bounded(at("2026-04-01T08:00:00Z"), "2026-04-02T00:00:00Z", nullptr),
         "2026-03-01T00:00:00Z",
         "2026-01-01T00:00:00Z",
         {}},
        {"at after end_at has no slot",
         bounded(at("2026-04-01T08:00:00Z"), nullptr, "2026-04-01T07:59:59Z"),
         "2026-03-01T00:00:00Z",
         "2026-01-01T00:00:00Z",
         {}},
        {"cron in UTC",
         cron("*/20 * * * *"),
         "2026-05-01T00:00:00Z",
         "2026-05-01T10:05:00Z",
         {"2026-05-01T10:20:00.000000Z", "2026-05-01T10:40:00.000000Z",
          "2026-05-01T11:00:00.000000Z"}},
        {"cron slots are whole seconds",
         cron("* * * * * *"),
         "2026-05-01T00:00:00Z",
         "2026-05-01T10:00:00.000001Z",
         {"2026-05-01T10:00:01.000000Z", "2026-05-01T10:00:02.000000Z"}},
        {"cron: a slot exactly at start_at counts, none past end_at",
         bounded(cron("0 * * * *"), "2026-05-01T10:00:00Z", "2026-05-01T11:59:59Z"),
         "2026-04-01T00:00:00Z",
         "2026-05-01T00:00:00Z",
         {"2026-05-01T10:00:00.000000Z", "2026-05-01T11:00:00.000000Z"}},
        {"cron: start_at with a fraction",
         bounded(cron("* * * * * *"), "2026-05-01T10:00:00.5Z", nullptr),
         "2026-04-01T00:00:00Z",
         "2026-05-01T00:00:00Z",
         {"2026-05-01T10:00:01.000000Z"}},
        {"cron in Europe/Berlin, summer and winter",
         cron("0 9 1 * *", "Europe/Berlin"),
         "2026-01-01T00:00:00Z",
         "2026-06-15T00:00:00Z",
         {"2026-07-01T07:00:00.000000Z", "2026-08-01T07:00:00.000000Z",
          "2026-09-01T07:00:00.000000Z", "2026-10-01T07:00:00.000000Z",
          "2026-11-01T08:00:00.000000Z"}},
        {"cron in Australia/Sydney over the spring-forward gap",
         cron("30 2 * * *", "Australia/Sydney"),
         "2026-01-01T00:00:00Z",
         "2026-10-02T00:00:00Z",
         {"2026-10-02T16:30:00.000000Z", "2026-10-03T16:00:00.000000Z",
          "2026-10-04T15:30:00.000000Z"}},
        {"cron not recurring: the first slot at or after the creation time",
         once(cron("0 * * * *")),
         "2026-05-01T10:20:00Z",
         "2026-01-01T00:00:00Z",
         {"2026-05-01T11:00:00.000000Z"}},
        {"cron not recurring: a slot exactly at the creation time",
         once(cron("0 * * * *")),
         "2026-05-01T10:00:00Z",
         "2026-01-01T00:00:00Z",
         {"2026-05-01T10:00:00.000000Z"}},
        {"cron not recurring: the first slot at or after start_at",
         once(bounded(cron("0 12 * * *"), "2026-06-01T13:00:00Z", nullptr)),
         "2026-05-01T10:20:00Z",
         "2026-01-01T00:00:00Z",
         {"2026-06-02T12:00:00.000000Z"}},
        {"cron that never fires",
         cron("0 0 30 2 *"),
         "2026-05-01T10:20:00Z",
         "2026-01-01T00:00:00Z",
         {}},
    };
    for (const Row& row : rows) {
        INFO(row.name);
        SchedulePlan plan(row.schedule, ts(row.anchor));
        // A series that ends is checked to its end; an endless one for the slots listed.
        const bool ends = row.schedule.end_at || !row.schedule.recurring || row.schedule.at ||
                          row.expected.empty();
        const int n = static_cast<int>(row.expected.size()) + (ends ? 1 : 0);
        CHECK(slots(plan, row.from, n) == row.expected);
    }
}

TEST_CASE("schedule plan: next_after is strict and first_at_or_after is inclusive") {
    SchedulePlan plan(interval(60), ts("2026-05-01T10:00:00Z"));
    CHECK(str(plan.next_after(ts("2026-05-01T10:01:00Z"))) == "2026-05-01T10:02:00.000000Z");
    CHECK(str(plan.first_at_or_after(ts("2026-05-01T10:01:00Z"))) == "2026-05-01T10:01:00.000000Z");
    CHECK(str(plan.next_after(ts("2026-05-01T10:00:59.999999Z"))) == "2026-05-01T10:01:00.000000Z");
    // Before the anchor: the first slot at all.
    CHECK(str(plan.next_after(ts("2020-01-01T00:00:00Z"))) == "2026-05-01T10:00:00.000000Z");
    // Far ahead: computed, not stepped to.
    CHECK(str(plan.next_after(ts("2126-05-01T10:00:30Z"))) == "2126-05-01T10:01:00.000000Z");

    SchedulePlan c(cron("0 * * * *"), ts("2026-05-01T10:00:00Z"));
    CHECK(str(c.next_after(ts("2026-05-01T11:00:00Z"))) == "2026-05-01T12:00:00.000000Z");
    CHECK(str(c.first_at_or_after(ts("2026-05-01T11:00:00Z"))) == "2026-05-01T11:00:00.000000Z");
    CHECK(str(c.first_at_or_after(ts("2026-05-01T11:00:00.000001Z"))) ==
          "2026-05-01T12:00:00.000000Z");
}

TEST_CASE("schedule plan: recurring") {
    const Timestamp created = ts("2026-05-01T10:00:00Z");
    CHECK(SchedulePlan(interval(60), created).recurring());
    CHECK(SchedulePlan(cron("* * * * *"), created).recurring());
    CHECK_FALSE(SchedulePlan(once(interval(60)), created).recurring());
    CHECK_FALSE(SchedulePlan(once(cron("* * * * *")), created).recurring());
    CHECK_FALSE(SchedulePlan(at("2026-06-01T00:00:00Z"), created).recurring());
}

TEST_CASE("schedule plan: schedules that cannot be planned are invalid input") {
    Schedule none;
    CHECK(error_kind(none) == etp::ErrorKind::kInvalidInput);
    Schedule two = interval(60);
    two.cron = "* * * * *";
    CHECK(error_kind(two) == etp::ErrorKind::kInvalidInput);
    CHECK(error_kind(cron("* * * * *", "Mars/Olympus_Mons")) == etp::ErrorKind::kInvalidInput);
    CHECK(error_kind(cron("61 * * * *")) == etp::ErrorKind::kInvalidInput);
    CHECK(error_kind(interval(0)) == etp::ErrorKind::kInvalidInput);
    CHECK(error_kind(interval(-5)) == etp::ErrorKind::kInvalidInput);
    // kInternal is error_kind's "accepted".
    CHECK(error_kind(cron("* * * * *", "America/New_York")) == etp::ErrorKind::kInternal);
}

TEST_CASE("due slots by lateness and misfire policy") {
    // Every minute from 10:00; 10:00..11:00 are 61 slots.
    const SchedulePlan plan(interval(60), ts("2026-05-01T10:00:00Z"));
    S all_61;
    for (int m = 0; m <= 60; ++m) {
        all_61.push_back(etp::format_rfc3339(ts("2026-05-01T10:00:00Z") + minutes(m)));
    }
    struct Row {
        const char* name;
        Misfire policy;
        const char* first_due;
        const char* now;
        milliseconds grace;
        std::size_t max_fire_all;
        std::size_t max_count;
        S fire;
        std::int64_t skipped;
        const char* next;
        bool misfired;
    };
    const milliseconds grace = seconds(30);
    const Row rows[] = {
        {"on time: one slot",
         Misfire::kSkip,
         "2026-05-01T10:00:00Z",
         "2026-05-01T10:00:00.200000Z",
         grace,
         1000,
         100000,
         {"2026-05-01T10:00:00.000000Z"},
         0,
         "2026-05-01T10:01:00.000000Z",
         false},
        {"now exactly on the slot",
         Misfire::kSkip,
         "2026-05-01T10:00:00Z",
         "2026-05-01T10:00:00Z",
         grace,
         1000,
         100000,
         {"2026-05-01T10:00:00.000000Z"},
         0,
         "2026-05-01T10:01:00.000000Z",
         false},
        {"exactly the grace late is still on time",
         Misfire::kSkip,
         "2026-05-01T10:00:00Z",
         "2026-05-01T10:00:30Z",
         grace,
         1000,
         100000,
         {"2026-05-01T10:00:00.000000Z"},
         0,
         "2026-05-01T10:01:00.000000Z",
         false},
        {"a short stall within the grace: all fire",
         Misfire::kSkip,
         "2026-05-01T10:00:00Z",
         "2026-05-01T10:02:30Z",
         minutes(5),
         1000,
         100000,
         {"2026-05-01T10:00:00.000000Z", "2026-05-01T10:01:00.000000Z",
          "2026-05-01T10:02:00.000000Z"},
         0,
         "2026-05-01T10:03:00.000000Z",
         false},
        {"not due yet",
         Misfire::kFireOnce,
         "2026-05-01T10:01:00Z",
         "2026-05-01T10:00:30Z",
         grace,
         1000,
         100000,
         {},
         0,
         "2026-05-01T10:01:00.000000Z",
         false},
        {"misfire, fire_once: only the latest",
         Misfire::kFireOnce,
         "2026-05-01T10:00:00Z",
         "2026-05-01T11:00:30Z",
         grace,
         1000,
         100000,
         {"2026-05-01T11:00:00.000000Z"},
         60,
         "2026-05-01T11:01:00.000000Z",
         true},
        {"misfire, skip: none",
         Misfire::kSkip,
         "2026-05-01T10:00:00Z",
         "2026-05-01T11:00:30Z",
         grace,
         1000,
         100000,
         {},
         61,
         "2026-05-01T11:01:00.000000Z",
         true},
        {"misfire, fire_all: all", Misfire::kFireAll, "2026-05-01T10:00:00Z",
         "2026-05-01T11:00:30Z", grace, 1000, 100000, all_61, 0, "2026-05-01T11:01:00.000000Z",
         true},
        {"misfire, fire_all capped: the latest fire, the rest are skipped",
         Misfire::kFireAll,
         "2026-05-01T10:00:00Z",
         "2026-05-01T11:00:30Z",
         grace,
         3,
         100000,
         {"2026-05-01T10:58:00.000000Z", "2026-05-01T10:59:00.000000Z",
          "2026-05-01T11:00:00.000000Z"},
         58,
         "2026-05-01T11:01:00.000000Z",
         true},
        {"max_count bounds the count; fire_once still fires the latest",
         Misfire::kFireOnce,
         "2026-05-01T10:00:00Z",
         "2026-05-01T11:00:30Z",
         grace,
         1000,
         10,
         {"2026-05-01T11:00:00.000000Z"},
         9,
         "2026-05-01T11:01:00.000000Z",
         true},
        {"max_count bounds the count; fire_all keeps the latest",
         Misfire::kFireAll,
         "2026-05-01T10:00:00Z",
         "2026-05-01T11:00:30Z",
         grace,
         2,
         10,
         {"2026-05-01T10:59:00.000000Z", "2026-05-01T11:00:00.000000Z"},
         8,
         "2026-05-01T11:01:00.000000Z",
         true},
        {"max_count below max_fire_all: skipped is only a lower bound",
         Misfire::kFireAll,
         "2026-05-01T10:00:00Z",
         "2026-05-01T11:00:30Z",
         grace,
         1000,
         3,
         {"2026-05-01T10:58:00.000000Z", "2026-05-01T10:59:00.000000Z",
          "2026-05-01T11:00:00.000000Z"},
         0,
         "2026-05-01T11:01:00.000000Z",
         true},
    };
    for (const Row& row : rows) {
        INFO(row.name);
        DueSlots due = etp::due_slots(plan, row.policy, ts(row.first_due), ts(row.now), row.grace,
                                      row.max_fire_all, row.max_count);
        CHECK(strs(due.fire) == row.fire);
        CHECK(due.skipped == row.skipped);
        CHECK(str(due.next) == row.next);
        CHECK(due.misfired == row.misfired);
    }
}

TEST_CASE("due slots of a cron down for a day stop counting at max_count") {
    const SchedulePlan plan(cron("* * * * *"), ts("2026-05-01T00:00:00Z"));
    const Timestamp first = ts("2026-05-01T00:00:00Z");
    const Timestamp now = ts("2026-05-02T00:00:10Z");  // 1441 slots due
    DueSlots once = etp::due_slots(plan, Misfire::kFireOnce, first, now, seconds(30), 1000, 100);
    CHECK(strs(once.fire) == S{"2026-05-02T00:00:00.000000Z"});
    CHECK(once.skipped == 99);  // a lower bound
    CHECK(str(once.next) == "2026-05-02T00:01:00.000000Z");
    CHECK(once.misfired);

    DueSlots all = etp::due_slots(plan, Misfire::kFireAll, first, now, seconds(30), 2, 100);
    CHECK(strs(all.fire) == S{"2026-05-01T23:59:00.000000Z", "2026-05-02T00:00:00.000000Z"});
    CHECK(all.skipped == 98);

    DueSlots exact = etp::due_slots(plan, Misfire::kSkip, first, now, seconds(30));
    CHECK(exact.fire.empty());
    CHECK(exact.skipped == 1441);
}

TEST_CASE("due slots complete a schedule with no slot left") {
    struct Row {
        const char* name;
        Schedule schedule;
        const char* first_due;
        const char* now;
        S fire;
        const char* next;
    };
    const Row rows[] = {
        {"at fired on time", at("2026-05-01T10:00:00Z"), "2026-05-01T10:00:00Z",
         "2026-05-01T10:00:01Z", S{"2026-05-01T10:00:00.000000Z"}, "none"},
        {"at fired late", at("2026-05-01T10:00:00Z"), "2026-05-01T10:00:00Z",
         "2026-05-03T00:00:00Z", S{"2026-05-01T10:00:00.000000Z"}, "none"},
        {"non-recurring interval", once(interval(60)), "2026-05-01T09:00:00Z",
         "2026-05-01T09:00:00Z", S{"2026-05-01T09:00:00.000000Z"}, "none"},
        {"non-recurring cron", once(cron("0 * * * *")), "2026-05-01T09:00:00Z",
         "2026-05-01T12:30:00Z", S{"2026-05-01T09:00:00.000000Z"}, "none"},
        {"end_at reached", bounded(interval(60), nullptr, "2026-05-01T09:01:30Z"),
         "2026-05-01T09:01:00Z", "2026-05-01T09:01:00Z", S{"2026-05-01T09:01:00.000000Z"}, "none"},
    };
    for (const Row& row : rows) {
        INFO(row.name);
        SchedulePlan plan(row.schedule, ts("2026-05-01T09:00:00Z"));
        DueSlots due =
            etp::due_slots(plan, Misfire::kFireOnce, ts(row.first_due), ts(row.now), seconds(30));
        CHECK(strs(due.fire) == row.fire);
        CHECK(str(due.next) == row.next);
    }
}
