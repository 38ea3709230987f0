#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>
#include <functional>
#include <map>
#include <string>
#include <thread>
#include <variant>
#include <vector>

#include "etp/pg/connection.hpp"
#include "etp/pg/error.hpp"
#include "etp/pg/pg_value.hpp"
#include "etp/pg/pgoutput.hpp"
#include "etp/pg/replication_stream.hpp"
#include "etp/testing/pg_cluster.hpp"
#include "pg_test_support.hpp"

using etp::ErrorKind;
using etp::pg::Connection;
using etp::pg::DatabaseError;
using etp::pg::Lsn;
using etp::pg::ReplicationOptions;
using etp::pg::ReplicationStream;
using nlohmann::json;
using namespace std::chrono_literals;
namespace po = etp::pg::pgoutput;

namespace {

std::string unique_name(const std::string& prefix) {
    static int counter = 0;
    return prefix + "_" + std::to_string(++counter);
}

ReplicationOptions options_for(const std::string& url, const std::string& slot,
                               const std::string& publication) {
    ReplicationOptions o;
    o.url = url;
    o.slot = slot;
    o.publication = publication;
    return o;
}

char tag_of(const po::Message& m) {
    return std::visit(
        [](const auto& v) -> char {
            using T = std::decay_t<decltype(v)>;
            if constexpr (std::is_same_v<T, po::Begin>) return 'B';
            if constexpr (std::is_same_v<T, po::Commit>) return 'C';
            if constexpr (std::is_same_v<T, po::Relation>) return 'R';
            if constexpr (std::is_same_v<T, po::Type>) return 'Y';
            if constexpr (std::is_same_v<T, po::Insert>) return 'I';
            if constexpr (std::is_same_v<T, po::Update>) return 'U';
            if constexpr (std::is_same_v<T, po::Delete>) return 'D';
            if constexpr (std::is_same_v<T, po::Truncate>) return 'T';
            if constexpr (std::is_same_v<T, po::LogicalMessage>) return 'M';
            return '?';
        },
        m);
}

// Reads and decodes until `done` says so; fails the test after `limit`.
std::vector<po::Message> read_until(ReplicationStream& stream,
                                    const std::function<bool(const po::Message&)>& done,
                                    std::chrono::seconds limit = 30s) {
    std::vector<po::Message> out;
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < deadline) {
        auto data = stream.next(200ms);
        if (!data) continue;
        CHECK(data->wal_end >= data->wal_start);
        out.push_back(po::decode(data->payload));
        if (done(out.back())) return out;
    }
    FAIL("replication stream did not deliver the expected messages in time; got " << out.size());
    return out;
}

std::vector<po::Message> read_commits(ReplicationStream& stream, int commits) {
    int seen = 0;
    return read_until(stream, [&](const po::Message& m) {
        return std::holds_alternative<po::Commit>(m) && ++seen == commits;
    });
}

// column: restart_lsn or confirmed_flush_lsn.
Lsn slot_lsn(Connection& db, const std::string& slot, const std::string& column) {
    const auto r = db.exec(
        "SELECT " + column + "::text FROM pg_replication_slots WHERE slot_name = $1", {slot});
    REQUIRE(r.rows() == 1);
    const auto lsn = etp::pg::parse_lsn(r.text(0, 0));
    REQUIRE(lsn.has_value());
    return *lsn;
}

Lsn slot_confirmed_flush(Connection& db, const std::string& slot) {
    return slot_lsn(db, slot, "confirmed_flush_lsn");
}

// A decoded row as column name → typed JSON ("<unchanged>" for unchanged TOAST values).
json row_json(const po::Relation& rel, const po::Tuple& row) {
    REQUIRE(row.size() == rel.columns.size());
    json out = json::object();
    for (std::size_t i = 0; i < row.size(); ++i) {
        switch (row[i].kind) {
            case po::Value::Kind::kNull:
                out[rel.columns[i].name] = nullptr;
                break;
            case po::Value::Kind::kUnchangedToast:
                out[rel.columns[i].name] = "<unchanged>";
                break;
            case po::Value::Kind::kText:
                out[rel.columns[i].name] =
                    etp::pg::value_to_json(rel.columns[i].type_oid, row[i].text);
                break;
        }
    }
    return out;
}

