#pragma once
// One decoded row change → the Debezium-style envelope published on etp.cdc.changes, its Kafka
// key, and the document cdc filters match. Pure; thread-safe.
//
// Envelope: {"before", "after", "op" (c u d t), "source" {"db", "schema", "table", "lsn",
// "txId", "ts_ms"}, "ts_ms"}, plus "unchanged_toast": [column names] when the new row has
// TOASTed columns the update did not touch. PostgreSQL does not send those values; when the old
// row (REPLICA IDENTITY FULL) carries them they are copied into "after" (they are unchanged),
// otherwise they are left out of "after" — never invented. "before" is the whole old row with
// REPLICA IDENTITY FULL, only the key columns when PostgreSQL sent just the key (deletes, key
// changes), and null when it sent none. source.lsn is the change's WAL position (a number, as
// in Debezium), source.ts_ms the commit time, ts_ms the capture time.
//
// Key: {"table": "schema.table", "key": {primary key columns}} as compact JSON, so one row's
// changes share a partition and stay in order; {"table": …} alone when the table has no key.

#include <cstddef>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "etp/domain/time.hpp"
#include "etp/pg/pgoutput.hpp"

namespace etp::cdc_capture {

struct RelationInfo {
    pg::pgoutput::Relation relation;
    std::string table;                     // "schema.table"
    std::vector<std::size_t> key_columns;  // primary key (or replica identity) column indexes
};

struct TransactionInfo {
    std::string db;
    std::uint32_t xid = 0;
    Timestamp commit_time;
};

struct RowChange {
    std::string op;  // c u d t
    nlohmann::json before;
    nlohmann::json after;
    std::vector<std::string> unchanged_toast;
    std::string key;
};

RowChange make_insert(const RelationInfo& rel, const pg::pgoutput::Insert& insert);
RowChange make_update(const RelationInfo& rel, const pg::pgoutput::Update& update);
RowChange make_delete(const RelationInfo& rel, const pg::pgoutput::Delete& del);
RowChange make_truncate(const RelationInfo& rel);

// {"op", "table", "before", "after"}: what cdc trigger filters see.
nlohmann::json filter_document(const RelationInfo& rel, const RowChange& change);

nlohmann::json make_envelope(const RelationInfo& rel, RowChange change, const TransactionInfo& txn,
                             pg::Lsn change_lsn, Timestamp now);

}  // namespace etp::cdc_capture
