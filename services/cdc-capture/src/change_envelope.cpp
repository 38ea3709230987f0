#include "change_envelope.hpp"

#include <chrono>

#include "etp/pg/pg_value.hpp"

namespace etp::cdc_capture {
namespace {

using nlohmann::json;
using pg::pgoutput::Tuple;
using pg::pgoutput::Value;

// Calls emit(column, value) for each field of the row as the envelope shows it: every column
// (only the key columns when `key_only`), NULLs included; an unchanged TOASTed value is taken
// from `old` when that row has it, else left out, or emitted with a null value when
// `mark_unavailable`; either way it is named in `unchanged`.
template <typename Emit>
void for_each_field(const RelationInfo& rel, const Tuple& tuple, bool key_only, const Tuple* old,
                    bool old_key_only, bool mark_unavailable, std::vector<std::string>* unchanged,
                    Emit&& emit) {
    const auto& columns = rel.relation.columns;
    const auto n = std::min(columns.size(), tuple.size());
    for (std::size_t i = 0; i < n; ++i) {
        const auto& column = columns[i];
        if (key_only && !column.key) continue;
        const Value* value = &tuple[i];
        if (value->kind == Value::Kind::kUnchangedToast) {
            const bool old_has = old && i < old->size() && (!old_key_only || column.key) &&
                                 (*old)[i].kind != Value::Kind::kUnchangedToast;
            if (unchanged) unchanged->push_back(column.name);
            if (!old_has && !mark_unavailable) continue;
            value = old_has ? &(*old)[i] : nullptr;
        }
        emit(column, value);
    }
}

// `only`: the columns wanted (nullptr: all).
json row_json(const RelationInfo& rel, const Tuple* tuple, bool key_only, const Tuple* old,
              bool old_key_only, const std::set<std::string>* only) {
    if (!tuple) return nullptr;
    json row = json::object();
    for_each_field(rel, *tuple, key_only, old, old_key_only, false, nullptr,
                   [&](const pg::pgoutput::Column& column, const Value* value) {
                       if (only && !only->count(column.name)) return;
                       row[column.name] = value->kind == Value::Kind::kNull
                                              ? json(nullptr)
                                              : pg::value_to_json(column.type_oid, value->text);
                   });
    return row;
}

void append_value(std::string& out, const pg::pgoutput::Column& column, const Value* value,
                  ValueEncoding encoding) {
    if (!value)
        pg::append_json_string(out, kUnavailableValue);
    else if (value->kind == Value::Kind::kNull)
        out += "null";
    else if (encoding == ValueEncoding::kDebezium)
        pg::append_value_debezium_json(out, column.type_oid, column.type_modifier, value->text);
    else
        pg::append_value_json(out, column.type_oid, value->text);
}

// `unchanged`: collects the unchanged TOASTed columns (not in `old`: left out in the friendly
// encoding, written as Debezium's placeholder in the debezium one).
void append_row(std::string& out, const RelationInfo& rel, const Tuple* tuple, bool key_only,
                const Tuple* old, bool old_key_only, ValueEncoding encoding,
                std::vector<std::string>* unchanged) {
    if (!tuple) {
        out += "null";
        return;
    }
    out += '{';
    bool first = true;
    for_each_field(rel, *tuple, key_only, old, old_key_only, encoding == ValueEncoding::kDebezium,
                   unchanged, [&](const pg::pgoutput::Column& column, const Value* value) {
                       if (!first) out += ',';
                       first = false;
                       pg::append_json_string(out, column.name);
                       out += ':';
                       append_value(out, column, value, encoding);
                   });
    out += '}';
}

std::int64_t millis(Timestamp t) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

}  // namespace

RowChange insert_change(const pg::pgoutput::Insert& insert) {
    return {'c', nullptr, false, &insert.row};
}

RowChange update_change(const pg::pgoutput::Update& update) {
    return {'u', update.old_row ? &*update.old_row : nullptr, update.old_is_key_only, &update.row};
}

RowChange delete_change(const pg::pgoutput::Delete& del) {
    return {'d', &del.old_row, del.old_is_key_only, nullptr};
}

RowChange truncate_change() { return {'t', nullptr, false, nullptr}; }

RowChange read_change(const pg::pgoutput::Tuple& row) { return {'r', nullptr, false, &row}; }

std::optional<std::string> change_key(const RelationInfo& rel, const RowChange& change,
                                      ValueEncoding encoding) {
    // The row's current key: the new row's, or the old one's for a delete.
    const Tuple* row = change.after ? change.after : change.before;
    if (!row || rel.key_columns.empty()) return std::nullopt;
    std::string key = "{";
    bool first = true;
    for (auto index : rel.key_columns) {
        if (index >= rel.relation.columns.size()) continue;
        const auto& column = rel.relation.columns[index];
        if (!first) key += ',';
        first = false;
        pg::append_json_string(key, column.name);
        key += ':';
        const Value* value = index < row->size() ? &(*row)[index] : nullptr;
        if (value && value->kind == Value::Kind::kText)
            append_value(key, column, value, encoding);
        else
            key += "null";
    }
    key += '}';
    return key;
}

json filter_document(const RelationInfo& rel, const RowChange& change, const DocumentNeeds* needs) {
    const auto* before_only = needs && !needs->all_before ? &needs->before : nullptr;
    const auto* after_only = needs && !needs->all_after ? &needs->after : nullptr;
    return json{{"op", change.op_name()},
                {"table", rel.table},
                {"before",
                 row_json(rel, change.before, change.before_key_only, nullptr, false, before_only)},
                {"after", row_json(rel, change.after, false, change.before, change.before_key_only,
                                   after_only)}};
}

std::string envelope_text(const RelationInfo& rel, const RowChange& change,
                          const TransactionInfo& txn, const ChangePosition& position, Timestamp now,
                          const EnvelopeOptions& options) {
    std::string out;
    out.reserve(512 + 64 * rel.relation.columns.size());
    std::vector<std::string> unchanged;
    out += "{\"before\":";
    append_row(out, rel, change.before, change.before_key_only, nullptr, false, options.encoding,
               nullptr);
    out += ",\"after\":";
    append_row(out, rel, change.after, false, change.before, change.before_key_only,
               options.encoding, &unchanged);
    out += ",\"source\":{\"version\":";
    pg::append_json_string(out, options.version);
    out += ",\"connector\":\"postgresql\",\"name\":";
    pg::append_json_string(out, options.server_name);
    out += ",\"ts_ms\":" + std::to_string(millis(txn.commit_time));
    out += ",\"snapshot\":";
    pg::append_json_string(out, position.snapshot);
    out += ",\"db\":";
    pg::append_json_string(out, txn.db);
    // Debezium's sequence: a string holding a JSON array of two decimal LSN strings.
    std::string sequence = "[";
    sequence += txn.last_commit_lsn ? "\"" + std::to_string(txn.last_commit_lsn) + "\"" : "null";
    sequence += ",\"" + std::to_string(position.lsn) + "\"]";
    out += ",\"sequence\":";
    pg::append_json_string(out, sequence);
    out += ",\"schema\":";
    pg::append_json_string(out, rel.relation.schema);
    out += ",\"table\":";
    pg::append_json_string(out, rel.relation.name);
    out += ",\"txId\":" + std::to_string(txn.xid);
    out += ",\"lsn\":" + std::to_string(position.lsn);
    out += ",\"xmin\":null},\"op\":\"";
    out += change.op;
    out += "\",\"ts_ms\":" + std::to_string(millis(now));
    out += ",\"transaction\":";
    if (txn.xid == 0 || position.total_order == 0) {
        out += "null";
    } else {
        out += "{\"id\":\"" + std::to_string(txn.xid) + ":" + std::to_string(txn.commit_lsn) + "\"";
        out += ",\"total_order\":" + std::to_string(position.total_order);
        out += ",\"data_collection_order\":" + std::to_string(position.data_collection_order) + "}";
    }
    if (options.encoding == ValueEncoding::kFriendly && !unchanged.empty()) {
        out += ",\"unchanged_toast\":[";
        for (std::size_t i = 0; i < unchanged.size(); ++i) {
            if (i) out += ',';
            pg::append_json_string(out, unchanged[i]);
        }
        out += ']';
    }
    out += '}';
    return out;
}

}  // namespace etp::cdc_capture
