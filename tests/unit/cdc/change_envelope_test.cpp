#include "change_envelope.hpp"

#include <catch2/catch.hpp>
#include <fstream>
#include <sstream>

#include "capture_loop.hpp"
#include "cdc_capture_config.hpp"
#include "etp/domain/payload_schema.hpp"

using nlohmann::json;
using namespace etp;
using namespace etp::cdc_capture;
namespace po = etp::pg::pgoutput;

namespace {

constexpr std::uint32_t kInt8 = 20;
constexpr std::uint32_t kText = 25;
constexpr std::uint32_t kNumeric = 1700;
constexpr std::uint32_t kJsonb = 3802;

po::Value text(std::string s) { return {po::Value::Kind::kText, std::move(s)}; }
po::Value null() { return {po::Value::Kind::kNull, ""}; }
po::Value toast() { return {po::Value::Kind::kUnchangedToast, ""}; }

// monitors(id bigint pk, status text, cost numeric, tags jsonb, notes text)
RelationInfo monitors(char identity = 'f') {
    RelationInfo info;
    info.relation.id = 16400;
    info.relation.schema = "public";
    info.relation.name = "monitors";
    info.relation.replica_identity = identity;
    const bool all_key = identity == 'f';
    info.relation.columns = {{true, "id", kInt8, -1},
                             {all_key, "status", kText, -1},
                             {all_key, "cost", kNumeric, -1},
                             {all_key, "tags", kJsonb, -1},
                             {all_key, "notes", kText, -1}};
    info.table = "public.monitors";
    info.key_columns = {0};
    return info;
}

}  // namespace

const TransactionInfo kTxn{"monitors", 4711, *parse_rfc3339("2026-11-23T01:00:00.250Z")};
const Timestamp kNow = *parse_rfc3339("2026-11-23T01:00:01Z");

json envelope(const RelationInfo& rel, const RowChange& change) {
    return json::parse(envelope_text(rel, change, kTxn, 0x16B374D848ULL, kNow));
}

TEST_CASE("an insert becomes op c with a typed after and no before", "[cdc]") {
    const auto rel = monitors();
    po::Insert insert{rel.relation.id,
                      {text("7"), text("up"), text("12.50"), text(R"(["a", 1])"), null()}};
    const auto change = insert_change(insert);
    const auto e = envelope(rel, change);
    CHECK(e["op"] == "c");
    CHECK(e["before"].is_null());
    CHECK(e["after"] == json{{"id", 7},
                             {"status", "up"},
                             {"cost", "12.50"},
                             {"tags", json::array({"a", 1})},
                             {"notes", nullptr}});
    CHECK(json::parse(change_key(rel, change)) ==
          json{{"table", "public.monitors"}, {"key", {{"id", 7}}}});
    CHECK_FALSE(e.contains("unchanged_toast"));
}

TEST_CASE("an update with a full old row copies unchanged TOASTed values and lists them", "[cdc]") {
    const auto rel = monitors('f');
    po::Update update;
    update.relation_id = rel.relation.id;
    update.old_row = po::Tuple{text("7"), text("up"), text("1"), text("[]"), text("long text")};
    update.row = {text("7"), text("down"), text("1"), text("[]"), toast()};
    const auto e = envelope(rel, update_change(update));
    CHECK(e["op"] == "u");
    CHECK(e["before"]["status"] == "up");
    CHECK(e["after"]["status"] == "down");
    CHECK(e["after"]["notes"] == "long text");
    CHECK(e["unchanged_toast"] == json::array({"notes"}));
    CHECK(filter_document(rel, update_change(update))["after"]["notes"] == "long text");
}

TEST_CASE("an unchanged TOASTed value without an old row is left out, never invented", "[cdc]") {
    const auto rel = monitors('d');
    po::Update update;
    update.relation_id = rel.relation.id;
    update.row = {text("7"), text("down"), text("1"), text("[]"), toast()};
    const auto e = envelope(rel, update_change(update));
    CHECK(e["before"].is_null());
    CHECK_FALSE(e["after"].contains("notes"));
    CHECK(e["after"]["status"] == "down");
    CHECK(e["unchanged_toast"] == json::array({"notes"}));
    CHECK_FALSE(filter_document(rel, update_change(update))["after"].contains("notes"));
}

TEST_CASE("a delete with only the key sent has a before of the key columns only", "[cdc]") {
    const auto rel = monitors('d');
    po::Delete del;
    del.relation_id = rel.relation.id;
    del.old_row = {text("9"), null(), null(), null(), null()};
    del.old_is_key_only = true;
    const auto change = delete_change(del);
    const auto e = envelope(rel, change);
    CHECK(e["op"] == "d");
    CHECK(e["before"] == json{{"id", 9}});
    CHECK(e["after"].is_null());
    CHECK(json::parse(change_key(rel, change)) ==
          json{{"table", "public.monitors"}, {"key", {{"id", 9}}}});
}