template <typename T>
std::vector<T> all_of_type(const std::vector<po::Message>& messages) {
    std::vector<T> out;
    for (const auto& m : messages)
        if (const auto* v = std::get_if<T>(&m)) out.push_back(*v);
    return out;
}

const char* const kTypedTable = R"sql(
CREATE TYPE mood AS ENUM ('happy', 'sad');
CREATE TABLE typed (
    id bigint PRIMARY KEY,
    c_int2 int2, c_int4 int4, c_int8 int8, c_oid oid,
    c_float4 float4, c_float8 float8, c_float_nan float8, c_numeric numeric(10, 2),
    c_bool bool, c_text text, c_varchar varchar(10), c_bpchar char(3), c_name name,
    c_uuid uuid, c_bytea bytea, c_mood mood,
    c_tstz timestamptz, c_tstz_inf timestamptz, c_ts timestamp, c_date date, c_interval interval,
    c_json json, c_jsonb jsonb,
    a_int2 int2[], a_int4 int4[], a_int8 int8[], a_oid oid[], a_float4 float4[], a_float8 float8[],
    a_numeric numeric[], a_bool bool[], a_text text[], a_varchar varchar[], a_bpchar char(2)[],
    a_name name[], a_uuid uuid[], a_bytea bytea[], a_tstz timestamptz[], a_ts timestamp[],
    a_date date[], a_json json[], a_jsonb jsonb[], a_grid int4[]
);
ALTER TABLE typed REPLICA IDENTITY FULL;
CREATE TABLE docs (id int PRIMARY KEY, body text, note text);
ALTER TABLE docs ALTER COLUMN body SET STORAGE EXTERNAL;
)sql";

const char* const kTypedInsert = R"sql(
INSERT INTO typed VALUES (
    1, -2, 2147483647, 9223372036854775807, 4294967295,
    1.5, 0.1, 'NaN', 12.5,
    true, 'hello, "world"', 'vc', 'ab', 'nm',
    'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '\x0102ff', 'happy',
    '2026-11-23 03:02:03.5+02', 'infinity', '2026-11-23 01:02:03.25', '2026-11-23',
    '1 day 2 hours',
    '{"a": [1, 2.5, null]}', '{"k": "v\"w"}',
    '{1,-2}', '{1,NULL,3}', '[0:1]={5,6}', '{26}', '{1.5,-Infinity}', '{0.25,NaN}',
    '{1.10}', '{t,f}', ARRAY['a b', 'c"d', NULL, 'NULL', ''], '{x,y}', '{a}',
    '{pg_class}', '{a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11}', ARRAY['\x01'::bytea],
    ARRAY['2026-11-23 01:02:03+00'::timestamptz, 'infinity'], '{"2026-11-23 01:02:03"}',
    '{2026-11-23}', ARRAY['{"k": 1}'::json], ARRAY['[1, "x"]'::jsonb], '{{1,2},{3,4}}'
))sql";

}  // namespace

