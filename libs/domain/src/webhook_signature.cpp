#include "etp/domain/webhook_signature.hpp"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <array>
#include <cstdlib>

namespace etp::webhook {
namespace {

constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr std::size_t kMinSecretBytes = 24;
constexpr std::size_t kMaxSecretBytes = 64;
constexpr std::size_t kGeneratedSecretBytes = 32;

int sextet(char c) {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
}

// The HMAC key of a secret: the decoded bytes of a well-formed one, else the raw text, so
// secrets stored before they were checked keep verifying with the receivers that have them.
std::string signing_key(std::string_view secret) {
    if (secret.starts_with(kSecretPrefix)) {
        if (auto key = base64_decode(secret.substr(kSecretPrefix.size()))) return *key;
    }
    return std::string(secret);
}

}  // namespace

std::string base64_encode(std::string_view bytes) {
    std::string out;
    out.reserve((bytes.size() + 2) / 3 * 4);
    std::size_t i = 0;
    for (; i + 3 <= bytes.size(); i += 3) {
        std::uint32_t n = static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[i])) << 16 |
                          static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[i + 1]))
                              << 8 |
                          static_cast<unsigned char>(bytes[i + 2]);
        out.push_back(kAlphabet[n >> 18 & 0x3F]);
        out.push_back(kAlphabet[n >> 12 & 0x3F]);
        out.push_back(kAlphabet[n >> 6 & 0x3F]);
        out.push_back(kAlphabet[n & 0x3F]);
    }
    std::size_t rest = bytes.size() - i;
    if (rest > 0) {
        std::uint32_t n = static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[i])) << 16;
        if (rest == 2)
            n |= static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[i + 1])) << 8;
        out.push_back(kAlphabet[n >> 18 & 0x3F]);
        out.push_back(kAlphabet[n >> 12 & 0x3F]);
        out.push_back(rest == 2 ? kAlphabet[n >> 6 & 0x3F] : '=');
        out.push_back('=');
    }
    return out;
}

std::optional<std::string> base64_decode(std::string_view text) {
    if (text.size() % 4 != 0) return std::nullopt;
    std::size_t padding = 0;
    if (!text.empty() && text.back() == '=') padding = text[text.size() - 2] == '=' ? 2 : 1;
    std::string out;
    out.reserve(text.size() / 4 * 3);
    for (std::size_t i = 0; i < text.size(); i += 4) {
        bool last = i + 4 == text.size();
        std::size_t data_chars = last ? 4 - padding : 4;
        std::uint32_t n = 0;
        for (std::size_t k = 0; k < 4; ++k) {
            int v = 0;
            if (k < data_chars) {
                v = sextet(text[i + k]);
                if (v < 0) return std::nullopt;  // includes '=' anywhere but the end
            }
            n = n << 6 | static_cast<std::uint32_t>(v);
        }
        out.push_back(static_cast<char>(n >> 16 & 0xFF));
        if (data_chars >= 3) out.push_back(static_cast<char>(n >> 8 & 0xFF));
        if (data_chars == 4) out.push_back(static_cast<char>(n & 0xFF));
        // Canonical: the bits the padding leaves unused must be zero, so each byte string has
        // exactly one accepted text (a secret cannot be written two ways).
        if (data_chars == 2 && (n & 0xFFFF) != 0) return std::nullopt;
        if (data_chars == 3 && (n & 0xFF) != 0) return std::nullopt;
    }
    return out;
}

std::string generate_secret() {
    std::array<unsigned char, kGeneratedSecretBytes> bytes{};
    if (RAND_bytes(bytes.data(), static_cast<int>(bytes.size())) != 1) {
        // The CSPRNG failing is not something the process can recover from sensibly.
        std::abort();
    }
    return std::string(kSecretPrefix) +
           base64_encode(
               std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
}

std::optional<std::string> secret_problem(std::string_view secret) {
    if (!secret.starts_with(kSecretPrefix)) return "must start with whsec_";
    auto key = base64_decode(secret.substr(kSecretPrefix.size()));
    if (!key || key->size() < kMinSecretBytes || key->size() > kMaxSecretBytes)
        return "must be whsec_ followed by base64 of 24 to 64 bytes";
    return std::nullopt;
}

std::string sign(std::string_view secret, std::string_view id, std::int64_t timestamp,
                 std::string_view body) {
    std::string key = signing_key(secret);
    std::string message;
    message.reserve(id.size() + body.size() + 22);
    message.append(id).append(".").append(std::to_string(timestamp)).append(".").append(body);
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int mac_len = 0;
    // key.data() is never null, even for an empty key, which HMAC() would otherwise refuse.
    if (HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
             reinterpret_cast<const unsigned char*>(message.data()), message.size(), mac,
             &mac_len) == nullptr) {
        // HMAC-SHA256 over memory cannot fail short of a broken OpenSSL installation.
        std::abort();
    }
    return "v1," + base64_encode(std::string_view(reinterpret_cast<const char*>(mac), mac_len));
}

std::string signature_header(const std::vector<std::string>& secrets, std::string_view id,
                             std::int64_t timestamp, std::string_view body) {
    std::string out;
    for (const auto& secret : secrets) {
        if (!out.empty()) out.push_back(' ');
        out += sign(secret, id, timestamp, body);
    }
    return out;
}

}  // namespace etp::webhook
