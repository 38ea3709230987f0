#pragma once
// The body of POST /api/v1/triggers/{id}/secrets: an optional secret of one's own and how long
// the trigger's other secrets keep signing. Pure; thread-safe.

#include <chrono>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

namespace etp::gateway {

inline constexpr std::int64_t kDefaultGraceSeconds = 86'400;
inline constexpr std::int64_t kMaxGraceSeconds = 7 * 86'400;

struct SecretRotation {
    std::optional<std::string> secret;  // none: the platform generates one
    std::chrono::seconds grace{kDefaultGraceSeconds};
};

// {"secret": "whsec_…", "expire_previous_after_seconds": 0..kMaxGraceSeconds}, both optional.
// Throws ValidationError naming each bad or unknown field.
SecretRotation parse_secret_rotation(const nlohmann::json& body);

}  // namespace etp::gateway
