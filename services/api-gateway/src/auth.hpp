#pragma once
// API key authentication: X-API-Key or Authorization: Bearer. Keys are compared as SHA-256
// digests in constant time. Thread-safe (immutable after construction).

#include <httplib.h>

#include <array>
#include <string>

namespace etp::gateway {

enum class Scope { kPublic, kRead, kWrite, kFire, kAdmin };

class Authenticator {
 public:
    explicit Authenticator(const std::string& admin_key);
    // Throws HttpError 401 (no or unknown key) or 403 (key lacks the scope).
    void require(const httplib::Request& req, Scope scope) const;

 private:
    bool has_admin_key_;
    std::array<unsigned char, 32> admin_digest_{};
};

std::array<unsigned char, 32> sha256(std::string_view text);

}  // namespace etp::gateway
