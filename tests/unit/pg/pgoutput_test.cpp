#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "etp/domain/error.hpp"
#include "etp/pg/pgoutput.hpp"

using etp::ErrorKind;
using etp::pg::format_lsn;
using etp::pg::Lsn;
using etp::pg::parse_lsn;
namespace po = etp::pg::pgoutput;

namespace {

// Builds a message the way the server's pqformat.c does: big-endian integers, NUL-terminated
// strings.
class Bytes {
 public:
    explicit Bytes(char tag) { s_.push_back(tag); }
    Bytes& u8(std::uint8_t v) {
        s_.push_back(static_cast<char>(v));
        return *this;
    }
    Bytes& ch(char c) {
        s_.push_back(c);
        return *this;
    }
    Bytes& u16(std::uint16_t v) { return be(v, 2); }
    Bytes& u32(std::uint32_t v) { return be(v, 4); }
    Bytes& u64(std::uint64_t v) { return be(v, 8); }
    Bytes& str(std::string_view v) {
        s_.append(v);
        s_.push_back('\0');
        return *this;
    }
    Bytes& raw(std::string_view v) {
        s_.append(v);
        return *this;
    }
    // TupleData column helpers.
    Bytes& null_col() { return ch('n'); }
    Bytes& toast_col() { return ch('u'); }
    Bytes& text_col(std::string_view v) {
        ch('t').u32(static_cast<std::uint32_t>(v.size()));
        return raw(v);
    }
    const std::string& str() const { return s_; }

