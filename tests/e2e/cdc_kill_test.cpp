// SIGKILL of cdc-capture in the middle of a 50,000-row write burst, then a restart: every change
// is on etp.cdc.changes (none missing) and every matching change is logged exactly once.

#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <set>
#include <thread>

#include "cdc_support.hpp"

using namespace std::chrono_literals;
using nlohmann::json;
using namespace etp::e2e;

TEST_CASE("cdc-capture killed mid-burst loses no change and logs each firing once") {
    constexpr int kRows = 50000;
    constexpr int kPerTransaction = 10;
    constexpr const char* kDb = "cdc_burst";
    constexpr const char* kSlot = "etp_fault_cdc_kill";

    platform();
    const auto source = make_plain_source_db(
        kDb,
        "create table burst (id bigint primary key, n integer not null, flag boolean not null)");
    // A pause every 1,000 rows stretches the burst over 2.5 s or more, so that the kill below
    // (once capture has confirmed part of it) lands while it is still being written, however
    // fast the machine writes.
    psql(source,
         "create procedure write_burst(total integer, per_tx integer) language plpgsql as $$ "
         "begin for i in 1..total loop "
         "insert into burst values (i, i, i % 10 = 0); "
         "if i % per_tx = 0 then commit; end if; "
         "if i % 1000 = 0 then perform pg_sleep(0.05); end if; end loop; end $$");

    // Every tenth row fires: 5,000 events.
    const json trigger = create_cdc_trigger("burst flag", "public.burst", {"insert"},
                                            json{{"after", {{"flag", {true}}}}});
    const std::string trigger_id = trigger["id"];

    auto capture = make_cdc_capture(source, kSlot);
    REQUIRE(capture.start_and_wait());
    REQUIRE(wait_published(source, kSlot, "public.burst", 30s));
    std::this_thread::sleep_for(500ms);

    std::atomic<bool> writing{true};
    std::string writer_error;
    std::thread writer([&] {
        try {
            psql(source, "call write_burst(" + std::to_string(kRows) + ", " +
                             std::to_string(kPerTransaction) + ")");
        } catch (const std::exception& e) {
            writer_error = e.what();
        }
        writing = false;
    });

    // Kill once capture has confirmed some of the burst and the writer is still going.
    const auto start_bytes = slot_confirmed_bytes(source, kSlot);
    const auto deadline = std::chrono::steady_clock::now() + 60s;
    while (std::chrono::steady_clock::now() < deadline &&
           slot_confirmed_bytes(source, kSlot) <= start_bytes)
        std::this_thread::sleep_for(50ms);
    std::this_thread::sleep_for(300ms);
    const bool killed_mid_burst = writing.load();
    capture.process->kill9();
    std::this_thread::sleep_for(1s);
    REQUIRE(capture.start_and_wait());
    writer.join();
    REQUIRE(writer_error.empty());
    CHECK(killed_mid_burst);

    // Every row is on Kafka (repeats allowed, gaps not).
    std::set<std::int64_t> ids;
    auto records = wait_changes(
        kDb,
        [&](const auto& records) {
            ids.clear();
            for (const auto& r : records)
                if (r.value["op"] == "c")
                    ids.insert(r.value["after"]["id"].template get<std::int64_t>());
            return ids.size() >= static_cast<std::size_t>(kRows);
        },
        180s);
    CHECK(ids.size() == static_cast<std::size_t>(kRows));
    if (!ids.empty()) {
        CHECK(*ids.begin() == 1);
        CHECK(*ids.rbegin() == kRows);
    }
    INFO("changes read (with repeats): " << records.size());

    // Every matching change logged exactly once.
    const auto log_deadline = std::chrono::steady_clock::now() + 60s;
    while (std::chrono::steady_clock::now() < log_deadline &&
           logged_count(trigger_id) < static_cast<std::size_t>(kRows / 10))
        std::this_thread::sleep_for(500ms);
    std::this_thread::sleep_for(2s);
    auto counts = db().exec(
        "SELECT count(*), count(DISTINCT (payload->'after'->>'id')) FROM events "
        "WHERE trigger_id = $1",
        {trigger_id});
    const auto tail = [](const std::string& s) {
        return s.substr(s.size() > 3000 ? s.size() - 3000 : 0);
    };
    INFO("cdc-capture output (tail):\n" << tail(capture.process->output()));
    INFO("dispatcher output (tail):\n" << tail(platform().dispatcher.process->output()));
    CHECK(counts.integer(0, 0) == kRows / 10);
    CHECK(counts.integer(0, 1) == kRows / 10);
}
