// cdc-capture end to end: psql writes to a source database, kcat reads etp.cdc.changes, the
// gateway defines cdc triggers and the event log shows what fired.

#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>
#include <thread>

#include "cdc_support.hpp"
#include "etp/bus/consumer.hpp"
#include "etp/domain/trace_context.hpp"
#include "message_contract.hpp"

using namespace std::chrono_literals;
using nlohmann::json;
using namespace etp::e2e;

namespace {

constexpr const char* kSourceDb = "cdc_source";
constexpr const char* kSlot = "etp_e2e_cdc";

struct Capture {
    std::string source_url;
    Service service;
    Capture() {
        platform();  // gateway + dispatcher
        source_url = make_source_db(etp::testing::PgCluster::shared(), kSourceDb);
        psql(source_url,
             "create table kinds (id bigint primary key, i2 smallint, i4 integer, "
             "n numeric(20, 5), f8 double precision, b boolean, t text, ts timestamptz, "
             "tsl timestamp, d date, u uuid, j json, jb jsonb, ai integer[], at text[], "
             "big text); alter table kinds replica identity full");
        // The ceiling: a cdc trigger on any other table is never captured.
        service = make_cdc_capture(source_url, kSlot,
                                   {{"CDC_TABLES", "public.kinds, public.monitors, incidents"},
                                    {"CDC_EMIT_TRUNCATE", "true"}});
        if (!service.start_and_wait())
            throw std::runtime_error("cdc-capture did not become ready:\n" +
                                     service.process->output());
    }
};

Capture& capture() {
    static Capture c;
    return c;
}

// One table's streamed changes in WAL order (kcat prints partition by partition; keys spread
// rows over partitions). The rows of its initial snapshot (op r) are left out:
// cdc_snapshot_test.cpp checks those.
std::vector<CdcRecord> of_table(const std::vector<CdcRecord>& records, const std::string& table) {
    std::vector<CdcRecord> out;
    for (const auto& r : records)
        if (r.value["source"]["table"] == table && r.value["op"] != "r") out.push_back(r);
    std::stable_sort(out.begin(), out.end(), [](const CdcRecord& a, const CdcRecord& b) {
        return a.value["source"]["lsn"].get<std::uint64_t>() <
               b.value["source"]["lsn"].get<std::uint64_t>();
    });
    return out;
}

// after.notes of a monitors change, "" when there is none.
std::string notes_of(const CdcRecord& r) {
    const json& after = r.value.value("after", json());
    if (!after.is_object() || !after.contains("notes") || !after["notes"].is_string()) return "";
    return after["notes"];
}

// The etp.trigger.fired message of an event (CloudEvent id), read from the start.
std::optional<etp::bus::Message> find_firing(const std::string& event_id) {
    etp::bus::ConsumerConfig config;
    config.brokers = etp::testing::KafkaBroker::shared().bootstrap();
    config.group_id = "cdc-firing-" + event_id;
    config.topics = {"etp.trigger.fired"};
    etp::bus::Consumer consumer(config);
    const auto deadline = std::chrono::steady_clock::now() + 30s;
    while (std::chrono::steady_clock::now() < deadline) {
        for (auto& m : consumer.poll(500, 500ms))
            if (m.header("ce_id") == event_id) return m;
    }
    return std::nullopt;
}

}  // namespace

