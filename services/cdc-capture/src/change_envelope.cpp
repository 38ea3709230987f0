#include "change_envelope.hpp"

#include <chrono>

#include "etp/pg/pg_value.hpp"

namespace etp::cdc_capture {
namespace {

using nlohmann::json;
using pg::pgoutput::Tuple;
using pg::pgoutput::Value;

// Columns with a value (or NULL) become fields; unchanged TOASTed ones are reported in
// `unchanged` and left out. With `key_only`, only the replica identity key columns are taken
// (PostgreSQL sends NULL placeholders for the rest).
json row_json(const RelationInfo& rel, const Tuple& tuple, bool key_only,
              std::vector<std::string>* unchanged) {
    json row = json::object();
    const auto& columns = rel.relation.columns;
    const auto n = std::min(columns.size(), tuple.size());
    for (std::size_t i = 0; i < n; ++i) {
        const auto& column = columns[i];
        if (key_only && !column.key) continue;
        const Value& value = tuple[i];
        switch (value.kind) {
            case Value::Kind::kNull:
                row[column.name] = nullptr;
                break;
            case Value::Kind::kUnchangedToast:
                if (unchanged) unchanged->push_back(column.name);
                break;
            case Value::Kind::kText:
                row[column.name] = pg::value_to_json(column.type_oid, value.text);
                break;
        }
    }
    return row;
}

std::string make_key(const RelationInfo& rel, const json& row) {
    json key = {{"table", rel.table}};
    if (!rel.key_columns.empty() && row.is_object()) {
        json columns = json::object();
        for (auto index : rel.key_columns) {
            if (index >= rel.relation.columns.size()) continue;
            const auto& name = rel.relation.columns[index].name;
            auto it = row.find(name);
            columns[name] = it == row.end() ? json(nullptr) : *it;
        }
        key["key"] = std::move(columns);
    }
    return key.dump();
}

std::int64_t millis(Timestamp t) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

}  // namespace

RowChange make_insert(const RelationInfo& rel, const pg::pgoutput::Insert& insert) {
    RowChange change;
    change.op = "c";
    change.after = row_json(rel, insert.row, false, &change.unchanged_toast);
    change.key = make_key(rel, change.after);
    return change;
}

RowChange make_update(const RelationInfo& rel, const pg::pgoutput::Update& update) {
    RowChange change;
    change.op = "u";
    if (update.old_row)
        change.before = row_json(rel, *update.old_row, update.old_is_key_only, nullptr);
    change.after = row_json(rel, update.row, false, &change.unchanged_toast);
    // Unchanged values the old row carries are the new row's values too.
    if (change.before.is_object())
        for (const auto& name : change.unchanged_toast)
            if (auto it = change.before.find(name); it != change.before.end())
                change.after[name] = *it;
    change.key = make_key(rel, change.after);
    return change;
}

RowChange make_delete(const RelationInfo& rel, const pg::pgoutput::Delete& del) {
    RowChange change;
    change.op = "d";
    change.before = row_json(rel, del.old_row, del.old_is_key_only, nullptr);
    change.key = make_key(rel, change.before);
    return change;
}

RowChange make_truncate(const RelationInfo& rel) {
    RowChange change;
    change.op = "t";
    change.key = json{{"table", rel.table}}.dump();
    return change;
}

json filter_document(const RelationInfo& rel, const RowChange& change) {
    return json{{"op", change.op},
                {"table", rel.table},
                {"before", change.before},
                {"after", change.after}};
}

json make_envelope(const RelationInfo& rel, RowChange change, const TransactionInfo& txn,
                   pg::Lsn change_lsn, Timestamp now) {
    json envelope = {{"before", std::move(change.before)},
                     {"after", std::move(change.after)},
                     {"op", change.op},
                     {"source",
                      {{"db", txn.db},
                       {"schema", rel.relation.schema},
                       {"table", rel.relation.name},
                       {"lsn", change_lsn},
                       {"txId", txn.xid},
                       {"ts_ms", millis(txn.commit_time)}}},
                     {"ts_ms", millis(now)}};
    if (!change.unchanged_toast.empty()) envelope["unchanged_toast"] = change.unchanged_toast;
    return envelope;
}

}  // namespace etp::cdc_capture
