// The initial snapshot of captured tables (CDC_SNAPSHOT): psql writes to a source database
// (the monitors fixture), kcat reads etp.cdc.changes, the event log shows what fired.

#include <catch2/catch.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <map>
#include <set>
#include <thread>

#include "cdc_support.hpp"
#include "message_contract.hpp"

using namespace std::chrono_literals;
using nlohmann::json;
using namespace etp::e2e;

namespace {

std::int64_t id_of(const CdcRecord& r) { return json::parse(r.key).at("id").get<std::int64_t>(); }

// One table's records by row id, each in topic order (a row's changes share a partition).
std::map<std::int64_t, std::vector<json>> by_id(const std::vector<CdcRecord>& records,
                                                const std::string& table) {
    std::map<std::int64_t, std::vector<json>> out;
    for (const auto& r : records)
        if (r.value["source"]["table"] == table) out[id_of(r)].push_back(r.value);
    return out;
}

// id → interval_s, the version counter the writer below bumps.
std::map<std::int64_t, std::int64_t> source_rows(const std::string& url) {
    etp::pg::Connection conn(url);
    auto r = conn.exec("SELECT id, interval_s FROM monitors");
    std::map<std::int64_t, std::int64_t> out;
    for (int i = 0; i < r.rows(); ++i) out[r.integer(i, 0)] = r.integer(i, 1);
    return out;
}

void delete_trigger(const std::string& id) {
    api().raw().Delete(("/api/v1/triggers/" + id).c_str());
}

}  // namespace

