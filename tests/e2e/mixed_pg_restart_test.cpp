// Fault suite (issue 22): PostgreSQL (the platform's database and the cdc source, one server)
// stopped for 10 s under the mixed load and started again; then every invariant holds.
#include <catch2/catch.hpp>
#include <cstdio>

#include "mixed_load.hpp"

using namespace std::chrono_literals;

TEST_CASE("PostgreSQL restarted under the mixed load: nothing lost, nothing twice") {
    const auto start = std::chrono::steady_clock::now();
    etp::e2e::MixedLoad load({.name = "mixed_pg"});
    load.start();
    std::this_thread::sleep_for(15s);

    auto& pg = etp::testing::PgCluster::shared();
    pg.stop();
    std::this_thread::sleep_for(10s);
    load.check_all_running();
    pg.start();
    std::this_thread::sleep_for(20s);

    load.check_invariants();
    std::printf("mixed pg restart: wall clock %.0f s\n",
                std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
}
