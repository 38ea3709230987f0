#include "gateway_app.hpp"

#include "console_routes.hpp"
#include "docs_routes.hpp"
#include "etp/domain/cdc_tables.hpp"
#include "etp/pg/delivery_queue.hpp"
#include "etp/pg/migrations.hpp"
#include "etp/pg/trigger_secret_store.hpp"
#include "etp/runtime/log.hpp"
#include "etp/service/secret_keys.hpp"
#include "etp/service/service_host.hpp"
#include "http_server.hpp"
#include "routes.hpp"

namespace etp::gateway {

namespace {
// Trigger creates per statement, and statements at once. One at a time: while it runs, the
// next batch gathers. On 2 vCPUs with 16 clients, two at once made 15 % fewer creates a second
// and four 25 % fewer (smaller batches, so more statements and commits for the same rows).
constexpr std::size_t kCreateBatch = 64;
constexpr std::size_t kCreatesInFlight = 1;
// Trigger changes go out on a producer of their own that batches for this long. On the firing
// producer (linger 0, so that a fire's 202 is not delayed) librdkafka's broker thread woke for
// every change: 18 % of the gateway's CPU during a run of creates, ~30 us a change.
constexpr int kChangesLingerMs = 5;

// On a connection of its own, before anything else starts: `--migrate-only` (a Kubernetes Job)
// then needs nothing but PostgreSQL.
// Then stored secrets in plain text (from before a key was set) or under a previous key are
// sealed under the current one, so a rotated-out key can be dropped once this has run. A value
// no configured key opens stops the start: signing with it would fail anyway.
void migrate(const std::string& database_url, const secrets::SecretBox& box) {
    pg::Connection conn(database_url, std::chrono::seconds(30));
    int applied = pg::apply_migrations(conn, pg::builtin_migrations());
    log::info("migrations checked", {{"applied", applied}});
    if (!box.has_key()) return;
    constexpr std::size_t kBatch = 500;
    std::int64_t sealed = 0;
    while (std::int64_t n = pg::TriggerSecretStore::reseal(conn, box, kBatch)) sealed += n;
    while (std::int64_t n = pg::DeliveryQueue::reseal(conn, box, kBatch)) sealed += n;
    log::info("stored secrets checked",
              {{"key_id", std::string(box.key_id())}, {"encrypted", sealed}});
}
}  // namespace

int run_gateway(const GatewayConfig& config, runtime::ShutdownSignal& shutdown) {
    service::warn_if_no_secret_key(*config.secret_box);
    migrate(config.common.database_url, *config.secret_box);
    if (config.migrate_only) return 0;
    if (config.admin_key.empty())
        log::warn("ETP_ADMIN_KEY is empty: every authenticated route answers 401");

    service::ServiceHost host("api-gateway", config.common,
                              static_cast<std::size_t>(config.http_threads) + 2);
    bus::Producer& changes = host.add_producer("changes", kChangesLingerMs);
    TriggerCache triggers(host.pool());
    pg::Pool& pool = host.pool();
    TriggerCreates creates(
        [&pool](const std::vector<const pg::NewTrigger*>& news) {
            auto conn = pool.acquire();
            return pg::TriggerStore::create_many(*conn, news);
        },
        [&pool](const pg::NewTrigger& n) {
            auto conn = pool.acquire();
            return pg::TriggerStore::create(*conn, n.id, n.spec, n.secret);
        },
        kCreateBatch, kCreatesInFlight);
    Authenticator auth(config.admin_key, host.pool());
    GatewayContext ctx{host.pool(),
                       host.producer(),
                       changes,
                       bus::Topics(config.common.topic_prefix),
                       triggers,
                       creates,
                       config.allow_private_targets == 1,
                       config.cdc_source_url,
                       parse_cdc_tables(config.cdc_tables),
                       *config.secret_box,
                       auth};
    net::ServerOptions http_options = gateway_server_options(
        static_cast<std::size_t>(config.http_threads), config.http_host, config.http_port);
    http_options.io_threads = static_cast<std::size_t>(config.http_io_threads);
    http_options.max_connections = static_cast<std::size_t>(config.http_max_connections);
    http_options.header_timeout = config.http_header_timeout;
    http_options.idle_timeout = config.http_idle_timeout;
    // In-flight requests get half of SHUTDOWN_TIMEOUT; the producers' flush gets the rest.
    http_options.shutdown_timeout = config.common.shutdown_timeout / 2;
    HttpServer http(auth, std::move(http_options));
    add_health_routes(http, ctx);
    add_trigger_routes(http, ctx);
    add_secret_routes(http, ctx);
    add_fire_routes(http, ctx);
    add_event_routes(http, ctx);
    add_api_key_routes(http, ctx);
    add_preview_routes(http);
    add_whoami_route(http, auth);
    add_docs_routes(http, config.swagger_ui_dir);
    add_console_routes(http, config.console_dir, config.console_vendor_dir);
    host.add(http);
    return host.run(shutdown);
}

}  // namespace etp::gateway
