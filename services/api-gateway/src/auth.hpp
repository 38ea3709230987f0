#pragma once
// API key authentication: X-API-Key or Authorization: Bearer. The bootstrap admin key is
// compared as a SHA-256 digest in constant time; other keys are looked up by their SHA-256 in
// api_keys (never stored in clear), with a short cache so hot paths do not query per request
// (a revoked key stops working within kKeyCacheTtl). Thread-safe.

#include "etp/net/message.hpp"

#include <array>
#include <chrono>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "etp/pg/pool.hpp"

namespace etp::gateway {

// What a route needs. admin holds every scope; write includes read.
enum class Scope { kPublic, kRead, kWrite, kFire, kAdmin };

std::optional<Scope> parse_scope(std::string_view text);
std::string_view to_string(Scope scope);

using Digest = std::array<unsigned char, 32>;
Digest sha256(std::string_view text);

inline constexpr std::chrono::seconds kKeyCacheTtl{2};

class Authenticator {
 public:
    Authenticator(const std::string& admin_key, pg::Pool& pool);
    // Throws HttpError 401 (no or unknown key) or 403 (the key lacks the scope).
    void require(const net::Request& req, Scope scope);
    // The scopes of the request's key, as granted (admin for the bootstrap key). Throws
    // HttpError 401 when there is no key or it is unknown or revoked.
    std::vector<Scope> scopes(const net::Request& req);

 private:
    struct Cached {
        std::vector<Scope> scopes;
        std::chrono::steady_clock::time_point expires;
    };
    struct DigestHash {
        std::size_t operator()(const Digest& d) const noexcept;
    };

    std::vector<Scope> scopes_of(const Digest& digest);

    const bool has_admin_key_;
    const Digest admin_digest_;
    pg::Pool& pool_;
    std::mutex mutex_;  // guards cache_
    std::unordered_map<Digest, Cached, DigestHash> cache_;
};

}  // namespace etp::gateway
