// Guarantee: a Kafka outage loses nothing that was accepted. Apache Kafka is stopped (a
// controlled shutdown) and later killed with SIGKILL while the gateway, the dispatcher and the
// scheduler run: fires answer 503 while it is away (never a 202 that is then dropped), every
// 202 before and after becomes exactly one logged event, the scheduler goes on firing once the
// broker is back, and the services turn unready while it is gone and ready again after.
#include <catch2/catch.hpp>
#include <set>
#include <thread>

#include "platform.hpp"

using namespace std::chrono_literals;
using nlohmann::json;

namespace {

struct Platform {
    etp::testing::KafkaBroker& broker;
    etp::e2e::Service gateway;
    etp::e2e::Service dispatcher;
    etp::e2e::Service scheduler;
};

bool ready(int admin_port) { return etp::e2e::readyz(admin_port).first == 200; }

// Fires n times; returns the event ids of the 202s and counts the 503s.
std::vector<std::string> fire(etp::e2e::Api& api, const std::string& id, int n, int* unavailable) {
    std::vector<std::string> accepted;
    for (int i = 0; i < n; ++i) {
        auto res = api.post("/api/v1/triggers/" + id + "/fire", {{"n", i}});
        REQUIRE(res);
        if (res->status == 202) {
            accepted.push_back(json::parse(res->body)["event_id"]);
        } else {
            INFO(res->body);
            REQUIRE(res->status == 503);
            if (unavailable) ++*unavailable;
        }
    }
    return accepted;
}

std::set<std::string> logged_ids(const std::string& trigger_id) {
    std::set<std::string> ids;
    auto rows = etp::e2e::db().exec("SELECT id::text FROM events WHERE trigger_id = $1::uuid",
                                    {trigger_id});
    for (int i = 0; i < rows.rows(); ++i) ids.emplace(rows.text(i, 0));
    return ids;
}

long long count_events(const std::string& trigger_id) {
    return etp::e2e::db()
        .exec("SELECT count(*) FROM events WHERE trigger_id = $1::uuid", {trigger_id})
        .integer(0, 0);
}

}  // namespace

TEST_CASE("nothing accepted is lost while Apache Kafka is stopped, killed and started again") {
    // A broker of its own: the test stops it.
    etp::testing::KafkaBroker broker;
    const etp::testing::Env env = {{"KAFKA_BROKERS", broker.bootstrap()}};
    Platform p{broker, etp::e2e::make_service("api-gateway", env),
               etp::e2e::make_service("dispatcher", env), etp::e2e::make_service("scheduler", env)};
    // The gateway first: it applies the migrations.
    for (auto* s : {&p.gateway, &p.dispatcher, &p.scheduler}) {
        const bool ready = s->start_and_wait();
        INFO(s->process->output());
        REQUIRE(ready);
    }
    etp::e2e::Api api(p.gateway.http_port);

    auto created = api.post("/api/v1/triggers", {{"name", "outage api"}, {"type", "api"}});
    REQUIRE(created);
    REQUIRE(created->status == 201);
    const std::string api_id = json::parse(created->body)["id"];
    created = api.post("/api/v1/triggers", {{"name", "outage schedule"},
                                            {"type", "scheduled"},
                                            {"schedule", {{"interval_seconds", 1}}}});
    REQUIRE(created);
    REQUIRE(created->status == 201);
    const std::string scheduled_id = json::parse(created->body)["id"];

    std::vector<std::string> accepted = fire(api, api_id, 20, nullptr);
    CHECK(accepted.size() == 20);
    REQUIRE(etp::e2e::eventually([&] { return count_events(scheduled_id) >= 2; }, 30s));

    for (int round = 0; round < 2; ++round) {
        INFO((round == 0 ? "SIGTERM" : "SIGKILL"));
        if (round == 0)
            broker.stop();
        else
            broker.kill9();

        int unavailable = 0;
        // While the broker is away a fire may still be accepted only if Kafka acknowledged it,
        // which it cannot: every answer is a 503.
        std::vector<std::string> during = fire(api, api_id, 3, &unavailable);
        CHECK(during.empty());
        CHECK(unavailable == 3);
        CHECK(etp::e2e::eventually([&] { return !ready(p.gateway.admin_port); }, 30s));

        broker.restart();
        CHECK(etp::e2e::eventually([&] { return ready(p.gateway.admin_port); }, 60s));
        CHECK(etp::e2e::eventually([&] { return ready(p.dispatcher.admin_port); }, 60s));

        const long long scheduled_before = count_events(scheduled_id);
        // The gateway's producer reconnects: fires are accepted again.
        std::vector<std::string> after;
        REQUIRE(etp::e2e::eventually(
            [&] {
                auto res = api.post("/api/v1/triggers/" + api_id + "/fire", {{"after", round}});
                if (res && res->status == 202) after.push_back(json::parse(res->body)["event_id"]);
                return !after.empty();
            },
            60s));
        for (auto& id : fire(api, api_id, 20, nullptr)) after.push_back(id);
        CHECK(after.size() == 21);
        accepted.insert(accepted.end(), after.begin(), after.end());
        // The scheduler fires again once Kafka takes its firings.
        CHECK(etp::e2e::eventually(
            [&] { return count_events(scheduled_id) >= scheduled_before + 2; }, 60s));
    }

    // Every accepted fire is logged, once.
    const std::set<std::string> wanted(accepted.begin(), accepted.end());
    REQUIRE(wanted.size() == accepted.size());
    CHECK(etp::e2e::eventually([&] { return logged_ids(api_id).size() >= wanted.size(); }, 60s));
    const std::set<std::string> logged = logged_ids(api_id);
    CHECK(logged == wanted);
    CHECK(count_events(api_id) == static_cast<long long>(wanted.size()));

    // No scheduled slot twice: ids are derived from (trigger, slot).
    auto dup = etp::e2e::db().exec(
        "SELECT count(*) - count(DISTINCT scheduled_for) FROM events WHERE trigger_id = $1::uuid",
        {scheduled_id});
    CHECK(dup.integer(0, 0) == 0);

    for (auto* s : {&p.gateway, &p.scheduler, &p.dispatcher}) {
        INFO(s->process->output().substr(0, 4000));
        CHECK(s->process->terminate(15s) == 0);
    }
}
