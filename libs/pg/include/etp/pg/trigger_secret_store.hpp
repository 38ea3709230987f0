#pragma once
// Webhook signing secrets of triggers (table trigger_secrets). A trigger may hold several at once
// so that a rotation leaves receivers time to switch: every secret that has not expired signs
// each webhook. Secret values leave this store only through active_secrets() (for signing).
// Stateless; callers pass the connection (and hold the trigger's row lock when they must
// serialise changes of one trigger's secrets, see TriggerStore::get_for_update).

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "etp/domain/ids.hpp"
#include "etp/domain/time.hpp"
#include "etp/pg/connection.hpp"

namespace etp::pg {

// A secret as it may be shown: never its value.
struct TriggerSecretRecord {
    Uuid id;
    std::string prefix;  // the first 10 characters of the secret and "…"
    Timestamp created_at;
    std::optional<Timestamp> expires_at;  // none: signs until rotated away or deleted
    bool active = true;                   // not expired, by the database's clock
};

class TriggerSecretStore {
 public:
    // Adds a secret that does not expire. The trigger must exist (foreign key).
    static TriggerSecretRecord add(Connection& conn, const TriggerId& trigger, const Uuid& id,
                                   const std::string& secret);
    // Every secret of the trigger, expired ones included, newest first.
    static std::vector<TriggerSecretRecord> list(Connection& conn, const TriggerId& trigger);
    // The values of the secrets that have not expired, newest first: what signs a webhook.
    static std::vector<std::string> active_secrets(Connection& conn, const TriggerId& id);
    // Lets every unexpired secret of the trigger except `keep` expire `grace` from now (0: now);
    // one already due to expire sooner keeps its time. Returns how many were changed.
    static std::int64_t expire_others(Connection& conn, const TriggerId& trigger, const Uuid& keep,
                                      std::chrono::seconds grace);
    // Deletes the trigger's secrets that have expired; returns how many.
    static std::int64_t remove_expired(Connection& conn, const TriggerId& trigger);
    // True when the trigger had a secret with this id.
    static bool remove(Connection& conn, const TriggerId& trigger, const Uuid& id);
    // Deletes all of the trigger's secrets; returns how many.
    static std::int64_t remove_all(Connection& conn, const TriggerId& trigger);
};

}  // namespace etp::pg