TEST_CASE("changes of every column type arrive on etp.cdc.changes as typed envelopes") {
    auto& c = capture();
    REQUIRE(wait_published(c.source_url, kSlot, "public.kinds", 30s));

    psql(c.source_url,
         "insert into kinds values (1, 3, -70000, 12345.67890, 1.5, true, 'héllo \"q\"', "
         "'2026-11-23 01:02:03.5+00', '2026-11-23 01:02:03', '2026-11-23', "
         "'6f1c1a52-3b8e-4c4e-9f0a-2d9b8f1e7a10', '{\"a\": [1, 2]}', '{\"k\": {\"n\": null}}', "
         "'{1,2,NULL}', '{\"a b\",c,NULL}', "
         "(select string_agg(md5(g::text), '') from generate_series(1, 4000) g))");
    psql(c.source_url, "update kinds set i4 = 5 where id = 1");  // big stays TOASTed, unchanged
    psql(c.source_url, "delete from kinds where id = 1");
    psql(c.source_url, "insert into kinds (id) values (2)");
    psql(c.source_url, "truncate kinds");

    auto records = of_table(
        wait_changes(
            kSourceDb, [](const auto& r) { return of_table(r, "kinds").size() >= 5; }, 60s),
        "kinds");
    REQUIRE(records.size() == 5);
    std::vector<std::string> ops;
    ops.reserve(records.size());
    for (const auto& r : records) ops.push_back(r.value["op"]);
    CHECK(ops == std::vector<std::string>{"c", "u", "d", "c", "t"});
    for (const auto& r : records) {  // the contract for consumers, on every kind of change
        INFO(r.value.dump().substr(0, 1000));
        CHECK(schema_problems("etp.cdc.changes", r.value) == "");
    }

    const json& insert = records[0].value;
    INFO(insert.dump(2).substr(0, 2000));
    CHECK(json::parse(records[0].key) == json{{"id", 1}});  // the primary key, as Debezium's
    CHECK(insert["before"].is_null());
    const json& after = insert["after"];
    CHECK(after["id"] == 1);
    CHECK(after["i2"] == 3);
    CHECK(after["i4"] == -70000);
    CHECK(after["n"] == "12345.67890");  // numeric: a string, no precision lost
    CHECK(after["f8"] == 1.5);
    CHECK(after["b"] == true);
    CHECK(after["t"] == "héllo \"q\"");
    CHECK(after["ts"] == "2026-11-23T01:02:03.5Z");
    CHECK(after["tsl"] == "2026-11-23T01:02:03");
    CHECK(after["d"] == "2026-11-23");
    CHECK(after["u"] == "6f1c1a52-3b8e-4c4e-9f0a-2d9b8f1e7a10");
    CHECK(after["j"] == json{{"a", {1, 2}}});
    CHECK(after["jb"] == json{{"k", {{"n", nullptr}}}});
    CHECK(after["ai"] == json::array({1, 2, nullptr}));
    CHECK(after["at"] == json::array({"a b", "c", nullptr}));
    CHECK(after["big"].get<std::string>().size() == 4000 * 32);
    CHECK(insert["source"]["schema"] == "public");
    CHECK(insert["source"]["db"] == kSourceDb);
    CHECK(insert["source"]["lsn"].is_number_unsigned());
    CHECK(insert["source"]["txId"].is_number());
    CHECK(insert["source"]["ts_ms"].is_number());
    CHECK(insert["source"]["connector"] == "postgresql");
    CHECK(insert["source"]["name"] == "etp");  // CDC_SERVER_NAME's default
    CHECK(insert["ts_ms"].get<std::int64_t>() >= insert["source"]["ts_ms"].get<std::int64_t>());

    const json& update = records[1].value;
    CHECK(update["before"]["i4"] == -70000);
    CHECK(update["after"]["i4"] == 5);
    // Unchanged TOASTed value: PostgreSQL does not send it; marked, and taken from the full
    // old row (REPLICA IDENTITY FULL), never invented.
    CHECK(update.value("unchanged_toast", json()) == json::array({"big"}));
    CHECK(update["after"]["big"] == after["big"]);

    const json& del = records[2].value;
    CHECK(del["after"].is_null());
    CHECK(del["before"]["id"] == 1);
    CHECK(del["before"]["i4"] == 5);
    CHECK(json::parse(records[2].key) == json::parse(records[0].key));  // same row, same key

    const json& nulls = records[3].value;
    CHECK(nulls["after"]["id"] == 2);
    CHECK(nulls["after"]["ts"].is_null());
    CHECK(nulls["after"]["ai"].is_null());

    CHECK(records[4].value["before"].is_null());
    CHECK(records[4].value["after"].is_null());
    CHECK(records[4].key.empty());  // a null key (kcat prints nothing)
}

