#include "auth.hpp"

#include <openssl/crypto.h>
#include <openssl/sha.h>

#include <algorithm>
#include <cstring>

#include "etp/pg/api_key_store.hpp"
#include "http_support.hpp"

namespace etp::gateway {

std::optional<Scope> parse_scope(std::string_view text) {
    if (text == "read") return Scope::kRead;
    if (text == "write") return Scope::kWrite;
    if (text == "fire") return Scope::kFire;
    if (text == "admin") return Scope::kAdmin;
    return std::nullopt;
}

std::string_view to_string(Scope scope) {
    switch (scope) {
        case Scope::kPublic:
            return "public";
        case Scope::kRead:
            return "read";
        case Scope::kWrite:
            return "write";
        case Scope::kFire:
            return "fire";
        case Scope::kAdmin:
            return "admin";
    }
    return "admin";
}

Digest sha256(std::string_view text) {
    Digest digest{};
    SHA256(reinterpret_cast<const unsigned char*>(text.data()), text.size(), digest.data());
    return digest;
}

std::size_t Authenticator::DigestHash::operator()(const Digest& d) const noexcept {
    std::size_t h = 0;
    std::memcpy(&h, d.data(), sizeof h);  // a SHA-256 prefix is already uniformly spread
    return h;
}

Authenticator::Authenticator(const std::string& admin_key, pg::Pool& pool)
    : Authenticator(admin_key,
                    [&pool](const Digest& digest) -> std::optional<std::vector<std::string>> {
                        auto conn = pool.acquire();
                        auto key = pg::ApiKeyStore::use_active(*conn, digest);
                        if (!key) return std::nullopt;
                        return key->scopes;
                    }) {}

Authenticator::Authenticator(const std::string& admin_key, KeyLookup lookup,
                             std::chrono::steady_clock::duration unknown_key_ttl)
    : has_admin_key_(!admin_key.empty()),
      admin_digest_(sha256(admin_key)),
      lookup_(std::move(lookup)),
      unknown_key_ttl_(unknown_key_ttl) {}

std::vector<Scope> Authenticator::scopes_of(const Digest& digest) {
    auto now = std::chrono::steady_clock::now();
    {
        std::lock_guard lock(mutex_);
        auto it = cache_.find(digest);
        if (it != cache_.end() && it->second.expires > now) return it->second.scopes;
        auto unknown = unknown_.find(digest);
        if (unknown != unknown_.end() && unknown->second > now) return {};
    }
    std::optional<std::vector<std::string>> stored = lookup_(digest);
    if (!stored) {
        // Bounded: a stream of random keys must not grow it. When it is full of live entries,
        // further unknown keys are looked up every time, as before there was this cache; the
        // expired ones are swept out at most once a second.
        std::lock_guard lock(mutex_);
        if (unknown_.size() >= kMaxUnknownKeys && now >= next_unknown_sweep_) {
            std::erase_if(unknown_, [now](const auto& entry) { return entry.second <= now; });
            next_unknown_sweep_ = now + std::chrono::seconds(1);
        }
        if (unknown_.size() < kMaxUnknownKeys) unknown_[digest] = now + unknown_key_ttl_;
        return {};
    }
    std::vector<Scope> scopes;
    for (const auto& s : *stored)
        if (auto scope = parse_scope(s)) scopes.push_back(*scope);
    std::lock_guard lock(mutex_);
    unknown_.erase(digest);
    if (cache_.size() > 10'000) cache_.clear();
    cache_[digest] = {scopes, now + kKeyCacheTtl};
    return scopes;
}

std::vector<Scope> Authenticator::scopes(const net::Request& req) {
    std::string key = req.get_header_value("X-API-Key");
    if (key.empty()) {
        std::string auth = req.get_header_value("Authorization");
        constexpr std::string_view kBearer = "Bearer ";
        if (auth.size() > kBearer.size() && auth.compare(0, kBearer.size(), kBearer) == 0)
            key = auth.substr(kBearer.size());
    }
    if (key.empty())
        throw HttpError(401, "an API key is required (X-API-Key or Authorization: Bearer)");
    if (key.size() > 256) throw HttpError(401, "the API key is not valid");
    Digest digest = sha256(key);
    if (has_admin_key_ && CRYPTO_memcmp(digest.data(), admin_digest_.data(), digest.size()) == 0)
        return {Scope::kAdmin};  // the bootstrap admin key holds every scope
    std::vector<Scope> granted = scopes_of(digest);
    if (granted.empty()) throw HttpError(401, "the API key is not valid");
    return granted;
}

void Authenticator::require(const net::Request& req, Scope scope) {
    if (scope == Scope::kPublic) return;
    std::vector<Scope> granted = scopes(req);
    auto has = [&](Scope s) {
        return std::find(granted.begin(), granted.end(), s) != granted.end();
    };
    bool allowed =
        has(Scope::kAdmin) || has(scope) || (scope == Scope::kRead && has(Scope::kWrite));
    if (!allowed)
        throw HttpError(403, "the API key lacks the " + std::string(to_string(scope)) + " scope");
}

}  // namespace etp::gateway
