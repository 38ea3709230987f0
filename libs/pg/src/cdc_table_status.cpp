#include "etp/pg/cdc_table_status.hpp"

#include <nlohmann/json.hpp>

#include "etp/pg/transaction.hpp"

namespace etp::pg {

void CdcTableStatusStore::replace(Connection& conn, const std::string& publication,
                                  const std::map<std::string, std::string>& refused) {
    nlohmann::json rows = nlohmann::json::object();
    for (const auto& [table, reason] : refused) rows[table] = reason;
    Transaction tx(conn);
    tx.exec("DELETE FROM cdc_table_status WHERE publication = $1", {publication});
    tx.exec(
        "INSERT INTO cdc_table_status (publication, table_name, reason) "
        "SELECT $1, key, value FROM json_each_text($2::json)",
        {publication, rows.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)});
    tx.commit();
}

std::map<std::string, std::vector<std::string>> CdcTableStatusStore::reasons(
    Connection& conn, const std::vector<std::string>& tables) {
    std::map<std::string, std::vector<std::string>> out;
    if (tables.empty()) return out;
    auto r = conn.exec(
        "SELECT table_name, reason FROM cdc_table_status "
        "WHERE table_name IN (SELECT json_array_elements_text($1::json)) "
        "ORDER BY table_name, publication",
        {nlohmann::json(tables).dump()});
    for (int i = 0; i < r.rows(); ++i)
        out[std::string(r.text(i, 0))].push_back(std::string(r.text(i, 1)));
    return out;
}

}  // namespace etp::pg
