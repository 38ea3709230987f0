#include "http_support.hpp"
#include "routes.hpp"

namespace etp::gateway {

void add_health_routes(HttpServer& server, GatewayContext& ctx) {
    server.get("/api/v1/health", Scope::kPublic, [&ctx](const net::Request&, net::Response& res) {
        auto postgres = ctx.pool.check();
        auto kafka = ctx.producer.check(std::chrono::milliseconds(2000));
        bool ok = !postgres && !kafka;
        reply_json(res, ok ? 200 : 503,
                   {{"status", ok ? "ok" : "unavailable"},
                    {"postgres", postgres ? *postgres : "ok"},
                    {"kafka", kafka ? *kafka : "ok"}});
    });
}

}  // namespace etp::gateway
