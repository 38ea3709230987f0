#pragma once
// Webhook signing secrets of triggers (table trigger_secrets). A trigger may hold several at once
// so that a rotation leaves receivers time to switch: every secret that has not expired signs
// each webhook. Secret values leave this store only through active_secrets() (for signing).
// Values are stored sealed by a secrets::SecretBox (encrypted, with the key id beside them),
// bound to their trigger and secret id. Stateless; callers pass the connection (and hold the
// trigger's row lock when they must serialise changes of one trigger's secrets, see
// TriggerStore::get_for_update).

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "etp/domain/ids.hpp"
#include "etp/domain/secret_box.hpp"
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

// A secret ready to be stored in its row: sealed for (trigger, id), and the prefix shown.
struct SealedTriggerSecret {
    Uuid id;
    secrets::Sealed sealed;
    std::string prefix;
};

class TriggerSecretStore {
 public:
    // Seals `secret` for the row (trigger, id) under the box's current key.
    static SealedTriggerSecret seal(const secrets::SecretBox& box, const TriggerId& trigger,
                                    const Uuid& id, const std::string& secret);
    // The associated data that binds a row's value to it.
    static std::string aad(const TriggerId& trigger, const Uuid& id);
    // Adds a secret that does not expire. The trigger must exist (foreign key).
    static TriggerSecretRecord add(Connection& conn, const TriggerId& trigger,
                                   const SealedTriggerSecret& secret);
    // Every secret of the trigger, expired ones included, newest first.
    static std::vector<TriggerSecretRecord> list(Connection& conn, const TriggerId& trigger);
    // The values of the secrets that have not expired, newest first: what signs a webhook.
    // Throws etp::Error when a value does not decrypt with the box's keys.
    static std::vector<std::string> active_secrets(Connection& conn, const secrets::SecretBox& box,
                                                   const TriggerId& id);
    // Whether the trigger has a secret that has not expired.
    static bool has_active(Connection& conn, const TriggerId& id);
    // Seals again, under the box's current key, up to `limit` values stored in plain text or
    // under another key; returns how many. Nothing while the box has no key.
    static std::int64_t reseal(Connection& conn, const secrets::SecretBox& box, std::size_t limit);
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