TEST_CASE(
    "rows present when a table is captured, and rows written meanwhile, arrive exactly once") {
    constexpr const char* kDb = "cdc_snapshot";
    constexpr const char* kSlot = "etp_e2e_cdc_snapshot";
    constexpr int kBulk = 20000;
    platform();
    const auto source = make_source_db(etp::testing::PgCluster::shared(), kDb);
    // 21,000 monitors, so reading them takes a while; interval_s counts each row's updates.
    psql(source,
         "insert into monitors (name, url, interval_s) select 'bulk ' || g, "
         "'https://bulk.test/' || g, 1 from generate_series(1, " +
             std::to_string(kBulk) + ") g");
    // The concurrent writer: one row per transaction, new monitors and version bumps of any,
    // until writer_stop has a row.
    psql(source,
         "create table writer_stop (at timestamptz); "
         "create procedure write_during() language plpgsql as $$ "
         "declare i integer := 0; top bigint; begin "
         "select max(id) into top from monitors; "
         "loop exit when exists (select 1 from writer_stop); i := i + 1; "
         "if i % 3 = 0 then insert into monitors (name, url) "
         "values ('during ' || i, 'https://during.test/' || i) returning id into top; "
         "else update monitors set interval_s = interval_s + 1 "
         "where id = 1 + floor(random() * top)::bigint; end if; "
         "commit; if i % 20 = 0 then perform pg_sleep(0.002); end if; end loop; end $$");
    const auto before = source_rows(source);
    REQUIRE(before.size() == 1000 + kBulk);

    // Capture runs first with nothing to capture; the table enters the publication while it
    // streams and while the writer writes.
    auto capture = make_cdc_capture(source, kSlot);
    REQUIRE(capture.start_and_wait());
    std::string writer_error;
    std::thread writer([&] {
        try {
            psql(source, "call write_during()");
        } catch (const std::exception& e) {
            writer_error = e.what();
        }
    });
    std::this_thread::sleep_for(500ms);
    const json trigger = create_cdc_trigger("monitors captured", "public.monitors", {"update"},
                                            json{{"after", {{"status", {"no such status"}}}}});
    REQUIRE(wait_published(source, kSlot, "public.monitors", 30s));

    auto has_last = [](const std::vector<CdcRecord>& records) {
        for (const auto& r : records)
            if (r.value["op"] == "r" && r.value["source"].value("snapshot", "") == "last")
                return true;
        return false;
    };
    CHECK(has_last(wait_changes(kDb, has_last, 120s)));
    std::this_thread::sleep_for(1s);  // and a while of streaming after the snapshot
    psql(source, "insert into writer_stop values (now())");
    writer.join();
    REQUIRE(writer_error.empty());
    const auto after = source_rows(source);
    REQUIRE(after.size() > before.size());

    // Everything arrived once the last version of every row is on the topic.
    auto complete = [&](const std::vector<CdcRecord>& records) {
        const auto rows = by_id(records, "monitors");
        if (rows.size() != after.size()) return false;
        for (const auto& [id, version] : after) {
            auto it = rows.find(id);
            if (it == rows.end() || it->second.back()["after"]["interval_s"] != version)
                return false;
        }
        return true;
    };
    const auto records = wait_changes(kDb, complete, 180s);
    INFO("cdc-capture output (tail):\n"
         << [&] {
                const auto out = capture.process->output();
                return out.substr(out.size() > 4000 ? out.size() - 4000 : 0);
            }());
    CHECK(complete(records));

    const auto rows = by_id(records, "monitors");
    std::size_t reads = 0, lasts = 0, inserts_read = 0, inserts_streamed = 0, updates = 0;
    std::set<std::string> seen;  // (id, op, lsn): no change twice
    bool contract_checked = false;
    for (const auto& [id, changes] : rows) {
        INFO("monitor " << id << ": " << json(changes).dump().substr(0, 2000));
        // Exactly one first image: the snapshot's row, or the insert that came after it.
        REQUIRE(!changes.empty());
        const std::string first = changes[0]["op"];
        CHECK((first == "r" || first == "c"));
        if (before.count(id)) CHECK(first == "r");  // present when captured: read, once
        std::int64_t version = changes[0]["after"]["interval_s"];
        for (std::size_t i = 0; i < changes.size(); ++i) {
            const auto& change = changes[i];
            const std::string op = change["op"];
            CHECK(seen.insert(std::to_string(id) + "|" + op + "|" + change["source"]["lsn"].dump())
                      .second);
            if (i == 0) continue;
            // After the first image only updates, each one version on: none the snapshot held
            // already, none missing, none twice.
            CHECK(op == "u");
            CHECK(change["after"]["interval_s"] == version + 1);
            version = change["after"]["interval_s"];
            ++updates;
        }
        CHECK(version == after.at(id));
        if (first == "r") {
            ++reads;
            const std::string marker = changes[0]["source"]["snapshot"];
            CHECK((marker == "true" || marker == "last"));
            if (marker == "last") ++lasts;
            if (!before.count(id)) ++inserts_read;
            if (!contract_checked) {
                CHECK(schema_problems("etp.cdc.changes", changes[0]) == "");
                CHECK(changes[0]["before"].is_null());
                contract_checked = true;
            }
        } else {
            ++inserts_streamed;
        }
    }
    CHECK(rows.size() == after.size());
    CHECK(lasts == 1);
    // The writer wrote on both sides of the snapshot: rows it inserted before it was taken came
    // as r, later ones as c; and updates streamed.
    CHECK(inserts_read > 0);
    CHECK(inserts_streamed > 0);
    CHECK(updates > 0);
    INFO("read " << reads << ", inserted after " << inserts_streamed << ", updates " << updates);
    CHECK(reads >= before.size());

    // The snapshot is recorded; a restart does not read the table again.
    auto recorded = db().exec(
        "SELECT state, row_count FROM cdc_snapshots WHERE publication = $1 "
        "AND table_name = 'public.monitors'",
        {std::string(kSlot)});
    REQUIRE(recorded.rows() == 1);
    CHECK(recorded.text(0, 0) == "done");
    CHECK(recorded.integer(0, 1) == static_cast<std::int64_t>(reads));
    capture.process->terminate(std::chrono::seconds(20));
    REQUIRE(capture.start_and_wait());
    psql(source, "update monitors set interval_s = interval_s + 1 where id = 1");
    const auto again = wait_changes(
        kDb, [&](const auto& r) { return r.size() > records.size(); }, 60s);
    std::this_thread::sleep_for(2s);
    const auto final_records = read_changes(kDb);
    std::size_t reads_after = 0;
    for (const auto& r : final_records)
        if (r.value["op"] == "r") ++reads_after;
    CHECK(reads_after == reads);
    CHECK(again.size() > records.size());
    delete_trigger(trigger["id"]);
}

