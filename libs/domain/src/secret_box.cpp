#include "etp/domain/secret_box.hpp"

#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include <cstdlib>
#include <memory>

#include "etp/domain/error.hpp"
#include "etp/domain/hex.hpp"
#include "etp/domain/webhook_signature.hpp"

namespace etp::secrets {
namespace {

constexpr std::size_t kNonceBytes = 12;
constexpr std::size_t kTagBytes = 16;

struct CipherCtxFree {
    void operator()(EVP_CIPHER_CTX* ctx) const noexcept { EVP_CIPHER_CTX_free(ctx); }
};
using CipherCtx = std::unique_ptr<EVP_CIPHER_CTX, CipherCtxFree>;

CipherCtx new_ctx() {
    CipherCtx ctx(EVP_CIPHER_CTX_new());
    if (!ctx) throw Error(ErrorKind::kInternal, "EVP_CIPHER_CTX_new failed");
    return ctx;
}

const unsigned char* bytes_of(std::string_view text) {
    return reinterpret_cast<const unsigned char*>(text.data());
}

int int_size(std::string_view text) {
    if (text.size() > static_cast<std::size_t>(INT32_MAX))
        throw Error(ErrorKind::kInternal, "value too large to seal");
    return static_cast<int>(text.size());
}

std::string_view trim(std::string_view text) {
    while (!text.empty() && std::string_view(" \t\r\n").find(text.front()) != text.npos)
        text.remove_prefix(1);
    while (!text.empty() && std::string_view(" \t\r\n").find(text.back()) != text.npos)
        text.remove_suffix(1);
    return text;
}

}  // namespace

std::string derive_key_id(const std::array<unsigned char, 32>& bytes) {
    std::array<unsigned char, SHA256_DIGEST_LENGTH> digest{};
    SHA256(bytes.data(), bytes.size(), digest.data());
    return to_hex(std::span<const unsigned char>(digest.data(), 4));
}

std::optional<std::string> key_id_problem(std::string_view id) {
    if (id.empty() || id.size() > 32) return "must be 1 to 32 characters";
    for (char c : id) {
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '.' || c == '_' || c == '-';
        if (!ok) return "may hold only letters, digits, '.', '_' and '-'";
    }
    if (id == kPlainKeyId) return "must not be \"none\" (the id of values stored without a key)";
    return std::nullopt;
}

std::optional<SecretKey> parse_key(std::string_view base64, std::string_view id,
                                   std::string& problem) {
    auto decoded = webhook::base64_decode(trim(base64));
    if (!decoded || decoded->size() != 32) {
        problem = "must be base64 of 32 random bytes (e.g. the output of openssl rand -base64 32)";
        return std::nullopt;
    }
    SecretKey key;
    std::copy(decoded->begin(), decoded->end(), key.bytes.begin());
    if (id.empty()) {
        key.id = derive_key_id(key.bytes);
    } else if (auto bad = key_id_problem(id)) {
        problem = "key id " + *bad;
        return std::nullopt;
    } else {
        key.id = std::string(id);
    }
    return key;
}

SecretBox::SecretBox(std::optional<SecretKey> current, std::vector<SecretKey> previous)
    : current_(std::move(current)), previous_(std::move(previous)) {}

std::string_view SecretBox::key_id() const noexcept {
    return current_ ? std::string_view(current_->id) : kPlainKeyId;
}

bool SecretBox::needs_reseal(std::string_view key_id) const noexcept {
    return current_ && key_id != current_->id;
}

const SecretKey* SecretBox::find(std::string_view key_id) const noexcept {
    if (current_ && current_->id == key_id) return &*current_;
    for (const auto& key : previous_)
        if (key.id == key_id) return &key;
    return nullptr;
}

Sealed SecretBox::seal(std::string_view plain, std::string_view aad) const {
    if (!current_) return {std::string(kPlainKeyId), std::string(plain)};
    std::string out(kNonceBytes + plain.size() + kTagBytes, '\0');
    auto* nonce = reinterpret_cast<unsigned char*>(out.data());
    if (RAND_bytes(nonce, static_cast<int>(kNonceBytes)) != 1) {
        // A nonce must never repeat under a key; without a working CSPRNG nothing is safe.
        std::abort();
    }
    CipherCtx ctx = new_ctx();
    int len = 0;
    bool ok = EVP_EncryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, nullptr, nullptr) == 1 &&
              EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_IVLEN, static_cast<int>(kNonceBytes),
                                  nullptr) == 1 &&
              EVP_EncryptInit_ex(ctx.get(), nullptr, nullptr, current_->bytes.data(), nonce) == 1 &&
              EVP_EncryptUpdate(ctx.get(), nullptr, &len, bytes_of(aad), int_size(aad)) == 1 &&
              EVP_EncryptUpdate(ctx.get(), nonce + kNonceBytes, &len, bytes_of(plain),
                                int_size(plain)) == 1 &&
              EVP_EncryptFinal_ex(ctx.get(), nonce + kNonceBytes + len, &len) == 1 &&
              EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, static_cast<int>(kTagBytes),
                                  nonce + kNonceBytes + plain.size()) == 1;
    if (!ok) throw Error(ErrorKind::kInternal, "AES-256-GCM encryption failed");
    return {current_->id, webhook::base64_encode(out)};
}

std::string SecretBox::open(const Sealed& sealed, std::string_view aad) const {
    if (sealed.key_id == kPlainKeyId) return sealed.value;
    const SecretKey* key = find(sealed.key_id);
    if (key == nullptr)
        throw Error(ErrorKind::kInternal,
                    "a stored secret was encrypted with key id \"" + sealed.key_id +
                        "\", which is neither ETP_SECRET_KEY nor in ETP_SECRET_KEYS_PREVIOUS");
    const std::string failed =
        "a stored secret encrypted with key id \"" + sealed.key_id +
        "\" does not decrypt (altered, moved from another row, or another key with that id)";
    auto raw = webhook::base64_decode(sealed.value);
    if (!raw || raw->size() < kNonceBytes + kTagBytes) throw Error(ErrorKind::kInternal, failed);
    const auto* nonce = bytes_of(*raw);
    const std::size_t text_size = raw->size() - kNonceBytes - kTagBytes;
    std::string plain(text_size, '\0');
    std::string tag = raw->substr(kNonceBytes + text_size);
    CipherCtx ctx = new_ctx();
    int len = 0;
    auto* out = reinterpret_cast<unsigned char*>(plain.data());
    bool ok = EVP_DecryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, nullptr, nullptr) == 1 &&
              EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_IVLEN, static_cast<int>(kNonceBytes),
                                  nullptr) == 1 &&
              EVP_DecryptInit_ex(ctx.get(), nullptr, nullptr, key->bytes.data(), nonce) == 1 &&
              EVP_DecryptUpdate(ctx.get(), nullptr, &len, bytes_of(aad), int_size(aad)) == 1 &&
              EVP_DecryptUpdate(ctx.get(), out, &len, nonce + kNonceBytes,
                                static_cast<int>(text_size)) == 1 &&
              EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, static_cast<int>(kTagBytes),
                                  tag.data()) == 1 &&
              EVP_DecryptFinal_ex(ctx.get(), out + len, &len) == 1;
    if (!ok) throw Error(ErrorKind::kInternal, failed);
    return plain;
}

}  // namespace etp::secrets
