#pragma once
// One decoded row change → the Debezium-style envelope published on etp.cdc.changes, its Kafka
// key, and the document cdc filters match. Pure; thread-safe.
//
// Envelope: {"before", "after", "op" (c u d t, r for a snapshot row), "source" {"db", "schema",
// "table", "lsn", "txId", "ts_ms", "snapshot"}, "ts_ms"}, plus "unchanged_toast": [column names]
// when the new row has TOASTed columns the update did not touch. PostgreSQL does not send those
// values; when the old row (REPLICA IDENTITY FULL) carries them they are copied into "after" (they
// are unchanged), otherwise they are left out of "after" — never invented. "before" is the whole
// old row with REPLICA IDENTITY FULL, only the key columns when PostgreSQL sent just the key
// (deletes, key changes), and null when it sent none. source.lsn is the change's WAL position (a
// number, as in Debezium), source.ts_ms the commit time, ts_ms the capture time. source.snapshot is
// "true" on a snapshot row ("last" on a table's last one) and "false" on streamed changes.
//
// Key: {"table": "schema.table", "key": {primary key columns}} as compact JSON, so one row's
// changes share a partition and stay in order; {"table": …} alone when the table has no key.
//
// The envelope and the key are written as text straight from the decoded tuples (every change
// is serialised, so no json tree is built for it); the filter document is built as json only
// for tables that have cdc triggers.

#include <cstddef>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "cdc_triggers.hpp"
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

// A change as decoded: views of the message's tuples, valid while the message lives.
struct RowChange {
    char op = 'c';  // c u d t, r (a row read by a snapshot: before null, after the row)
    const pg::pgoutput::Tuple* before = nullptr;
    bool before_key_only = false;  // PostgreSQL sent only the replica identity key
    const pg::pgoutput::Tuple* after = nullptr;
    const char* snapshot = nullptr;  // source.snapshot of an r: "true", or "last"

    std::string_view op_name() const { return {&op, 1}; }
};

RowChange insert_change(const pg::pgoutput::Insert& insert);
RowChange update_change(const pg::pgoutput::Update& update);
RowChange delete_change(const pg::pgoutput::Delete& del);
RowChange truncate_change();
// A snapshot row (see snapshot.hpp); `last` on the table's last row.
RowChange read_change(const pg::pgoutput::Tuple& row, bool last);

std::string change_key(const RelationInfo& rel, const RowChange& change);

// {"op", "table", "before", "after"}: what cdc trigger filters see (the same values as the
// envelope). With `needs`, before and after hold only the columns the table's filters name.
nlohmann::json filter_document(const RelationInfo& rel, const RowChange& change,
                               const DocumentNeeds* needs = nullptr);

std::string envelope_text(const RelationInfo& rel, const RowChange& change,
                          const TransactionInfo& txn, pg::Lsn change_lsn, Timestamp now);

}  // namespace etp::cdc_capture