TEST_CASE("a replication stream decodes every change kind with typed values", "[replication]") {
    const std::string url = etp::pg::test::fresh_database("repl");
    Connection db(url);
    db.exec_script(kTypedTable);
    const std::string slot = unique_name("etp_decode");
    db.exec_script("CREATE PUBLICATION etp_pub FOR TABLE typed, docs");

    ReplicationStream stream(options_for(url, slot, "etp_pub"));
    CHECK_FALSE(stream.identity().system_id.empty());
    CHECK(stream.identity().timeline == 1);
    CHECK(stream.identity().xlog_pos > 0);
    CHECK(stream.identity().dbname == db.exec("SELECT current_database()").text(0, 0));
    CHECK(stream.ensure_slot());
    CHECK_FALSE(stream.ensure_slot());
    stream.start();

    // A text of 12 KB out of line and uncompressed: updates that leave it alone send it as
    // "unchanged".
    const std::string big = "SELECT string_agg(md5(i::text), '') FROM generate_series(1, 400) i";
    db.exec_script("BEGIN;" + std::string(kTypedInsert) + ";" + "INSERT INTO docs VALUES (1, (" +
                   big + "), 'n1'); COMMIT;");
    db.exec_script(
        "BEGIN; UPDATE docs SET note = 'n2' WHERE id = 1;"
        " SELECT pg_logical_emit_message(true, 'etp.tx', 'y'); COMMIT;");
    db.exec("UPDATE typed SET c_text = 'changed' WHERE id = 1");
    db.exec("UPDATE docs SET id = 2 WHERE id = 1");
    db.exec("DELETE FROM docs WHERE id = 2");
    db.exec("DELETE FROM typed WHERE id = 1");
    db.exec("SELECT pg_logical_emit_message(false, 'etp.heartbeat', 'x')");
    db.exec("TRUNCATE typed, docs RESTART IDENTITY CASCADE");

    const auto messages = read_commits(stream, 7);

    // Relation (and Type) messages come before a relation's first change and again after
    // its schema may have changed (TRUNCATE); the rest is exactly the transactions above.
    std::string sequence;
    std::string with_schema;
    for (const auto& m : messages) {
        with_schema += tag_of(m);
        if (tag_of(m) != 'R' && tag_of(m) != 'Y') sequence += tag_of(m);
    }
    CHECK(sequence ==
          "BIIC"
          "BUMC"
          "BUC"
          "BUC"
          "BDC"
          "BDC"
          "M"
          "BTC");
    CHECK(with_schema.rfind("BYRIRIC", 0) == 0);

    std::map<std::uint32_t, po::Relation> relations;
    for (const auto& r : all_of_type<po::Relation>(messages)) relations[r.id] = r;
    REQUIRE(relations.size() == 2);
    const po::Relation* typed = nullptr;
    const po::Relation* docs = nullptr;
    for (const auto& [id, r] : relations) {
        CHECK(r.schema == "public");
        (r.name == "typed" ? typed : docs) = &r;
    }
    REQUIRE(typed != nullptr);
    REQUIRE(docs != nullptr);
    CHECK(typed->replica_identity == 'f');
    CHECK(docs->replica_identity == 'd');
    CHECK(docs->columns.at(0).key);
    CHECK_FALSE(docs->columns.at(1).key);
    const auto types = all_of_type<po::Type>(messages);
    REQUIRE(types.size() >= 1);
    CHECK(types[0].name == "mood");
    CHECK(types[0].schema == "public");

    // Every array column's type is in array_element_type's table, with pg_type's element.
    for (const auto& c : typed->columns) {
        if (c.name.rfind("a_", 0) != 0) continue;
        INFO(c.name);
        const auto element = etp::pg::array_element_type(c.type_oid);
        REQUIRE(element.has_value());
        CHECK(db.exec("SELECT typelem FROM pg_type WHERE oid = $1", {std::to_string(c.type_oid)})
                  .integer(0, 0) == *element);
    }

    const auto inserts = all_of_type<po::Insert>(messages);
    REQUIRE(inserts.size() == 2);
    REQUIRE(inserts[0].relation_id == typed->id);
    const json row = row_json(*typed, inserts[0].row);
    const json expected = json::parse(R"({
        "id": 1, "c_int2": -2, "c_int4": 2147483647, "c_int8": 9223372036854775807,
        "c_oid": 4294967295, "c_float4": 1.5, "c_float8": 0.1, "c_float_nan": "NaN",
        "c_numeric": "12.50", "c_bool": true, "c_text": "hello, \"world\"", "c_varchar": "vc",
        "c_bpchar": "ab ", "c_name": "nm", "c_uuid": "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11",
        "c_bytea": "\\x0102ff", "c_mood": "happy",
        "c_tstz": "2026-11-23T01:02:03.5Z", "c_tstz_inf": "infinity",
        "c_ts": "2026-11-23T01:02:03.25", "c_date": "2026-11-23", "c_interval": "P1DT2H",
        "c_json": {"a": [1, 2.5, null]}, "c_jsonb": {"k": "v\"w"},
        "a_int2": [1, -2], "a_int4": [1, null, 3], "a_int8": [5, 6], "a_oid": [26],
        "a_float4": [1.5, "-Infinity"], "a_float8": [0.25, "NaN"], "a_numeric": ["1.10"],
        "a_bool": [true, false], "a_text": ["a b", "c\"d", null, "NULL", ""],
        "a_varchar": ["x", "y"], "a_bpchar": ["a "], "a_name": ["pg_class"],
        "a_uuid": ["a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"], "a_bytea": ["\\x01"],
        "a_tstz": ["2026-11-23T01:02:03Z", "infinity"], "a_ts": ["2026-11-23T01:02:03"],
        "a_date": ["2026-11-23"], "a_json": [{"k": 1}], "a_jsonb": [[1, "x"]],
        "a_grid": [[1, 2], [3, 4]]
    })");
    CHECK(row.dump(2) == expected.dump(2));
    CHECK(row["c_int8"].is_number_integer());
    CHECK(row["c_float8"].is_number_float());

    REQUIRE(inserts[1].relation_id == docs->id);
    const json doc = row_json(*docs, inserts[1].row);
    CHECK(doc["body"].get<std::string>().size() == 12'800);

    const auto updates = all_of_type<po::Update>(messages);
    REQUIRE(updates.size() == 3);
    // Default identity, key unchanged: no old row; the TOASTed body is not sent.
    CHECK(updates[0].relation_id == docs->id);
    CHECK_FALSE(updates[0].old_row.has_value());
    CHECK(row_json(*docs, updates[0].row) ==
          json::parse(R"({"id": 1, "body": "<unchanged>", "note": "n2"})"));
    // REPLICA IDENTITY FULL: the whole old row.
    CHECK(updates[1].relation_id == typed->id);
    REQUIRE(updates[1].old_row.has_value());
    CHECK_FALSE(updates[1].old_is_key_only);
    CHECK(row_json(*typed, *updates[1].old_row) == row);
    CHECK(row_json(*typed, updates[1].row)["c_text"] == "changed");
    // Default identity, key changed: the old key only.
    CHECK(updates[2].relation_id == docs->id);
    REQUIRE(updates[2].old_row.has_value());
    CHECK(updates[2].old_is_key_only);
    CHECK(row_json(*docs, *updates[2].old_row) ==
          json::parse(R"({"id": 1, "body": null, "note": null})"));
    CHECK(row_json(*docs, updates[2].row) ==
          json::parse(R"({"id": 2, "body": "<unchanged>", "note": "n2"})"));

    const auto deletes = all_of_type<po::Delete>(messages);
    REQUIRE(deletes.size() == 2);
    CHECK(deletes[0].relation_id == docs->id);
    CHECK(deletes[0].old_is_key_only);
    CHECK(row_json(*docs, deletes[0].old_row) ==
          json::parse(R"({"id": 2, "body": null, "note": null})"));
    CHECK(deletes[1].relation_id == typed->id);
    CHECK_FALSE(deletes[1].old_is_key_only);
    CHECK(row_json(*typed, deletes[1].old_row)["c_text"] == "changed");
    CHECK(row_json(*typed, deletes[1].old_row)["a_grid"] == json::parse("[[1,2],[3,4]]"));

    const auto logical = all_of_type<po::LogicalMessage>(messages);
    REQUIRE(logical.size() == 2);
    CHECK(logical[0].transactional);
    CHECK(logical[0].prefix == "etp.tx");
    CHECK(logical[0].content == "y");
    CHECK_FALSE(logical[1].transactional);
    CHECK(logical[1].prefix == "etp.heartbeat");
    CHECK(logical[1].content == "x");
    CHECK(logical[1].lsn > 0);

    const auto truncates = all_of_type<po::Truncate>(messages);
    REQUIRE(truncates.size() == 1);
    auto ids = truncates[0].relation_ids;
    std::sort(ids.begin(), ids.end());
    auto want = std::vector<std::uint32_t>{typed->id, docs->id};
    std::sort(want.begin(), want.end());
    CHECK(ids == want);
    CHECK(truncates[0].cascade);
    CHECK(truncates[0].restart_identity);

    // Begin and Commit agree, and commits move forwards.
    const auto begins = all_of_type<po::Begin>(messages);
    const auto commits = all_of_type<po::Commit>(messages);
    REQUIRE(begins.size() == commits.size());
    for (std::size_t i = 0; i < commits.size(); ++i) {
        CHECK(begins[i].final_lsn == commits[i].commit_lsn);
        CHECK(begins[i].commit_time == commits[i].commit_time);
        CHECK(commits[i].end_lsn > commits[i].commit_lsn);
        if (i > 0) CHECK(commits[i].end_lsn > commits[i - 1].end_lsn);
    }
    CHECK(stream.server_wal_end() >= commits.back().end_lsn);
}

