#include "trigger_activation.hpp"

#include <catch2/catch.hpp>

using etp::gateway::activation_conflict;
using nlohmann::json;

namespace {

etp::Timestamp at(const char* text) { return *etp::parse_rfc3339(text); }

etp::Trigger scheduled(const json& schedule) {
    etp::Trigger t;
    t.id = *etp::TriggerId::parse("0190f1a2-3b4c-7d5e-8f60-0123456789ab");
    t.spec = etp::parse_trigger_spec(
        json{{"name", "x"}, {"type", "scheduled"}, {"schedule", schedule}, {"active", false}});
    return t;
}

}  // namespace

TEST_CASE("activating a completed one-time schedule whose instant passed is a conflict") {
    const auto now = at("2026-11-22T12:00:00Z");
    etp::Trigger once = scheduled({{"at", "2026-11-22T10:00:00Z"}});

    // Never planned or fired (no state, or not completed): the scheduler decides.
    CHECK_FALSE(activation_conflict(once, now));
    once.schedule_state = etp::ScheduleState{};
    CHECK_FALSE(activation_conflict(once, now));

    once.schedule_state->last_fired_at = at("2026-11-22T10:00:00Z");
    once.schedule_state->completed_at = at("2026-11-22T10:00:00.200Z");
    auto conflict = activation_conflict(once, now);
    REQUIRE(conflict);
    json problem = etp::gateway::problem_from(*conflict).to_json();
    INFO(problem.dump());
    CHECK(problem["status"] == 409);
    CHECK(problem["title"] == "Conflict");
    CHECK(problem["detail"].get<std::string>().find("already fired at 2026-11-22T10:00:00") !=
          std::string::npos);
    REQUIRE(problem["errors"].size() == 1);
    CHECK(problem["errors"][0]["pointer"] == "/schedule/at");
    CHECK(problem["errors"][0]["message"].get<std::string>().find("PUT") != std::string::npos);

    // The same at is the boundary: at == now has no slot left either; a later one has.
    CHECK(activation_conflict(once, at("2026-11-22T10:00:00Z")));
    CHECK_FALSE(activation_conflict(once, at("2026-11-22T09:59:59Z")));
}

TEST_CASE("recurring and non-recurring cron or interval schedules can always be activated") {
    const auto now = at("2026-11-22T12:00:00Z");
    for (const json& schedule : {json{{"cron", "0 * * * *"}, {"recurring", false}},
                                 json{{"interval_seconds", 60}}, json{{"cron", "* * * * *"}}}) {
        INFO(schedule.dump());
        etp::Trigger t = scheduled(schedule);
        t.schedule_state = etp::ScheduleState{std::nullopt, at("2026-11-22T11:00:00Z"),
                                              at("2026-11-22T11:00:01Z")};
        CHECK_FALSE(activation_conflict(t, now));
    }
    etp::Trigger api;
    api.spec = etp::parse_trigger_spec(json{{"name", "x"}, {"type", "api"}});
    CHECK_FALSE(activation_conflict(api, now));
}
