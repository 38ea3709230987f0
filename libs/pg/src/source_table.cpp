#include "etp/pg/source_table.hpp"

namespace etp::pg {

std::string SourceTable::capture_problem() const {
    if (!found) return "no such table in the source database";
    if (!ordinary) return "not an ordinary table";
    if (!owned)
        return "the role of CDC_SOURCE_URL does not own it (nor is a member of its owner role): "
               "only an owner may add it to a publication";
    if (full_old_rows()) return "";
    if (replica_identity == 'n')
        return "REPLICA IDENTITY NOTHING: updates and deletes would fail once published";
    if (!has_key)
        return "no primary key and not REPLICA IDENTITY FULL: updates and deletes would fail "
               "once published";
    return "";
}

SourceTable describe_source_table(Connection& conn, const std::string& table) {
    const auto dot = table.find('.');
    const std::string schema = dot == std::string::npos ? "public" : table.substr(0, dot);
    const std::string name = dot == std::string::npos ? table : table.substr(dot + 1);
    auto r = conn.exec(
        "SELECT c.relkind IN ('r', 'p') AS ordinary, c.relreplident::text AS identity, "
        "EXISTS (SELECT 1 FROM pg_index i WHERE i.indrelid = c.oid "
        "AND (i.indisprimary OR i.indisreplident)) AS has_key, "
        "pg_has_role(current_user, c.relowner, 'USAGE') AS owned "
        "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = $1 AND c.relname = $2",
        {schema, name});
    SourceTable t;
    if (r.rows() == 0) return t;
    t.found = true;
    t.ordinary = r.boolean(0, "ordinary");
    const auto identity = r.text(0, "identity");
    t.replica_identity = identity.empty() ? 'd' : identity[0];
    t.has_key = r.boolean(0, "has_key");
    t.owned = r.boolean(0, "owned");
    return t;
}

}  // namespace etp::pg
