#pragma once
// Triggers in PostgreSQL. Stateless: every call takes the connection to run on, so callers
// choose pooling and transactions. SQL lives in trigger_store.cpp.

#include <cstdint>
#include <optional>
#include <vector>

#include "etp/domain/trigger.hpp"
#include "etp/pg/connection.hpp"

namespace etp::pg {

struct TriggerFilter {
    std::optional<TriggerType> type;
    std::optional<bool> active;
};

struct TriggerPage {
    std::vector<Trigger> items;
    std::int64_t total = 0;
};

class TriggerStore {
 public:
    // Inserts and returns the stored trigger (timestamps, version from the database).
    static Trigger create(Connection& conn, const TriggerId& id, const TriggerSpec& spec);
    static std::optional<Trigger> get(Connection& conn, const TriggerId& id);
    // Newest first; page is 1-based.
    static TriggerPage list(Connection& conn, const TriggerFilter& filter, std::int64_t page,
                            std::int64_t page_size);
    // Replaces the definition (version + 1). A target given without a secret keeps the stored
    // secret, since clients can never read it back. nullopt when the trigger does not exist.
    static std::optional<Trigger> replace(Connection& conn, const TriggerId& id,
                                          const TriggerSpec& spec);
    static std::optional<Trigger> set_active(Connection& conn, const TriggerId& id, bool active);
    // True when a trigger was deleted.
    static bool remove(Connection& conn, const TriggerId& id);
};

}  // namespace etp::pg
