#include "auth.hpp"

#include <openssl/crypto.h>
#include <openssl/sha.h>

#include "http_support.hpp"

namespace etp::gateway {

std::array<unsigned char, 32> sha256(std::string_view text) {
    std::array<unsigned char, 32> digest{};
    SHA256(reinterpret_cast<const unsigned char*>(text.data()), text.size(), digest.data());
    return digest;
}

Authenticator::Authenticator(const std::string& admin_key)
    : has_admin_key_(!admin_key.empty()), admin_digest_(sha256(admin_key)) {}

void Authenticator::require(const httplib::Request& req, Scope scope) const {
    if (scope == Scope::kPublic) return;
    std::string key = req.get_header_value("X-API-Key");
    if (key.empty()) {
        std::string auth = req.get_header_value("Authorization");
        constexpr std::string_view kBearer = "Bearer ";
        if (auth.size() > kBearer.size() && auth.compare(0, kBearer.size(), kBearer) == 0)
            key = auth.substr(kBearer.size());
    }
    if (key.empty())
        throw HttpError(401, "an API key is required (X-API-Key or Authorization: Bearer)");
    auto digest = sha256(key);
    if (has_admin_key_ && CRYPTO_memcmp(digest.data(), admin_digest_.data(), digest.size()) == 0)
        return;  // the bootstrap admin key holds every scope
    throw HttpError(401, "the API key is not valid");
}

}  // namespace etp::gateway
