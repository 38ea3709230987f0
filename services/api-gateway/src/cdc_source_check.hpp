#pragma once
// Checks of a cdc trigger's table. Refused (422): a table cdc-capture never captures, one of a
// system schema or, when CDC_TABLES is set, one not listed. Warnings, from a look at the table
// in the source database (CDC_SOURCE_URL): they never refuse the definition, as the table may be
// created, altered or given to the capture role later, and cdc-capture picks it up then.
// Connects per call with a short timeout (definitions change rarely); a source that does not
// answer is itself a warning. And the reasons cdc-capture recorded for leaving a table out
// (cdc_table_status), shown on reads of the triggers.

#include <map>
#include <string>
#include <vector>

#include "etp/domain/trigger.hpp"
#include "etp/pg/connection.hpp"

namespace etp::gateway {

// Throws HttpError 422 naming /cdc/table when a cdc trigger's table is one of a system schema,
// or not in `allowed` (CDC_TABLES) when that is not empty.
void check_cdc_table_allowed(const TriggerSpec& spec, const std::vector<std::string>& allowed);

// For each of `tables` that cdc-capture leaves out of its publication: "<table> is not
// captured: <reason>", one per reason recorded. Throws pg::DatabaseError.
std::map<std::string, std::vector<std::string>> cdc_capture_warnings(
    pg::Connection& platform, const std::vector<std::string>& tables);

// Empty for triggers that are not cdc, and for a table that can be captured as the filter needs.
std::vector<std::string> cdc_source_warnings(const TriggerSpec& spec,
                                             const std::string& source_url);

// True when the pattern (a cdc filter) names the field `before` at its top level.
bool filter_uses_before(const nlohmann::json& filter);

}  // namespace etp::gateway
