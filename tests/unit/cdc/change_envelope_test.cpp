#include "change_envelope.hpp"

#include <algorithm>
#include <catch2/catch.hpp>
#include <fstream>
#include <map>
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

const TransactionInfo kTxn{"monitors", 4711, *parse_rfc3339("2026-11-23T01:00:00.250Z"),
                           0x16B374D900ULL, 0x16B374D000ULL};
const Timestamp kNow = *parse_rfc3339("2026-11-23T01:00:01Z");
const ChangePosition kAt{0x16B374D848ULL, 2, 1};
const EnvelopeOptions kFriendly{"0.1.0", "etp", ValueEncoding::kFriendly};
const EnvelopeOptions kDebezium{"0.1.0", "inventory", ValueEncoding::kDebezium};

json envelope(const RelationInfo& rel, const RowChange& change,
              const EnvelopeOptions& options = kFriendly) {
    return json::parse(envelope_text(rel, change, kTxn, kAt, kNow, options));
}

// A snapshot row as cdc-capture publishes it: no transaction block, source.snapshot `marker`.
json snapshot_envelope(const RelationInfo& rel, const po::Tuple& row, std::string_view marker,
                       const EnvelopeOptions& options = kFriendly) {
    const ChangePosition at{0x16B374D848ULL, 0, 0, marker};
    return json::parse(envelope_text(rel, read_change(row), kTxn, at, kNow, options));
}

json key_of(const RelationInfo& rel, const RowChange& change,
            ValueEncoding encoding = ValueEncoding::kFriendly) {
    auto key = change_key(rel, change, encoding);
    return key ? json::parse(*key) : json();
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
    CHECK(change_key(rel, change) == R"({"id":7})");
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
    CHECK(key_of(rel, change) == json{{"id", 9}});
}

TEST_CASE("a truncate has no key", "[cdc]") {
    const auto rel = monitors();
    const auto e = envelope(rel, truncate_change());
    CHECK(e["op"] == "t");
    CHECK(e["before"].is_null());
    CHECK(e["after"].is_null());
    CHECK(change_key(rel, truncate_change()) == std::nullopt);
}

TEST_CASE("a table without a key has no key", "[cdc]") {
    auto rel = monitors();
    rel.key_columns.clear();
    po::Insert insert{rel.relation.id, {text("1"), text("up"), null(), text("{}"), null()}};
    CHECK(change_key(rel, insert_change(insert)) == std::nullopt);
}

TEST_CASE("a composite key lists its columns in key order", "[cdc]") {
    auto rel = monitors();
    rel.key_columns = {1, 0};
    po::Insert insert{rel.relation.id, {text("3"), text("up"), null(), text("{}"), null()}};
    CHECK(change_key(rel, insert_change(insert)) == R"({"status":"up","id":3})");
}

TEST_CASE("the envelope carries source position, transaction and times", "[cdc]") {
    const auto rel = monitors();
    po::Insert insert{rel.relation.id, {text("7"), text("up"), null(), text("{}"), null()}};
    const auto e = envelope(rel, insert_change(insert));
    CHECK(e["after"]["id"] == 7);
    CHECK(e["source"] == json{{"version", "0.1.0"},
                              {"connector", "postgresql"},
                              {"name", "etp"},
                              {"ts_ms", 1795395600250LL},
                              {"snapshot", "false"},
                              {"db", "monitors"},
                              {"sequence", R"(["97500057600","97500059720"])"},
                              {"schema", "public"},
                              {"table", "monitors"},
                              {"txId", 4711},
                              {"lsn", 0x16B374D848ULL},
                              {"xmin", nullptr}});
    CHECK(e["ts_ms"] == 1795395601000LL);
    CHECK(e["transaction"] ==
          json{{"id", "4711:97500059904"}, {"total_order", 2}, {"data_collection_order", 1}});
}

TEST_CASE("the envelope's members come in Debezium's order", "[cdc]") {
    const auto rel = monitors();
    po::Insert insert{rel.relation.id, {text("7"), text("up"), null(), text("{}"), null()}};
    const auto text = envelope_text(rel, insert_change(insert), kTxn, kAt, kNow, kFriendly);
    std::vector<std::size_t> at;
    for (const char* member :
         {"\"before\":", "\"after\":", "\"source\":", "\"version\":", "\"connector\":", "\"name\":",
          "\"ts_ms\":", "\"snapshot\":", "\"db\":", "\"sequence\":", "\"schema\":", "\"table\":",
          "\"txId\":", "\"lsn\":", "\"xmin\":", "\"op\":", "\"transaction\":"})
        at.push_back(text.find(member));
    INFO(text);
    CHECK(std::find(at.begin(), at.end(), std::string::npos) == at.end());
    CHECK(std::is_sorted(at.begin(), at.end()));
}