TEST_CASE("cdc triggers fire when table, operations and filter match, and only then") {
    auto& c = capture();
    json went_down = create_cdc_trigger("monitor went down", "public.monitors", {"update"},
                                        json::parse(R"({"op": ["u"], "after": {"status": ["down"]},
                        "before": {"status": [{"anything-but": "down"}]}})"));
    json incident_opened =
        create_cdc_trigger("incident opened", "public.incidents", {"insert"}, nullptr);
    json monitor_deleted =
        create_cdc_trigger("monitor deleted", "public.monitors", {"delete"}, nullptr);
    json critical_only = create_cdc_trigger(
        "critical incident", "public.incidents", {"insert"},
        json::parse(R"({"after": {"severity": ["critical"], "cost_usd": [{"exists": true}]}})"));
    REQUIRE(wait_published(c.source_url, kSlot, "public.monitors", 30s));
    REQUIRE(wait_published(c.source_url, kSlot, "public.incidents", 30s));
    // The publication lists the tables once the triggers are loaded; wait one refresh more.
    std::this_thread::sleep_for(500ms);

    psql(c.source_url, "update monitors set status = 'up' where id = 2");
    psql(c.source_url, "update monitors set status = 'down' where id = 2");  // fires
    psql(c.source_url, "update monitors set status = 'down' where id = 2");  // down → down
    psql(c.source_url, "update monitors set status = 'degraded' where id = 3");
    psql(c.source_url,
         "insert into incidents (monitor_id, severity, summary, cost_usd) values "
         "(2, 'major', 'checkout is down', 99.95)");
    psql(c.source_url,
         "insert into incidents (monitor_id, severity, summary, cost_usd) values "
         "(3, 'critical', 'db on fire', 1234567.89)");

    const std::string down_id = went_down["id"];
    const std::string opened_id = incident_opened["id"];
    const std::string critical_id = critical_only["id"];
    const auto deadline = std::chrono::steady_clock::now() + 60s;
    while (
        std::chrono::steady_clock::now() < deadline &&
        (logged_count(down_id) < 1 || logged_count(opened_id) < 2 || logged_count(critical_id) < 1))
        std::this_thread::sleep_for(200ms);
    std::this_thread::sleep_for(1s);  // anything extra would show up by now

    auto down = logged_payloads(down_id);
    REQUIRE(down.size() == 1);
    CHECK(down[0]["source"] == "cdc");
    CHECK(down[0]["trigger_type"] == "cdc");
    CHECK(down[0]["payload"]["op"] == "u");
    CHECK(down[0]["payload"]["before"]["status"] == "up");
    CHECK(down[0]["payload"]["after"]["status"] == "down");
    CHECK(down[0]["payload"]["after"]["id"] == 2);
    CHECK(down[0]["payload"]["source"]["table"] == "monitors");

    auto opened = logged_payloads(opened_id);
    REQUIRE(opened.size() == 2);
    CHECK(opened[0]["payload"]["after"]["cost_usd"] == "99.95");
    CHECK(opened[1]["payload"]["after"]["cost_usd"] == "1234567.89");

    auto critical = logged_payloads(critical_id);
    REQUIRE(critical.size() == 1);
    CHECK(critical[0]["payload"]["after"]["summary"] == "db on fire");

    CHECK(logged_count(monitor_deleted["id"]) == 0);

    // The event as users read it through the API.
    auto res = api().get("/api/v1/events/" + down[0]["id"].get<std::string>());
    json event = body_of(res);
    INFO(event.dump());
    CHECK(event["trigger"]["id"] == down_id);
    CHECK(event["source"] == "cdc");
    CHECK(event["payload"]["after"]["status"] == "down");

    // Its trace is derived from the event id, so a replayed change is in the same trace
    // (docs/tracing.md): cdc-capture puts it on the firing, and the event log keeps it.
    const std::string down_event = down[0]["id"];
    const std::string derived =
        etp::trace_for_event(*etp::EventId::parse(down_event)).traceparent();
    auto firing = find_firing(down_event);
    REQUIRE(firing);
    CHECK(firing->header("traceparent") == derived);
    CHECK(json::parse(firing->value.value_or("{}")).value("traceparent", "") == derived);
    auto traced = db().exec("SELECT traceparent FROM events WHERE id = $1", {down_event});
    REQUIRE(traced.rows() == 1);
    CHECK(traced.text(0, 0) == derived);

    // And the changes themselves on etp.cdc.changes, the one that fired included.
    auto monitors = of_table(
        wait_changes(
            kSourceDb, [](const auto& r) { return of_table(r, "monitors").size() >= 4; }, 30s),
        "monitors");
    REQUIRE(monitors.size() >= 4);
    CHECK(monitors[1].value == down[0]["payload"]);
}

TEST_CASE("a slot whose tables are idle keeps advancing on heartbeats") {
    auto& c = capture();
    const auto before = slot_confirmed_bytes(c.source_url, kSlot);
    REQUIRE(before > 0);
    // WAL that does not touch a watched table (another database on the server).
    psql(etp::testing::PgCluster::shared().url(),
         "create table if not exists cdc_noise (n int); insert into cdc_noise "
         "select generate_series(1, 10000)");
    const auto deadline = std::chrono::steady_clock::now() + 30s;
    auto now = before;
    while (std::chrono::steady_clock::now() < deadline && now <= before) {
        std::this_thread::sleep_for(300ms);
        now = slot_confirmed_bytes(c.source_url, kSlot);
    }
    CHECK(now > before);
}

