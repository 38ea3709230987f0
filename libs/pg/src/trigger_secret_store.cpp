#include "etp/pg/trigger_secret_store.hpp"

#include "etp/domain/error.hpp"
#include "sql_time.hpp"

namespace etp::pg {
namespace {

// The value itself is never selected here: only its first characters, cut by the database.
constexpr std::string_view kActive = "(expires_at IS NULL OR expires_at > now())";

const std::string kColumns = "id, left(secret, 10) || '…' AS prefix, " +
                             detail::micros_of("created_at", "created_us") + ", " +
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

TriggerSecretRecord TriggerSecretStore::add(Connection& conn, const TriggerId& trigger,
                                            const Uuid& id, const std::string& secret) {
    Result r = conn.exec(
        "INSERT INTO trigger_secrets (id, trigger_id, secret) VALUES ($1, $2, $3) RETURNING " +
            kColumns,
        {id.to_string(), trigger.to_string(), secret});
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

std::vector<std::string> TriggerSecretStore::active_secrets(Connection& conn, const TriggerId& id) {
    Result r = conn.exec_prepared("SELECT secret FROM trigger_secrets WHERE trigger_id = $1 AND " +
                                      std::string(kActive) + " ORDER BY created_at DESC, id DESC",
                                  {id.to_string()});
    std::vector<std::string> out;
    out.reserve(static_cast<std::size_t>(r.rows()));
    for (int i = 0; i < r.rows(); ++i) out.emplace_back(r.text(i, 0));
    return out;
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
