#include "cdc_source_check.hpp"

#include "etp/pg/connection.hpp"

namespace etp::gateway {

bool filter_uses_before(const nlohmann::json& filter) {
    return filter.is_object() && filter.contains("before");
}

std::vector<std::string> cdc_source_warnings(const TriggerSpec& spec,
                                             const std::string& source_url) {
    std::vector<std::string> warnings;
    if (spec.type != TriggerType::kCdc || !spec.cdc) return warnings;
    const auto& table = spec.cdc->table;
    const auto dot = table.find('.');
    if (dot == std::string::npos) return warnings;  // validation already refused it
    try {
        pg::Connection conn(source_url, std::chrono::seconds(2));
        auto r = conn.exec(
            "SELECT c.relreplident::text AS identity, "
            "EXISTS (SELECT 1 FROM pg_index i WHERE i.indrelid = c.oid "
            "AND (i.indisprimary OR i.indisreplident)) AS has_key "
            "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = $1 AND c.relname = $2 AND c.relkind IN ('r', 'p')",
            {table.substr(0, dot), table.substr(dot + 1)});
        if (r.rows() == 0) {
            warnings.push_back(table +
                               " does not exist in the source database; changes are captured "
                               "once it does");
            return warnings;
        }
        const auto identity = r.text(0, "identity");
        const bool has_key = r.boolean(0, "has_key");
        if (identity == "n" || (identity != "f" && !has_key)) {
            warnings.push_back(table +
                               " has no primary key and no REPLICA IDENTITY FULL, so it is not "
                               "captured (publishing it would make its updates and deletes "
                               "fail); add a primary key or run ALTER TABLE " +
                               table + " REPLICA IDENTITY FULL");
        } else if (identity != "f" && filter_uses_before(spec.cdc->filter)) {
            warnings.push_back("cdc.filter uses before, but " + table +
                               " does not have REPLICA IDENTITY FULL: updates carry no old "
                               "values and deletes only the key, so conditions on other "
                               "columns of before will not match; run ALTER TABLE " +
                               table + " REPLICA IDENTITY FULL");
        }
    } catch (const std::exception& e) {
        warnings.push_back(std::string("could not check ") + table +
                           " in the source database (CDC_SOURCE_URL): " + e.what());
    }
    return warnings;
}

}  // namespace etp::gateway