TEST_CASE("every built-in array type the table knows has that element type in pg_type",
          "[replication]") {
    Connection db(etp::testing::PgCluster::shared().url());
    const auto r = db.exec("SELECT oid, typelem FROM pg_type WHERE typcategory = 'A'");
    int known = 0;
    for (int i = 0; i < r.rows(); ++i) {
        const auto oid = static_cast<std::uint32_t>(r.integer(i, 0));
        if (const auto element = etp::pg::array_element_type(oid)) {
            INFO("array type " << oid);
            CHECK(*element == static_cast<std::uint32_t>(r.integer(i, 1)));
            ++known;
        }
    }
    CHECK(known == 25);
}

TEST_CASE(
    "confirmed progress reaches the slot; a second streamer conflicts; a missing slot "
    "is not found",
    "[replication]") {
    const std::string url = etp::pg::test::fresh_database("repl");
    Connection db(url);
    db.exec_script("CREATE TABLE t (id int PRIMARY KEY); CREATE PUBLICATION p FOR TABLE t;");
    const std::string slot = unique_name("etp_progress");

    ReplicationOptions options = options_for(url, slot, "p");
    options.status_interval = 60s;  // only confirm() may make the update go out quickly
    ReplicationStream stream(options);
    REQUIRE(stream.ensure_slot());
    stream.start();
    const Lsn initial = slot_confirmed_flush(db, slot);

    db.exec("INSERT INTO t VALUES (1)");
    const auto messages = read_commits(stream, 1);
    const Lsn end = std::get<po::Commit>(messages.back()).end_lsn;
    REQUIRE(end > initial);
    CHECK(stream.confirmed() == 0);

    // Unconfirmed: the slot does not move, however long we stream.
    const auto quiet_until = std::chrono::steady_clock::now() + 500ms;
    while (std::chrono::steady_clock::now() < quiet_until) CHECK_FALSE(stream.next(50ms));
    CHECK(slot_confirmed_flush(db, slot) == initial);

    stream.confirm(end);
    stream.confirm(end - 1);  // never backwards
    CHECK(stream.confirmed() == end);
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    while (slot_confirmed_flush(db, slot) < end) {
        REQUIRE(std::chrono::steady_clock::now() < deadline);
        CHECK_FALSE(stream.next(50ms));
    }
    CHECK(slot_confirmed_flush(db, slot) == end);

    SECTION("a second stream on the active slot is a conflict") {
        ReplicationStream second(options_for(url, slot, "p"));
        CHECK_FALSE(second.ensure_slot());
        try {
            second.start();
            FAIL("started a second stream on an active slot");
        } catch (const DatabaseError& e) {
            CHECK(e.kind() == ErrorKind::kConflict);
            CHECK(e.sqlstate() == "55006");
            CHECK_THAT(e.what(), Catch::Contains("active"));
        }
    }
    SECTION("a missing slot is not found") {
        ReplicationStream missing(options_for(url, unique_name("etp_missing"), "p"));
        try {
            missing.start();
            FAIL("started a stream on a missing slot");
        } catch (const DatabaseError& e) {
            CHECK(e.kind() == ErrorKind::kNotFound);
            CHECK(e.sqlstate() == "42704");
        }
    }
    SECTION("names outside a-z, 0-9 and _ are rejected before anything is sent") {
        const std::vector<std::string> bad_names = {"Bad", "a-b", "x'; DROP", "",
                                                    std::string(64, 'a')};
        for (const std::string& bad : bad_names) {
            INFO(bad);
            ReplicationStream s(options_for(url, bad, "p"));
            try {
                s.ensure_slot();
                FAIL("accepted slot name");
            } catch (const DatabaseError& e) {
                CHECK(e.kind() == ErrorKind::kInvalidInput);
            }
            ReplicationStream p(options_for(url, slot + "_x", bad));
            try {
                p.start();
                FAIL("accepted publication name");
            } catch (const DatabaseError& e) {
                CHECK(e.kind() == ErrorKind::kInvalidInput);
            }
        }
    }
}

