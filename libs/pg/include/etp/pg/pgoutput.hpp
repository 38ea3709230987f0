#pragma once
// The pgoutput logical replication protocol (version 1), decoded: one XLogData payload ('w'
// message body after its 24-byte header) in, one message out. Pure functions over bytes; no
// I/O, thread-safe. Column values stay in PostgreSQL's text output form here; pg_value.hpp
// turns them into typed JSON.
//
// Message layouts: https://www.postgresql.org/docs/15/protocol-logicalrep-message-formats.html

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "etp/domain/lsn.hpp"
#include "etp/domain/time.hpp"

namespace etp::pg {

// A WAL position. 0 is "none" (InvalidXLogRecPtr).
using Lsn = std::uint64_t;
using etp::format_lsn;                                // "16/B374D848" (domain/lsn.hpp)
std::optional<Lsn> parse_lsn(std::string_view text);  // inverse; nullopt when malformed

// PostgreSQL's replication clock: microseconds since 2000-01-01 00:00:00 UTC.
Timestamp from_pg_epoch_micros(std::int64_t micros);
std::int64_t to_pg_epoch_micros(Timestamp t);

namespace pgoutput {

struct Begin {
    Lsn final_lsn = 0;  // the commit record's LSN
    Timestamp commit_time;
    std::uint32_t xid = 0;
};

struct Commit {
    std::uint8_t flags = 0;
    Lsn commit_lsn = 0;
    Lsn end_lsn = 0;  // the position to confirm once everything up to this commit is safe
    Timestamp commit_time;
};

struct Column {
    bool key = false;  // part of the replica identity key
    std::string name;
    std::uint32_t type_oid = 0;
    std::int32_t type_modifier = -1;
};

struct Relation {
    std::uint32_t id = 0;
    std::string schema;  // "" in the message means pg_catalog; kept as sent
    std::string name;
    char replica_identity = 'd';  // d default, n nothing, f full, i index
    std::vector<Column> columns;
};

struct Type {
    std::uint32_t id = 0;
    std::string schema;
    std::string name;
};

struct Value {
    enum class Kind { kNull, kUnchangedToast, kText };
    Kind kind = Kind::kNull;
    std::string text;  // PostgreSQL's text output; empty unless kText
};
using Tuple = std::vector<Value>;  // one Value per Relation column, in order

struct Insert {
    std::uint32_t relation_id = 0;
    Tuple row;
};

struct Update {
    std::uint32_t relation_id = 0;
    // The old row: with REPLICA IDENTITY FULL the whole row ('O'); otherwise only the key
    // columns ('K', other columns kNull) and only when the key changed; nullopt when not sent.
    std::optional<Tuple> old_row;
    bool old_is_key_only = false;
    Tuple row;
};

struct Delete {
    std::uint32_t relation_id = 0;
    Tuple old_row;  // full ('O') or key columns only ('K', other columns kNull)
    bool old_is_key_only = false;
};

struct Truncate {
    std::vector<std::uint32_t> relation_ids;
    bool cascade = false;
    bool restart_identity = false;
};

// A logical decoding message (pg_logical_emit_message); only sent with the option
// messages 'true'. The platform uses non-transactional ones as heartbeats.
struct LogicalMessage {
    bool transactional = false;
    Lsn lsn = 0;
    std::string prefix;
    std::string content;
};

// Origin and anything else a v1 stream may carry that the platform does not use.
struct Ignored {
    char tag = 0;
};

using Message = std::variant<Begin, Commit, Relation, Type, Insert, Update, Delete, Truncate,
                             LogicalMessage, Ignored>;

// Throws etp::Error(kInternal) naming the message tag and what was wrong when `payload` is
// truncated or malformed (never reads past its end).
Message decode(std::string_view payload);

}  // namespace pgoutput
}  // namespace etp::pg
