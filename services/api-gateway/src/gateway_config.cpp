#include "gateway_config.hpp"

namespace etp::gateway {

runtime::ConfigSpec make_config_spec(GatewayConfig& config) {
    runtime::ConfigSpec spec(
        "api-gateway",
        "The REST API of the event trigger platform: trigger CRUD, firing, the "
        "event log. Applies pending database migrations at start.");
    runtime::add_common(spec, config.common, 9101);
    spec.text("HTTP_HOST", "0.0.0.0", "address the public HTTP API listens on", config.http_host)
        .port("HTTP_PORT", 8080, "port of the public HTTP API", config.http_port)
        .integer("HTTP_THREADS", 16, "HTTP worker threads", config.http_threads, 1, 1024)
        .secret("ETP_ADMIN_KEY", "bootstrap admin API key (X-API-Key or Authorization: Bearer)",
                config.admin_key)
        .text("SWAGGER_UI_DIR", "",
              "directory of npm's swagger-ui-dist, served at /docs (scripts/install-deps installs "
              "it under node_modules/)",
              config.swagger_ui_dir)
        .integer("ETP_ALLOW_PRIVATE_TARGETS", 0,
                 "1 accepts webhook targets on localhost and on loopback, private and link-local "
                 "addresses (development and tests); 0 refuses them with 400",
                 config.allow_private_targets, 0, 1)
        .postgres_url("CDC_SOURCE_URL", "postgresql://etp@127.0.0.1:5432/monitors",
                      "the database cdc-capture watches; the gateway looks up a cdc trigger's "
                      "table there to warn when it cannot be captured as the filter needs",
                      config.cdc_source_url)
        .flag("--migrate-only", "apply pending migrations and exit", config.migrate_only);
    return spec;
}

}  // namespace etp::gateway
