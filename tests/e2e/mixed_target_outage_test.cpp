// Fault suite (issue 22): the api trigger's webhook target answers 503 to everything for 5
// minutes under the mixed load, then comes back. Its retry policy (50 attempts, backoff up to
// 30 s) outlasts the outage: every event is delivered after it, no pending retry is lost, and
// every other invariant of the mixed load holds. ETP_TARGET_OUTAGE_SECONDS shortens the outage
// (default 300).
#include <catch2/catch.hpp>
#include <cstdio>
#include <cstdlib>

#include "mixed_load.hpp"

using namespace std::chrono_literals;

TEST_CASE("a webhook target down for 5 minutes and back: every event delivered after") {
    const auto start = std::chrono::steady_clock::now();
    const char* env = std::getenv("ETP_TARGET_OUTAGE_SECONDS");
    const int outage = env != nullptr ? std::atoi(env) : 300;
    // A lighter load: the outage is long, and the pending retries pile up.
    etp::e2e::MixedLoad load({.name = "mixed_target",
                              .fires_per_second = 5,
                              .churn_every = 1000ms,
                              .api_max_backoff_ms = 30'000});
    load.start();
    std::this_thread::sleep_for(10s);

    load.set_api_target_down(true);
    std::printf("api target down for %d s\n", outage);
    std::fflush(stdout);
    std::this_thread::sleep_for(std::chrono::seconds(outage));
    load.set_api_target_down(false);
    std::this_thread::sleep_for(5s);

    load.check_invariants(300s);
    std::printf("mixed target outage: wall clock %.0f s\n",
                std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
}
