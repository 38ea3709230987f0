// Pacing of a retention pass (services/retention/src/pass_pacing.hpp): the rest owed after a
// step, and when the pacer asks to stop.

#include <catch2/catch.hpp>

#include <thread>
#include <vector>

#include "pass_pacing.hpp"

using etp::retention::PassPacer;
using etp::retention::rest_after;
using namespace std::chrono_literals;

TEST_CASE("the rest after a step keeps the work at its share of the span") {
    CHECK(rest_after(100ms, 25) == 300ms);
    CHECK(rest_after(100ms, 50) == 100ms);
    CHECK(rest_after(100ms, 1) == 9900ms);
    CHECK(rest_after(40ms, 20) == 160ms);
    CHECK(rest_after(100ms, 100) == 0us);  // 100 %: no rests
    CHECK(rest_after(0ms, 25) == 0us);
    CHECK(rest_after(-5ms, 25) == 0us);  // a clock that stepped back owes nothing
}

TEST_CASE("the pacer rests for the work since its last step, then asks whether to go on") {
    std::vector<std::chrono::microseconds> rests;
    int stops_asked = 0;
    bool stop = false;
    PassPacer pacer(
        25,
        [&] {
            ++stops_asked;
            return stop;
        },
        [&](std::chrono::microseconds d) {
            rests.push_back(d);
            return true;
        });
    std::this_thread::sleep_for(20ms);  // a step's work
    CHECK(pacer.next_step());
    REQUIRE(rests.size() == 1);
    CHECK(rests[0] >= 60ms);  // at least three times the 20 ms
    CHECK(stops_asked == 1);

    stop = true;
    std::this_thread::sleep_for(2ms);
    CHECK_FALSE(pacer.next_step());
    CHECK(stops_asked == 2);
}

TEST_CASE("a rest that reports a shutdown ends the pass without asking again") {
    int stops_asked = 0;
    PassPacer pacer(
        10,
        [&] {
            ++stops_asked;
            return false;
        },
        [](std::chrono::microseconds) { return false; });
    std::this_thread::sleep_for(1ms);
    CHECK_FALSE(pacer.next_step());
    CHECK(stops_asked == 0);
}

TEST_CASE("without a rest function, or at 100 %, the pacer never rests") {
    int rests = 0;
    PassPacer full(
        100, [] { return false; },
        [&](std::chrono::microseconds) {
            ++rests;
            return true;
        });
    PassPacer none(25, [] { return false; }, {});
    std::this_thread::sleep_for(2ms);
    CHECK(full.next_step());
    CHECK(none.next_step());
    CHECK(rests == 0);
    CHECK(none.rested() == 0us);
}