TEST_CASE("CDC_SNAPSHOT=never publishes only changes, and records the table as not read") {
    constexpr const char* kDb = "cdc_snapshot_never";
    constexpr const char* kSlot = "etp_e2e_cdc_snapshot_never";
    platform();
    const auto source = make_plain_source_db(
        kDb,
        "create table snap_never (id bigint primary key, label text); "
        "insert into snap_never select g, 'old ' || g from generate_series(1, 50) g");
    auto capture = make_cdc_capture(
        source, kSlot, {{"CDC_TABLES", "public.snap_never"}, {"CDC_SNAPSHOT", "never"}});
    REQUIRE(capture.start_and_wait());
    REQUIRE(wait_published(source, kSlot, "public.snap_never", 30s));
    std::this_thread::sleep_for(1500ms);
    psql(source, "insert into snap_never values (51, 'new')");
    auto records = wait_changes(
        kDb, [](const auto& r) { return !r.empty(); }, 60s);
    std::this_thread::sleep_for(1s);
    records = read_changes(kDb);
    REQUIRE(records.size() == 1);
    CHECK(records[0].value["op"] == "c");
    CHECK(records[0].value["after"]["id"] == 51);
    CHECK(records[0].value["source"]["snapshot"] == "false");
    auto recorded =
        db().exec("SELECT state FROM cdc_snapshots WHERE publication = $1 AND table_name = $2",
                  {std::string(kSlot), std::string("public.snap_never")});
    REQUIRE(recorded.rows() == 1);
    CHECK(recorded.text(0, 0) == "never");
}

TEST_CASE("a cdc trigger fires once per snapshot row only when its operations list read") {
    constexpr const char* kDb = "cdc_snapshot_read";
    constexpr const char* kSlot = "etp_e2e_cdc_snapshot_read";
    constexpr int kRows = 40;
    platform();
    const auto source = make_plain_source_db(
        kDb,
        "create table snap_items (id bigint primary key, label text); "
        "insert into snap_items select g, 'item ' || g from generate_series(1, " +
            std::to_string(kRows) + ") g");
    const json reads = create_cdc_trigger("item read", "public.snap_items", {"read"}, nullptr);
    // Every other operation, and a filter only a snapshot row could match.
    const json others = create_cdc_trigger("item changed", "public.snap_items",
                                           {"insert", "update", "delete"}, json{{"op", {"r"}}});
    auto capture = make_cdc_capture(source, kSlot);
    REQUIRE(capture.start_and_wait());

    const std::string reads_id = reads["id"];
    eventually([&] { return logged_count(reads_id) >= kRows; }, 60s);
    std::this_thread::sleep_for(2s);  // anything extra would show up by now
    auto counts = db().exec(
        "SELECT count(*), count(DISTINCT payload->'after'->>'id'), "
        "count(*) FILTER (WHERE payload->>'op' = 'r') FROM events WHERE trigger_id = $1",
        {reads_id});
    CHECK(counts.integer(0, 0) == kRows);
    CHECK(counts.integer(0, 1) == kRows);
    CHECK(counts.integer(0, 2) == kRows);
    CHECK(logged_count(others["id"]) == 0);

    // A streamed insert does not fire the read trigger.
    psql(source, "insert into snap_items values (1000, 'new')");
    std::this_thread::sleep_for(2s);
    CHECK(logged_count(reads_id) == static_cast<std::size_t>(kRows));
    delete_trigger(reads_id);
    delete_trigger(others["id"]);
}

TEST_CASE("a snapshot cut short by a crash is taken again and its firings are logged once") {
    constexpr const char* kDb = "cdc_snapshot_kill";
    constexpr const char* kSlot = "etp_e2e_cdc_snapshot_kill";
    constexpr int kRows = 50000;
    platform();
    const auto source = make_plain_source_db(
        kDb,
        "create table snap_big (id bigint primary key, flag boolean, label text); "
        "insert into snap_big select g, g % 10 = 0, 'row ' || g from generate_series(1, " +
            std::to_string(kRows) + ") g");
    // Every tenth row fires: 5,000 events.
    const json reads = create_cdc_trigger("big read", "public.snap_big", {"read"},
                                          json{{"after", {{"flag", {true}}}}});
    const std::string reads_id = reads["id"];

    auto capture = make_cdc_capture(source, kSlot, {{"CDC_MAX_IN_FLIGHT", "500"}});
    REQUIRE(capture.start_and_wait());
    // Kill a second into the snapshot: some rows are on Kafka, most are not read yet.
    const auto deadline = std::chrono::steady_clock::now() + 60s;
    while (std::chrono::steady_clock::now() < deadline &&
           capture.process->output().find("table snapshot started") == std::string::npos)
        std::this_thread::sleep_for(50ms);
    std::this_thread::sleep_for(1s);
    capture.process->kill9();
    const bool finished_before_kill =
        capture.process->output().find("table snapshot finished") != std::string::npos;
    CHECK_FALSE(finished_before_kill);
    REQUIRE(capture.start_and_wait());

    auto ids_read = [](const std::vector<CdcRecord>& records) {
        std::map<std::int64_t, int> ids;
        for (const auto& r : records)
            if (r.value["op"] == "r") ++ids[r.value["after"]["id"].get<std::int64_t>()];
        return ids;
    };
    const auto records = wait_changes(
        kDb, [&](const auto& r) { return ids_read(r).size() >= static_cast<std::size_t>(kRows); },
        180s);
    const auto ids = ids_read(records);
    CHECK(ids.size() == static_cast<std::size_t>(kRows));  // every row, at least once
    const auto repeated =
        std::count_if(ids.begin(), ids.end(), [](auto& e) { return e.second > 1; });
    INFO("rows published twice (the interrupted attempt's): " << repeated);
    CHECK(repeated > 0);

    eventually([&] { return logged_count(reads_id) >= kRows / 10; }, 120s);
    std::this_thread::sleep_for(2s);
    auto counts = db().exec(
        "SELECT count(*), count(DISTINCT payload->'after'->>'id') FROM events "
        "WHERE trigger_id = $1",
        {reads_id});
    CHECK(counts.integer(0, 0) == kRows / 10);
    CHECK(counts.integer(0, 1) == kRows / 10);
    delete_trigger(reads_id);
}

