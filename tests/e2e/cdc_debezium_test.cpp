// cdc-capture with the Debezium-compatible settings (CDC_SERVER_NAME, CDC_TOPIC_MODE=table,
// CDC_VALUE_ENCODING=debezium, CDC_TOMBSTONES=true): psql writes to the monitors fixture, kcat
// reads the per-table topics, and each message is checked against the shape Debezium documents
// for its PostgreSQL connector (schemaless JSON) - what a debezium-json consumer reads. The
// monitors fixture's rows arrive first as the table's initial snapshot (op r).

#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>
#include <map>

#include "cdc_support.hpp"
#include "message_contract.hpp"

using namespace std::chrono_literals;
using nlohmann::json;
using namespace etp::e2e;

namespace {

constexpr const char* kSourceDb = "cdc_debezium";
constexpr const char* kSlot = "etp_e2e_cdc_debezium";
constexpr const char* kServer = "inventory";

struct Capture {
    std::string source_url;
    Service service;
    Capture() {
        platform();
        source_url = make_source_db(etp::testing::PgCluster::shared(), kSourceDb);
        // REPLICA IDENTITY DEFAULT: an untouched TOASTed value is not in any row PostgreSQL
        // sends, so it is unavailable.
        psql(source_url,
             "create table kinds (id bigint primary key, n numeric(20, 5), ts timestamptz, "
             "tsl timestamp, d date, jb jsonb, big text)");
        service = make_cdc_capture(source_url, kSlot,
                                   {{"CDC_TABLES", "public.kinds, public.monitors"},
                                    {"CDC_SERVER_NAME", kServer},
                                    {"CDC_TOPIC_MODE", "table"},
                                    {"CDC_VALUE_ENCODING", "debezium"},
                                    {"CDC_TOMBSTONES", "true"}});
        if (!service.start_and_wait())
            throw std::runtime_error("cdc-capture did not become ready:\n" +
                                     service.process->output());
    }
};

// One message as kcat reads it: NULL key and value as "NULL" (-Z).
struct Record {
    int partition = 0;
    std::string key;
    std::string headers;  // "name=value,..."
    std::string value;
    bool tombstone() const { return value == "NULL"; }
    json json_value() const { return json::parse(value); }
};

std::vector<Record> read_topic(const std::string& topic) {
    auto r = etp::testing::run_command(
        "/usr/bin/kcat",
        {"-b", etp::testing::KafkaBroker::shared().bootstrap(), "-C", "-t", topic, "-e", "-q", "-Z",
         "-o", "beginning", "-f", "%p\t%k\t%h\t%s\n"},
        {}, std::chrono::seconds(60));
    std::vector<Record> out;
    std::istringstream lines(r.out);
    for (std::string line; std::getline(lines, line);) {
        std::vector<std::string> parts;
        std::size_t from = 0;
        for (int i = 0; i < 3; ++i) {
            const auto tab = line.find('\t', from);
            if (tab == std::string::npos) break;
            parts.push_back(line.substr(from, tab - from));
            from = tab + 1;
        }
        if (parts.size() != 3) continue;
        out.push_back({std::stoi(parts[0]), parts[1], parts[2], line.substr(from)});
    }
    return out;
}

// What Debezium documents for a PostgreSQL change event value (schemaless JSON); "" when it
// holds.
std::string debezium_problems(const json& v) {
    std::string out;
    auto need = [&out](bool ok, const std::string& what) {
        if (!ok) out += what + "\n";
    };
    need(v.is_object(), "value is an object");
    if (!v.is_object()) return out;
    for (const char* m : {"before", "after", "source", "op", "ts_ms"})
        need(v.contains(m), std::string("has ") + m);
    if (!out.empty()) return out;
    const std::string op = v["op"].is_string() ? v["op"].get<std::string>() : "";
    need(op == "c" || op == "u" || op == "d" || op == "r" || op == "t", "op is c, u, d, r or t");
    need(v["before"].is_null() || v["before"].is_object(), "before is null or a row");
    need(v["after"].is_null() || v["after"].is_object(), "after is null or a row");
    need(op != "c" || (v["before"].is_null() && v["after"].is_object()), "create: after only");
    need(op != "d" || (v["after"].is_null() && v["before"].is_object()), "delete: before only");
    need(v["ts_ms"].is_number_integer(), "ts_ms is an integer");
    const json& s = v["source"];
    need(s.is_object(), "source is an object");
    if (!s.is_object()) return out;
    need(s.value("connector", "") == "postgresql", "source.connector is postgresql");
    for (const char* m : {"version", "name", "snapshot", "db", "schema", "table", "sequence"})
        need(s.contains(m) && s[m].is_string(), std::string("source.") + m + " is a string");
    for (const char* m : {"ts_ms", "txId", "lsn"})
        need(s.contains(m) && s[m].is_number_integer(), std::string("source.") + m + " is int");
    need(s.contains("xmin") && (s["xmin"].is_null() || s["xmin"].is_number_integer()),
         "source.xmin is null or an integer");
    if (s.contains("sequence") && s["sequence"].is_string()) {
        const auto seq = json::parse(s["sequence"].get<std::string>(), nullptr, false);
        need(seq.is_array() && seq.size() == 2 && (seq[0].is_string() || seq[0].is_null()) &&
                 seq[1].is_string(),
             "source.sequence is a JSON array of two LSN strings (the first may be null)");
        if (seq.is_array() && seq.size() == 2 && seq[1].is_string() && s["lsn"].is_number())
            need(seq[1] == std::to_string(s["lsn"].get<std::uint64_t>()),
                 "sequence[1] is source.lsn");
    }
    if (v.contains("transaction") && !v["transaction"].is_null()) {
        const json& t = v["transaction"];
        need(t.is_object() && t.value("id", json()).is_string() &&
                 t.value("total_order", json()).is_number_integer() &&
                 t.value("data_collection_order", json()).is_number_integer(),
             "transaction has id, total_order, data_collection_order");
    }
    return out;
}

std::string header(const Record& r, const std::string& name) {
    std::istringstream list(r.headers);
    for (std::string item; std::getline(list, item, ',');) {
        const auto eq = item.find('=');
        if (eq != std::string::npos && item.substr(0, eq) == name) return item.substr(eq + 1);
    }
    return "";
}

}  // namespace

