#include "etp/pg/pgoutput.hpp"

#include <algorithm>
#include <charconv>
#include <limits>
#include <string>
#include <utility>

#include "etp/domain/error.hpp"

namespace etp::pg {
namespace {

// 2000-01-01T00:00:00Z − 1970-01-01T00:00:00Z.
constexpr std::int64_t kPgEpochOffsetMicros = 946'684'800LL * 1'000'000LL;

// One hex half of an LSN: 1 to 8 hex digits, nothing else.
std::optional<std::uint32_t> parse_lsn_half(std::string_view text) {
    if (text.empty() || text.size() > 8) return std::nullopt;
    std::uint32_t value = 0;
    auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value, 16);
    if (ec != std::errc() || ptr != text.data() + text.size()) return std::nullopt;
    return value;
}

}  // namespace

std::optional<Lsn> parse_lsn(std::string_view text) {
    const auto slash = text.find('/');
    if (slash == std::string_view::npos) return std::nullopt;
    // from_chars on unsigned types takes digits only: no sign, whitespace or "0x".
    const auto hi = parse_lsn_half(text.substr(0, slash));
    const auto lo = parse_lsn_half(text.substr(slash + 1));
    if (!hi || !lo) return std::nullopt;
    return (static_cast<Lsn>(*hi) << 32) | *lo;
}

// Saturating: a corrupt or "infinite" timestamp must not overflow (UB) on the way.
Timestamp from_pg_epoch_micros(std::int64_t micros) {
    std::int64_t unix_micros = 0;
    if (__builtin_add_overflow(micros, kPgEpochOffsetMicros, &unix_micros)) {
        unix_micros = micros < 0 ? std::numeric_limits<std::int64_t>::min()
                                 : std::numeric_limits<std::int64_t>::max();
    }
    return Timestamp(std::chrono::microseconds(unix_micros));
}

std::int64_t to_pg_epoch_micros(Timestamp t) {
    const std::int64_t unix_micros = t.time_since_epoch().count();
    std::int64_t micros = 0;
    if (__builtin_sub_overflow(unix_micros, kPgEpochOffsetMicros, &micros)) {
        micros = std::numeric_limits<std::int64_t>::min();
    }
    return micros;
}

namespace pgoutput {
namespace {

const char* message_name(char tag) noexcept {
    switch (tag) {
        case 'B':
            return "Begin";
        case 'C':
            return "Commit";
        case 'O':
            return "Origin";
        case 'R':
            return "Relation";
        case 'Y':
            return "Type";
        case 'I':
            return "Insert";
        case 'U':
            return "Update";
        case 'D':
            return "Delete";
        case 'T':
            return "Truncate";
        case 'M':
            return "Message";
        default:
            return "unknown";
    }
}

// Big-endian, bounds-checked reading of one message. Every failure names the message.
class Reader {
 public:
    explicit Reader(std::string_view payload) : data_(payload) {
        if (data_.empty()) throw Error(ErrorKind::kInternal, "pgoutput: empty message");
        tag_ = data_[0];
        pos_ = 1;
    }

    char tag() const noexcept { return tag_; }

    [[noreturn]] void fail(const std::string& reason) const {
        std::string tag_text = (tag_ >= 0x20 && tag_ < 0x7f)
                                   ? std::string(1, tag_)
                                   : "\\x" + std::to_string(static_cast<unsigned char>(tag_));
        throw Error(ErrorKind::kInternal, std::string("pgoutput: ") + message_name(tag_) +
                                              " message ('" + tag_text + "') at byte " +
                                              std::to_string(pos_) + ": " + reason);
    }

