// Creating several triggers in one statement (the gateway's group commit) against a real
// PostgreSQL: each comes back as a single create would have stored it, in the order given, and
// a batch that fails writes nothing.

#include <catch2/catch.hpp>

#include "etp/pg/error.hpp"
#include "etp/pg/migrations.hpp"
#include "etp/pg/trigger_store.hpp"
#include "pg_test_support.hpp"

using etp::pg::Connection;
using etp::pg::NewTrigger;
using etp::pg::TriggerStore;
using nlohmann::json;

namespace {

Connection migrated(const std::string& prefix) {
    Connection conn(etp::pg::test::fresh_database(prefix));
    etp::pg::apply_migrations(conn, etp::pg::builtin_migrations());
    return conn;
}

std::int64_t count(Connection& conn, const std::string& sql) {
    return conn.exec(sql).integer(0, 0);
}

// One of each kind, with every optional part that kind can carry.
std::vector<NewTrigger> mixed() {
    std::vector<NewTrigger> news;
    news.push_back({etp::TriggerId{etp::new_uuid_v7()},
                    etp::parse_trigger_spec(
                        {{"name", "nightly 'report' \"quoted\""},
                         {"type", "scheduled"},
                         {"schedule", {{"cron", "0 3 * * *"}, {"timezone", "Europe/Berlin"}}},
                         {"payload", {{"report", "daily"}, {"n", nullptr}}}}),
                    std::nullopt});
    news.push_back(
        {etp::TriggerId{etp::new_uuid_v7()},
         etp::parse_trigger_spec({{"name", "orders ünïcødé"},
                                  {"type", "api"},
                                  {"active", false},
                                  {"api_schema", {{"amount", "float"}, {"currency", "str"}}},
                                  {"target", {{"url", "https://example.com/hook"}}}}),
         etp::pg::InitialSecret{
             etp::new_uuid_v7(), {"none", "whsec_c2VjcmV0LXNlY3JldC1zZWNyZXQ="}, "whsec_c2Vj…"}});
    news.push_back({etp::TriggerId{etp::new_uuid_v7()},
                    etp::parse_trigger_spec({{"name", "monitor down"},
                                             {"type", "cdc"},
                                             {"cdc",
                                              {{"table", "public.monitors"},
                                               {"operations", {"update"}},
                                               {"filter", {{"after", {{"status", {"down"}}}}}}}}}),
                    std::nullopt});
    return news;
}

std::vector<const NewTrigger*> pointers(const std::vector<NewTrigger>& news) {
    std::vector<const NewTrigger*> out;
    for (const auto& n : news) out.push_back(&n);
    return out;
}

}  // namespace

TEST_CASE("create_many stores each trigger as create would, in the order given") {
    Connection conn = migrated("trigger_store_many");
    std::vector<NewTrigger> news = mixed();
    // Twice as many, the same definitions under other ids, reversed: the order is the caller's.
    for (int i = 2; i >= 0; --i)
        news.push_back({etp::TriggerId{etp::new_uuid_v7()}, news[i].spec, std::nullopt});
    auto created = TriggerStore::create_many(conn, pointers(news));
    REQUIRE(created.size() == news.size());
    for (std::size_t i = 0; i < news.size(); ++i) {
        INFO("trigger " << i);
        CHECK(created[i].id == news[i].id);
        auto stored = TriggerStore::get(conn, news[i].id);
        REQUIRE(stored);
        CHECK(etp::to_json(created[i]) == etp::to_json(*stored));
        CHECK(created[i].spec.name == news[i].spec.name);
        CHECK(created[i].spec.type == news[i].spec.type);
        CHECK(created[i].spec.active == news[i].spec.active);
        CHECK(created[i].spec.payload == news[i].spec.payload);
        CHECK(created[i].spec.api_schema == news[i].spec.api_schema);
    }
    // A single create of the same definition reads back the same (but for id and times).
    etp::TriggerId single{etp::new_uuid_v7()};
    json alone = etp::to_json(TriggerStore::create(conn, single, news[0].spec));
    json grouped = etp::to_json(created[0]);
    for (json* j : {&alone, &grouped})
        for (const char* key : {"id", "created_at", "updated_at"}) j->erase(key);
    CHECK(alone == grouped);

    CHECK(count(conn, "SELECT count(*) FROM schedules") == 3);  // two scheduled + the single
    CHECK(count(conn, "SELECT count(*) FROM schedules WHERE NOT planned") == 3);
    auto secret = conn.exec("SELECT id, trigger_id, secret, key_id, prefix FROM trigger_secrets");
    REQUIRE(secret.rows() == 1);
    CHECK(secret.text(0, 0) == news[1].secret->id.to_string());
    CHECK(secret.text(0, 1) == news[1].id.to_string());
    CHECK(secret.text(0, 2) == news[1].secret->sealed.value);
    CHECK(secret.text(0, 3) == news[1].secret->sealed.key_id);
    CHECK(secret.text(0, 4) == news[1].secret->prefix);
}

TEST_CASE("a create_many that fails writes none of its triggers") {
    Connection conn = migrated("trigger_store_many_fail");
    std::vector<NewTrigger> news = mixed();
    TriggerStore::create(conn, news[2].id, news[2].spec);  // the third id is taken
    CHECK_THROWS_AS(TriggerStore::create_many(conn, pointers(news)), etp::pg::DatabaseError);
    CHECK(count(conn, "SELECT count(*) FROM triggers") == 1);
    CHECK(count(conn, "SELECT count(*) FROM schedules") == 0);
    CHECK(count(conn, "SELECT count(*) FROM trigger_secrets") == 0);
    CHECK(TriggerStore::create_many(conn, {}).empty());
}
