#pragma once
// Warnings for a cdc trigger definition, from a look at the table in the source database
// (CDC_SOURCE_URL). They never refuse the definition: the table may be created or altered later,
// and cdc-capture picks it up then. Connects per call with a short timeout (definitions change
// rarely); a source that does not answer is itself a warning.

#include <string>
#include <vector>

#include "etp/domain/trigger.hpp"

namespace etp::gateway {

// Empty for triggers that are not cdc, and for a table that can be captured as the filter needs.
std::vector<std::string> cdc_source_warnings(const TriggerSpec& spec,
                                             const std::string& source_url);

// True when the pattern (a cdc filter) names the field `before` at its top level.
bool filter_uses_before(const nlohmann::json& filter);

}  // namespace etp::gateway
