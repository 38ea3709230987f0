#include "gateway_config.hpp"

#include "etp/domain/cdc_tables.hpp"
#include "etp/domain/error.hpp"
#include "etp/service/secret_keys.hpp"

namespace etp::gateway {

runtime::ConfigSpec make_config_spec(GatewayConfig& config) {
    runtime::ConfigSpec spec(
        "api-gateway",
        "The REST API of the event trigger platform: trigger CRUD, firing, the "
        "event log. Applies pending database migrations at start.");
    // No request should hold a connection (and a handler thread) longer than this.
    runtime::add_common(spec, config.common, 9101, "30s");
    service::add_secret_keys(spec, config.secret_box);
    spec.text("HTTP_HOST", "0.0.0.0", "address the public HTTP API listens on", config.http_host)
        .port("HTTP_PORT", 8080, "port of the public HTTP API", config.http_port)
        .integer("HTTP_THREADS", 16,
                 "threads that run the requests that may wait for PostgreSQL (the database pool "
                 "holds two connections more)",
                 config.http_threads, 1, 1024)
        .integer("HTTP_IO_THREADS", 0,
                 "threads doing the HTTP network I/O, one event loop each; 0 means one per "
                 "hardware thread",
                 config.http_io_threads, 0, 256)
        .integer("HTTP_MAX_CONNECTIONS", 10'000,
                 "open HTTP connections at most; beyond it new connections wait in the listen "
                 "queue until one closes",
                 config.http_max_connections, 1, 1'000'000)
        .duration("HTTP_HEADER_TIMEOUT", "10s",
                  "time a client has to send a request's header block (from its connect, or "
                  "from the first byte of a later request); then the connection is closed",
                  config.http_header_timeout)
        .duration("HTTP_IDLE_TIMEOUT", "60s",
                  "how long a keep-alive connection may wait for its next request",
                  config.http_idle_timeout)
        .secret("ETP_ADMIN_KEY", "bootstrap admin API key (X-API-Key or Authorization: Bearer)",
                config.admin_key)
        .text("SWAGGER_UI_DIR", "",
              "directory of npm's swagger-ui-dist, served at /docs (scripts/install-deps installs "
              "it under node_modules/)",
              config.swagger_ui_dir)
        .text("CONSOLE_DIR", "",
              "directory of the web console's files, served at /console (the repository's "
              "web/console)",
              config.console_dir)
        .text("CONSOLE_VENDOR_DIR", "",
              "node_modules directory holding npm's preact and htm, which the console imports "
              "(scripts/install-deps installs them)",
              config.console_vendor_dir)
        .integer("ETP_ALLOW_PRIVATE_TARGETS", 0,
                 "1 accepts webhook targets on localhost and on loopback, private and link-local "
                 "addresses (development and tests); 0 refuses them with 400",
                 config.allow_private_targets, 0, 1)
        .postgres_url("CDC_SOURCE_URL", "postgresql://etp@127.0.0.1:5432/monitors",
                      "the database cdc-capture watches; the gateway looks up a cdc trigger's "
                      "table there to warn when it cannot be captured as the filter needs",
                      config.cdc_source_url)
        .text("CDC_TABLES", "",
              "comma list of schema.table, the same value as cdc-capture's: when set, a cdc "
              "trigger on another table is refused with 422 (cdc-capture never captures it); a "
              "table of pg_catalog, information_schema or another pg_* schema always is",
              config.cdc_tables)
        .flag("--migrate-only",
              "apply pending migrations, encrypt stored webhook secrets with ETP_SECRET_KEY, "
              "and exit",
              config.migrate_only)
        .check([&config] {
            std::vector<std::string> problems;
            auto within = [&problems](const char* name, std::chrono::milliseconds value) {
                if (value < std::chrono::milliseconds(10) || value > std::chrono::hours(24))
                    problems.push_back(std::string(name) + " must be from 10ms to 24h");
            };
            within("HTTP_HEADER_TIMEOUT", config.http_header_timeout);
            within("HTTP_IDLE_TIMEOUT", config.http_idle_timeout);
            try {
                parse_cdc_tables(config.cdc_tables);
            } catch (const Error& e) {
                problems.push_back(e.what());
            }
            return problems;
        });
    return spec;
}

}  // namespace etp::gateway
