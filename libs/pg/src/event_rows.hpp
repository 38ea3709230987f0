#pragma once
// The event log's batch insert, shared by EventStore and DeliveryQueue. Private to libs/pg.

#include <string>
#include <vector>

#include "etp/domain/event.hpp"

namespace etp::pg::detail {

// The events as a JSON array for jsonb_to_recordset($1) in kInsertEventRows.
std::string event_rows_json(const std::vector<Event>& events);
// INSERT of $1's rows into events, ON CONFLICT (id, triggered_at) DO NOTHING.
extern const std::string kInsertEventRows;

}  // namespace etp::pg::detail
