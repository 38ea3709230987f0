// Every service documents its configuration, refuses a bad value with one line and exit code 2,
// becomes ready against real PostgreSQL and Kafka, and stops within 10 s on SIGTERM.
#include <catch2/catch.hpp>

#include "message_contract.hpp"
#include "platform.hpp"

using namespace std::chrono_literals;
using etp::testing::run_command;

namespace {
const std::vector<std::string> kServices = {"api-gateway", "scheduler", "cdc-capture", "dispatcher",
                                            "retention"};
}

TEST_CASE("every service prints its variables with --help") {
    for (const auto& name : kServices) {
        INFO(name);
        auto result = run_command(etp::e2e::binary(name), {"--help"}, {}, 10s);
        CHECK(result.exit_code == 0);
        for (const char* var : {"DATABASE_URL", "KAFKA_BROKERS", "KAFKA_TOPIC_PREFIX", "LOG_LEVEL",
                                "ADMIN_PORT", "(default: "}) {
            INFO(var);
            CHECK(result.out.find(var) != std::string::npos);
        }
    }
    CHECK(run_command(etp::e2e::binary("api-gateway"), {"--help"}, {}, 10s)
              .out.find("ETP_ADMIN_KEY") != std::string::npos);
    CHECK(run_command(etp::e2e::binary("cdc-capture"), {"--help"}, {}, 10s)
              .out.find("CDC_SOURCE_URL") != std::string::npos);
    CHECK(run_command(etp::e2e::binary("retention"), {"--help"}, {}, 10s)
              .out.find("EVENT_RETAIN_FOR") != std::string::npos);
}

TEST_CASE("every service refuses a malformed value with one line and exit code 2") {
    for (const auto& name : kServices) {
        INFO(name);
        auto result =
            run_command(etp::e2e::binary(name), {},
                        {{"DATABASE_URL", "not a url"}, {"KAFKA_BROKERS", "nohost"}}, 10s);
        CHECK(result.exit_code == 2);
        CHECK(result.out.empty());
        CHECK(std::count(result.err.begin(), result.err.end(), '\n') == 1);
        CHECK(result.err.find("DATABASE_URL=\"not a url\"") != std::string::npos);
        CHECK(result.err.find("KAFKA_BROKERS=\"nohost\"") != std::string::npos);
    }
    auto result =
        run_command(etp::e2e::binary("retention"), {}, {{"EVENT_ACTIVE_FOR", "2 hours"}}, 10s);
    CHECK(result.exit_code == 2);
    CHECK(result.err.find("EVENT_ACTIVE_FOR") != std::string::npos);
    result = run_command(etp::e2e::binary("dispatcher"), {"--frobnicate"}, {}, 10s);
    CHECK(result.exit_code == 2);
}

TEST_CASE("every service becomes ready and stops within 10 s on SIGTERM") {
    for (const auto& name : kServices) {
        INFO(name);
        auto service = etp::e2e::make_service(name);
        REQUIRE(service.start_and_wait());
        auto started = std::chrono::steady_clock::now();
        int code = service.process->terminate(10s);
        auto took = std::chrono::steady_clock::now() - started;
        INFO(service.process->output());
        CHECK(code == 0);
        CHECK(took < 10s);
        CHECK(service.process->output().find("\"msg\":\"" + name + " stopped\"") !=
              std::string::npos);
    }
}

TEST_CASE("the gateway answers 503 when Kafka is unreachable, and health says which") {
    // A broker of its own, stopped midway (the shared one serves the other tests).
    etp::testing::KafkaBroker broker;
    auto gateway = etp::e2e::make_service("api-gateway", {{"KAFKA_BROKERS", broker.bootstrap()}});
    REQUIRE(gateway.start_and_wait());
    etp::e2e::Api api(gateway.http_port);
    auto created = api.post("/api/v1/triggers", {{"name", "no bus"}, {"type", "api"}});
    REQUIRE(created);
    REQUIRE(created->status == 201);
    std::string id = nlohmann::json::parse(created->body)["id"];

    broker.stop();
    auto fired = api.post("/api/v1/triggers/" + id + "/fire", {{"x", 1}});
    REQUIRE(fired);
    CHECK(fired->status == 503);
    CHECK(fired->get_header_value("Content-Type") == "application/problem+json");

    auto health = api.get("/api/v1/health");
    REQUIRE(health);
    CHECK(health->status == 503);
    auto body = nlohmann::json::parse(health->body);
    CHECK(body["postgres"] == "ok");
    CHECK(body["kafka"] != "ok");
    CHECK(gateway.process->terminate(10s) == 0);
}

TEST_CASE("a trigger change made right before SIGTERM is still published") {
    // Trigger changes go out on a batching producer of their own (linger): stopping the gateway
    // must flush it, not drop what it holds.
    // The shared broker: other tests' changes may be on the topic too; this trigger's is looked
    // for.
    etp::testing::KafkaBroker& broker = etp::testing::KafkaBroker::shared();
    auto gateway = etp::e2e::make_service("api-gateway", {{"KAFKA_BROKERS", broker.bootstrap()}});
    REQUIRE(gateway.start_and_wait());
    etp::e2e::Api api(gateway.http_port);
    auto created = api.post("/api/v1/triggers", {{"name", "last words"}, {"type", "api"}});
    REQUIRE(created);
    REQUIRE(created->status == 201);
    std::string id = nlohmann::json::parse(created->body)["id"];
    CHECK(gateway.process->terminate(10s) == 0);

    std::optional<etp::bus::Message> change;
    for (auto& m : etp::testing::read_topic(broker.bootstrap(), "etp.trigger.changes", 1000, 8s))
        if (m.key == id) change = std::move(m);
    REQUIRE(change);
    REQUIRE(change->value);
    const auto value = nlohmann::json::parse(*change->value);
    CHECK(value["data"]["name"] == "last words");
    CHECK(etp::e2e::schema_problems("etp.trigger.changed", value) == "");
    CHECK(etp::e2e::cloud_event_header_problems(*change) == "");
}
