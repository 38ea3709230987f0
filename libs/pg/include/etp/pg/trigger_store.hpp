#pragma once
// Triggers in PostgreSQL. Stateless: every call takes the connection to run on, so callers
// choose pooling and transactions. SQL lives in trigger_store.cpp. A target's signing secret is
// neither written nor read here (Target::secret is ignored, and nullopt in what is returned):
// secrets live in trigger_secrets, see trigger_secret_store.hpp.
//
// Scheduled triggers have a `schedules` row, written by each change in the same statement as the
// trigger (never one without the other): create and replace mark it unplanned (replace also
// clears next_fire_at and completed_at), activate marks it unplanned and not completed,
// deactivate marks it planned with no next_fire_at; a replace away from scheduled deletes it,
// and deleting the trigger cascades. The scheduler plans unplanned rows. Every Trigger returned
// carries the row as schedule_state (nullopt when there is none).

#include <cstdint>
#include <optional>
#include <vector>

#include "etp/domain/trigger.hpp"
#include "etp/pg/connection.hpp"
#include "etp/pg/trigger_secret_store.hpp"

namespace etp::pg {

struct TriggerFilter {
    std::optional<TriggerType> type;
    std::optional<bool> active;
    std::optional<std::string> name_contains;  // case-insensitive substring of the name
};

struct TriggerPage {
    std::vector<Trigger> items;
    std::int64_t total = 0;
};

// A new trigger's first webhook signing secret, sealed (TriggerSecretStore::seal).
using InitialSecret = SealedTriggerSecret;

// One trigger of a create_many.
struct NewTrigger {
    TriggerId id;
    TriggerSpec spec;
    std::optional<InitialSecret> secret;
};

class TriggerStore {
 public:
    // Inserts and returns the stored trigger (timestamps, version from the database), with its
    // first secret when given: one statement, so no transaction is needed around it.
    static Trigger create(Connection& conn, const TriggerId& id, const TriggerSpec& spec,
                          const std::optional<InitialSecret>& secret = std::nullopt);
    // Several creates in one statement (and so one commit), all or none; returns the triggers
    // in the order given. For group commit of concurrent creates (the gateway's CreateBatcher):
    // per row, the statement and commit cost several times what the row costs.
    static std::vector<Trigger> create_many(Connection& conn,
                                            const std::vector<const NewTrigger*>& news);
    static std::optional<Trigger> get(Connection& conn, const TriggerId& id);
    // Like get, and locks the row until the caller's transaction ends: serialises changes that
    // depend on the trigger's state, such as those of its secrets.
    static std::optional<Trigger> get_for_update(Connection& conn, const TriggerId& id);
    // Newest first; page is 1-based.
    static TriggerPage list(Connection& conn, const TriggerFilter& filter, std::int64_t page,
                            std::int64_t page_size);
    // Replaces the definition (version + 1) and locks the row until the caller's transaction
    // ends. nullopt when the trigger does not exist.
    static std::optional<Trigger> replace(Connection& conn, const TriggerId& id,
                                          const TriggerSpec& spec);
    static std::optional<Trigger> set_active(Connection& conn, const TriggerId& id, bool active);
    // Marks the trigger's target disabled (a 410 Gone) with `reason`, unless it already is or
    // has no target; replace() clears it. True when it was marked now. Not a definition change:
    // the version stays.
    static bool disable_target(Connection& conn, const TriggerId& id, const std::string& reason);
    // True when a trigger was deleted.
    static bool remove(Connection& conn, const TriggerId& id);
};

}  // namespace etp::pg
