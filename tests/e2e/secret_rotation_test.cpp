// Keys of the secrets at rest, through the real binaries: rows written without a key are
// encrypted when a key is set, rows of a previous key are encrypted again under the current one
// at the gateway's start, and webhooks stay signed by the same secrets throughout. Its own test
// process: it restarts the services with other keys on the shared database.
#include <catch2/catch.hpp>

#include "etp/testing/webhook_receiver.hpp"
#include "etp/testing/webhook_verifier.hpp"
#include "platform.hpp"

using namespace std::chrono_literals;
using etp::e2e::body_of;
using etp::e2e::db;
using etp::e2e::make_service;
using etp::e2e::Service;
using etp::testing::verify_webhook;
using etp::testing::WebhookReceiver;
using nlohmann::json;

namespace {

const std::string kKeyA = etp::testing::base64_encode("rotation-test-key-a-0123456789ab");
const std::string kKeyB = etp::testing::base64_encode("rotation-test-key-b-0123456789ab");
const std::string kKeyC = etp::testing::base64_encode("rotation-test-key-c-0123456789ab");

struct Pair {
    Service gateway;
    Service dispatcher;
    Pair(const etp::testing::Env& gateway_env, const etp::testing::Env& dispatcher_env)
        : gateway(make_service("api-gateway", gateway_env)),
          dispatcher(make_service("dispatcher", dispatcher_env)) {
        if (!gateway.start_and_wait())
            FAIL("api-gateway not ready:\n" << gateway.process->output());
        if (!dispatcher.start_and_wait())
            FAIL("dispatcher not ready:\n" << dispatcher.process->output());
    }
    ~Pair() {
        dispatcher.process->terminate(10s);
        gateway.process->terminate(10s);
    }
    etp::e2e::Api api() { return etp::e2e::Api(gateway.http_port); }
};

etp::testing::Env keys(const std::string& key, const std::string& id,
                       const std::string& previous = "") {
    return {
        {"ETP_SECRET_KEY", key}, {"ETP_SECRET_KEY_ID", id}, {"ETP_SECRET_KEYS_PREVIOUS", previous}};
}

std::string create(Pair& p, const std::string& name, const std::string& url,
                   const std::string& secret) {
    auto res = p.api().post(
        "/api/v1/triggers",
        {{"name", name}, {"type", "api"}, {"target", {{"url", url}, {"secret", secret}}}});
    REQUIRE(res);
    INFO(res->body);
    REQUIRE(res->status == 201);
    return body_of(res)["id"];
}

// Fires the trigger; the webhook that arrives as the receiver's `count`th on `path` must verify
// with `secret`.
void fire_and_verify(Pair& p, WebhookReceiver& receiver, const std::string& trigger,
                     const std::string& path, std::size_t count, const std::string& secret) {
    auto res = p.api().post("/api/v1/triggers/" + trigger + "/fire", {{"n", count}});
    REQUIRE(res);
    REQUIRE(res->status == 202);
    auto got = receiver.wait_for_count(path, count, 30s);
    REQUIRE(got.size() == count);
    auto check = verify_webhook(got[count - 1], {secret});
    INFO(path << " #" << count << ": " << check.problem);
    CHECK(check.ok);
}

std::vector<std::string> key_ids() {
    std::vector<std::string> out;
    auto r = db().exec("SELECT key_id FROM trigger_secrets ORDER BY key_id");
    for (int i = 0; i < r.rows(); ++i) out.emplace_back(r.text(i, 0));
    return out;
}

}  // namespace

TEST_CASE(
    "plain rows are encrypted once a key is set; a rotation rewrites them under the new key") {
    WebhookReceiver receiver;
    const std::string first = etp::testing::make_secret(32);
    const std::string second = etp::testing::make_secret(32);
    std::string first_id;
    std::string second_id;
    {
        // No key: the services start and store the secret as given, marked "none".
        Pair plain({{"ETP_SECRET_KEY", ""}}, {{"ETP_SECRET_KEY", ""}});
        CHECK(plain.gateway.process->output().find("ETP_SECRET_KEY is not set") !=
              std::string::npos);
        first_id = create(plain, "rotation first", receiver.url("/first"), first);
        CHECK(key_ids() == std::vector<std::string>{"none"});
        CHECK(db().exec("SELECT secret FROM trigger_secrets").text(0, 0) == first);
        fire_and_verify(plain, receiver, first_id, "/first", 1, first);
    }
    {
        // Key A: the plain row is encrypted at the gateway's start.
        Pair a(keys(kKeyA, "key-a"), keys(kKeyA, "key-a"));
        CHECK(key_ids() == std::vector<std::string>{"key-a"});
        CHECK(db().exec("SELECT count(*) FROM trigger_secrets WHERE strpos(secret, $1) > 0",
                        {first.substr(6, 16)})
                  .integer(0, 0) == 0);
        second_id = create(a, "rotation second", receiver.url("/second"), second);
        fire_and_verify(a, receiver, first_id, "/first", 2, first);
        fire_and_verify(a, receiver, second_id, "/second", 1, second);
    }
    {
        // A gateway with a key that opens none of the rows refuses to start, naming the key id.
        auto env = etp::e2e::base_env();
        for (auto& [k, v] : keys(kKeyC, "key-c")) env[k] = v;
        auto result = etp::testing::run_command(etp::e2e::binary("api-gateway"), {"--migrate-only"},
                                                env, 60s);
        CHECK(result.exit_code == 1);
        const std::string output = result.out + result.err;
        INFO(output);
        // In the JSON log line, the quotes around the id are escaped.
        CHECK(output.find("key id \\\"key-a\\\"") != std::string::npos);
        CHECK(output.find(kKeyC) == std::string::npos);
        CHECK(key_ids() == std::vector<std::string>{"key-a", "key-a"});
    }
    {
        // Key B with A as previous: every row is rewritten under B; a dispatcher that knows
        // only B signs with both secrets.
        Pair b(keys(kKeyB, "key-b", "key-a:" + kKeyA), keys(kKeyB, "key-b"));
        CHECK(key_ids() == std::vector<std::string>{"key-b", "key-b"});
        fire_and_verify(b, receiver, first_id, "/first", 3, first);
        fire_and_verify(b, receiver, second_id, "/second", 2, second);
    }
}
