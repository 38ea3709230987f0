#include "etp/testing/webhook_verifier.hpp"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <array>
#include <charconv>
#include <stdexcept>

namespace etp::testing {
namespace {

constexpr std::string_view kAlphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr std::string_view kSecretPrefix = "whsec_";

int sextet(char c) {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
}

}  // namespace

std::string base64_encode(std::string_view bytes) {
    std::string out;
    out.reserve((bytes.size() + 2) / 3 * 4);
    std::size_t i = 0;
    for (; i + 3 <= bytes.size(); i += 3) {
        const unsigned v = static_cast<unsigned char>(bytes[i]) << 16 |
                           static_cast<unsigned char>(bytes[i + 1]) << 8 |
                           static_cast<unsigned char>(bytes[i + 2]);
        out += kAlphabet[v >> 18 & 63];
        out += kAlphabet[v >> 12 & 63];
        out += kAlphabet[v >> 6 & 63];
        out += kAlphabet[v & 63];
    }
    const std::size_t rest = bytes.size() - i;
    if (rest == 1) {
        const unsigned v = static_cast<unsigned char>(bytes[i]) << 16;
        out += kAlphabet[v >> 18 & 63];
        out += kAlphabet[v >> 12 & 63];
        out += "==";
    } else if (rest == 2) {
        const unsigned v = static_cast<unsigned char>(bytes[i]) << 16 |
                           static_cast<unsigned char>(bytes[i + 1]) << 8;
        out += kAlphabet[v >> 18 & 63];
        out += kAlphabet[v >> 12 & 63];
        out += kAlphabet[v >> 6 & 63];
        out += '=';
    }
    return out;
}

std::optional<std::string> base64_decode(std::string_view text) {
    if (text.size() % 4 != 0) return std::nullopt;
    std::string out;
    out.reserve(text.size() / 4 * 3);
    for (std::size_t i = 0; i < text.size(); i += 4) {
        const bool last = i + 4 == text.size();
        std::array<int, 4> s{};
        int padding = 0;
        for (std::size_t k = 0; k < 4; ++k) {
            const char c = text[i + k];
            if (c == '=' && last && k >= 2) {
                ++padding;
                s[k] = 0;
                continue;
            }
            if (padding > 0) return std::nullopt;  // data after '='
            s[k] = sextet(c);
            if (s[k] < 0) return std::nullopt;
        }
        const unsigned v = static_cast<unsigned>(s[0]) << 18 | static_cast<unsigned>(s[1]) << 12 |
                           static_cast<unsigned>(s[2]) << 6 | static_cast<unsigned>(s[3]);
        out += static_cast<char>(v >> 16 & 0xff);
        if (padding < 2) out += static_cast<char>(v >> 8 & 0xff);
        if (padding < 1) out += static_cast<char>(v & 0xff);
    }
    return out;
}

std::string make_secret(std::size_t bytes) {
    std::string raw(bytes, '\0');
    if (RAND_bytes(reinterpret_cast<unsigned char*>(raw.data()), static_cast<int>(raw.size())) != 1)
        throw std::runtime_error("RAND_bytes failed");
    return std::string(kSecretPrefix) + base64_encode(raw);
}

std::string expected_signature(std::string_view secret, std::string_view id,
                               std::string_view timestamp, std::string_view body) {
    if (secret.substr(0, kSecretPrefix.size()) != kSecretPrefix)
        throw std::invalid_argument("a webhook secret starts with whsec_");
    const auto key = base64_decode(secret.substr(kSecretPrefix.size()));
    if (!key) throw std::invalid_argument("a webhook secret is whsec_ + base64");
    std::string content;
    content.reserve(id.size() + timestamp.size() + body.size() + 2);
    content.append(id).append(".").append(timestamp).append(".").append(body);
    std::array<unsigned char, EVP_MAX_MD_SIZE> mac{};
    unsigned int mac_size = 0;
    if (HMAC(EVP_sha256(), key->data(), static_cast<int>(key->size()),
             reinterpret_cast<const unsigned char*>(content.data()), content.size(), mac.data(),
             &mac_size) == nullptr)
        throw std::runtime_error("HMAC-SHA256 failed");
    return base64_encode(std::string_view(reinterpret_cast<const char*>(mac.data()), mac_size));
}

std::vector<std::string> v1_signatures(std::string_view header) {
    std::vector<std::string> out;
    std::size_t pos = 0;
    while (pos < header.size()) {
        const std::size_t space = header.find(' ', pos);
        const std::string_view entry = header.substr(
            pos, space == std::string_view::npos ? std::string_view::npos : space - pos);
        if (entry.substr(0, 3) == "v1,") out.emplace_back(entry.substr(3));
        if (space == std::string_view::npos) break;
        pos = space + 1;
    }
    return out;
}

SignatureCheck verify_webhook(const ReceivedRequest& request,
                              const std::vector<std::string>& secrets,
                              std::chrono::seconds tolerance) {
    SignatureCheck check;
    check.matches.resize(secrets.size());
    const auto id = request.header("webhook-id");
    const auto timestamp = request.header("webhook-timestamp");
    const auto signature = request.header("webhook-signature");
    if (!id || !timestamp || !signature) {
        check.problem = "webhook-id, webhook-timestamp or webhook-signature is missing";
        return check;
    }
    std::int64_t seconds = 0;
    const auto [end, ec] =
        std::from_chars(timestamp->data(), timestamp->data() + timestamp->size(), seconds);
    if (ec != std::errc() || end != timestamp->data() + timestamp->size()) {
        check.problem = "webhook-timestamp is not an integer: " + *timestamp;
        return check;
    }
    const auto sent = std::chrono::system_clock::time_point(std::chrono::seconds(seconds));
    const auto arrived = request.received_at;
    if (sent < arrived - tolerance || sent > arrived + tolerance) {
        check.problem =
            "webhook-timestamp " + *timestamp + " is not within the tolerance of its arrival";
        return check;
    }
    const std::vector<std::string> entries = v1_signatures(*signature);
    if (entries.empty()) {
        check.problem = "webhook-signature has no v1 entry: " + *signature;
        return check;
    }
    for (std::size_t s = 0; s < secrets.size(); ++s) {
        const std::string expected = expected_signature(secrets[s], *id, *timestamp, request.body);
        for (std::size_t e = 0; e < entries.size(); ++e) {
            if (entries[e] == expected) {
                check.matches[s].push_back(e);
                check.ok = true;
            }
        }
    }
    if (!check.ok) check.problem = "no v1 entry matches any secret: " + *signature;
    return check;
}

}  // namespace etp::testing
