// Every service against a Kafka that wants TLS and a SCRAM-SHA-512 login, as managed Kafka
// does: the test makes a CA and a broker certificate with openssl, Apache Kafka listens for
// SASL_SSL next to its plaintext listener (which only the harness uses, to create the topics),
// and the gateway, the dispatcher and the scheduler connect over SASL_SSL. A fired event is
// logged and its webhook delivered. A service given a wrong password, and one that does not
// trust the broker's CA, each log one clear error, stay unready, keep retrying and stay up.
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <thread>

#include "etp/testing/webhook_receiver.hpp"
#include "platform.hpp"

using namespace std::chrono_literals;
using etp::testing::run_command;
using nlohmann::json;

namespace {

const std::string kUser = "etp-services";
const std::string kPassword = "s3cret-Pa55word";

// A CA, a second CA nobody trusts, and the broker's key and certificate (signed by the first,
// for 127.0.0.1), written to a fresh directory.
struct Certificates {
    std::filesystem::path dir;
    std::filesystem::path ca;
    std::filesystem::path other_ca;
    std::filesystem::path keystore;  // the broker's PKCS#8 key + certificate chain, PEM

    Certificates() {
        std::string pattern = (std::filesystem::temp_directory_path() / "etp-tls-XXXXXX");
        REQUIRE(::mkdtemp(pattern.data()) != nullptr);
        dir = pattern;
        ca = dir / "ca.pem";
        other_ca = dir / "other-ca.pem";
        keystore = dir / "broker-keystore.pem";
        openssl({"req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj",
                 "/CN=etp test CA", "-keyout", (dir / "ca.key").string(), "-out", ca.string()});
        openssl({"req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj",
                 "/CN=someone else's CA", "-keyout", (dir / "other-ca.key").string(), "-out",
                 other_ca.string()});
        openssl({"req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=127.0.0.1", "-keyout",
                 (dir / "broker.key").string(), "-out", (dir / "broker.csr").string()});
        std::ofstream(dir / "san.cnf") << "subjectAltName=IP:127.0.0.1,DNS:localhost\n";
        openssl({"x509", "-req", "-days", "2", "-in", (dir / "broker.csr").string(), "-CA",
                 ca.string(), "-CAkey", (dir / "ca.key").string(), "-CAcreateserial", "-out",
                 (dir / "broker.pem").string(), "-extfile", (dir / "san.cnf").string()});
        std::ofstream out(keystore);
        for (const char* part : {"broker.key", "broker.pem", "ca.pem"})
            out << std::ifstream(dir / part).rdbuf();
    }
    ~Certificates() {
        std::error_code ignored;
        std::filesystem::remove_all(dir, ignored);
    }