TEST_CASE(
    "the caller sets source.snapshot; an unknown previous commit is null in sequence, "
    "no transaction makes transaction null",
    "[cdc]") {
    const auto rel = monitors();
    po::Insert insert{rel.relation.id, {text("7"), text("up"), null(), text("{}"), null()}};
    TransactionInfo txn = kTxn;
    txn.last_commit_lsn = 0;
    ChangePosition at{42, 0, 0, "last"};
    const auto e = json::parse(envelope_text(rel, insert_change(insert), txn, at, kNow, kFriendly));
    CHECK(e["source"]["snapshot"] == "last");
    CHECK(json::parse(e["source"]["sequence"].get<std::string>()) == json::array({nullptr, "42"}));
    CHECK(e["transaction"].is_null());
}

TEST_CASE("the debezium encoding writes Debezium's forms of values and keys", "[cdc]") {
    constexpr std::uint32_t kTimestamp = 1114, kTimestamptz = 1184, kDate = 1082, kTime = 1083,
                            kBytea = 17, kJson = 114, kUuid = 2950;
    RelationInfo rel;
    rel.relation = {16500, "public", "kinds", 'd', {}};
    rel.relation.columns = {{true, "id", kInt8, -1},         {false, "n", kNumeric, -1},
                            {false, "ts", kTimestamptz, -1}, {false, "tsl", kTimestamp, -1},
                            {false, "tsm", kTimestamp, 3},   {false, "d", kDate, -1},
                            {false, "t", kTime, -1},         {false, "j", kJson, -1},
                            {false, "jb", kJsonb, -1},       {false, "u", kUuid, -1},
                            {false, "bin", kBytea, -1},      {false, "inf", kTimestamp, -1},
                            {false, "old", kDate, -1},       {false, "big", kText, -1}};
    rel.table = "public.kinds";
    rel.key_columns = {0};
    po::Update update;
    update.relation_id = rel.relation.id;
    update.row = {text("7"),
                  text("12345.67890"),
                  text("2026-11-23 01:02:03.5+00"),
                  text("2026-11-23 01:02:03.25"),
                  text("2026-11-23 01:02:03.25"),
                  text("2026-11-23"),
                  text("01:02:03.000004"),
                  text(R"({"a": [1, 2]})"),
                  text(R"({"k": null})"),
                  text("6f1c1a52-3b8e-4c4e-9f0a-2d9b8f1e7a10"),
                  text("\\x00ff10"),
                  text("infinity"),
                  text("1969-12-31"),
                  toast()};
    const auto change = update_change(update);
    const auto e = envelope(rel, change, kDebezium);
    INFO(e.dump());
    const json& a = e["after"];
    CHECK(a["id"] == 7);
    CHECK(a["n"] == "12345.67890");              // decimal.handling.mode=string
    CHECK(a["ts"] == "2026-11-23T01:02:03.5Z");  // ZonedTimestamp
    CHECK(a["tsl"] == 1795395723250000LL);       // MicroTimestamp
    CHECK(a["tsm"] == 1795395723250LL);          // timestamp(3): Timestamp (ms)
    CHECK(a["d"] == 20780);                      // Date: epoch days
    CHECK(a["t"] == 3723000004LL);               // MicroTime
    CHECK(a["j"] == R"({"a": [1, 2]})");         // Json: a string
    CHECK(a["jb"] == R"({"k": null})");
    CHECK(a["u"] == "6f1c1a52-3b8e-4c4e-9f0a-2d9b8f1e7a10");
    CHECK(a["bin"] == "AP8Q");      // base64
    CHECK(a["inf"] == "infinity");  // no number for it: as printed
    CHECK(a["old"] == -1);
    CHECK(a["big"] == "__debezium_unavailable_value");  // unchanged TOAST, no old row
    CHECK_FALSE(e.contains("unchanged_toast"));
    CHECK(e["source"]["name"] == "inventory");
    // The filter document keeps the friendly values.
    const auto doc = filter_document(rel, change);
    CHECK(doc["after"]["tsl"] == "2026-11-23T01:02:03.25");
    CHECK(doc["after"]["j"] == json{{"a", {1, 2}}});
    CHECK_FALSE(doc["after"].contains("big"));

    // Keys use the same encoding.
    rel.key_columns = {5};
    CHECK(change_key(rel, change, ValueEncoding::kDebezium) == R"({"d":20780})");
    CHECK(change_key(rel, change, ValueEncoding::kFriendly) == R"({"d":"2026-11-23"})");
}

