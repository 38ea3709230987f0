#include "etp/runtime/log.hpp"
#include "http_support.hpp"
#include "routes.hpp"

namespace etp::gateway {

void add_health_routes(HttpServer& server, GatewayContext& ctx) {
    server.get("/api/v1/health", Scope::kPublic, [&ctx](const net::Request&, net::Response& res) {
        auto postgres = ctx.pool.check();
        auto kafka = ctx.producer.check(std::chrono::milliseconds(2000));
        bool ok = !postgres && !kafka;
        // The route is public: it says which dependency failed, the reason (hosts, users) is
        // for the log.
        if (postgres)
            log::warn("health check failed", {{"dependency", "postgres"}, {"error", *postgres}});
        if (kafka) log::warn("health check failed", {{"dependency", "kafka"}, {"error", *kafka}});
        reply_json(res, ok ? 200 : 503,
                   {{"status", ok ? "ok" : "unavailable"},
                    {"postgres", postgres ? "unavailable" : "ok"},
                    {"kafka", kafka ? "unavailable" : "ok"}});
    });
}

}  // namespace etp::gateway