TEST_CASE("an idle stream answers keepalives and outlives wal_sender_timeout", "[replication]") {
    const std::string url = etp::pg::test::fresh_database("repl");
    Connection db(url);
    db.exec_script("CREATE TABLE t (id int PRIMARY KEY); CREATE PUBLICATION p FOR TABLE t;");
    // Only this database's walsenders: the server asks for a reply after 0.5 s of silence and
    // drops a client that stays silent for 1 s.
    const std::string dbname(db.exec("SELECT current_database()").text(0, 0));
    db.exec("ALTER DATABASE " + dbname + " SET wal_sender_timeout = '1s'");
    ReplicationOptions options = options_for(url, unique_name("etp_idle"), "p");
    options.status_interval = 60s;  // nothing but keepalive replies keeps it alive
    ReplicationStream stream(options);
    REQUIRE(stream.ensure_slot());
    stream.start();

    const auto until = std::chrono::steady_clock::now() + 3s;
    while (std::chrono::steady_clock::now() < until) CHECK_FALSE(stream.next(100ms));
    CHECK(stream.server_wal_end() > 0);

    db.exec("INSERT INTO t VALUES (1)");
    const auto messages = read_commits(stream, 1);
    CHECK(all_of_type<po::Insert>(messages).size() == 1);
}