TEST_CASE("a snapshot row is an r with the row as after, source.snapshot set and no transaction",
          "[cdc]") {
    const auto rel = monitors();
    const po::Tuple row{text("7"), text("up"), null(), text("{\"a\": 1}"), null()};
    const auto e = snapshot_envelope(rel, row, "true");
    INFO(e.dump());
    CHECK(e["op"] == "r");
    CHECK(e["before"].is_null());
    CHECK(e["after"]["id"] == 7);
    CHECK(e["after"]["tags"] == json{{"a", 1}});
    CHECK(e["source"]["snapshot"] == "true");
    CHECK(e["transaction"].is_null());
    CHECK(snapshot_envelope(rel, row, "last")["source"]["snapshot"] == "last");
    CHECK(key_of(rel, read_change(row)) == json{{"id", 7}});
    const auto document = filter_document(rel, read_change(row));
    CHECK(document["op"] == "r");
    CHECK(document["after"]["status"] == "up");
    // The debezium encoding as for streamed rows: json as a string.
    CHECK(snapshot_envelope(rel, row, "true", kDebezium)["after"]["tags"] == R"({"a": 1})");
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

    const std::vector<json> envelopes = {
        envelope(full, insert_change(insert)),
        envelope(full, update_change(update)),
        envelope(key_only, update_change(update_without_old)),
        envelope(key_only, delete_change(del)),
        envelope(full, truncate_change()),
        envelope(full, update_change(update), kDebezium),
        envelope(key_only, update_change(update_without_old), kDebezium),
        snapshot_envelope(full, insert.row, "true"),
        snapshot_envelope(full, insert.row, "last", kDebezium)};
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
    bad = envelopes[7];
    bad["source"]["snapshot"] = "false";  // a snapshot row says it is one
    CHECK(problems(bad) != "");
    bad = envelopes[3];
    bad["source"]["connector"] = "mysql";
    CHECK(problems(bad) != "");
    bad = envelopes[3];
    bad["source"]["sequence"] = json::array({"1", "2"});  // a string holding an array
    CHECK(problems(bad) != "");
}

TEST_CASE("per-table topics are <prefix>.<schema>.<table> with Kafka's characters only", "[cdc]") {
    CHECK(table_topic("inventory", "public.monitors") == "inventory.public.monitors");
    CHECK(table_topic("etp", "Sales Data.order$items") == "etp.Sales_Data.order_items");
}

TEST_CASE("CDC_SERVER_NAME and CDC_TOPIC_PREFIX must be usable in topic names", "[cdc]") {
    auto problems = [](std::map<std::string, std::string> env) {
        CdcCaptureConfig config;
        auto spec = make_config_spec(config);
        bool help = false;
        std::string out;
        for (const auto& p : spec.parse(
                 [&env](std::string_view name) -> std::optional<std::string> {
                     auto it = env.find(std::string(name));
                     if (it == env.end()) return std::nullopt;
                     return it->second;
                 },
                 {}, &help))
            out += p + "\n";
        return out;
    };
    CHECK(problems({}) == "");
    CHECK(problems({{"CDC_SERVER_NAME", "a b"}}).find("CDC_SERVER_NAME") != std::string::npos);
    CHECK(problems({{"CDC_TOPIC_PREFIX", "x/y"}}).find("CDC_TOPIC_PREFIX") != std::string::npos);
    CHECK(problems({{"CDC_TOPIC_MODE", "tables"}}).find("CDC_TOPIC_MODE") != std::string::npos);
    CHECK(problems({{"CDC_VALUE_ENCODING", "avro"}}).find("CDC_VALUE_ENCODING") !=
          std::string::npos);
}
