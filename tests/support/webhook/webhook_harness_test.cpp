// The webhook harness checks itself: the verifier against the Standard Webhooks specification's
// example and against tampering, and the receiver through a real HTTP client.
#include <httplib.h>

#include <catch2/catch.hpp>

#include "etp/testing/webhook_receiver.hpp"
#include "etp/testing/webhook_verifier.hpp"

using namespace std::chrono_literals;
using etp::testing::ReceivedRequest;
using etp::testing::Reply;
using etp::testing::WebhookReceiver;

namespace {

// The example of https://github.com/standard-webhooks/standard-webhooks
// (spec/standard-webhooks.md).
constexpr const char* kSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
constexpr const char* kId = "msg_p5jXN8AQM9LWM0D4loKWxJek";
constexpr const char* kTimestamp = "1614265330";
constexpr const char* kBody = R"({"test": 2432232314})";
constexpr const char* kSignature = "g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";

ReceivedRequest example() {
    ReceivedRequest r;
    r.headers = {{"webhook-id", kId},
                 {"webhook-timestamp", kTimestamp},
                 {"webhook-signature", std::string("v1,bm90IGl0 v1,") + kSignature}};
    r.body = kBody;
    r.received_at = std::chrono::system_clock::time_point(std::chrono::seconds(1614265330 + 60));
    return r;
}

}  // namespace

TEST_CASE("base64 round-trips and refuses what is not base64") {
    const std::vector<std::string> samples = {"",     "f",     "fo",     "foo",
                                              "foob", "fooba", "foobar", std::string("\0\xff", 2)};
    for (const auto& s : samples)
        CHECK(etp::testing::base64_decode(etp::testing::base64_encode(s)) == s);
    CHECK(etp::testing::base64_encode("foobar") == "Zm9vYmFy");
    CHECK(etp::testing::base64_encode("fo") == "Zm8=");
    CHECK_FALSE(etp::testing::base64_decode("Zm8").has_value());
    CHECK_FALSE(etp::testing::base64_decode("Z=8=").has_value());
    CHECK_FALSE(etp::testing::base64_decode("Zm8*").has_value());
}

TEST_CASE("the verifier accepts the specification's example and nothing altered") {
    CHECK(etp::testing::expected_signature(kSecret, kId, kTimestamp, kBody) == kSignature);
    auto check = etp::testing::verify_webhook(example(), {etp::testing::make_secret(), kSecret});
    CHECK(check.ok);
    CHECK(check.matches[0].empty());
    CHECK(check.matches[1] == std::vector<std::size_t>{1});

    auto altered = example();
    altered.body += " ";
    CHECK_FALSE(etp::testing::verify_webhook(altered, {kSecret}).ok);
    altered = example();
    altered.headers.find("webhook-id")->second += "x";
    CHECK_FALSE(etp::testing::verify_webhook(altered, {kSecret}).ok);
    altered = example();
    altered.received_at += 10min;  // replayed later than the tolerance
    CHECK_FALSE(etp::testing::verify_webhook(altered, {kSecret}).ok);
    altered = example();
    altered.headers.erase("webhook-signature");
    CHECK_FALSE(etp::testing::verify_webhook(altered, {kSecret}).ok);
    CHECK_FALSE(etp::testing::verify_webhook(example(), {etp::testing::make_secret()}).ok);
}

TEST_CASE("the receiver records requests and answers as scripted") {
    WebhookReceiver receiver;
    receiver.respond("/flaky", [](const ReceivedRequest& r) {
        if (r.index_on_path == 1) return Reply{503, {{"Retry-After", "1"}}, "down"};
        return Reply{201, {}, "up", 300ms};
    });
    httplib::Client client("127.0.0.1", receiver.port());
    auto res = client.Post("/flaky", {{"Webhook-Id", "a"}}, "one", "application/json");
    REQUIRE(res);
    CHECK(res->status == 503);
    CHECK(res->get_header_value("Retry-After") == "1");
    CHECK(res->body == "down");
    const auto before = std::chrono::steady_clock::now();
    res = client.Post("/flaky", {{"Webhook-Id", "b"}}, "two", "application/json");
    REQUIRE(res);
    CHECK(res->status == 201);
    CHECK(std::chrono::steady_clock::now() - before >= 300ms);
    res = client.Put("/other", "three", "text/plain");
    REQUIRE(res);
    CHECK(res->status == 200);

    auto got = receiver.wait_for_count("/flaky", 2, 5s);
    REQUIRE(got.size() == 2);
    CHECK(got[0].method == "POST");
    CHECK(got[0].header("WEBHOOK-ID") == "a");
    CHECK(got[1].body == "two");
    CHECK(got[1].index_on_path == 2);
    CHECK(receiver.count() == 3);
    CHECK(receiver.requests("/other")[0].method == "PUT");
    CHECK(receiver.webhook_ids() == std::set<std::string>{"a", "b"});
    CHECK(receiver.in_flight() == 0);
    CHECK_FALSE(receiver.wait_until([](const auto& all) { return all.size() > 3; }, 100ms));
}