    static void openssl(const std::vector<std::string>& args) {
        auto result = run_command("/usr/bin/openssl", args, {}, 60s);
        INFO(result.out << result.err);
        REQUIRE(result.exit_code == 0);
    }
};

std::size_t count_of(const std::string& text, const std::string& needle) {
    std::size_t n = 0;
    for (auto at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++n;
    return n;
}

}  // namespace

TEST_CASE("the platform runs over SASL_SSL with SCRAM-SHA-512; bad credentials stay unready") {
    Certificates tls;
    etp::testing::KafkaBrokerOptions options;
    options.sasl_ssl = true;
    options.tls_keystore = tls.keystore.string();
    options.scram_users = {kUser + ":" + kPassword};
    etp::testing::KafkaBroker broker(options);

    const std::filesystem::path password_file = tls.dir / "kafka-password";
    std::ofstream(password_file) << kPassword << "\n";
    const etp::testing::Env secure = {
        {"KAFKA_BROKERS", broker.sasl_ssl_bootstrap()}, {"KAFKA_SECURITY_PROTOCOL", "SASL_SSL"},
        {"KAFKA_SASL_MECHANISM", "SCRAM-SHA-512"},      {"KAFKA_SASL_USERNAME", kUser},
        {"KAFKA_SSL_CA_LOCATION", tls.ca.string()},
    };
    auto with = [&](etp::testing::Env extra) {
        etp::testing::Env env = secure;
        for (auto& [k, v] : extra) env[k] = v;
        return env;
    };

    // The password from a file for one service, from the environment for the others.
    auto gateway =
        etp::e2e::make_service("api-gateway", with({{"KAFKA_SASL_PASSWORD", kPassword}}));
    auto dispatcher = etp::e2e::make_service(
        "dispatcher", with({{"KAFKA_SASL_PASSWORD_FILE", password_file.string()}}));
    auto scheduler =
        etp::e2e::make_service("scheduler", with({{"KAFKA_SASL_PASSWORD", kPassword}}));
    // The gateway first: it applies the migrations.
    for (auto* s : {&gateway, &dispatcher, &scheduler}) {
        const bool ready = s->start_and_wait();
        INFO(s->process->output());
        REQUIRE(ready);
    }

    {  // fire -> log -> webhook, and a scheduled trigger, all over SASL_SSL
        etp::testing::WebhookReceiver receiver;
        etp::e2e::Api api(gateway.http_port);
        auto created = api.post(
            "/api/v1/triggers",
            {{"name", "over tls"}, {"type", "api"}, {"target", {{"url", receiver.url("/tls")}}}});
        REQUIRE(created);
        REQUIRE(created->status == 201);
        const std::string id = json::parse(created->body)["id"];
        auto fired = api.post("/api/v1/triggers/" + id + "/fire", {{"secure", true}});
        REQUIRE(fired);
        REQUIRE(fired->status == 202);
        const std::string event_id = json::parse(fired->body)["event_id"];

        auto got = receiver.wait_for_count("/tls", 1, 60s);
        REQUIRE(got.size() == 1);
        CHECK(got[0].header("webhook-id") == event_id);
        CHECK(json::parse(got[0].body)["data"]["payload"] == json{{"secure", true}});
        auto event = api.get("/api/v1/events/" + event_id);
        REQUIRE(event);
        CHECK(event->status == 200);

        auto scheduled = api.post("/api/v1/triggers", {{"name", "tls schedule"},
                                                       {"type", "scheduled"},
                                                       {"schedule", {{"interval_seconds", 1}}}});
        REQUIRE(scheduled);
        REQUIRE(scheduled->status == 201);
        const std::string scheduled_id = json::parse(scheduled->body)["id"];
        CHECK(etp::e2e::eventually(
            [&] {
                return etp::e2e::db()
                           .exec("SELECT count(*) FROM events WHERE trigger_id = $1::uuid",
                                 {scheduled_id})
                           .integer(0, 0) >= 2;
            },
            60s));

        // The password never shows in a log.
        for (auto* s : {&gateway, &dispatcher, &scheduler}) {
            CHECK(s->process->output().find(kPassword) == std::string::npos);
        }
    }

    {  // a wrong password: one clear error, unready, retrying, alive
        auto wrong = etp::e2e::make_service("retention",
                                            with({{"KAFKA_SASL_PASSWORD", "not-the-password"}}));
        wrong.process->start();
        // It keeps trying for a while; it never becomes ready and never exits.
        std::this_thread::sleep_for(15s);
        REQUIRE(wrong.process->running());
        auto [status, body] = etp::e2e::readyz(wrong.admin_port);
        INFO(body);
        CHECK(status == 503);
        CHECK(body.find("authentication") != std::string::npos);
        const std::string log = wrong.process->output();
        INFO(log.substr(0, 6000));
        CHECK(count_of(log, "\"msg\":\"kafka authentication failed\"") == 1);
        CHECK(log.find("not-the-password") == std::string::npos);
        CHECK(wrong.process->terminate(15s) == 0);
    }

    {  // a CA the service does not trust: one clear error, unready, alive
        auto untrusting = etp::e2e::make_service(
            "retention", with({{"KAFKA_SASL_PASSWORD", kPassword},
                               {"KAFKA_SSL_CA_LOCATION", tls.other_ca.string()}}));
        untrusting.process->start();
        std::this_thread::sleep_for(15s);
        REQUIRE(untrusting.process->running());
        auto [status, body] = etp::e2e::readyz(untrusting.admin_port);
        INFO(body);
        CHECK(status == 503);
        CHECK((body.find("TLS") != std::string::npos || body.find("SSL") != std::string::npos ||
               body.find("certificate") != std::string::npos));
        const std::string log = untrusting.process->output();
        INFO(log.substr(0, 6000));
        CHECK(count_of(log, "\"msg\":\"kafka TLS handshake failed\"") == 1);
        CHECK(untrusting.process->terminate(15s) == 0);
    }

    for (auto* s : {&gateway, &scheduler, &dispatcher}) {
        INFO(s->process->output().substr(0, 4000));
        CHECK(s->process->terminate(15s) == 0);
    }
}
