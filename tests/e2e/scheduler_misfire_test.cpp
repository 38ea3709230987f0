// Guarantee: after downtime a scheduler catches up by each trigger's misfire policy. Three
// interval triggers (every second, one anchor) differ only in policy; the scheduler, with
// SCHEDULER_MISFIRE_GRACE=2s, fires each a few times, is stopped with SIGTERM for ~10 s and
// started again. The first slot due after the restart is then ~10 s late, well past the grace,
// so the policy decides what happens to the slots due at that moment:
//   fire_once  only the latest due slot fires;
//   skip       none fires;
//   fire_all   all fire.
// After that the trigger fires on time again, slot after slot.
//
// The window, per trigger: L is the last slot the first process fired (it finishes in-flight
// work on SIGTERM; read from etp.trigger.fired once it has exited), `restart` the moment the
// second process is spawned. Every slot S with L < S <= restart was due while no scheduler ran:
// these are the missed slots W. The second process decides at its first pass, a little after
// `restart` (its start-up time). Slots after `restart` but before that pass are due at the pass
// too: for fire_all and skip that changes nothing observable at W (all of W fire / none of W
// fires, exactly). For fire_once the latest due slot is either max(W) or, when a slot boundary
// falls between `restart` and the first pass, max(W) + 1 s, and then no slot of W fires; that
// one-slot edge is the only tolerance, and in both cases exactly one slot after L fires before
// the trigger is back to every second.
#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdio>
#include <thread>

#include "scheduler_support.hpp"

using namespace std::chrono_literals;
using etp::e2e::format_micros;
using etp::e2e::kSecond;
using etp::e2e::LoggedSlot;
using etp::e2e::Micros;
using etp::e2e::now_micros;
using etp::e2e::parse_micros;
using nlohmann::json;

namespace {

std::string slot_list(const std::vector<Micros>& slots, Micros t0) {
    std::string out;
    for (Micros s : slots) out += "T0+" + std::to_string((s - t0) / kSecond) + " ";
    return out;
}

std::vector<Micros> slots_after(const std::vector<LoggedSlot>& logged, Micros after) {
    std::vector<Micros> out;
    for (const auto& s : logged)
        if (s.scheduled_for > after) out.push_back(s.scheduled_for);
    return out;
}

}  // namespace

