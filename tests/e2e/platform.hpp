#pragma once
// The e2e fixture: a real PostgreSQL and Apache Kafka (one each per test process,
// from the harness), and the platform's real binaries started as child processes on free ports.

#include <httplib.h>

#include <catch2/catch.hpp>

#include <chrono>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>

#include "etp/pg/connection.hpp"
#include "etp/testing/free_port.hpp"
#include "etp/testing/kafka_broker.hpp"
#include "etp/testing/pg_cluster.hpp"
#include "etp/testing/read_topic.hpp"
#include "etp/testing/service_process.hpp"

namespace etp::e2e {

inline constexpr const char* kAdminKey = "e2e-admin-key-0123456789";
// ETP_SECRET_KEY of every service: e2e runs with webhook secrets encrypted at rest. Its key id
// (the first 8 hex digits of the SHA-256 of the 32 bytes) is kSecretKeyId.
inline constexpr const char* kSecretKey = "ZXRwLWUyZS1zZWNyZXQta2V5LTAxMjM0NTY3ODlhYmM=";
inline constexpr const char* kSecretKeyId = "4b442170";

inline std::string binary(const std::string& name) {
    if (name == "api-gateway") return ETP_API_GATEWAY_BIN;
    if (name == "dispatcher") return ETP_DISPATCHER_BIN;
    if (name == "scheduler") return ETP_SCHEDULER_BIN;
    if (name == "cdc-capture") return ETP_CDC_CAPTURE_BIN;
    return ETP_RETENTION_BIN;
}

// The environment every service gets: the harness's database and broker.
inline testing::Env base_env() {
    auto& pg = testing::PgCluster::shared();
    auto& broker = testing::KafkaBroker::shared();
    return {{"DATABASE_URL", pg.url()},
            {"CDC_SOURCE_URL", pg.url()},
            {"KAFKA_BROKERS", broker.bootstrap()},
            {"ETP_ADMIN_KEY", kAdminKey},
            {"ETP_SECRET_KEY", kSecretKey},
            {"LOG_LEVEL", "info"},
            {"SHUTDOWN_TIMEOUT", "8s"},
            // Webhook receivers in tests listen on loopback.
            {"ETP_ALLOW_PRIVATE_TARGETS", "1"}};
}

struct Service {
    std::unique_ptr<testing::ServiceProcess> process;
    int admin_port = 0;
    int http_port = 0;  // api-gateway only

    bool start_and_wait() {
        process->start();
        return process->wait_ready(admin_port, std::chrono::seconds(60));
    }
};

inline Service make_service(const std::string& name, const testing::Env& extra = {}) {
    Service s;
    s.admin_port = testing::free_port();
    testing::Env env = base_env();
    env["ADMIN_PORT"] = std::to_string(s.admin_port);
    if (name == "api-gateway") {
        s.http_port = testing::free_port();
        env["HTTP_PORT"] = std::to_string(s.http_port);
        env["HTTP_HOST"] = "127.0.0.1";
    }
    for (auto& [k, v] : extra) env[k] = v;
    s.process = std::make_unique<testing::ServiceProcess>(binary(name), env);
    return s;
}

// The gateway and the dispatcher, started once per test process (on first use) and stopped
// at its exit. Throws when either does not become ready: a test cannot go on without them.
struct Running {
    Service gateway = make_service("api-gateway");
    Service dispatcher = make_service("dispatcher");
    Running() {
        if (!gateway.start_and_wait())
            throw std::runtime_error("api-gateway did not become ready:\n" +
                                     gateway.process->output());
        if (!dispatcher.start_and_wait())
            throw std::runtime_error("dispatcher did not become ready:\n" +
                                     dispatcher.process->output());
    }
};

inline Running& platform() {
    static Running running;
    return running;
}

// A client of the gateway that sends the admin key.
class Api {
 public:
    explicit Api(int port) : client_("127.0.0.1", port) {
        client_.set_read_timeout(30, 0);
        client_.set_default_headers({{"X-API-Key", kAdminKey}});
    }
    httplib::Result post(const std::string& path, const nlohmann::json& body) {
        return client_.Post(path.c_str(), body.dump(), "application/json");
    }
    httplib::Result get(const std::string& path) { return client_.Get(path.c_str()); }
    httplib::Client& raw() { return client_; }

 private:
    httplib::Client client_;
};

// A client of the running gateway (started on first use).
inline Api api() { return Api(platform().gateway.http_port); }

// One connection to the harness's platform database, for checking rows. Not thread-safe.
inline pg::Connection& db() {
    static pg::Connection conn(testing::PgCluster::shared().url());
    return conn;
}

// Polls `condition` every 200 ms until it holds or `timeout` passes; returns its last value.
inline bool eventually(const std::function<bool()>& condition, std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
        if (condition()) return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
    return condition();
}

// GET /readyz on a service's admin port: the status (0 when nothing answered) and the body.
inline std::pair<int, std::string> readyz(int admin_port) {
    httplib::Client client("127.0.0.1", admin_port);
    client.set_connection_timeout(1, 0);
    client.set_read_timeout(10, 0);
    auto res = client.Get("/readyz");
    if (!res) return {0, ""};
    return {res->status, res->body};
}

// The JSON body of an answer that must exist.
inline nlohmann::json body_of(const httplib::Result& res) {
    REQUIRE(res);
    return nlohmann::json::parse(res->body);
}

}  // namespace etp::e2e
