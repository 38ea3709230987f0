#pragma once
// API key authentication: X-API-Key or Authorization: Bearer. The bootstrap admin key is
// compared as a SHA-256 digest in constant time; other keys are looked up by their SHA-256 in
// api_keys (never stored in clear), with a short cache so hot paths do not query per request
// (a revoked key stops working within kKeyCacheTtl). Unknown keys are remembered too, for
// kUnknownKeyCacheTtl and at most kMaxUnknownKeys of them, so that a client repeating a bad key
// costs no database round trip per request. Keys are created with 160 random bits, so a key
// string cannot have been looked up before it was created: a new key works at once. Thread-safe.

#include "etp/net/message.hpp"

#include <array>
#include <chrono>
#include <functional>
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
inline constexpr std::chrono::seconds kUnknownKeyCacheTtl{5};
inline constexpr std::size_t kMaxUnknownKeys = 10'000;

class Authenticator {
 public:
    // The scopes (as stored) of the active key with this digest, or nullopt for none; may block.
    using KeyLookup = std::function<std::optional<std::vector<std::string>>(const Digest&)>;

    // Looks keys up in api_keys through `pool`.
    Authenticator(const std::string& admin_key, pg::Pool& pool);
    Authenticator(const std::string& admin_key, KeyLookup lookup,
                  std::chrono::steady_clock::duration unknown_key_ttl = kUnknownKeyCacheTtl);
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
    const KeyLookup lookup_;
    const std::chrono::steady_clock::duration unknown_key_ttl_;
    std::mutex mutex_;  // guards cache_, unknown_ and next_unknown_sweep_
    std::unordered_map<Digest, Cached, DigestHash> cache_;
    // Unknown keys, until when they are taken as unknown without asking the database.
    std::unordered_map<Digest, std::chrono::steady_clock::time_point, DigestHash> unknown_;
    std::chrono::steady_clock::time_point next_unknown_sweep_{};
};

}  // namespace etp::gateway
