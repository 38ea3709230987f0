#include "etp/pg/trigger_secret_store.hpp"

#include "etp/domain/error.hpp"
#include "sql_time.hpp"

namespace etp::pg {
namespace {

// The value itself is never selected here: only its first characters, kept beside it.
constexpr std::string_view kActive = "(expires_at IS NULL OR expires_at > now())";

const std::string kColumns = "id, prefix, " + detail::micros_of("created_at", "created_us") + ", " +
                             detail::micros_of("expires_at", "expires_us") + ", " +
                             std::string(kActive) + " AS active";

TriggerSecretRecord row_to_secret(const Result& r, int i) {
    TriggerSecretRecord s;
    auto id = Uuid::parse(r.text(i, "id"));
    if (!id) throw Error(ErrorKind::kInternal, "stored trigger secret id is not a UUID");
    s.id = *id;
    s.prefix = std::string(r.text(i, "prefix"));
    s.created_at = detail::from_micros(r.integer(i, "created_us"));
    s.expires_at = detail::optional_micros(r, i, "expires_us");
    s.active = r.boolean(i, "active");
    return s;
}

}  // namespace

std::string TriggerSecretStore::aad(const TriggerId& trigger, const Uuid& id) {
    return "trigger_secrets/" + trigger.to_string() + "/" + id.to_string();
}

SealedTriggerSecret TriggerSecretStore::seal(const secrets::SecretBox& box,
                                             const TriggerId& trigger, const Uuid& id,
                                             const std::string& secret) {
    // As listings showed it before values were sealed: the first 10 characters ("whsec_" and
    // four of the key's base64) and an ellipsis.
    std::string prefix = secret.substr(0, 10) + "…";
    return {id, box.seal(secret, aad(trigger, id)), std::move(prefix)};
}

TriggerSecretRecord TriggerSecretStore::add(Connection& conn, const TriggerId& trigger,
                                            const SealedTriggerSecret& secret) {
    Result r = conn.exec(
        "INSERT INTO trigger_secrets (id, trigger_id, key_id, secret, prefix)"
        " VALUES ($1, $2, $3, $4, $5) RETURNING " +
            kColumns,
        {secret.id.to_string(), trigger.to_string(), secret.sealed.key_id, secret.sealed.value,
         secret.prefix});
    return row_to_secret(r, 0);
}

std::vector<TriggerSecretRecord> TriggerSecretStore::list(Connection& conn,
                                                          const TriggerId& trigger) {
    Result r = conn.exec("SELECT " + kColumns +
                             " FROM trigger_secrets WHERE trigger_id = $1"
                             " ORDER BY created_at DESC, id DESC",
                         {trigger.to_string()});
    std::vector<TriggerSecretRecord> out;
    for (int i = 0; i < r.rows(); ++i) out.push_back(row_to_secret(r, i));
    return out;
}

std::vector<std::string> TriggerSecretStore::active_secrets(Connection& conn,
                                                            const secrets::SecretBox& box,
                                                            const TriggerId& id) {
    Result r = conn.exec_prepared(
        "SELECT id, key_id, secret FROM trigger_secrets WHERE trigger_id = $1 AND " +
            std::string(kActive) + " ORDER BY created_at DESC, id DESC",
        {id.to_string()});
    std::vector<std::string> out;
    out.reserve(static_cast<std::size_t>(r.rows()));
    for (int i = 0; i < r.rows(); ++i) {
        auto secret_id = Uuid::parse(r.text(i, 0));
        if (!secret_id) throw Error(ErrorKind::kInternal, "stored trigger secret id is not a UUID");
        out.push_back(
            box.open({std::string(r.text(i, 1)), std::string(r.text(i, 2))}, aad(id, *secret_id)));
    }
    return out;
}

bool TriggerSecretStore::has_active(Connection& conn, const TriggerId& id) {
    return conn.exec_prepared("SELECT 1 FROM trigger_secrets WHERE trigger_id = $1 AND " +
                                  std::string(kActive) + " LIMIT 1",
                              {id.to_string()})
               .rows() > 0;
}

std::int64_t TriggerSecretStore::reseal(Connection& conn, const secrets::SecretBox& box,
                                        std::size_t limit) {
    if (!box.has_key()) return 0;
    const std::string current(box.key_id());
    Result r = conn.exec(
        "SELECT id, trigger_id, key_id, secret FROM trigger_secrets WHERE key_id <> $1 LIMIT $2",
        {current, std::to_string(limit)});
    std::int64_t changed = 0;
    for (int i = 0; i < r.rows(); ++i) {
        auto id = Uuid::parse(r.text(i, 0));
        auto trigger = TriggerId::parse(r.text(i, 1));
        if (!id || !trigger) throw Error(ErrorKind::kInternal, "malformed trigger_secrets row");
        secrets::Sealed old{std::string(r.text(i, 2)), std::string(r.text(i, 3))};
        secrets::Sealed now = box.seal(box.open(old, aad(*trigger, *id)), aad(*trigger, *id));
        // Only if unchanged meanwhile (another gateway starting at the same time).
        changed += conn.exec(
                           "UPDATE trigger_secrets SET key_id = $3, secret = $4"
                           " WHERE id = $1 AND key_id = $2 AND secret = $5",
                           {id->to_string(), old.key_id, now.key_id, now.value, old.value})
                       .affected_rows();
    }
    return changed;
}

std::int64_t TriggerSecretStore::expire_others(Connection& conn, const TriggerId& trigger,
                                               const Uuid& keep, std::chrono::seconds grace) {
    return conn
        .exec(R"(
        UPDATE trigger_secrets
        SET expires_at = least(coalesce(expires_at, 'infinity'),
                               now() + $3::bigint * interval '1 second')
        WHERE trigger_id = $1 AND id <> $2 AND )" +
                  std::string(kActive),
              {trigger.to_string(), keep.to_string(), std::to_string(grace.count())})
        .affected_rows();
}

std::int64_t TriggerSecretStore::remove_expired(Connection& conn, const TriggerId& trigger) {
    return conn
        .exec("DELETE FROM trigger_secrets WHERE trigger_id = $1 AND NOT " + std::string(kActive),
              {trigger.to_string()})
        .affected_rows();
}

bool TriggerSecretStore::remove(Connection& conn, const TriggerId& trigger, const Uuid& id) {
    return conn.exec("DELETE FROM trigger_secrets WHERE trigger_id = $1 AND id = $2",
                     {trigger.to_string(), id.to_string()})
               .affected_rows() == 1;
}

std::int64_t TriggerSecretStore::remove_all(Connection& conn, const TriggerId& trigger) {
    return conn.exec("DELETE FROM trigger_secrets WHERE trigger_id = $1", {trigger.to_string()})
        .affected_rows();
}

}  // namespace etp::pg
