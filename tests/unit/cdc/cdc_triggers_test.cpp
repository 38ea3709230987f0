#include "cdc_triggers.hpp"

#include <catch2/catch.hpp>

#include "publication.hpp"

using nlohmann::json;
using namespace etp;
using namespace etp::cdc_capture;

namespace {

CdcTrigger trigger(bool insert, bool update, bool del, json filter = nullptr) {
    CdcTrigger t;
    t.id = *TriggerId::parse("0192f0a0-0000-7000-8000-000000000001");
    t.name = "t";
    t.on_insert = insert;
    t.on_update = update;
    t.on_delete = del;
    if (!filter.is_null()) t.filter = FilterPattern::parse(filter);
    return t;
}

json doc(std::string op, json before, json after) {
    return {{"op", op}, {"table", "public.monitors"}, {"before", before}, {"after", after}};
}

}  // namespace

TEST_CASE("a cdc trigger fires only for its operations", "[cdc]") {
    const auto updates_only = trigger(false, true, false);
    CHECK(updates_only.matches("u", doc("u", nullptr, {{"id", 1}})));
    CHECK_FALSE(updates_only.matches("c", doc("c", nullptr, {{"id", 1}})));
    CHECK_FALSE(updates_only.matches("d", doc("d", {{"id", 1}}, nullptr)));
    CHECK_FALSE(updates_only.matches("t", doc("t", nullptr, nullptr)));
}

TEST_CASE("the changed-to-down filter matches only a change into down", "[cdc]") {
    const auto went_down =
        trigger(false, true, false, json::parse(R"({"op": ["u"], "after": {"status": ["down"]},
                        "before": {"status": [{"anything-but": "down"}]}})"));
    CHECK(went_down.matches("u", doc("u", {{"status", "up"}}, {{"status", "down"}})));
    CHECK_FALSE(went_down.matches("u", doc("u", {{"status", "down"}}, {{"status", "down"}})));
    CHECK_FALSE(went_down.matches("u", doc("u", {{"status", "down"}}, {{"status", "up"}})));
    // Without the old row (no REPLICA IDENTITY FULL) "before" is absent: no match.
    CHECK_FALSE(went_down.matches("u", doc("u", nullptr, {{"status", "down"}})));
}

TEST_CASE("numeric and prefix filters look at typed values", "[cdc]") {
    const auto slow = trigger(true, true, false,
                              json::parse(R"({"after": {"latency_ms": [{"numeric": [">", 1000]}],
                                              "url": [{"prefix": "https://"}]}})"));
    CHECK(slow.matches("c", doc("c", nullptr, {{"latency_ms", 1500}, {"url", "https://a"}})));
    CHECK_FALSE(slow.matches("c", doc("c", nullptr, {{"latency_ms", 900}, {"url", "https://a"}})));
    CHECK_FALSE(slow.matches("c", doc("c", nullptr, {{"latency_ms", 1500}, {"url", "http://a"}})));
}

TEST_CASE("without CDC_TABLES the publication wants the trigger tables, once each", "[cdc]") {
    CdcTriggerSnapshot snapshot;
    snapshot.add("public.monitors", trigger(true, true, true));
    snapshot.add("public.monitors", trigger(true, false, false));
    snapshot.add("public.incidents", trigger(false, false, true));
    auto wanted = wanted_tables(snapshot, {});
    CHECK(wanted.tables == std::set<std::string>{"public.incidents", "public.monitors"});
    CHECK(wanted.refused.empty());
    CHECK(wanted_tables(CdcTriggerSnapshot{}, {}).tables.empty());
}

TEST_CASE("CDC_TABLES is the ceiling: a trigger on another table is refused, with the list",
          "[cdc]") {
    CdcTriggerSnapshot snapshot;
    snapshot.add("public.monitors", trigger(true, true, true));
    snapshot.add("public.secrets", trigger(true, true, true));
    auto wanted = wanted_tables(snapshot, {"public.checks", "public.monitors"});
    // Every listed table, with or without a trigger; none other.
    CHECK(wanted.tables == std::set<std::string>{"public.checks", "public.monitors"});
    REQUIRE(wanted.refused.size() == 1);
    const std::string reason = wanted.refused.at("public.secrets");
    CHECK(reason.find("not in CDC_TABLES") != std::string::npos);
    CHECK(reason.find("public.checks, public.monitors") != std::string::npos);
}

TEST_CASE("a trigger on a system schema's table is refused, with or without CDC_TABLES", "[cdc]") {
    CdcTriggerSnapshot snapshot;
    snapshot.add("pg_catalog.pg_authid", trigger(true, true, true));
    snapshot.add("information_schema.tables", trigger(true, true, true));
    snapshot.add("pg_toast.pg_toast_1262", trigger(true, true, true));
    snapshot.add("public.monitors", trigger(true, true, true));
    for (const std::vector<std::string>& ceiling :
         {std::vector<std::string>{}, std::vector<std::string>{"public.monitors"}}) {
        auto wanted = wanted_tables(snapshot, ceiling);
        CHECK(wanted.tables == std::set<std::string>{"public.monitors"});
        REQUIRE(wanted.refused.size() == 3);
        for (const auto& [table, reason] : wanted.refused) {
            INFO(table);
            CHECK(reason.find("system schema") != std::string::npos);
        }
    }
}

TEST_CASE("table names are quoted as identifiers", "[cdc]") {
    CHECK(quote_table("public.monitors") == R"("public"."monitors")");
    CHECK(quote_table(R"(my schema.we"ird)") == R"("my schema"."we""ird")");
}

TEST_CASE("a table's filters decide which columns the filter document needs", "[cdc]") {
    CdcTriggerSnapshot snapshot;
    snapshot.add("public.monitors",
                 trigger(false, true, false, json::parse(R"({"after": {"status": ["down"]},
                                         "before": {"status": [{"anything-but": "down"}]}})")));
    snapshot.add("public.monitors",
                 trigger(true, false, false, json{{"after", {{"latency_ms", {1}}}}}));
    snapshot.add("public.monitors", trigger(true, true, true));  // no filter: needs nothing
    const auto* needs = snapshot.needs_of("public.monitors");
    REQUIRE(needs);
    CHECK_FALSE(needs->all_before);
    CHECK_FALSE(needs->all_after);
    CHECK(needs->before == std::set<std::string>{"status"});
    CHECK(needs->after == std::set<std::string>{"latency_ms", "status"});

    snapshot.add("public.monitors",
                 trigger(true, false, false, json{{"after", {{{"exists", true}}}}}));
    CHECK(snapshot.needs_of("public.monitors")->all_after);
    CHECK(snapshot.needs_of("public.checks") == nullptr);
}