TEST_CASE("a truncate is keyed by its table alone", "[cdc]") {
    const auto rel = monitors();
    const auto e = envelope(rel, truncate_change());
    CHECK(e["op"] == "t");
    CHECK(e["before"].is_null());
    CHECK(e["after"].is_null());
    CHECK(json::parse(change_key(rel, truncate_change())) == json{{"table", "public.monitors"}});
}

TEST_CASE("a table without a key is keyed by its table alone", "[cdc]") {
    auto rel = monitors();
    rel.key_columns.clear();
    po::Insert insert{rel.relation.id, {text("1"), text("up"), null(), text("{}"), null()}};
    CHECK(json::parse(change_key(rel, insert_change(insert))) ==
          json{{"table", "public.monitors"}});
}

TEST_CASE("the envelope carries source position, transaction and times", "[cdc]") {
    const auto rel = monitors();
    po::Insert insert{rel.relation.id, {text("7"), text("up"), null(), text("{}"), null()}};
    const auto e = envelope(rel, insert_change(insert));
    CHECK(e["after"]["id"] == 7);
    CHECK(e["source"] == json{{"db", "monitors"},
                              {"schema", "public"},
                              {"table", "monitors"},
                              {"lsn", 0x16B374D848ULL},
                              {"txId", 4711},
                              {"ts_ms", 1795395600250LL},
                              {"snapshot", "false"}});
    CHECK(e["ts_ms"] == 1795395601000LL);
}

TEST_CASE("a snapshot row is an r with the row as after and source.snapshot set", "[cdc]") {
    const auto rel = monitors();
    const po::Tuple row{text("7"), text("up"), null(), text("{\"a\": 1}"), null()};
    const auto e = envelope(rel, read_change(row, false));
    INFO(e.dump());
    CHECK(e["op"] == "r");
    CHECK(e["before"].is_null());
    CHECK(e["after"]["id"] == 7);
    CHECK(e["after"]["tags"] == json{{"a", 1}});
    CHECK(e["source"]["snapshot"] == "true");
    CHECK(envelope(rel, read_change(row, true))["source"]["snapshot"] == "last");
    CHECK(json::parse(change_key(rel, read_change(row, false))) ==
          json{{"table", "public.monitors"}, {"key", {{"id", 7}}}});
    const auto document = filter_document(rel, read_change(row, false));
    CHECK(document["op"] == "r");
    CHECK(document["after"]["status"] == "up");
}

TEST_CASE("text values are escaped and invalid UTF-8 does not break the envelope", "[cdc]") {
    const auto rel = monitors();
    po::Insert insert{rel.relation.id,
                      {text("7"), text("a\"b\\c\n\t\x01 ünï ✓"), null(), text("{}"),
                       text(std::string("bad \xff\xfe bytes"))}};
    const auto e = envelope(rel, insert_change(insert));
    CHECK(e["after"]["status"] == "a\"b\\c\n\t\x01 ünï ✓");
    CHECK(e["after"]["notes"].get<std::string>().find("bad ") == 0);
}

TEST_CASE("the filter document has op, table, before and after", "[cdc]") {
    const auto rel = monitors();
    po::Update update;
    update.relation_id = rel.relation.id;
    update.old_row = po::Tuple{text("7"), text("up"), null(), text("{}"), null()};
    update.row = {text("7"), text("down"), null(), text("{}"), null()};
    auto doc = filter_document(rel, update_change(update));
    CHECK(doc["op"] == "u");
    CHECK(doc["table"] == "public.monitors");
    CHECK(doc["before"]["status"] == "up");
    CHECK(doc["after"]["status"] == "down");
    // The same values as the envelope.
    const auto e = envelope(rel, update_change(update));
    CHECK(doc["before"] == e["before"]);
    CHECK(doc["after"] == e["after"]);
}

TEST_CASE("cdc event ids are stable for a change and differ by position and trigger", "[cdc]") {
    const auto t1 = *TriggerId::parse("0192f0a0-0000-7000-8000-000000000001");
    const auto t2 = *TriggerId::parse("0192f0a0-0000-7000-8000-000000000002");
    const auto a = cdc_event_id("7301", "monitors", 0x1000, 0, t1);
    CHECK(a == cdc_event_id("7301", "monitors", 0x1000, 0, t1));
    CHECK(a != cdc_event_id("7301", "monitors", 0x1000, 1, t1));
    CHECK(a != cdc_event_id("7301", "monitors", 0x1000, 0, t2));
    CHECK(a != cdc_event_id("7301", "monitors", 0x2000, 0, t1));
    CHECK(a != cdc_event_id("7302", "monitors", 0x1000, 0, t1));
}

