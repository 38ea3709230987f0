// Fault suite (issue 22): under the mixed load, each service in turn (the gateway, a
// dispatcher, a scheduler, the cdc-capture that streams, retention) is killed with SIGKILL and
// started again; then every invariant of the mixed load holds.
#include <catch2/catch.hpp>
#include <cstdio>

#include "mixed_load.hpp"

using namespace std::chrono_literals;

TEST_CASE("each service SIGKILLed in turn under the mixed load: nothing lost, nothing twice") {
    const auto start = std::chrono::steady_clock::now();
    etp::e2e::MixedLoad load({.name = "mixed_kill"});
    load.start();
    std::this_thread::sleep_for(10s);

    for (const char* name :
         {"api-gateway", "dispatcher-1", "scheduler-1", "cdc-capture-1", "retention"}) {
        auto& m = load.member(name);
        std::printf("SIGKILL %s\n", name);
        std::fflush(stdout);
        load.kill(m);
        std::this_thread::sleep_for(2s);
        const bool ready = load.restart(m);
        INFO(m.name << " output:\n" << m.service.process->output());
        REQUIRE(ready);
        std::this_thread::sleep_for(8s);
    }

    load.check_invariants();
    std::printf("mixed kill: wall clock %.0f s\n",
                std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
}
