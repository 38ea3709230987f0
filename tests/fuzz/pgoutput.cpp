// pg::pgoutput::decode, the cdc-capture's reading of the replication stream, and parse_lsn. The
// input is one message (an XLogData payload). Properties: decoding throws nothing but
// Error(kInternal); a decoded message, written back in the protocol's layout by the encoder
// here, has the input's length (every byte was read, none twice) and decodes to the same
// message again; an LSN that parses formats back to text that parses to the same LSN.

#include <cstddef>
#include <cstdint>
#include <string>
#include <type_traits>
#include <variant>

#include "etp/domain/error.hpp"
#include "etp/pg/pgoutput.hpp"
#include "fuzz_check.hpp"

using etp::fuzz::check;
namespace pg = etp::pg;
namespace po = etp::pg::pgoutput;

namespace {

// The protocol's layout: big-endian integers, NUL-terminated strings.
class Writer {
 public:
    explicit Writer(char tag) { out_.push_back(tag); }
    void u8(std::uint8_t v) { out_.push_back(static_cast<char>(v)); }
    void u16(std::uint16_t v) { be(v, 2); }
    void u32(std::uint32_t v) { be(v, 4); }
    void u64(std::uint64_t v) { be(v, 8); }
    void time(etp::Timestamp t) { u64(static_cast<std::uint64_t>(pg::to_pg_epoch_micros(t))); }
    void str(const std::string& s) {
        out_ += s;
        out_.push_back('\0');
    }
    void tuple(const po::Tuple& tuple) {
        u16(static_cast<std::uint16_t>(tuple.size()));
        for (const po::Value& v : tuple) {
            if (v.kind == po::Value::Kind::kNull) {
                u8('n');
            } else if (v.kind == po::Value::Kind::kUnchangedToast) {
                u8('u');
            } else {
                u8('t');
                u32(static_cast<std::uint32_t>(v.text.size()));
                out_ += v.text;
            }
        }
    }
    std::string& bytes() { return out_; }

 private:
    void be(std::uint64_t v, int n) {
        for (int i = n - 1; i >= 0; --i) out_.push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
    }
    std::string out_;
};

// nullopt for Ignored (Origin: its fields are not kept).
std::optional<std::string> encode(const po::Message& message) {
    return std::visit(
        [](const auto& m) -> std::optional<std::string> {
            using T = std::decay_t<decltype(m)>;
            if constexpr (std::is_same_v<T, po::Begin>) {
                Writer w('B');
                w.u64(m.final_lsn);
                w.time(m.commit_time);
                w.u32(m.xid);
                return w.bytes();
            } else if constexpr (std::is_same_v<T, po::Commit>) {
                Writer w('C');
                w.u8(m.flags);
                w.u64(m.commit_lsn);
                w.u64(m.end_lsn);
                w.time(m.commit_time);
                return w.bytes();
            } else if constexpr (std::is_same_v<T, po::Relation>) {
                Writer w('R');
                w.u32(m.id);
                w.str(m.schema);
                w.str(m.name);
                w.u8(static_cast<std::uint8_t>(m.replica_identity));
                w.u16(static_cast<std::uint16_t>(m.columns.size()));
                for (const po::Column& c : m.columns) {
                    w.u8(c.key ? 1 : 0);
                    w.str(c.name);
                    w.u32(c.type_oid);
                    w.u32(static_cast<std::uint32_t>(c.type_modifier));
                }
                return w.bytes();
            } else if constexpr (std::is_same_v<T, po::Type>) {
                Writer w('Y');
                w.u32(m.id);
                w.str(m.schema);
                w.str(m.name);
                return w.bytes();
            } else if constexpr (std::is_same_v<T, po::Insert>) {
                Writer w('I');
                w.u32(m.relation_id);
                w.u8('N');
                w.tuple(m.row);
                return w.bytes();
            } else if constexpr (std::is_same_v<T, po::Update>) {
                Writer w('U');
                w.u32(m.relation_id);
                if (m.old_row) {
                    w.u8(m.old_is_key_only ? 'K' : 'O');
                    w.tuple(*m.old_row);
                }
                w.u8('N');
                w.tuple(m.row);
                return w.bytes();
            } else if constexpr (std::is_same_v<T, po::Delete>) {
                Writer w('D');
                w.u32(m.relation_id);
                w.u8(m.old_is_key_only ? 'K' : 'O');
                w.tuple(m.old_row);
                return w.bytes();
            } else if constexpr (std::is_same_v<T, po::Truncate>) {
                Writer w('T');
                w.u32(static_cast<std::uint32_t>(m.relation_ids.size()));
                w.u8(static_cast<std::uint8_t>((m.cascade ? 1 : 0) | (m.restart_identity ? 2 : 0)));
                for (std::uint32_t id : m.relation_ids) w.u32(id);
                return w.bytes();
            } else if constexpr (std::is_same_v<T, po::LogicalMessage>) {
                Writer w('M');
                w.u8(m.transactional ? 1 : 0);
                w.u64(m.lsn);
                w.str(m.prefix);
                w.u32(static_cast<std::uint32_t>(m.content.size()));
                w.bytes() += m.content;
                return w.bytes();
            } else {
                return std::nullopt;
            }
        },
        message);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const unsigned char* data, std::size_t size) {
    const std::string_view payload = etp::fuzz::text_of(data, size);
    if (auto lsn = pg::parse_lsn(payload))
        check(pg::parse_lsn(pg::format_lsn(*lsn)) == lsn, "pgoutput: LSN does not round trip");

    std::optional<po::Message> message;
    try {
        message = po::decode(payload);
    } catch (const etp::Error& e) {
        check(e.kind() == etp::ErrorKind::kInternal, "pgoutput: decode threw a non-internal error");
        return 0;
    }
    check(!payload.empty() && payload[0] != 'O' ? !std::holds_alternative<po::Ignored>(*message)
                                                : true,
          "pgoutput: a known message came out as Ignored");
    const auto encoded = encode(*message);
    if (!encoded) return 0;
    check(encoded->size() == payload.size(),
          "pgoutput: decoded fields do not account for every byte");
    const auto again = encode(po::decode(*encoded));
    check(again == encoded, "pgoutput: decoding the re-encoded message differs");
    return 0;
}