TEST_CASE("misfire after 10 s of scheduler downtime: fire_once, skip, fire_all") {
    auto& platform = etp::e2e::platform();
    etp::e2e::FiredLog fired(etp::testing::KafkaBroker::shared().bootstrap());
    const etp::testing::Env env = {{"SCHEDULER_MISFIRE_GRACE", "2s"}};
    auto first = etp::e2e::make_service("scheduler", env);
    REQUIRE(first.start_and_wait());
    etp::e2e::Api api(platform.gateway.http_port);
    etp::pg::Connection db(etp::testing::PgCluster::shared().url());

    // One whole-second anchor for all three: their slots are the same instants.
    const Micros t0 = (now_micros() / kSecond + 3) * kSecond;
    const std::vector<std::string> policies = {"fire_once", "skip", "fire_all"};
    std::map<std::string, std::string> id_of;
    for (const auto& policy : policies) {
        auto res = api.post(
            "/api/v1/triggers",
            {{"name", "sched misfire " + policy},
             {"type", "scheduled"},
             {"schedule",
              {{"interval_seconds", 1}, {"start_at", format_micros(t0)}, {"misfire", policy}}},
             {"payload", {{"policy", policy}}}});
        REQUIRE(res);
        INFO(res->body);
        REQUIRE(res->status == 201);
        id_of[policy] = json::parse(res->body)["id"];
    }
    for (const auto& policy : policies)
        REQUIRE(etp::e2e::wait_for_slots(db, id_of[policy], 3, 20s).size() >= 3);

    const Micros stopping = now_micros();
    CHECK(first.process->terminate(10s) == 0);
    const Micros stopped = now_micros();
    // What the first process sent, and only that, reaches the log before the restart: wait
    // until the topic and the log agree.
    std::map<std::string, Micros> last_before;  // L per trigger
    for (const auto& policy : policies) {
        const auto& id = id_of[policy];
        const auto deadline = std::chrono::steady_clock::now() + 10s;
        std::size_t sent = 0;
        std::size_t logged = 0;
        Micros last = 0;
        do {
            std::this_thread::sleep_for(200ms);
            const auto messages = fired.of(id);
            sent = messages.size();
            last = 0;
            for (const auto& m : messages)
                last = std::max(last, parse_micros(m.value["data"].value("scheduled_for", "")));
            const auto slots = etp::e2e::logged_slots(db, id);
            logged = slots.size();
            if (sent == logged && sent > 0 && slots.back().scheduled_for == last) break;
        } while (std::chrono::steady_clock::now() < deadline);
        last_before[policy] = last;
        INFO(policy << ": L = T0+" << (last - t0) / kSecond << ", " << sent << " sent, " << logged
                    << " logged");
        CHECK(sent == logged);
        CHECK(last >= t0 + 2 * kSecond);
    }

    // ~10 s with no scheduler.
    std::this_thread::sleep_for(10s);
    auto second = etp::e2e::make_service("scheduler", env);
    const Micros restart = now_micros();
    REQUIRE(second.start_and_wait());
    const Micros ready = now_micros();

    // Back on time: three slots after the restart for every trigger (skip fires the least).
    for (const auto& policy : policies) {
        const auto& id = id_of[policy];
        const auto deadline = std::chrono::steady_clock::now() + 15s;
        while (slots_after(etp::e2e::logged_slots(db, id), restart).size() < 3 &&
               std::chrono::steady_clock::now() < deadline)
            std::this_thread::sleep_for(100ms);
    }
    const double skipped_metric =
        etp::e2e::metric_value(second.admin_port, "etp_scheduler_skipped_slots_total").value_or(-1);

    INFO("T0 " << format_micros(t0) << "; SIGTERM at T0+" << (stopping - t0) / 1000 << " ms, "
               << "exited at T0+" << (stopped - t0) / 1000 << " ms, restarted at T0+"
               << (restart - t0) / 1000 << " ms, ready at T0+" << (ready - t0) / 1000 << " ms");
    const Micros last_missed = restart - (restart - t0) % kSecond;  // max(W)
    std::int64_t expected_skipped = 0;
    for (const auto& policy : policies) {
        const auto& id = id_of[policy];
        const Micros last = last_before[policy];
        const auto logged = etp::e2e::logged_slots(db, id);
        const auto after = slots_after(logged, last);
        INFO(policy << ": L = T0+" << (last - t0) / kSecond
                    << ", slots after L: " << slot_list(after, t0));
        // Every logged slot is the trigger's own: on the grid, triggered_at = scheduled_for.
        for (const auto& s : logged) {
            CHECK((s.scheduled_for - t0) % kSecond == 0);
            CHECK(s.triggered_at == s.scheduled_for);
        }
        // Nothing was sent while no scheduler ran.
        for (const auto& m : fired.of(id)) {
            const Micros sent = m.timestamp_ms * 1000;
            CHECK((sent <= stopped || sent >= restart));
        }
        REQUIRE(after.size() >= 3);
        // Once back, every second: the slots after the first one are consecutive.
        for (std::size_t i = 1; i < after.size(); ++i) CHECK(after[i] - after[i - 1] == kSecond);
        std::vector<Micros> in_window;  // logged slots of W
        for (Micros s : after)
            if (s <= restart) in_window.push_back(s);
        const Micros first_after = after.front();
        if (policy == "fire_all") {
            // All of W, starting right after L.
            CHECK(first_after == last + kSecond);
            CHECK(static_cast<Micros>(in_window.size()) == (last_missed - last) / kSecond);
        } else if (policy == "skip") {
            CHECK(in_window.empty());
            // Resumed with the first slot after its first pass.
            CHECK(first_after > restart);
            CHECK(first_after <= ready + 2 * kSecond);
            expected_skipped += (first_after - last) / kSecond - 1;
        } else {
            // Only the latest due slot: max(W), or max(W) + 1 s at the edge described above.
            CHECK(in_window.size() <= 1);
            CHECK((first_after == last_missed || first_after == last_missed + kSecond));
            expected_skipped += (first_after - last) / kSecond - 1;
        }
    }
    // The scheduler counts what it skipped: exactly the slots the log shows as not fired.
    CHECK(skipped_metric == static_cast<double>(expected_skipped));
    std::printf("scheduler misfire: down %.1f s; %lld slots skipped by fire_once and skip\n",
                static_cast<double>(restart - stopped) / kSecond,
                static_cast<long long>(expected_skipped));

    CHECK(second.process->terminate(10s) == 0);
    const std::string log = second.process->output();
    INFO(log.substr(log.size() > 4000 ? log.size() - 4000 : 0));
    CHECK(log.find("\"level\":\"error\"") == std::string::npos);
}