TEST_CASE("send_status and the destructor report the confirmed position", "[replication]") {
    const std::string url = etp::pg::test::fresh_database("repl");
    Connection db(url);
    db.exec_script("CREATE TABLE t (id int PRIMARY KEY); CREATE PUBLICATION p FOR TABLE t;");
    const std::string slot = unique_name("etp_final");
    ReplicationOptions options = options_for(url, slot, "p");
    options.status_interval = 60s;
    auto wait_for_slot = [&](Lsn lsn) {
        const auto deadline = std::chrono::steady_clock::now() + 10s;
        while (slot_confirmed_flush(db, slot) < lsn) {
            REQUIRE(std::chrono::steady_clock::now() < deadline);
            std::this_thread::sleep_for(20ms);
        }
        CHECK(slot_confirmed_flush(db, slot) == lsn);
    };

    Lsn second = 0;
    {
        ReplicationStream stream(options);
        REQUIRE(stream.ensure_slot());
        stream.start();
        db.exec("INSERT INTO t VALUES (1)");
        const Lsn first = std::get<po::Commit>(read_commits(stream, 1).back()).end_lsn;
        stream.confirm(first);
        stream.send_status();  // at once, without another next()
        wait_for_slot(first);

        db.exec("INSERT INTO t VALUES (2)");
        second = std::get<po::Commit>(read_commits(stream, 1).back()).end_lsn;
        stream.confirm(second);
    }  // no next() after confirm: only the destructor can tell the server
    wait_for_slot(second);

    // And the next stream starts after it: nothing is sent again.
    const auto reader_deadline = std::chrono::steady_clock::now() + 10s;
    for (;;) {
        try {
            ReplicationStream again(options);
            again.start();
            db.exec("INSERT INTO t VALUES (3)");
            const auto messages = read_commits(again, 1);
            const auto inserts = all_of_type<po::Insert>(messages);
            REQUIRE(inserts.size() == 1);
            CHECK(inserts[0].row.at(0).text == "3");
            break;
        } catch (const DatabaseError& e) {
            // The previous walsender may not have released the slot yet.
            REQUIRE(e.kind() == ErrorKind::kConflict);
            REQUIRE(std::chrono::steady_clock::now() < reader_deadline);
            std::this_thread::sleep_for(50ms);
        }
    }
}

TEST_CASE("a stream to an unreachable server is kUnavailable", "[replication]") {
    ReplicationOptions o = options_for("postgresql://postgres@127.0.0.1:1/etp", "etp_never", "p");
    o.connect_timeout = 2s;
    try {
        ReplicationStream s(o);
        FAIL("connected to port 1");
    } catch (const DatabaseError& e) {
        CHECK(e.kind() == ErrorKind::kUnavailable);
        CHECK(e.retryable());
        CHECK(e.sqlstate().empty());
    }
}