    std::uint8_t u8(const char* what) { return static_cast<std::uint8_t>(take(1, what)[0]); }
    char byte(const char* what) { return take(1, what)[0]; }
    std::uint16_t u16(const char* what) { return static_cast<std::uint16_t>(big_endian(2, what)); }
    std::int16_t i16(const char* what) { return static_cast<std::int16_t>(u16(what)); }
    std::uint32_t u32(const char* what) { return static_cast<std::uint32_t>(big_endian(4, what)); }
    std::int32_t i32(const char* what) { return static_cast<std::int32_t>(u32(what)); }
    std::uint64_t u64(const char* what) { return big_endian(8, what); }
    std::int64_t i64(const char* what) { return static_cast<std::int64_t>(u64(what)); }

    // A count or length that must not be negative.
    std::size_t count16(const char* what) { return non_negative(i16(what), what); }
    std::size_t count32(const char* what) { return non_negative(i32(what), what); }
    // A 32-bit length, then that many bytes.
    std::string bytes32(const char* length_what, const char* what) {
        return std::string(take(count32(length_what), what));
    }

    // A NUL-terminated string (the terminator is consumed, not returned).
    std::string cstring(const char* what) {
        const auto rest = data_.substr(pos_);
        const auto nul = rest.find('\0');
        if (nul == std::string_view::npos) fail(std::string("unterminated ") + what);
        pos_ += nul + 1;
        return std::string(rest.substr(0, nul));
    }

    std::string_view take(std::size_t n, const char* what) {
        if (data_.size() - pos_ < n) {
            fail(std::string("truncated reading ") + what + " (" + std::to_string(n) +
                 " bytes wanted, " + std::to_string(data_.size() - pos_) + " left)");
        }
        const auto out = data_.substr(pos_, n);
        pos_ += n;
        return out;
    }

    void expect_end() const {
        if (pos_ != data_.size()) {
            fail(std::to_string(data_.size() - pos_) + " unexpected trailing bytes");
        }
    }

 private:
    std::uint64_t big_endian(std::size_t n, const char* what) {
        const auto bytes = take(n, what);
        std::uint64_t v = 0;
        for (char c : bytes) v = (v << 8) | static_cast<unsigned char>(c);
        return v;
    }

    std::size_t non_negative(std::int64_t n, const char* what) const {
        if (n < 0) fail(std::string("negative ") + what + " " + std::to_string(n));
        return static_cast<std::size_t>(n);
    }

