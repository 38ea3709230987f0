#include "gateway_app.hpp"

#include "etp/bus/producer.hpp"
#include "etp/pg/migrations.hpp"
#include "etp/pg/pool.hpp"
#include "etp/runtime/admin_server.hpp"
#include "etp/runtime/log.hpp"
#include "etp/runtime/readiness.hpp"
#include "http_server.hpp"
#include "routes.hpp"

namespace etp::gateway {

int run_gateway(const GatewayConfig& config, runtime::ShutdownSignal& shutdown) {
    log::init("api-gateway", config.common.log_level);
    pg::Pool pool(config.common.database_url, static_cast<std::size_t>(config.http_threads) + 2);
    {
        auto conn = pool.acquire(std::chrono::seconds(30));
        int applied = pg::apply_migrations(*conn, pg::builtin_migrations());
        log::info("migrations checked", {{"applied", applied}});
    }
    if (config.migrate_only) return 0;
    if (config.admin_key.empty())
        log::warn("ETP_ADMIN_KEY is empty: every authenticated route answers 401");

    bus::ProducerConfig producer_config;
    producer_config.brokers = config.common.kafka_brokers;
    producer_config.client_id = "api-gateway";
    producer_config.linger_ms = 0;  // each fire waits for its own ack
    bus::Producer producer(producer_config);

    GatewayContext ctx{pool, producer, bus::Topics(config.common.topic_prefix)};
    Authenticator auth(config.admin_key);
    runtime::AdminServer admin(
        "0.0.0.0", config.common.admin_port,
        runtime::all_of(
            {{"postgres", [&pool] { return pool.check(); }},
             {"kafka", [&producer] { return producer.check(std::chrono::milliseconds(2000)); }}}));
    HttpServer http(auth, static_cast<std::size_t>(config.http_threads));
    add_health_routes(http, ctx);
    add_trigger_routes(http, ctx);
    add_fire_routes(http, ctx);
    add_event_routes(http, ctx);

    admin.start();
    http.start(config.http_host, config.http_port);
    admin.set_ready(true);
    log::info("api-gateway started", {{"http_port", http.port()}, {"admin_port", admin.port()}});

    shutdown.wait();
    admin.set_ready(false);
    http.stop();  // finishes in-flight requests
    bool flushed = producer.flush(config.common.shutdown_timeout / 2);
    admin.stop();
    log::info("api-gateway stopped", {{"producer_flushed", flushed}});
    return 0;
}

}  // namespace etp::gateway
