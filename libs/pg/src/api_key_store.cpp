#include "etp/pg/api_key_store.hpp"

#include "etp/domain/error.hpp"
#include "etp/domain/hex.hpp"
#include "sql_time.hpp"

namespace etp::pg {
namespace {

const std::string kColumns = "id, name, key_prefix, array_to_string(scopes, ',') AS scopes, " +
                             detail::micros_of("created_at", "created_us") + ", " +
                             detail::micros_of("last_used_at", "used_us") + ", " +
                             detail::micros_of("revoked_at", "revoked_us");

std::string bytea_hex(const KeyDigest& digest) { return "\\x" + to_hex(digest); }

ApiKeyRecord row_to_key(const Result& r, int i) {
    ApiKeyRecord k;
    auto id = Uuid::parse(r.text(i, "id"));
    if (!id) throw Error(ErrorKind::kInternal, "stored api key id is not a UUID");
    k.id = *id;
    k.name = std::string(r.text(i, "name"));
    k.key_prefix = std::string(r.text(i, "key_prefix"));
    std::string_view scopes = r.text(i, "scopes");
    while (!scopes.empty()) {
        std::size_t comma = scopes.find(',');
        k.scopes.emplace_back(scopes.substr(0, comma));
        if (comma == std::string_view::npos) break;
        scopes.remove_prefix(comma + 1);
    }
    k.created_at = detail::from_micros(r.integer(i, "created_us"));
    k.last_used_at = detail::optional_micros(r, i, "used_us");
    k.revoked_at = detail::optional_micros(r, i, "revoked_us");
    return k;
}

}  // namespace

ApiKeyRecord ApiKeyStore::create(Connection& conn, const Uuid& id, const std::string& name,
                                 const KeyDigest& digest, const std::string& key_prefix,
                                 const std::vector<std::string>& scopes) {
    std::string array = "{";
    for (std::size_t i = 0; i < scopes.size(); ++i) array += (i ? "," : "") + scopes[i];
    array += "}";
    Result r = conn.exec(
        "INSERT INTO api_keys (id, name, key_hash, key_prefix, scopes) "
        "VALUES ($1, $2, $3::bytea, $4, $5::text[]) RETURNING " +
            kColumns,
        {id.to_string(), name, bytea_hex(digest), key_prefix, array});
    return row_to_key(r, 0);
}

std::vector<ApiKeyRecord> ApiKeyStore::list(Connection& conn) {
    Result r = conn.exec("SELECT " + kColumns + " FROM api_keys ORDER BY created_at DESC, id");
    std::vector<ApiKeyRecord> out;
    for (int i = 0; i < r.rows(); ++i) out.push_back(row_to_key(r, i));
    return out;
}

bool ApiKeyStore::revoke(Connection& conn, const Uuid& id) {
    return conn.exec("UPDATE api_keys SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL",
                     {id.to_string()})
               .affected_rows() == 1;
}

std::optional<ApiKeyRecord> ApiKeyStore::use_active(Connection& conn, const KeyDigest& digest) {
    Result r = conn.exec_prepared(
        "UPDATE api_keys SET last_used_at = now() "
        "WHERE key_hash = $1::bytea AND revoked_at IS NULL RETURNING " +
            kColumns,
        {bytea_hex(digest)});
    if (r.rows() == 0) return std::nullopt;
    return row_to_key(r, 0);
}

}  // namespace etp::pg
