#pragma once
// Standard Webhooks verification written for the tests, independently of the product's signing
// code (its own base64, OpenSSL's HMAC): a webhook is genuine when one of the space-separated
// "v1,<base64>" entries of webhook-signature equals base64(HMAC-SHA256(key, id + "." +
// timestamp + "." + body)) for some secret, key = base64-decode of the secret after "whsec_",
// and webhook-timestamp is within the tolerance of the time the request arrived. Pure; thread-safe.

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "etp/testing/webhook_receiver.hpp"

namespace etp::testing {

// RFC 4648 base64 with padding.
std::string base64_encode(std::string_view bytes);
// Nullopt unless `text` is padded base64.
std::optional<std::string> base64_decode(std::string_view text);

// "whsec_" + base64 of `bytes` random bytes (from OpenSSL's CSPRNG).
std::string make_secret(std::size_t bytes = 32);

// The base64 signature (without "v1,") that `secret` gives the signed content.
std::string expected_signature(std::string_view secret, std::string_view id,
                               std::string_view timestamp, std::string_view body);

// The base64 parts of the "v1,..." entries of a webhook-signature value, in order; entries of
// other versions are skipped.
std::vector<std::string> v1_signatures(std::string_view header);

struct SignatureCheck {
    bool ok = false;
    std::string problem;  // why not, when !ok
    // For each secret passed in, the positions (in v1_signatures order) of the entries it signs.
    std::vector<std::vector<std::size_t>> matches;
};

// Checks a recorded request: webhook-id, webhook-timestamp and webhook-signature present, the
// timestamp within `tolerance` of the moment the request arrived, and at least one v1 entry
// signed by one of `secrets`.
SignatureCheck verify_webhook(const ReceivedRequest& request,
                              const std::vector<std::string>& secrets,
                              std::chrono::seconds tolerance = std::chrono::minutes(5));

}  // namespace etp::testing
