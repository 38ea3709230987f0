#pragma once
// Event listings written straight into the response text. Equal, once parsed, to
// etp::to_json(Event) with the payload spliced in from the text PostgreSQL returned: a page of
// 100 events would otherwise be parsed, rebuilt and dumped as JSON trees, which was most of the
// gateway's time on GET /events (tests/unit/gateway/event_json_test.cpp keeps the two equal).

#include <string>

#include "etp/pg/event_store.hpp"

namespace etp::gateway {

// Appends the event's JSON object; `event.payload_json` must be one valid JSON value.
void append_event_json(std::string& out, const pg::ListedEvent& event);

}  // namespace etp::gateway