TEST_CASE("with the debezium settings, per-table topics carry Debezium's change events") {
    Capture c;
    REQUIRE(wait_published(c.source_url, kSlot, "public.kinds", 30s));
    REQUIRE(wait_published(c.source_url, kSlot, "public.monitors", 30s));
    // Both tables' initial snapshots are done, so the changes below are streamed, not read.
    REQUIRE(eventually(
        [] {
            return db().exec(
                           "SELECT 1 FROM cdc_snapshots WHERE publication = $1 "
                           "AND table_name IN ('public.kinds', 'public.monitors') "
                           "AND state = 'done'",
                           {std::string(kSlot)})
                       .rows() == 2;
        },
        60s));

    // One transaction over two tables, then an update that leaves a TOASTed value untouched,
    // a delete, a truncate and a last insert that shows everything before it was read.
    psql(c.source_url,
         "begin; insert into kinds values (1, 12345.67890, '2026-11-23 01:02:03.5+00', "
         "'2026-11-23 01:02:03.25', '2026-11-23', '{\"a\": [1, 2]}', "
         "(select string_agg(md5(g::text), '') from generate_series(1, 4000) g)); "
         "insert into kinds (id) values (2); "
         "update monitors set status = 'down' where id = 7; commit");
    psql(c.source_url, "update kinds set n = 1 where id = 1");
    psql(c.source_url, "delete from kinds where id = 2");
    psql(c.source_url, "truncate kinds");
    psql(c.source_url, "insert into kinds (id) values (3)");

    const std::string kinds_topic = std::string(kServer) + ".public.kinds";
    const std::string monitors_topic = std::string(kServer) + ".public.monitors";
    std::vector<Record> kinds;
    REQUIRE(eventually(
        [&] {
            kinds = read_topic(kinds_topic);
            return std::any_of(kinds.begin(), kinds.end(), [](const Record& r) {
                return r.key == R"({"id":3})" && !r.tombstone();
            });
        },
        60s));
    std::vector<Record> monitors;
    REQUIRE(eventually(
        [&] {
            monitors = read_topic(monitors_topic);
            return std::any_of(monitors.begin(), monitors.end(),
                               [](const Record& r) { return r.json_value()["op"] == "u"; });
        },
        60s));

    // The fixture's 1,000 monitors, read by the initial snapshot: op r, source.snapshot "true"
    // ("last" on the last row read), no transaction block, keyed and encoded as streamed rows.
    std::vector<Record> streamed_monitors;
    std::size_t reads = 0, lasts = 0;
    for (const auto& r : monitors) {
        const auto v = r.json_value();
        if (v["op"] != "r") {
            streamed_monitors.push_back(r);
            continue;
        }
        INFO(r.value.substr(0, 1000));
        ++reads;
        CHECK(debezium_problems(v) == "");
        CHECK(schema_problems("etp.cdc.changes", v) == "");
        CHECK(v["before"].is_null());
        const auto& snapshot = v["source"]["snapshot"];
        CHECK((snapshot == "true" || snapshot == "last"));
        if (snapshot == "last") ++lasts;
        CHECK(v["transaction"].is_null());
        CHECK(v["source"]["name"] == kServer);
        CHECK(json::parse(r.key) == json{{"id", v["after"]["id"]}});
        CHECK(header(r, "etp-table") == "public.monitors");
        CHECK(header(r, "etp-op") == "r");
        CHECK(v["after"]["tags"].is_string());  // jsonb as Debezium's io.debezium.data.Json
    }
    // Row 7's read comes before its update, in the same partition (kcat lists a partition's
    // messages in order).
    auto row7 = [&monitors](const char* op) {
        return std::find_if(monitors.begin(), monitors.end(), [op](const Record& r) {
            const auto v = r.json_value();
            return v["op"] == op && v["after"]["id"] == 7;
        });
    };
    REQUIRE(row7("r") != monitors.end());
    REQUIRE(row7("u") != monitors.end());
    CHECK(row7("r") < row7("u"));
    CHECK(row7("r")->partition == row7("u")->partition);
    CHECK(reads == 1000);
    CHECK(lasts == 1);
    REQUIRE_FALSE(streamed_monitors.empty());

    // Every change event parses as Debezium documents it and matches the platform's contract.
    std::vector<json> changes;  // kinds' change events in WAL order
    for (const auto& r : kinds) {
        if (r.tombstone()) continue;
        INFO(r.value.substr(0, 1000));
        const auto v = r.json_value();
        CHECK(debezium_problems(v) == "");
        CHECK(schema_problems("etp.cdc.changes", v) == "");
        CHECK(v["source"]["name"] == kServer);
        CHECK(v["source"]["db"] == kSourceDb);
        CHECK(v["source"]["snapshot"] == "false");
        CHECK(header(r, "etp-table") == "public.kinds");
        CHECK(header(r, "etp-op") == v["op"]);
        // The key is the primary key object, as Debezium's key payload.
        const json& row = v["op"] == "d" ? v["before"] : v["after"];
        CHECK(json::parse(r.key) == json{{"id", row["id"]}});
        changes.push_back(v);
    }
    std::stable_sort(changes.begin(), changes.end(), [](const json& a, const json& b) {
        return a["source"]["lsn"].get<std::uint64_t>() < b["source"]["lsn"].get<std::uint64_t>();
    });
    std::vector<std::string> ops;
    ops.reserve(changes.size());
    for (const auto& v : changes) ops.push_back(v["op"]);
    // No truncate event: CDC_EMIT_TRUNCATE defaults to false, as Debezium skips truncates.
    CHECK(ops == std::vector<std::string>{"c", "c", "u", "d", "c"});
    REQUIRE(ops.size() == 5);

    // Debezium's value encodings.
    const json& after = changes[0]["after"];
    INFO(after.dump().substr(0, 500));
    CHECK(after["n"] == "12345.67890");              // decimal.handling.mode=string
    CHECK(after["ts"] == "2026-11-23T01:02:03.5Z");  // io.debezium.time.ZonedTimestamp
    CHECK(after["tsl"] == 1795395723250000LL);       // io.debezium.time.MicroTimestamp
    CHECK(after["d"] == 20780);                      // io.debezium.time.Date
    CHECK(after["jb"].is_string());                  // io.debezium.data.Json
    CHECK(json::parse(after["jb"].get<std::string>()) == json{{"a", {1, 2}}});
    // The untouched TOASTed column of the update: Debezium's placeholder.
    CHECK(changes[2]["after"]["big"] == "__debezium_unavailable_value");
    CHECK(changes[2]["after"]["n"] == "1.00000");
    CHECK_FALSE(changes[2].contains("unchanged_toast"));

    // One transaction: its events share transaction.id and count in order, per table too.
    const json monitor = streamed_monitors.at(0).json_value();
    INFO(monitor.dump().substr(0, 500));
    CHECK(debezium_problems(monitor) == "");
    CHECK(monitor["source"]["snapshot"] == "false");
    CHECK(json::parse(streamed_monitors[0].key) == json{{"id", 7}});
    CHECK(header(streamed_monitors[0], "etp-table") == "public.monitors");
    CHECK(monitor["transaction"]["id"] == changes[0]["transaction"]["id"]);
    CHECK(changes[1]["transaction"]["id"] == changes[0]["transaction"]["id"]);
    CHECK(changes[0]["transaction"]["total_order"] == 1);
    CHECK(changes[1]["transaction"]["total_order"] == 2);
    CHECK(monitor["transaction"]["total_order"] == 3);
    CHECK(changes[0]["transaction"]["data_collection_order"] == 1);
    CHECK(changes[1]["transaction"]["data_collection_order"] == 2);
    CHECK(monitor["transaction"]["data_collection_order"] == 1);
    CHECK(changes[2]["transaction"]["id"] != changes[0]["transaction"]["id"]);
    CHECK(changes[2]["transaction"]["total_order"] == 1);
    // sequence[0] is the previous transaction's commit: later transactions' are larger.
    auto last_commit = [](const json& v) {
        return std::stoull(
            json::parse(v["source"]["sequence"].get<std::string>())[0].get<std::string>());
    };
    CHECK(last_commit(changes[2]) > last_commit(changes[0]));
    CHECK(last_commit(changes[2]) < changes[2]["source"]["lsn"].get<std::uint64_t>());

    // The delete is followed, in its partition, by a tombstone with the same key.
    std::vector<Record> partition_of_delete;
    int delete_partition = -1;
    for (const auto& r : kinds)
        if (!r.tombstone() && r.json_value()["op"] == "d") delete_partition = r.partition;
    REQUIRE(delete_partition >= 0);
    for (const auto& r : kinds)
        if (r.partition == delete_partition) partition_of_delete.push_back(r);
    auto at =
        std::find_if(partition_of_delete.begin(), partition_of_delete.end(),
                     [](const Record& r) { return !r.tombstone() && r.json_value()["op"] == "d"; });
    REQUIRE(at + 1 != partition_of_delete.end());
    CHECK((at + 1)->tombstone());
    CHECK((at + 1)->key == R"({"id":2})");
    CHECK(header(*(at + 1), "etp-table") == "public.kinds");
    CHECK(std::count_if(kinds.begin(), kinds.end(),
                        [](const Record& r) { return r.tombstone(); }) == 1);

    // Nothing of this source went to etp.cdc.changes.
    CHECK(read_changes(kSourceDb).empty());
}
