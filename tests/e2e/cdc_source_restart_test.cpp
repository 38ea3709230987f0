// A restart of the source PostgreSQL: cdc-capture resumes by itself, and changes written after
// the restart arrive (with those written before it).

#include <catch2/catch.hpp>

#include <chrono>
#include <set>
#include <thread>

#include "cdc_support.hpp"
#include "scheduler_support.hpp"

using namespace std::chrono_literals;
using nlohmann::json;
using namespace etp::e2e;

TEST_CASE("cdc-capture resumes by itself after the source database restarts") {
    platform();
    // The source is its own server, so restarting it leaves the platform's database alone.
    etp::testing::PgCluster source_cluster;
    constexpr const char* kDb = "cdc_restart";
    constexpr const char* kSlot = "etp_fault_cdc_restart";
    source_cluster.create_database(kDb);
    const auto source = source_cluster.url(kDb);
    psql(source, "create table items (id bigint primary key, label text)");

    auto capture = make_cdc_capture(source, kSlot, {{"CDC_TABLES", "public.items"}});
    REQUIRE(capture.start_and_wait());
    REQUIRE(wait_published(source, kSlot, "public.items", 30s));

    auto ids_of = [](const std::vector<CdcRecord>& records) {
        std::set<std::int64_t> ids;
        for (const auto& r : records)
            if (r.value["op"] == "c") ids.insert(r.value["after"]["id"].get<std::int64_t>());
        return ids;
    };

    psql(source, "insert into items select g, 'before ' || g from generate_series(1, 100) g");
    auto ids = ids_of(wait_changes(
        kDb, [&](const auto& r) { return ids_of(r).size() >= 100; }, 60s));
    REQUIRE(ids.size() == 100);

    source_cluster.stop();
    std::this_thread::sleep_for(2s);
    source_cluster.start();

    psql(source, "insert into items select g, 'after ' || g from generate_series(101, 200) g");
    ids = ids_of(wait_changes(
        kDb, [&](const auto& r) { return ids_of(r).size() >= 200; }, 90s));
    CHECK(ids.size() == 200);
    INFO(capture.process->output().substr(0, 4000));
    // And it is healthy again.
    httplib::Client admin("127.0.0.1", capture.admin_port);
    const auto deadline = std::chrono::steady_clock::now() + 30s;
    int status = 0;
    while (std::chrono::steady_clock::now() < deadline) {
        auto res = admin.Get("/readyz");
        status = res ? res->status : 0;
        if (status == 200) break;
        std::this_thread::sleep_for(300ms);
    }
    CHECK(status == 200);
}

TEST_CASE("a second cdc-capture on the same slot waits, then takes over when the first dies") {
    platform();
    etp::testing::PgCluster source_cluster;
    constexpr const char* kDb = "cdc_takeover";
    constexpr const char* kSlot = "etp_fault_cdc_takeover";
    source_cluster.create_database(kDb);
    const auto source = source_cluster.url(kDb);
    psql(source, "create table items (id bigint primary key, label text)");

    auto first = make_cdc_capture(source, kSlot, {{"CDC_TABLES", "public.items"}});
    REQUIRE(first.start_and_wait());
    REQUIRE(wait_published(source, kSlot, "public.items", 30s));
    auto second = make_cdc_capture(source, kSlot, {{"CDC_TABLES", "public.items"}});
    REQUIRE(second.start_and_wait());  // a standby is ready

    auto leader = [](const Service& s) { return metric_value(s.admin_port, "etp_cdc_leader"); };
    auto wait_leader = [&](const Service& s, double want) {
        const auto deadline = std::chrono::steady_clock::now() + 30s;
        while (std::chrono::steady_clock::now() < deadline && leader(s) != want)
            std::this_thread::sleep_for(200ms);
        return leader(s) == want;
    };
    CHECK(wait_leader(first, 1));
    CHECK(leader(second) == 0);

    auto ids_of = [](const std::vector<CdcRecord>& records) {
        std::set<std::int64_t> ids;
        for (const auto& r : records)
            if (r.value["op"] == "c") ids.insert(r.value["after"]["id"].get<std::int64_t>());
        return ids;
    };
    psql(source, "insert into items select g, 'first' from generate_series(1, 50) g");
    REQUIRE(ids_of(wait_changes(
                       kDb, [&](const auto& r) { return ids_of(r).size() >= 50; }, 60s))
                .size() == 50);

    first.process->kill9();
    CHECK(wait_leader(second, 1));
    psql(source, "insert into items select g, 'second' from generate_series(51, 100) g");
    CHECK(ids_of(wait_changes(
                     kDb, [&](const auto& r) { return ids_of(r).size() >= 100; }, 60s))
              .size() == 100);
}