// Its own cluster: it restarts the server.
TEST_CASE(
    "after a server restart the stream fails as kUnavailable and a new one resumes "
    "after the confirmed position",
    "[replication]") {
    etp::testing::PgCluster cluster;
    const std::string url = cluster.url();
    const std::string slot = "etp_restart";
    {
        Connection db(url);
        db.exec_script("CREATE TABLE t (id int PRIMARY KEY); CREATE PUBLICATION p FOR TABLE t;");
    }
    auto inserted_ids = [](const std::vector<po::Message>& messages) {
        std::vector<std::string> ids;
        for (const auto& i : all_of_type<po::Insert>(messages)) ids.push_back(i.row.at(0).text);
        return ids;
    };

    Lsn durable = 0;  // the confirmed position the server has written to disk
    {
        Connection db(url);
        ReplicationStream stream(options_for(url, slot, "p"));
        REQUIRE(stream.ensure_slot());
        stream.start();

        db.exec("INSERT INTO t VALUES (1)");
        const Lsn row1_end = std::get<po::Commit>(read_commits(stream, 1).back()).end_lsn;
        stream.confirm(row1_end);

        // PostgreSQL 15 writes a slot's confirmed position to disk only when it also moves the
        // slot's restart position, which needs a running-transactions record (a checkpoint
        // logs one) at or before the confirmed position. Nothing else is in flight, so the
        // server's end of WAL is safe to confirm (what cdc-capture does when idle).
        const auto deadline = std::chrono::steady_clock::now() + 30s;
        while ((durable = slot_lsn(db, slot, "restart_lsn")) < row1_end) {
            REQUIRE(std::chrono::steady_clock::now() < deadline);
            db.exec("CHECKPOINT");
            for (int i = 0; i < 3; ++i) CHECK_FALSE(stream.next(100ms));
            stream.confirm(stream.server_wal_end());
        }

        // Delivered but never confirmed: must come again after the restart.
        db.exec("INSERT INTO t VALUES (2)");
        CHECK(inserted_ids(read_commits(stream, 1)) == std::vector<std::string>{"2"});
        const Lsn confirmed = stream.confirmed();

        // A logical walsender shuts down only once its client confirmed everything it sent;
        // ours never confirms row 2, so let the server give up on us quickly.
        db.exec("ALTER SYSTEM SET wal_sender_timeout = '1s'");
        db.exec("SELECT pg_reload_conf()");
        cluster.stop();
        REQUIRE_FALSE(cluster.running());

        const auto fail_deadline = std::chrono::steady_clock::now() + 20s;
        bool failed = false;
        while (!failed && std::chrono::steady_clock::now() < fail_deadline) {
            try {
                stream.next(200ms);
            } catch (const DatabaseError& e) {
                CHECK(e.kind() == ErrorKind::kUnavailable);
                CHECK(e.retryable());
                failed = true;
            }
        }
        REQUIRE(failed);
        // Closed for good: later calls fail the same way, at once.
        CHECK_THROWS_AS(stream.next(10ms), DatabaseError);
        CHECK_THROWS_AS(stream.send_status(), DatabaseError);
        CHECK(stream.confirmed() == confirmed);
    }

    cluster.start();
    Connection db(url);
    db.exec("ALTER SYSTEM RESET wal_sender_timeout");
    db.exec("SELECT pg_reload_conf()");
    CHECK(slot_lsn(db, slot, "confirmed_flush_lsn") >= durable);

    ReplicationStream resumed(options_for(url, slot, "p"));
    CHECK_FALSE(resumed.ensure_slot());
    resumed.start();
    db.exec("INSERT INTO t VALUES (3)");
    const auto messages = read_until(resumed, [](const po::Message& m) {
        const auto* i = std::get_if<po::Insert>(&m);
        return i && i->row.at(0).text == "3";
    });
    CHECK(inserted_ids(messages) == std::vector<std::string>{"2", "3"});
}