TEST_CASE("CDC_TABLES accepts schema.table and bare names, and refuses malformed ones", "[cdc]") {
    CHECK(capture_tables("") == std::vector<std::string>{});
    CHECK(capture_tables(" public.checks , incidents,") ==
          std::vector<std::string>{"public.checks", "public.incidents"});
    CHECK_THROWS_AS(capture_tables("a.b.c"), Error);
    CHECK_THROWS_AS(capture_tables(".x"), Error);
    CHECK_THROWS_AS(capture_tables("x."), Error);
    CHECK(capture_tables("a.b, a.b") == std::vector<std::string>{"a.b"});
}

TEST_CASE("CDC_TABLES listing a system schema's table is a configuration error", "[cdc]") {
    for (const char* list : {"pg_catalog.pg_authid", "public.ok, information_schema.tables",
                             "pg_toast.pg_toast_1262", "pg_temp_3.t"}) {
        INFO(list);
        CHECK_THROWS_WITH(capture_tables(list), Catch::Contains("system schema"));
    }
    CHECK(capture_tables("pgdata.t") == std::vector<std::string>{"pgdata.t"});  // not pg_
}

TEST_CASE("the filter document holds only the columns the filters need", "[cdc]") {
    const auto rel = monitors();
    po::Update update;
    update.relation_id = rel.relation.id;
    update.old_row = po::Tuple{text("7"), text("up"), text("1"), text("[]"), text("n")};
    update.row = {text("7"), text("down"), text("2"), text("[]"), text("n")};
    DocumentNeeds needs;
    needs.add(json::parse(R"({"after": {"status": ["down"]}, "before": {"cost": [1]}})"));
    auto doc = filter_document(rel, update_change(update), &needs);
    CHECK(doc["after"] == json{{"status", "down"}});
    CHECK(doc["before"] == json{{"cost", "1"}});
    needs.all_after = true;
    CHECK(filter_document(rel, update_change(update), &needs)["after"].size() == 5);
}

TEST_CASE("every kind of envelope matches proto/kafka/etp.cdc.changes.schema.json", "[cdc]") {
    std::ifstream in(std::string(ETP_PROTO_DIR) + "/kafka/etp.cdc.changes.schema.json");
    REQUIRE(in);
    std::stringstream file;
    file << in.rdbuf();
    const auto schema = PayloadSchema::compile(json::parse(file.str()), "");
    auto problems = [&](const json& value) {
        std::string out;
        for (const auto& e : schema->validate(value)) out += e.pointer + ": " + e.message + "\n";
        return out;
    };

    const auto full = monitors('f');
    const auto key_only = monitors('d');
    po::Insert insert{full.relation.id,
                      {text("7"), text("up"), text("12.50"), text(R"(["a", 1])"), null()}};
    po::Update update;
    update.relation_id = full.relation.id;
    update.old_row = po::Tuple{text("7"), text("up"), text("1"), text("[]"), text("long text")};
    update.row = {text("7"), text("down"), text("1"), text("[]"), toast()};
    po::Update update_without_old;
    update_without_old.relation_id = key_only.relation.id;
    update_without_old.row = {text("7"), text("down"), text("1"), text("[]"), text("x")};
    po::Delete del;
    del.relation_id = key_only.relation.id;
    del.old_row = {text("9"), null(), null(), null(), null()};
    del.old_is_key_only = true;

    const std::vector<json> envelopes = {envelope(full, insert_change(insert)),
                                         envelope(full, update_change(update)),
                                         envelope(key_only, update_change(update_without_old)),
                                         envelope(key_only, delete_change(del)),
                                         envelope(full, truncate_change()),
                                         envelope(full, read_change(insert.row, false)),
                                         envelope(full, read_change(insert.row, true))};
    for (const auto& e : envelopes) {
        INFO(e.dump());
        CHECK(problems(e) == "");
    }
    CHECK(envelopes[1].contains("unchanged_toast"));  // the optional member is covered too

    // Strict enough to catch a broken envelope.
    json bad = envelopes[0];
    bad["before"] = json::object();  // an insert has no old row
    CHECK(problems(bad) != "");
    bad = envelopes[3];
    bad["op"] = "x";
    CHECK(problems(bad) != "");
    bad = envelopes[3];
    bad["source"].erase("lsn");
    CHECK(problems(bad) != "");
    bad = envelopes[5];
    bad["source"]["snapshot"] = "false";  // a snapshot row says it is one
    CHECK(problems(bad) != "");
}