 private:
    Bytes& be(std::uint64_t v, int n) {
        for (int i = n - 1; i >= 0; --i) s_.push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
        return *this;
    }
    std::string s_;
};

// 2026-11-23T01:02:03.5Z in µs since 2000-01-01.
constexpr std::int64_t kPgMicros = (1'795'395'723LL - 946'684'800LL) * 1'000'000LL + 500'000;

std::string begin_msg() {
    return Bytes('B')
        .u64(0x16B374D848ULL)
        .u64(static_cast<std::uint64_t>(kPgMicros))
        .u32(777)
        .str();
}
std::string commit_msg() {
    return Bytes('C')
        .u8(0)
        .u64(0x16B374D848ULL)
        .u64(0x16B374D878ULL)
        .u64(static_cast<std::uint64_t>(kPgMicros))
        .str();
}
std::string relation_msg() {
    return Bytes('R')
        .u32(16385)
        .str("public")
        .str("orders")
        .ch('f')
        .u16(3)
        .u8(1)
        .str("id")
        .u32(20)
        .u32(0xFFFFFFFF)
        .u8(0)
        .str("note")
        .u32(25)
        .u32(0xFFFFFFFF)
        .u8(0)
        .str("price")
        .u32(1700)
        .u32(0x000A0006)
        .str();
}
std::string type_msg() { return Bytes('Y').u32(90001).str("public").str("mood").str(); }
std::string insert_msg() {
    return Bytes('I').u32(16385).ch('N').u16(3).text_col("42").null_col().text_col("9.50").str();
}
std::string update_key_msg() {
    return Bytes('U')
        .u32(16385)
        .ch('K')
        .u16(3)
        .text_col("41")
        .null_col()
        .null_col()
        .ch('N')
        .u16(3)
        .text_col("42")
        .toast_col()
        .text_col("")
        .str();
}
std::string update_old_msg() {
    return Bytes('U')
        .u32(16385)
        .ch('O')
        .u16(2)
        .text_col("1")
        .text_col("a")
        .ch('N')
        .u16(2)
        .text_col("1")
        .text_col("b")
        .str();
}
std::string update_plain_msg() { return Bytes('U').u32(16385).ch('N').u16(1).toast_col().str(); }
std::string delete_key_msg() { return Bytes('D').u32(16385).ch('K').u16(1).text_col("7").str(); }
std::string delete_old_msg() {
    return Bytes('D').u32(16385).ch('O').u16(2).text_col("7").null_col().str();
}
std::string truncate_msg(std::uint8_t flags) {
    return Bytes('T').u32(2).u8(flags).u32(16385).u32(16390).str();
}
std::string message_msg(bool transactional) {
    return Bytes('M')
        .u8(transactional ? 1 : 0)
        .u64(0x1000000A0ULL)
        .str("etp.heartbeat")
        .u32(3)
        .raw(std::string("x\0y", 3))
        .str();
}
std::string origin_msg() { return Bytes('O').u64(0x100ULL).str("node_a").str(); }

std::vector<std::string> all_messages() {
    return {begin_msg(),       commit_msg(),     relation_msg(),   type_msg(),
            insert_msg(),      update_key_msg(), update_old_msg(), update_plain_msg(),
            delete_key_msg(),  delete_old_msg(), truncate_msg(3),  message_msg(false),
            message_msg(true), origin_msg()};
}

void require_internal_error(std::string_view payload, std::string_view needle) {
    try {
        po::decode(payload);
        FAIL("decoded malformed input of " << payload.size() << " bytes");
    } catch (const etp::Error& e) {
        CHECK(e.kind() == ErrorKind::kInternal);
        CHECK_THAT(e.what(), Catch::Contains(std::string(needle)));
    }
}

}  // namespace

TEST_CASE("LSNs format as PostgreSQL prints them and parse back", "[pgoutput]") {
    CHECK(format_lsn(0) == "0/0");
    CHECK(format_lsn(0x16B374D848ULL) == "16/B374D848");
    CHECK(format_lsn(0xFFFFFFFFFFFFFFFFULL) == "FFFFFFFF/FFFFFFFF");
    for (Lsn lsn : {Lsn{0}, Lsn{1}, Lsn{0x16B374D848ULL}, Lsn{0xFFFFFFFF00000000ULL},
                    Lsn{0xFFFFFFFFFFFFFFFFULL}}) {
        CHECK(parse_lsn(format_lsn(lsn)) == lsn);
    }
    CHECK(parse_lsn("16/b374d848") == Lsn{0x16B374D848ULL});
    for (std::string_view bad : {"", "/", "16", "16/", "/1", "x/1", "1/x", " 1/1", "1/1 ", "-1/1",
                                 "+1/1", "0x1/1", "123456789/0", "1/1/1", "1//1"}) {
        INFO(bad);
        CHECK_FALSE(parse_lsn(bad).has_value());
    }
}

TEST_CASE("the PostgreSQL epoch is 2000-01-01 UTC", "[pgoutput]") {
    const auto t = etp::pg::from_pg_epoch_micros(0);
    CHECK(etp::format_rfc3339(t) == "2000-01-01T00:00:00.000000Z");
    CHECK(etp::pg::to_pg_epoch_micros(t) == 0);
    const auto later = etp::pg::from_pg_epoch_micros(kPgMicros);
    CHECK(etp::format_rfc3339(later) == "2026-11-23T01:02:03.500000Z");
    CHECK(etp::pg::to_pg_epoch_micros(later) == kPgMicros);
    // Extremes saturate instead of overflowing.
    CHECK(etp::pg::from_pg_epoch_micros(INT64_MAX).time_since_epoch().count() == INT64_MAX);
}

TEST_CASE("Begin and Commit", "[pgoutput]") {
    const auto b = std::get<po::Begin>(po::decode(begin_msg()));
    CHECK(b.final_lsn == 0x16B374D848ULL);
    CHECK(etp::format_rfc3339(b.commit_time) == "2026-11-23T01:02:03.500000Z");
    CHECK(b.xid == 777);

    const auto c = std::get<po::Commit>(po::decode(commit_msg()));
    CHECK(c.flags == 0);
    CHECK(c.commit_lsn == 0x16B374D848ULL);
    CHECK(c.end_lsn == 0x16B374D878ULL);
    CHECK(c.commit_time == b.commit_time);
}

TEST_CASE("Relation carries columns with key flags, types and modifiers", "[pgoutput]") {
    const auto r = std::get<po::Relation>(po::decode(relation_msg()));
    CHECK(r.id == 16385);
    CHECK(r.schema == "public");
    CHECK(r.name == "orders");
    CHECK(r.replica_identity == 'f');
    REQUIRE(r.columns.size() == 3);
    CHECK(r.columns[0].key);
    CHECK(r.columns[0].name == "id");
    CHECK(r.columns[0].type_oid == 20);
    CHECK(r.columns[0].type_modifier == -1);
    CHECK_FALSE(r.columns[1].key);
    CHECK(r.columns[1].name == "note");
    CHECK(r.columns[2].type_oid == 1700);
    CHECK(r.columns[2].type_modifier == 0x000A0006);

    // An empty namespace stands for pg_catalog and is kept as sent.
    const auto empty_ns =
        std::get<po::Relation>(po::decode(Bytes('R').u32(1).str("").str("t").ch('d').u16(0).str()));
    CHECK(empty_ns.schema.empty());
    CHECK(empty_ns.columns.empty());
}

TEST_CASE("Type", "[pgoutput]") {
    const auto t = std::get<po::Type>(po::decode(type_msg()));
    CHECK(t.id == 90001);
    CHECK(t.schema == "public");
    CHECK(t.name == "mood");
}

TEST_CASE("Insert with text and null columns", "[pgoutput]") {
    const auto i = std::get<po::Insert>(po::decode(insert_msg()));
    CHECK(i.relation_id == 16385);
    REQUIRE(i.row.size() == 3);
    CHECK(i.row[0].kind == po::Value::Kind::kText);
    CHECK(i.row[0].text == "42");
    CHECK(i.row[1].kind == po::Value::Kind::kNull);
    CHECK(i.row[1].text.empty());
    CHECK(i.row[2].text == "9.50");
}

TEST_CASE("Update with a key-only old row, an unchanged TOAST value and an empty string",
          "[pgoutput]") {
    const auto u = std::get<po::Update>(po::decode(update_key_msg()));
    CHECK(u.relation_id == 16385);
    REQUIRE(u.old_row.has_value());
    CHECK(u.old_is_key_only);
    REQUIRE(u.old_row->size() == 3);
    CHECK((*u.old_row)[0].text == "41");
    CHECK((*u.old_row)[1].kind == po::Value::Kind::kNull);
    REQUIRE(u.row.size() == 3);
    CHECK(u.row[0].text == "42");
    CHECK(u.row[1].kind == po::Value::Kind::kUnchangedToast);
    CHECK(u.row[2].kind == po::Value::Kind::kText);
    CHECK(u.row[2].text.empty());
}

TEST_CASE("Update with a full old row, and without any", "[pgoutput]") {
    const auto full = std::get<po::Update>(po::decode(update_old_msg()));
    REQUIRE(full.old_row.has_value());
    CHECK_FALSE(full.old_is_key_only);
    CHECK((*full.old_row)[1].text == "a");
    CHECK(full.row[1].text == "b");

    const auto plain = std::get<po::Update>(po::decode(update_plain_msg()));
    CHECK_FALSE(plain.old_row.has_value());
    CHECK_FALSE(plain.old_is_key_only);
    REQUIRE(plain.row.size() == 1);
    CHECK(plain.row[0].kind == po::Value::Kind::kUnchangedToast);
}

TEST_CASE("Delete with key-only and full old rows", "[pgoutput]") {
    const auto k = std::get<po::Delete>(po::decode(delete_key_msg()));
    CHECK(k.relation_id == 16385);
    CHECK(k.old_is_key_only);
    REQUIRE(k.old_row.size() == 1);
    CHECK(k.old_row[0].text == "7");

    const auto o = std::get<po::Delete>(po::decode(delete_old_msg()));
    CHECK_FALSE(o.old_is_key_only);
    REQUIRE(o.old_row.size() == 2);
    CHECK(o.old_row[1].kind == po::Value::Kind::kNull);
}

TEST_CASE("Truncate flags: bit 1 cascade, bit 2 restart identity", "[pgoutput]") {
    for (std::uint8_t flags : {0, 1, 2, 3}) {
        const auto t = std::get<po::Truncate>(po::decode(truncate_msg(flags)));
        CHECK(t.relation_ids == std::vector<std::uint32_t>{16385, 16390});
        CHECK(t.cascade == ((flags & 1) != 0));
        CHECK(t.restart_identity == ((flags & 2) != 0));
    }
}

TEST_CASE("logical messages keep binary content", "[pgoutput]") {
    const auto m = std::get<po::LogicalMessage>(po::decode(message_msg(false)));
    CHECK_FALSE(m.transactional);
    CHECK(m.lsn == 0x1000000A0ULL);
    CHECK(m.prefix == "etp.heartbeat");
    CHECK(m.content == std::string("x\0y", 3));
    CHECK(std::get<po::LogicalMessage>(po::decode(message_msg(true))).transactional);
}

TEST_CASE("Origin is ignored", "[pgoutput]") {
    CHECK(std::get<po::Ignored>(po::decode(origin_msg())).tag == 'O');
}

TEST_CASE("malformed messages throw kInternal naming the message and the reason", "[pgoutput]") {
    require_internal_error("", "empty");
    require_internal_error("Z", "unknown message tag");
    require_internal_error("S\0\0\0\1", "unknown message tag");  // v2 stream start
    require_internal_error(Bytes('I').u32(1).ch('N').u16(1).ch('b').u32(1).raw("x").str(),
                           "binary");
    require_internal_error(Bytes('I').u32(1).ch('N').u16(1).ch('q').str(), "column kind");
    require_internal_error(Bytes('I').u32(1).ch('X').u16(0).str(), "'N'");
    require_internal_error(Bytes('U').u32(1).ch('Q').u16(0).str(), "'K', 'O' or 'N'");
    require_internal_error(Bytes('U').u32(1).ch('K').u16(0).ch('K').u16(0).str(), "'K', 'O'");
    require_internal_error(Bytes('D').u32(1).ch('N').u16(0).str(), "'K' or 'O'");
    require_internal_error(Bytes('I').u32(1).ch('N').u16(0xFFFF).str(), "negative");
    require_internal_error(Bytes('I').u32(1).ch('N').u16(1).ch('t').u32(0x80000000).str(),
                           "negative");
    require_internal_error(Bytes('T').u32(0x80000000).u8(0).str(), "negative");
    require_internal_error(begin_msg() + "x", "trailing");
    require_internal_error(Bytes('Y').u32(1).str("public").raw("mood").str(), "unterminated");
    // A huge claimed count with nothing behind it fails on the bytes, not on memory.
    require_internal_error(Bytes('T').u32(0x7FFFFFFF).u8(0).str(), "truncated");
    require_internal_error(Bytes('I').u32(1).ch('N').u16(1).ch('t').u32(0x7FFFFFFF).str(),
                           "truncated");
    require_internal_error(insert_msg().substr(0, 3), "Insert");
}

TEST_CASE("every truncation of every message throws instead of reading past the end",
          "[pgoutput]") {
    for (const std::string& full : all_messages()) {
        REQUIRE_NOTHROW(po::decode(full));
        for (std::size_t len = 0; len < full.size(); ++len) {
            // A heap copy of exactly len bytes, so that ASan sees any read past its end.
            const auto copy = std::make_unique<char[]>(len == 0 ? 1 : len);
            std::copy(full.data(), full.data() + len, copy.get());
            bool threw = false;
            try {
                po::decode(std::string_view(copy.get(), len));
            } catch (const etp::Error& e) {
                threw = e.kind() == ErrorKind::kInternal;
            }
            INFO("message '" << full[0] << "' cut to " << len << " of " << full.size());
            CHECK(threw);
        }
    }
}
