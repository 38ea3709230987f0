#pragma once
// Encryption at rest of webhook signing secrets: AES-256-GCM (OpenSSL EVP) with a random 96-bit
// nonce per value. A sealed value is stored as base64(nonce | ciphertext | 16-byte tag) beside
// the id of the key that sealed it, so keys can be rotated: the current key seals, previous
// keys still open what they sealed. The associated data binds a value to its row and purpose
// (say, "trigger_secrets/<trigger id>/<secret id>"), so a ciphertext copied to another row
// does not open. Without a key the box keeps values as they are, under key id "none".
// Immutable after construction; thread-safe.

#include <array>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace etp::secrets {

// The key id of a value stored as plain text (no key configured when it was written).
inline constexpr std::string_view kPlainKeyId = "none";

struct SecretKey {
    std::string id;
    std::array<unsigned char, 32> bytes{};
};

// A value as stored: the key id beside the sealed text.
struct Sealed {
    std::string key_id;
    std::string value;  // base64(nonce | ciphertext | tag), or the plain value under "none"
};

// The default id of a key: the first 8 hex digits of the SHA-256 of its bytes.
std::string derive_key_id(const std::array<unsigned char, 32>& bytes);
// Nullopt when `id` can name a key (1 to 32 of A-Z a-z 0-9 . _ -, not "none"), else what is
// wrong with it, phrased to follow a variable name.
std::optional<std::string> key_id_problem(std::string_view id);
// A key from base64 of 32 bytes (surrounding whitespace ignored); `id` empty means derived.
// Nullopt with `problem` set (phrased to follow a variable name; never echoes the key).
std::optional<SecretKey> parse_key(std::string_view base64, std::string_view id,
                                   std::string& problem);

class SecretBox {
 public:
    // No key: values are kept plain (key id "none").
    SecretBox() = default;
    // `current` seals; it and `previous` open. Key ids must differ (parse_keys checks).
    SecretBox(std::optional<SecretKey> current, std::vector<SecretKey> previous);

    bool has_key() const noexcept { return current_.has_value(); }
    // The id values are sealed under now: the current key's, or "none".
    std::string_view key_id() const noexcept;
    // Whether a value stored under `key_id` should be sealed again under the current key (an
    // older key or plain text, while a key is configured).
    bool needs_reseal(std::string_view key_id) const noexcept;

    Sealed seal(std::string_view plain, std::string_view aad) const;
    // Throws etp::Error (kInternal) naming the key id when the key is not configured, or when
    // the value does not open (tampered, another row's value, another key with the same id).
    std::string open(const Sealed& sealed, std::string_view aad) const;

 private:
    const SecretKey* find(std::string_view key_id) const noexcept;

    std::optional<SecretKey> current_;
    std::vector<SecretKey> previous_;
};

}  // namespace etp::secrets