    std::string_view data_;
    std::size_t pos_ = 0;
    char tag_ = 0;
};

Tuple read_tuple(Reader& r) {
    const std::size_t count = r.count16("tuple column count");
    Tuple tuple;
    tuple.reserve(count);
    for (std::size_t i = 0; i < count; ++i) {
        Value v;
        const char kind = r.byte("tuple column kind");
        switch (kind) {
            case 'n':
                v.kind = Value::Kind::kNull;
                break;
            case 'u':
                v.kind = Value::Kind::kUnchangedToast;
                break;
            case 't': {
                v.kind = Value::Kind::kText;
                v.text = r.bytes32("column value length", "column value");
                break;
            }
            case 'b':
                // Only sent when the subscriber asks for binary ('binary' option); we never do.
                r.fail("binary column value (column " + std::to_string(i) +
                       ") but the stream was started in text mode");
            default:
                r.fail("unknown tuple column kind " +
                       std::to_string(static_cast<unsigned char>(kind)) + " (column " +
                       std::to_string(i) + ")");
        }
        tuple.push_back(std::move(v));
    }
    return tuple;
}

Begin decode_begin(Reader& r) {
    Begin m;
    m.final_lsn = r.u64("final LSN");
    m.commit_time = from_pg_epoch_micros(r.i64("commit timestamp"));
    m.xid = r.u32("xid");
    return m;
}

Commit decode_commit(Reader& r) {
    Commit m;
    m.flags = r.u8("flags");
    m.commit_lsn = r.u64("commit LSN");
    m.end_lsn = r.u64("end LSN");
    m.commit_time = from_pg_epoch_micros(r.i64("commit timestamp"));
    return m;
}

Relation decode_relation(Reader& r) {
    Relation m;
    m.id = r.u32("relation id");
    m.schema = r.cstring("namespace");
    m.name = r.cstring("relation name");
    m.replica_identity = r.byte("replica identity");
    const std::size_t count = r.count16("column count");
    m.columns.reserve(count);
    for (std::size_t i = 0; i < count; ++i) {
        Column c;
        c.key = (r.u8("column flags") & 1) != 0;
        c.name = r.cstring("column name");
        c.type_oid = r.u32("column type");
        c.type_modifier = r.i32("column type modifier");
        m.columns.push_back(std::move(c));
    }
    return m;
}

Type decode_type(Reader& r) {
    Type m;
    m.id = r.u32("type id");
    m.schema = r.cstring("namespace");
    m.name = r.cstring("type name");
    return m;
}

Insert decode_insert(Reader& r) {
    Insert m;
    m.relation_id = r.u32("relation id");
    const char marker = r.byte("new tuple marker");
    if (marker != 'N') r.fail(std::string("expected 'N' before the new tuple"));
    m.row = read_tuple(r);
    return m;
}

Update decode_update(Reader& r) {
    Update m;
    m.relation_id = r.u32("relation id");
    char marker = r.byte("tuple marker");
    if (marker == 'K' || marker == 'O') {
        m.old_is_key_only = marker == 'K';
        m.old_row = read_tuple(r);
        marker = r.byte("new tuple marker");
    }
    if (marker != 'N') r.fail("expected 'K', 'O' or 'N' before a tuple");
    m.row = read_tuple(r);
    return m;
}

Delete decode_delete(Reader& r) {
    Delete m;
    m.relation_id = r.u32("relation id");
    const char marker = r.byte("old tuple marker");
    if (marker != 'K' && marker != 'O') r.fail("expected 'K' or 'O' before the old tuple");
    m.old_is_key_only = marker == 'K';
    m.old_row = read_tuple(r);
    return m;
}

Truncate decode_truncate(Reader& r) {
    Truncate m;
    const std::size_t count = r.count32("relation count");
    const std::uint8_t options = r.u8("options");
    m.cascade = (options & 1) != 0;
    m.restart_identity = (options & 2) != 0;
    // Reserve no more than the bytes present can hold, whatever the count claims.
    m.relation_ids.reserve(std::min<std::size_t>(count, 1024));
    for (std::size_t i = 0; i < count; ++i) m.relation_ids.push_back(r.u32("relation id"));
    return m;
}

LogicalMessage decode_message(Reader& r) {
    LogicalMessage m;
    m.transactional = (r.u8("flags") & 1) != 0;
    m.lsn = r.u64("LSN");
    m.prefix = r.cstring("prefix");
    m.content = r.bytes32("content length", "content");
    return m;
}

Ignored decode_origin(Reader& r) {
    r.u64("commit LSN");
    r.cstring("origin name");
    return Ignored{'O'};
}

template <typename T>
Message finish(Reader& r, T message) {
    r.expect_end();
    return Message(std::move(message));
}

}  // namespace

Message decode(std::string_view payload) {
    Reader r(payload);
    switch (r.tag()) {
        case 'B':
            return finish(r, decode_begin(r));
        case 'C':
            return finish(r, decode_commit(r));
        case 'R':
            return finish(r, decode_relation(r));
        case 'Y':
            return finish(r, decode_type(r));
        case 'I':
            return finish(r, decode_insert(r));
        case 'U':
            return finish(r, decode_update(r));
        case 'D':
            return finish(r, decode_delete(r));
        case 'T':
            return finish(r, decode_truncate(r));
        case 'M':
            return finish(r, decode_message(r));
        case 'O':
            return finish(r, decode_origin(r));
        default:
            // Streaming (S/E/c/A) and two-phase messages need protocol versions we never ask
            // for: seeing one means the stream is not what we think it is.
            r.fail("unknown message tag for protocol version 1");
    }
}

}  // namespace pgoutput
}  // namespace etp::pg
