#include <memory>

#include "health_cache.hpp"
#include "http_support.hpp"
#include "routes.hpp"

namespace etp::gateway {

namespace {
// How old an answer of /api/v1/health may be: the route is public, and each check is a query
// and a Kafka metadata request.
constexpr std::chrono::seconds kHealthMaxAge{2};
}  // namespace

void add_health_routes(HttpServer& server, GatewayContext& ctx) {
    auto cache = std::make_shared<HealthCache>(
        [&ctx] { return ctx.pool.check(); },
        [&ctx] { return ctx.producer.check(std::chrono::milliseconds(2000)); }, kHealthMaxAge);
    server.get("/api/v1/health", Scope::kPublic, [cache](const net::Request&, net::Response& res) {
        HealthCache::Status status = cache->get();
        bool ok = !status.postgres && !status.kafka;
        // Which dependency failed, not why (hosts, users): the cache logs that.
        reply_json(res, ok ? 200 : 503,
                   {{"status", ok ? "ok" : "unavailable"},
                    {"postgres", status.postgres ? "unavailable" : "ok"},
                    {"kafka", status.kafka ? "unavailable" : "ok"}});
    });
}

}  // namespace etp::gateway