TEST_CASE("changes made after a table joined the publication and before its snapshot fire once") {
    constexpr const char* kDb = "cdc_snapshot_window";
    constexpr const char* kSlot = "etp_e2e_cdc_snapshot_window";
    platform();
    const auto source = make_plain_source_db(
        kDb,
        "create table window_items (id bigint primary key, label text); "
        "insert into window_items select g, 'early ' || g from generate_series(1, 10) g");
    // The slot and the publication exist, without the table.
    auto capture = make_cdc_capture(source, kSlot);
    REQUIRE(capture.start_and_wait());
    capture.process->terminate(std::chrono::seconds(20));

    // While cdc-capture is down, the table joins the publication (as its refresh does when a
    // trigger names it) and rows are inserted: they reach the slot, and the snapshot taken at
    // the next start holds them too.
    const json inserted =
        create_cdc_trigger("window insert", "public.window_items", {"insert"}, nullptr);
    const std::string inserted_id = inserted["id"];
    psql(source, std::string("alter publication ") + kSlot + " add table public.window_items");
    psql(source, "insert into window_items select g, 'late ' || g from generate_series(11, 15) g");
    REQUIRE(capture.start_and_wait());

    // The topic has each row once, as the snapshot read it.
    auto reads = [](const std::vector<CdcRecord>& records) {
        std::map<std::int64_t, std::vector<std::string>> ops;
        for (const auto& r : records)
            if (r.value["source"]["table"] == "window_items")
                ops[r.value["after"]["id"].get<std::int64_t>()].push_back(r.value["op"]);
        return ops;
    };
    const auto records = wait_changes(
        kDb, [&](const auto& r) { return reads(r).size() >= 15; }, 60s);
    const auto ops = reads(records);
    CHECK(ops.size() == 15);
    for (const auto& [id, list] : ops) {
        INFO("row " << id);
        CHECK(list == std::vector<std::string>{"r"});
    }

    // The five inserts made while the table was captured fire the insert trigger, each once;
    // the rows there before it joined do not.
    eventually([&] { return logged_count(inserted_id) >= 5; }, 60s);
    std::this_thread::sleep_for(2s);  // anything extra would show up by now
    auto counts = db().exec(
        "SELECT count(*), count(DISTINCT payload->'after'->>'id'), "
        "min((payload->'after'->>'id')::bigint), count(*) FILTER (WHERE payload->>'op' = 'c') "
        "FROM events WHERE trigger_id = $1",
        {inserted_id});
    CHECK(counts.integer(0, 0) == 5);
    CHECK(counts.integer(0, 1) == 5);
    CHECK(counts.integer(0, 2) == 11);
    CHECK(counts.integer(0, 3) == 5);

    // A restart replays from the slot's confirmed position: nothing fires twice.
    capture.process->terminate(std::chrono::seconds(20));
    REQUIRE(capture.start_and_wait());
    psql(source, "insert into window_items values (16, 'after restart')");
    eventually([&] { return logged_count(inserted_id) >= 6; }, 60s);
    std::this_thread::sleep_for(2s);
    CHECK(logged_count(inserted_id) == 6);
    delete_trigger(inserted_id);
}
