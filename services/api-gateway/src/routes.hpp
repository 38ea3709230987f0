#pragma once
// Route groups of the REST API. Each adds its routes to the server; handlers run on HTTP
// worker threads and use only the thread-safe pieces of the context.

#include <string>
#include <vector>

#include "etp/bus/producer.hpp"
#include "etp/bus/topics.hpp"
#include "etp/domain/secret_box.hpp"
#include "etp/pg/pool.hpp"
#include "etp/pg/trigger_store.hpp"
#include "group_commit.hpp"
#include "http_server.hpp"
#include "trigger_cache.hpp"

namespace etp::gateway {

// Creates of triggers, written in groups (see group_commit.hpp).
using TriggerCreates = GroupCommit<pg::NewTrigger, Trigger>;

struct GatewayContext {
    pg::Pool& pool;
    bus::Producer& producer;  // firings: linger 0, each request waits for its own ack
    // etp.trigger.changes: nobody waits for these acks, so they are batched (kChangesLingerMs).
    bus::Producer& change_producer;
    bus::Topics topics;
    TriggerCache& triggers;
    TriggerCreates& creates;
    // ETP_ALLOW_PRIVATE_TARGETS: whether webhook targets may be private addresses.
    bool allow_private_targets = false;
    // CDC_SOURCE_URL: where cdc trigger definitions' tables are looked up for warnings.
    std::string cdc_source_url;
    // CDC_TABLES: when not empty, the only tables a cdc trigger may watch.
    std::vector<std::string> cdc_tables;
    // ETP_SECRET_KEY*: seals webhook signing secrets before they are stored.
    const secrets::SecretBox& secrets;
    // Who may see a target whole (keys with write scope); others get it redacted.
    Authenticator& auth;
};

void add_health_routes(HttpServer& server, GatewayContext& ctx);
void add_trigger_routes(HttpServer& server, GatewayContext& ctx);
void add_secret_routes(HttpServer& server, GatewayContext& ctx);
void add_fire_routes(HttpServer& server, GatewayContext& ctx);
void add_event_routes(HttpServer& server, GatewayContext& ctx);
void add_api_key_routes(HttpServer& server, GatewayContext& ctx);
// POST /schedules/preview and POST /filters/test: a definition's parts tried without saving.
void add_preview_routes(HttpServer& server);
// GET /whoami: the scopes of the caller's key (the console shows only what they allow).
void add_whoami_route(HttpServer& server, Authenticator& auth);

}  // namespace etp::gateway