TEST_CASE("the gateway rejects a malformed cdc filter with the failing path") {
    auto res =
        api().post("/api/v1/triggers",
                   {{"name", "bad filter"},
                    {"type", "cdc"},
                    {"cdc",
                     {{"table", "public.monitors"},
                      {"filter", {{"after", {{"status", json::array({{{"prefixx", "d"}}})}}}}}}}});
    REQUIRE(res);
    CHECK(res->status == 400);
    INFO(res->body);
    CHECK(res->body.find("/cdc/filter/after/status/0") != std::string::npos);
}

TEST_CASE("the gateway warns when a filter on before cannot see old values") {
    // The gateway's CDC_SOURCE_URL is the platform database in these tests.
    psql(etp::testing::PgCluster::shared().url(),
         "create table if not exists cdc_plain (id bigint primary key, status text); "
         "create table if not exists cdc_full (id bigint primary key, status text); "
         "alter table cdc_full replica identity full; "
         "create table if not exists cdc_keyless (status text); "
         "create table if not exists cdc_nothing (id bigint primary key, status text); "
         "alter table cdc_nothing replica identity nothing");
    const json before_filter = {{"before", {{"status", {"up"}}}}};
    auto create = [](const std::string& table, const json& filter) {
        json cdc = {{"table", table}};
        if (!filter.is_null()) cdc["filter"] = filter;
        auto res = api().post("/api/v1/triggers",
                              {{"name", "warn " + table}, {"type", "cdc"}, {"cdc", cdc}});
        REQUIRE(res);
        INFO(res->body);
        REQUIRE(res->status == 201);
        return json::parse(res->body);
    };

    auto plain = create("public.cdc_plain", before_filter);
    REQUIRE(plain.contains("warnings"));
    REQUIRE(plain["warnings"].size() == 1);
    CHECK(plain["warnings"][0].get<std::string>().find("REPLICA IDENTITY FULL") !=
          std::string::npos);

    CHECK_FALSE(create("public.cdc_full", before_filter).contains("warnings"));
    CHECK_FALSE(
        create("public.cdc_plain", json{{"after", {{"status", {"up"}}}}}).contains("warnings"));

    auto keyless = create("public.cdc_keyless", nullptr);
    REQUIRE(keyless.contains("warnings"));
    const std::string keyless_warning = keyless["warnings"][0];
    CHECK(keyless_warning.find("not captured") != std::string::npos);
    CHECK(keyless_warning.find("no primary key") != std::string::npos);

    // A primary key is not enough when the replica identity is NOTHING; the warning says why.
    auto nothing = create("public.cdc_nothing", nullptr);
    REQUIRE(nothing.contains("warnings"));
    const std::string nothing_warning = nothing["warnings"][0];
    INFO(nothing_warning);
    CHECK(nothing_warning.find("not captured") != std::string::npos);
    CHECK(nothing_warning.find("REPLICA IDENTITY NOTHING") != std::string::npos);
    CHECK(nothing_warning.find("no primary key") == std::string::npos);
    CHECK(nothing_warning.find("REPLICA IDENTITY DEFAULT") != std::string::npos);

    auto missing = create("public.no_such_table", nullptr);
    REQUIRE(missing.contains("warnings"));
    CHECK(missing["warnings"][0].get<std::string>().find("does not exist") != std::string::npos);
}

