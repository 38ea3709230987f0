#pragma once
// A firing (an Event) built in one place. The gateway fires by request, the scheduler a slot and
// cdc-capture a change or a snapshot row; each names the trigger, the payload and what the id is
// derived from, and the functions below fill in the rest: id, triggered_at, scheduled_for,
// is_test and the trace. Pure except request_firing (a random id); thread-safe.
//
// The id rules. A derived id is uuid v5 of a fixed namespace and a name built from the origin:
// the same origin always gives the same id, so a firing produced twice (a scheduler or capture
// that died between producing and committing) is one event, logged once. The namespaces and
// name formats never change: a changed rule would fire every replayed slot or change again.
//   request  — UUID v7 of triggered_at (ids sort like the log);
//   slot     — "<trigger id>@<slot, RFC 3339 UTC, µs>";
//   change   — "<system id>/<db>/<commit LSN, 16/B374D848>/<position in its transaction>/
//               <trigger id>";
//   snapshot — "<system id>/<db>/<schema.table>/<snapshot id>/<row key>/<trigger id>".

#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "etp/domain/event.hpp"
#include "etp/domain/ids.hpp"
#include "etp/domain/time.hpp"
#include "etp/domain/trace_context.hpp"
#include "etp/domain/trigger.hpp"

namespace etp {

// The trigger as its firings name it.
struct FiringTrigger {
    TriggerId id;
    std::string name;
    TriggerType type = TriggerType::kApi;
};

// Where a streamed change sits in the source's WAL.
struct ChangeOrigin {
    std::string system_id;  // the source cluster's system identifier
    std::string db;
    std::uint64_t commit_lsn = 0;  // of its transaction
    std::size_t position = 0;      // its index among the transaction's changes
};

// A row of a table's initial snapshot.
struct SnapshotRowOrigin {
    std::string system_id;
    std::string db;
    std::string table;  // "schema.table"
    std::int64_t snapshot_id = 0;
    std::string row_key;  // the row's Kafka key, or "#<row number>" for a table without one
};

// The id rules (see above).
EventId request_event_id(Timestamp triggered_at);
EventId firing_event_id(const TriggerId& trigger, Timestamp slot);
EventId cdc_event_id(const ChangeOrigin& origin, const TriggerId& trigger);
EventId snapshot_event_id(const SnapshotRowOrigin& origin, const TriggerId& trigger);

// The core: every firing is this event with the id and time its rule gives. is_test is set for
// source "test".
Event new_firing(const FiringTrigger& trigger, std::string_view source, nlohmann::json payload,
                 EventId id, Timestamp triggered_at);

// A fire or test request (source "api" or "test") at `now`, in the request's trace.
Event request_firing(const FiringTrigger& trigger, std::string_view source, nlohmann::json payload,
                     TraceContext trace, Timestamp now);
// A scheduled slot: triggered_at and scheduled_for are the slot, not the clock, and the trace is
// derived from the id, so a slot fired again is the same event in the same trace.
Event scheduled_firing(const FiringTrigger& trigger, nlohmann::json payload, Timestamp slot);
// A streamed change: triggered_at is its commit time, the trace derived from the id.
Event change_firing(const FiringTrigger& trigger, nlohmann::json payload,
                    const ChangeOrigin& origin, Timestamp commit_time);
// A snapshot row: triggered_at is the snapshot's first start, so a repeated snapshot carries the
// same (id, triggered_at). No trace: the dispatcher derives it from the id.
Event snapshot_firing(const FiringTrigger& trigger, nlohmann::json payload,
                      const SnapshotRowOrigin& origin, Timestamp started_at);

}  // namespace etp
