// The per-target queues of the delivery engine: which attempts may start, in what order, within
// the limits in all and per target, and how a failing target is throttled to one at a time.
#include "target_queues.hpp"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

using namespace etp;
using namespace etp::dispatcher;
using Clock = TargetQueues::Clock;

namespace {

// A job to `origin` ("http://a.test"), told apart by its delivery number.
DeliveryJob job(const std::string& origin, std::int64_t number) {
    DeliveryJob j;
    j.key.number = number;
    j.url = *net::parse_url(origin + "/hook");
    return j;
}

// The jobs taken, as "<origin> #<number>".
std::vector<std::string> names(const std::vector<DeliveryJob>& jobs) {
    std::vector<std::string> out;
    out.reserve(jobs.size());
    for (const auto& j : jobs) out.push_back(j.url.origin + " #" + std::to_string(j.key.number));
    return out;
}

const Clock::time_point kT0 = Clock::now();

}  // namespace

TEST_CASE("a target's jobs start in the order queued, at most per_target at once") {
    TargetQueues queues(2, 100);
    for (int n = 1; n <= 4; ++n) queues.push(job("http://a.test", n));
    CHECK(names(queues.take(kT0)) ==
          std::vector<std::string>{"http://a.test:80 #1", "http://a.test:80 #2"});
    CHECK(queues.in_flight() == 2);
    CHECK(queues.take(kT0).empty());  // the target's limit is reached
    REQUIRE(queues.finish("http://a.test:80", false));
    CHECK(names(queues.take(kT0)) == std::vector<std::string>{"http://a.test:80 #3"});
    REQUIRE(queues.finish("http://a.test:80", false));
    REQUIRE(queues.finish("http://a.test:80", false));
    CHECK(names(queues.take(kT0)) == std::vector<std::string>{"http://a.test:80 #4"});
    CHECK(queues.in_flight() == 1);
}

TEST_CASE("targets take turns, so one with a long queue does not hold the others back") {
    TargetQueues queues(8, 100);
    for (int n = 1; n <= 3; ++n) queues.push(job("http://a.test", n));
    queues.push(job("http://b.test", 1));
    queues.push(job("http://c.test", 1));
    CHECK(names(queues.take(kT0)) ==
          std::vector<std::string>{"http://a.test:80 #1", "http://b.test:80 #1",
                                   "http://c.test:80 #1", "http://a.test:80 #2",
                                   "http://a.test:80 #3"});
}

TEST_CASE("no more than max_in_flight attempts start in all") {
    TargetQueues queues(8, 3);
    for (int n = 1; n <= 3; ++n) queues.push(job("http://a.test", n));
    for (int n = 1; n <= 3; ++n) queues.push(job("http://b.test", n));
    CHECK(names(queues.take(kT0)) == std::vector<std::string>{"http://a.test:80 #1",
                                                              "http://b.test:80 #1",
                                                              "http://a.test:80 #2"});
    CHECK(queues.take(kT0).empty());
    // The room an attempt frees goes to the next in turn, whichever target ended.
    REQUIRE(queues.finish("http://a.test:80", false));
    CHECK(names(queues.take(kT0)) == std::vector<std::string>{"http://b.test:80 #2"});
    CHECK(queues.in_flight() == 3);
}

TEST_CASE("a target failing three times in a row gets one attempt at a time until it answers") {
    TargetQueues queues(4, 100);
    for (int n = 1; n <= 4; ++n) queues.push(job("http://dead.test", n));
    REQUIRE(queues.take(kT0).size() == 4);
    for (int i = 0; i < 4; ++i) REQUIRE(queues.finish("http://dead.test:80", true));
    for (int n = 5; n <= 10; ++n) queues.push(job("http://dead.test", n));
    CHECK(names(queues.take(kT0)) == std::vector<std::string>{"http://dead.test:80 #5"});
    CHECK(queues.take(kT0).empty());
    // A failure more keeps it at one; an answer (below 500) restores per_target.
    REQUIRE(queues.finish("http://dead.test:80", true));
    CHECK(names(queues.take(kT0)) == std::vector<std::string>{"http://dead.test:80 #6"});
    CHECK(queues.take(kT0).empty());
    REQUIRE(queues.finish("http://dead.test:80", false));
    CHECK(queues.take(kT0).size() == 4);
    // Other targets keep their own limit meanwhile.
    TargetQueues other(4, 100);
    for (int n = 1; n <= 4; ++n) other.push(job("http://dead.test", n));
    for (int n = 1; n <= 4; ++n) other.push(job("http://ok.test", n));
    REQUIRE(other.take(kT0).size() == 8);
    for (int i = 0; i < 4; ++i) REQUIRE(other.finish("http://dead.test:80", true));
    for (int n = 5; n <= 8; ++n) other.push(job("http://dead.test", n));
    for (int n = 5; n <= 8; ++n) other.push(job("http://ok.test", n));
    for (int i = 0; i < 4; ++i) REQUIRE(other.finish("http://ok.test:80", false));
    CHECK(names(other.take(kT0)) ==
          std::vector<std::string>{"http://dead.test:80 #5", "http://ok.test:80 #5",
                                   "http://ok.test:80 #6", "http://ok.test:80 #7",
                                   "http://ok.test:80 #8"});
}

TEST_CASE("idle targets are forgotten, never one with work queued or in flight") {
    TargetQueues queues(1, 100);
    queues.push(job("http://idle.test", 1));
    queues.push(job("http://busy.test", 1));
    queues.push(job("http://busy.test", 2));
    REQUIRE(queues.take(kT0).size() == 2);
    REQUIRE(queues.finish("http://idle.test:80", false));
    queues.push(job("http://queued.test", 1));  // not taken yet
    // Last used at the cutoff: kept.
    queues.prune_idle(kT0);
    CHECK(queues.origins() == 3);
    queues.prune_idle(kT0 + std::chrono::minutes(1));
    CHECK(queues.origins() == 2);  // busy (one in flight, one queued) and queued remain
    CHECK_FALSE(queues.finish("http://idle.test:80", false));
    CHECK(queues.finish("http://busy.test:80", false));
    CHECK(names(queues.take(kT0)) ==
          std::vector<std::string>{"http://queued.test:80 #1", "http://busy.test:80 #2"});
}

TEST_CASE("an answer for a target with no attempt in flight is refused") {
    TargetQueues queues(2, 100);
    CHECK_FALSE(queues.finish("http://a.test:80", false));
    queues.push(job("http://a.test", 1));
    CHECK_FALSE(queues.finish("http://a.test:80", false));  // queued, not started
    REQUIRE(queues.take(kT0).size() == 1);
    CHECK(queues.finish("http://a.test:80", false));
    CHECK_FALSE(queues.finish("http://a.test:80", false));
    CHECK(queues.in_flight() == 0);
}
