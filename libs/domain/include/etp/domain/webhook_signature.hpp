#pragma once
// Standard Webhooks signing (https://www.standardwebhooks.com): secrets are "whsec_" + base64 of
// 24..64 random bytes; a webhook carries webhook-id, webhook-timestamp (Unix seconds) and
// webhook-signature: "v1,<base64 HMAC-SHA256(key, id + '.' + timestamp + '.' + body)>", one
// space-separated entry per active secret. Pure; thread-safe.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace etp::webhook {

inline constexpr std::string_view kSecretPrefix = "whsec_";

// RFC 4648 base64 with padding.
std::string base64_encode(std::string_view bytes);
// Nullopt unless `text` is canonical padded base64.
std::optional<std::string> base64_decode(std::string_view text);

// A new secret: "whsec_" + base64 of 32 bytes from a CSPRNG.
std::string generate_secret();
// Nullopt when `secret` is a valid secret, else what is wrong with it, phrased to follow a
// field name ("must start with whsec_", ...).
std::optional<std::string> secret_problem(std::string_view secret);

// "v1,<base64 signature>" for one secret. A secret that is not "whsec_" + base64 (one stored
// before secrets were checked) signs with its raw bytes as the key.
std::string sign(std::string_view secret, std::string_view id, std::int64_t timestamp,
                 std::string_view body);
// The webhook-signature header value: one signature per secret, space-separated.
std::string signature_header(const std::vector<std::string>& secrets, std::string_view id,
                             std::int64_t timestamp, std::string_view body);

}  // namespace etp::webhook
