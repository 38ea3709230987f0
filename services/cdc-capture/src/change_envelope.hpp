#pragma once
// One decoded row change → the Debezium-compatible envelope published on etp.cdc.changes (or a
// table's own topic), its Kafka key, and the document cdc filters match. Pure; thread-safe.
//
// Envelope, in the order of Debezium's PostgreSQL connector: {"before", "after", "source"
// {"version", "connector": "postgresql", "name", "ts_ms", "snapshot", "db", "sequence",
// "schema", "table", "txId", "lsn", "xmin": null}, "op" (c u d t, r for a snapshot row),
// "ts_ms", "transaction" {"id": "<txId>:<commit lsn>", "total_order", "data_collection_order"}
// (null for a snapshot row)}. source.ts_ms is the commit time (a snapshot row's: the time its
// snapshot was taken), ts_ms the capture time, source.lsn the change's WAL position (a number),
// source.sequence a JSON string holding ["<previous commit lsn>", "<lsn>"] (decimal strings;
// null for a previous commit not known). source.snapshot is "false" on streamed changes,
// "true" on a snapshot row and "last" on a table's last one (ChangePosition::snapshot).
//
// Unchanged TOASTed columns: PostgreSQL does not send them. When the old row (REPLICA
// IDENTITY FULL) carries them they are copied into "after" (they are unchanged). Otherwise the
// friendly encoding leaves them out of "after" and names them in "unchanged_toast": [columns];
// the debezium encoding writes Debezium's placeholder "__debezium_unavailable_value" instead
// (and has no unchanged_toast). Never invented. "before" is the whole old row with REPLICA
// IDENTITY FULL, only the key columns when PostgreSQL sent just the key (deletes, key
// changes), and null when it sent none.
//
// Key: the primary key columns as compact JSON ({"id":7}), so one row's changes share a
// partition and stay in order; none (a null Kafka key) for a table without a key and for
// truncates, as Debezium does.
//
// Values: ValueEncoding::kFriendly is etp::pg::append_value_json's (readable without a schema),
// kDebezium is append_value_debezium_json's. The filter document always has friendly values.
//
// The envelope and the key are written as text straight from the decoded tuples (every change
// is serialised, so no json tree is built for it); the filter document is built as json only
// for tables that have cdc triggers.

#include <cstddef>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
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

// Debezium's marker for a value PostgreSQL did not send (an unchanged TOASTed column).
inline constexpr std::string_view kUnavailableValue = "__debezium_unavailable_value";

enum class ValueEncoding { kFriendly, kDebezium };

// What every envelope of one cdc-capture carries, from its settings.
struct EnvelopeOptions {
    std::string version;              // source.version: the platform's version
    std::string server_name = "etp";  // source.name (CDC_SERVER_NAME)
    ValueEncoding encoding = ValueEncoding::kFriendly;
};

struct TransactionInfo {
    std::string db;
    std::uint32_t xid = 0;  // 0: no transaction (transaction is null)
    Timestamp commit_time;
    pg::Lsn commit_lsn = 0;       // its commit record's position: transaction.id
    pg::Lsn last_commit_lsn = 0;  // the previous transaction's: source.sequence[0]; 0 unknown
};

// Where one change stands.
struct ChangePosition {
    pg::Lsn lsn = 0;  // the change's WAL position: source.lsn
    // 1-based position among the transaction's published changes, and among those of the
    // change's table; total_order 0: transaction is null.
    std::size_t total_order = 0;
    std::size_t data_collection_order = 0;
    // source.snapshot: "false" for streamed changes; a snapshot read sets "true", and "last" on
    // a table's last row, as Debezium does.
    std::string_view snapshot = "false";
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
// A snapshot row (see snapshot.hpp); its ChangePosition::snapshot says "true" or "last".
RowChange read_change(const pg::pgoutput::Tuple& row);

// nullopt: no key (a table without one, a truncate).
std::optional<std::string> change_key(const RelationInfo& rel, const RowChange& change,
                                      ValueEncoding encoding = ValueEncoding::kFriendly);

// {"op", "table", "before", "after"}: what cdc trigger filters see (the same values as the
// envelope). With `needs`, before and after hold only the columns the table's filters name.
nlohmann::json filter_document(const RelationInfo& rel, const RowChange& change,
                               const DocumentNeeds* needs = nullptr);

std::string envelope_text(const RelationInfo& rel, const RowChange& change,
                          const TransactionInfo& txn, const ChangePosition& position, Timestamp now,
                          const EnvelopeOptions& options);

}  // namespace etp::cdc_capture
