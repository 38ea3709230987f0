#include <catch2/catch.hpp>

#include "etp/domain/error.hpp"
#include "etp/domain/secret_box.hpp"
#include "etp/domain/webhook_signature.hpp"

using namespace etp;
using namespace etp::secrets;

namespace {

SecretKey key_of(char fill, std::string id = "") {
    std::string problem;
    auto key = parse_key(webhook::base64_encode(std::string(32, fill)), id, problem);
    REQUIRE(key);
    return *key;
}

const std::string kSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

}  // namespace

TEST_CASE("secret box: a sealed value opens to the same text and does not contain it") {
    SecretBox box(key_of('a'), {});
    Sealed sealed = box.seal(kSecret, "trigger_secrets/t1/s1");
    CHECK(sealed.key_id == key_of('a').id);
    CHECK(sealed.value.find("MfKQ9r8G") == std::string::npos);
    CHECK(sealed.value.find("whsec_") == std::string::npos);
    CHECK(box.open(sealed, "trigger_secrets/t1/s1") == kSecret);
    // A fresh nonce each time: the same secret never seals to the same text.
    CHECK(box.seal(kSecret, "trigger_secrets/t1/s1").value != sealed.value);
    CHECK(box.open(box.seal("", "x"), "x").empty());
}

TEST_CASE("secret box: an unknown key id is a clear error naming it") {
    SecretBox a(key_of('a', "key-a"), {});
    SecretBox b(key_of('b', "key-b"), {});
    Sealed sealed = a.seal(kSecret, "aad");
    try {
        (void)b.open(sealed, "aad");
        FAIL("opened with the wrong key");
    } catch (const Error& e) {
        CHECK(std::string(e.what()).find("\"key-a\"") != std::string::npos);
        CHECK(std::string(e.what()).find("ETP_SECRET_KEYS_PREVIOUS") != std::string::npos);
    }
}

TEST_CASE("secret box: a different key under the same id does not open the value") {
    SecretBox a(key_of('a', "same"), {});
    SecretBox b(key_of('b', "same"), {});
    CHECK_THROWS_WITH(b.open(a.seal(kSecret, "aad"), "aad"), Catch::Contains("does not decrypt"));
}

TEST_CASE("secret box: a tampered value fails") {
    SecretBox box(key_of('a'), {});
    Sealed sealed = box.seal(kSecret, "aad");
    auto raw = *webhook::base64_decode(sealed.value);
    for (std::size_t at : {std::size_t{0}, std::size_t{12}, raw.size() - 1}) {
        std::string changed = raw;
        changed[at] = static_cast<char>(changed[at] ^ 0x01);
        Sealed bad{sealed.key_id, webhook::base64_encode(changed)};
        CHECK_THROWS_WITH(box.open(bad, "aad"), Catch::Contains("does not decrypt"));
    }
    CHECK_THROWS_WITH(box.open({sealed.key_id, "AAAA"}, "aad"),
                      Catch::Contains("does not decrypt"));
    CHECK_THROWS_WITH(box.open({sealed.key_id, "not base64!"}, "aad"),
                      Catch::Contains("does not decrypt"));
}

TEST_CASE("secret box: a value moved to another row (other associated data) fails") {
    SecretBox box(key_of('a'), {});
    Sealed sealed = box.seal(kSecret, "trigger_secrets/t1/s1");
    CHECK_THROWS_WITH(box.open(sealed, "trigger_secrets/t2/s1"),
                      Catch::Contains("does not decrypt"));
}

TEST_CASE("secret box: previous keys open, the current key seals, resealing is asked for") {
    SecretKey a = key_of('a');
    SecretKey b = key_of('b');
    Sealed old = SecretBox(a, {}).seal(kSecret, "aad");
    SecretBox rotated(b, {a});
    CHECK(rotated.open(old, "aad") == kSecret);
    CHECK(rotated.needs_reseal(a.id));
    CHECK(rotated.needs_reseal(kPlainKeyId));
    CHECK_FALSE(rotated.needs_reseal(b.id));
    CHECK(rotated.seal(kSecret, "aad").key_id == b.id);
}

TEST_CASE("secret box: without a key values stay as they are, under key id none") {
    SecretBox plain;
    CHECK_FALSE(plain.has_key());
    CHECK(plain.key_id() == "none");
    Sealed sealed = plain.seal(kSecret, "aad");
    CHECK(sealed.key_id == "none");
    CHECK(sealed.value == kSecret);
    CHECK(plain.open(sealed, "aad") == kSecret);
    CHECK_FALSE(plain.needs_reseal("none"));
    CHECK_FALSE(plain.needs_reseal("0badc0de"));
    // A box with a key still reads values written before it had one.
    CHECK(SecretBox(key_of('a'), {}).open(sealed, "aad") == kSecret);
}

TEST_CASE("secret keys: parsing, ids and problems that never echo the key") {
    std::string problem;
    auto key = parse_key(" " + webhook::base64_encode(std::string(32, 'k')) + "\n", "", problem);
    REQUIRE(key);
    CHECK(key->id.size() == 8);
    CHECK(key->id == derive_key_id(key->bytes));
    CHECK(parse_key(webhook::base64_encode(std::string(32, 'k')), "prod-2026", problem)->id ==
          "prod-2026");

    const std::string short_key = webhook::base64_encode(std::string(16, 'k'));
    CHECK_FALSE(parse_key(short_key, "", problem));
    CHECK(problem.find("32") != std::string::npos);
    CHECK(problem.find(short_key) == std::string::npos);
    CHECK_FALSE(parse_key("not-base64", "", problem));
    CHECK_FALSE(parse_key(webhook::base64_encode(std::string(32, 'k')), "none", problem));
    CHECK(problem.find("none") != std::string::npos);
    CHECK_FALSE(parse_key(webhook::base64_encode(std::string(32, 'k')), "a:b", problem));
}
