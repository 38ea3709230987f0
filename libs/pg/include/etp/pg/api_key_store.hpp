#pragma once
// API keys: only the SHA-256 of a key is stored; the key itself is shown once at creation.
// Stateless; callers pass the connection.

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "etp/domain/ids.hpp"
#include "etp/domain/time.hpp"
#include "etp/pg/connection.hpp"

namespace etp::pg {

using KeyDigest = std::array<unsigned char, 32>;

struct ApiKeyRecord {
    Uuid id;
    std::string name;
    std::string key_prefix;  // the first characters of the key, to recognise it in lists
    std::vector<std::string> scopes;
    Timestamp created_at;
    std::optional<Timestamp> last_used_at;
    std::optional<Timestamp> revoked_at;
};

class ApiKeyStore {
 public:
    // `scopes` must already be validated (they are written into a text[] literal).
    static ApiKeyRecord create(Connection& conn, const Uuid& id, const std::string& name,
                               const KeyDigest& digest, const std::string& key_prefix,
                               const std::vector<std::string>& scopes);
    // Newest first, revoked ones included.
    static std::vector<ApiKeyRecord> list(Connection& conn);
    // True when a key that was not yet revoked is revoked now.
    static bool revoke(Connection& conn, const Uuid& id);
    // The key with this digest unless revoked, stamping its last_used_at (callers that cache
    // keys call this once per cache period, so last_used_at is that precise).
    static std::optional<ApiKeyRecord> use_active(Connection& conn, const KeyDigest& digest);
};

}  // namespace etp::pg
