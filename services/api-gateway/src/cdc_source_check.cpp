#include "cdc_source_check.hpp"

#include "etp/domain/cdc_tables.hpp"
#include "etp/pg/cdc_table_status.hpp"
#include "etp/pg/connection.hpp"
#include "etp/pg/source_table.hpp"
#include "etp/runtime/log.hpp"
#include "http_support.hpp"

namespace etp::gateway {

void check_cdc_table_allowed(const TriggerSpec& spec, const std::vector<std::string>& allowed) {
    if (spec.type != TriggerType::kCdc || !spec.cdc) return;
    const auto reason = cdc_table_refusal(spec.cdc->table, allowed);
    if (reason.empty()) return;
    throw HttpError(Problem{422,
                            "",
                            spec.cdc->table + " cannot be captured",
                            {{"/cdc/table", "cannot be captured: " + reason}}});
}

std::map<std::string, std::vector<std::string>> cdc_capture_warnings(
    pg::Connection& platform, const std::vector<std::string>& tables) {
    auto reasons = pg::CdcTableStatusStore::reasons(platform, tables);
    for (auto& [table, list] : reasons)
        for (auto& reason : list) reason = table + " is not captured: " + reason;
    return reasons;
}

bool filter_uses_before(const nlohmann::json& filter) {
    return filter.is_object() && filter.contains("before");
}

std::vector<std::string> cdc_source_warnings(const TriggerSpec& spec,
                                             const std::string& source_url) {
    std::vector<std::string> warnings;
    if (spec.type != TriggerType::kCdc || !spec.cdc) return warnings;
    const auto& table = spec.cdc->table;
    try {
        pg::Connection conn(source_url, std::chrono::seconds(2));
        const auto source = pg::describe_source_table(conn, table);
        if (!source.found || !source.ordinary) {
            warnings.push_back(table +
                               " does not exist in the source database; changes are captured "
                               "once it does");
        } else if (!source.owned) {
            warnings.push_back(table + " is not captured (" + source.capture_problem() +
                               "); make cdc-capture's role (CDC_SOURCE_URL) its owner or a "
                               "member of its owner role");
        } else if (const std::string problem = source.capture_problem(); !problem.empty()) {
            const std::string alter = "ALTER TABLE " + table + " REPLICA IDENTITY ";
            const std::string remedy =
                source.replica_identity == 'n' && source.has_key
                    ? "run " + alter + "DEFAULT (or FULL, for old values)"
                : source.replica_identity == 'n'
                    ? "add a primary key and run " + alter + "DEFAULT, or run " + alter + "FULL"
                    : "add a primary key or run " + alter + "FULL";
            warnings.push_back(table + " is not captured (" + problem + "); " + remedy);
        } else if (!source.full_old_rows() && filter_uses_before(spec.cdc->filter)) {
            warnings.push_back("cdc.filter uses before, but " + table +
                               " does not have REPLICA IDENTITY FULL: updates carry no old "
                               "values and deletes only the key, so conditions on other "
                               "columns of before will not match; run ALTER TABLE " +
                               table + " REPLICA IDENTITY FULL");
        }
    } catch (const std::exception& e) {
        // The answer goes to the API client; libpq's text (host, user) only to the log.
        log::warn("could not check a cdc trigger's table in the source database",
                  {{"table", table}, {"error", e.what()}});
        warnings.push_back(std::string("could not check ") + table +
                           " in the source database (CDC_SOURCE_URL): it did not answer; see "
                           "the gateway log");
    }
    return warnings;
}

}  // namespace etp::gateway
