#include <catch2/catch.hpp>

#include <set>

#include "etp/domain/webhook_signature.hpp"

using etp::webhook::base64_decode;
using etp::webhook::base64_encode;
using etp::webhook::secret_problem;
using etp::webhook::sign;
using etp::webhook::signature_header;

namespace {
// The Standard Webhooks reference example, checked independently with
// `openssl dgst -sha256 -mac HMAC -macopt hexkey:31f290f6...` | base64.
constexpr std::string_view kSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
constexpr std::string_view kId = "msg_p5jXN8AQM9LWM0D4loKWxJek";
constexpr std::int64_t kTimestamp = 1614265330;
constexpr std::string_view kBody = "{\"test\": 2432232314}";
constexpr std::string_view kSignature = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";
}  // namespace

TEST_CASE("base64 matches the RFC 4648 test vectors both ways") {
    const std::pair<std::string_view, std::string_view> vectors[] = {{"", ""},
                                                                     {"f", "Zg=="},
                                                                     {"fo", "Zm8="},
                                                                     {"foo", "Zm9v"},
                                                                     {"foob", "Zm9vYg=="},
                                                                     {"fooba", "Zm9vYmE="},
                                                                     {"foobar", "Zm9vYmFy"}};
    for (const auto& [bytes, text] : vectors) {
        INFO(bytes);
        CHECK(base64_encode(bytes) == text);
        CHECK(base64_decode(text) == std::string(bytes));
    }
}

TEST_CASE("base64 round-trips every byte value") {
    std::string all;
    for (int i = 0; i < 256; ++i) all.push_back(static_cast<char>(i));
    std::string text = base64_encode(all);
    CHECK(text.find_first_of("+/") != std::string::npos);
    CHECK(base64_decode(text) == all);
}

TEST_CASE("base64 decoding accepts only canonical padded text") {
    for (const char* bad : {"Zg", "Zg=", "Zm8", "Zg===", "====", "Z===", "Zm9v=", "Zg==Zm8=",
                            "Zm=v", "Zh==", "Zm9=", "Zm 9v", "Zm9v\n", "Zm-v", "Zm_v", "é123"}) {
        INFO(bad);
        CHECK_FALSE(base64_decode(bad));
    }
}

TEST_CASE("the Standard Webhooks reference signature is reproduced") {
    CHECK(sign(kSecret, kId, kTimestamp, kBody) == kSignature);
    // Any change to id, timestamp or body changes it.
    CHECK(sign(kSecret, "msg_other", kTimestamp, kBody) != kSignature);
    CHECK(sign(kSecret, kId, kTimestamp + 1, kBody) != kSignature);
    CHECK(sign(kSecret, kId, kTimestamp, "{\"test\": 2432232315}") != kSignature);
}

TEST_CASE("a secret not in whsec_ form signs with its raw bytes") {
    // printf 'id.1.body' | openssl dgst -sha256 -mac HMAC -macopt key:legacy-secret-1234 -binary
    CHECK(sign("legacy-secret-1234", "id", 1, "body") ==
          "v1,pCLGKY36jZvdBKTeTy2vocWocPZcwEGYafXODwOWYFc=");
    // A whsec_ secret whose rest is not base64 is also taken as raw bytes, prefix included.
    CHECK(sign("whsec_not base64!", "id", 1, "body") ==
          "v1,dX23dNFpZQUghj0rLHgsY5/4aR0Oph/QKz/K5tcIA84=");
}

TEST_CASE("the signature header has one entry per secret") {
    std::string other = etp::webhook::generate_secret();
    CHECK(signature_header({}, kId, kTimestamp, kBody).empty());
    CHECK(signature_header({std::string(kSecret)}, kId, kTimestamp, kBody) == kSignature);
    CHECK(signature_header({std::string(kSecret), other}, kId, kTimestamp, kBody) ==
          std::string(kSignature) + " " + sign(other, kId, kTimestamp, kBody));
}

TEST_CASE("generated secrets are valid, 32 bytes and different each time") {
    std::set<std::string> seen;
    for (int i = 0; i < 20; ++i) {
        std::string secret = etp::webhook::generate_secret();
        CHECK_FALSE(secret_problem(secret));
        REQUIRE(secret.starts_with("whsec_"));
        CHECK(base64_decode(secret.substr(6))->size() == 32);
        seen.insert(secret);
    }
    CHECK(seen.size() == 20);
}

TEST_CASE("secret problems are named") {
    auto key = [](std::size_t n) { return "whsec_" + base64_encode(std::string(n, 'k')); };
    CHECK_FALSE(secret_problem(kSecret));
    CHECK_FALSE(secret_problem(key(24)));
    CHECK_FALSE(secret_problem(key(64)));
    CHECK(secret_problem("") == "must start with whsec_");
    CHECK(secret_problem("0123456789abcdefXYZ") == "must start with whsec_");
    CHECK(secret_problem("WHSEC_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw") == "must start with whsec_");
    const std::string wrong_form = "must be whsec_ followed by base64 of 24 to 64 bytes";
    CHECK(secret_problem("whsec_") == wrong_form);
    CHECK(secret_problem(key(23)) == wrong_form);
    CHECK(secret_problem(key(65)) == wrong_form);
    CHECK(secret_problem("whsec_0123456789abcdef") == wrong_form);  // 12 bytes
    CHECK(secret_problem("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw=") == wrong_form);
    CHECK(secret_problem("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2La-aSw") == wrong_form);
}