TEST_CASE("a cdc trigger on a table outside CDC_TABLES is never captured, and its reads say why") {
    auto& c = capture();
    REQUIRE(wait_published(c.source_url, kSlot, "public.kinds", 30s));
    // The platform's gateway has no CDC_TABLES: it takes the trigger, as one defined before the
    // ceiling was set would be.
    json checks =
        create_cdc_trigger("checks outside the ceiling", "public.checks", {"insert"}, nullptr);
    const std::string id = checks["id"];

    json warnings;
    CHECK(eventually(
        [&] {
            warnings = body_of(api().get("/api/v1/triggers/" + id)).value("warnings", json());
            return warnings.is_array() && !warnings.empty();
        },
        30s));
    INFO(warnings.dump());
    REQUIRE(warnings.size() == 1);
    const std::string warning = warnings[0];
    CHECK(warning.find("public.checks is not captured") != std::string::npos);
    CHECK(warning.find("not in CDC_TABLES") != std::string::npos);
    CHECK(warning.find("public.kinds, public.monitors, public.incidents") != std::string::npos);

    // The listing shows it too, on that trigger only.
    json list = body_of(api().get("/api/v1/triggers?type=cdc&page_size=500"));
    bool seen = false;
    for (const auto& item : list["items"]) {
        if (item["id"] == id) {
            seen = true;
            CHECK(item["warnings"] == warnings);
        } else if (item["cdc"]["table"] == "public.monitors" ||
                   item["cdc"]["table"] == "public.incidents") {
            CHECK_FALSE(item.contains("warnings"));
        }
    }
    CHECK(seen);

    // Refreshes come and go (200 ms); the table never joins the publication, nor do its changes
    // reach etp.cdc.changes.
    std::this_thread::sleep_for(1s);
    etp::pg::Connection source(c.source_url);
    CHECK(source
              .exec("SELECT count(*) FROM pg_publication_tables WHERE pubname = $1 "
                    "AND tablename = 'checks'",
                    {kSlot})
              .integer(0, 0) == 0);
    // In one transaction with a change of a captured table: once that one is on
    // etp.cdc.changes, the other would be too.
    psql(c.source_url,
         "begin; insert into checks (monitor_id, status, region) values (2, 'ok', 'eu'); "
         "update monitors set notes = 'ceiling' where id = 3; commit");
    auto records = wait_changes(
        kSourceDb,
        [](const auto& r) {
            for (const auto& m : of_table(r, "monitors"))
                if (notes_of(m) == "ceiling") return true;
            return false;
        },
        30s);
    bool monitor_seen = false;
    for (const auto& m : of_table(records, "monitors"))
        monitor_seen = monitor_seen || notes_of(m) == "ceiling";
    REQUIRE(monitor_seen);
    CHECK(of_table(records, "checks").empty());
    CHECK(logged_count(id) == 0);
}

TEST_CASE("the gateway refuses a cdc trigger on a system schema's or a not allowed table (422)") {
    platform();
    auto post = [](Api& client, const std::string& table) {
        auto res =
            client.post("/api/v1/triggers",
                        {{"name", "on " + table}, {"type", "cdc"}, {"cdc", {{"table", table}}}});
        REQUIRE(res);
        return std::make_pair(res->status, json::parse(res->body));
    };
    auto field_message = [](const json& problem) {
        for (const auto& e : problem.value("errors", json::array()))
            if (e.value("pointer", "") == "/cdc/table") return e.value("message", "");
        return std::string();
    };

    // Without CDC_TABLES, PostgreSQL's own tables are still refused.
    Api open = api();
    for (const char* table : {"pg_catalog.pg_authid", "information_schema.tables"}) {
        auto [status, problem] = post(open, table);
        INFO(problem.dump());
        CHECK(status == 422);
        CHECK(field_message(problem).find("system schema") != std::string::npos);
    }

    // A gateway given the deployment's CDC_TABLES, looking at the source as a role that owns
    // none of its tables.
    auto& c = capture();
    etp::pg::Connection source(c.source_url);
    source.exec(
        "DO $$ BEGIN CREATE ROLE etp_e2e_reader LOGIN; "
        "EXCEPTION WHEN duplicate_object THEN NULL; END $$");
    auto reader_url = c.source_url;
    reader_url.replace(reader_url.find("postgres@"), 9, "etp_e2e_reader@");
    auto gateway = make_service("api-gateway", {{"CDC_TABLES", "public.kinds,public.monitors"},
                                                {"CDC_SOURCE_URL", reader_url}});
    REQUIRE(gateway.start_and_wait());
    Api limited(gateway.http_port);

    auto [status, problem] = post(limited, "public.checks");
    INFO(problem.dump());
    CHECK(status == 422);
    const std::string message = field_message(problem);
    CHECK(message.find("not in CDC_TABLES") != std::string::npos);
    CHECK(message.find("public.kinds, public.monitors") != std::string::npos);

    // An allowed table is taken; the role's missing ownership is a warning (it may be fixed).
    auto [created_status, created] = post(limited, "public.monitors");
    INFO(created.dump());
    REQUIRE(created_status == 201);
    REQUIRE(created.contains("warnings"));
    CHECK(created["warnings"][0].get<std::string>().find("does not own it") != std::string::npos);

    // And an update to a table outside the ceiling is refused the same way.
    auto put = limited.raw().Put(
        ("/api/v1/triggers/" + created["id"].get<std::string>()).c_str(),
        json{{"name", "moved"}, {"type", "cdc"}, {"cdc", {{"table", "public.checks"}}}}.dump(),
        "application/json");
    REQUIRE(put);
    CHECK(put->status == 422);
    CHECK(field_message(json::parse(put->body)).find("not in CDC_TABLES") != std::string::npos);
}
