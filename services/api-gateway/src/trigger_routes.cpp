#include "cdc_source_check.hpp"
#include "etp/bus/trigger_change.hpp"
#include "etp/domain/error.hpp"
#include "etp/domain/webhook_signature.hpp"
#include "etp/pg/transaction.hpp"
#include "etp/pg/trigger_secret_store.hpp"
#include "etp/pg/trigger_store.hpp"
#include "etp/runtime/log.hpp"
#include "http_support.hpp"
#include "routes.hpp"
#include "trigger_activation.hpp"
#include "webhook_target.hpp"

namespace etp::gateway {
namespace {

using nlohmann::json;

// etp.trigger.changes is a prompt for other services to refresh from PostgreSQL (the record),
// so a failed publish is logged, not failed back to a client whose change is committed.
// `message` is an etp.trigger.changed CloudEvent, or a tombstone (the trigger was deleted).
void publish_change(GatewayContext& ctx, const TriggerId& id, bus::OutgoingMessage message) {
    ctx.triggers.invalidate(id);
    try {
        ctx.change_producer.produce(
            std::move(message), [id = id.to_string()](std::optional<Error> error) {
                if (error)
                    log::warn("trigger change not published",
                              {{"trigger_id", id}, {"error", error->what()}});
            });
    } catch (const Error& e) {
        log::warn("trigger change not published",
                  {{"trigger_id", id.to_string()}, {"error", e.what()}});
    }
}

void publish_change(GatewayContext& ctx, const Trigger& trigger) {
    publish_change(ctx, trigger.id, bus::make_trigger_change_message(ctx.topics, trigger));
}

[[noreturn]] void not_found(const TriggerId& id) {
    throw gateway::not_found("trigger", id.to_string());
}

// PUT and DELETE with If-Match: 412 unless it names the trigger's current version, so a client
// that read version 3 does not overwrite someone else's version 4 unseen. Without If-Match
// nothing is checked.
void check_if_match(const net::Request& req, const Trigger& current) {
    if (if_match_allows(req, current.version)) return;
    std::string message = "the trigger is at version " + std::to_string(current.version) +
                          " (ETag " + entity_tag(current.version) +
                          "); read it again and retry with that ETag";
    throw HttpError(Problem{412,
                            "",
                            "trigger " + current.id.to_string() + " changed: " + message,
                            {{"If-Match", std::move(message)}}});
}

// A trigger answer with its version as ETag (a strong validator for If-Match).
void reply_trigger(net::Response& res, int status, const Trigger& trigger, const json& body) {
    res.set_header("ETag", entity_tag(trigger.version));
    reply_json(res, status, body);
}

// The secret a trigger with a target and no secrets yet signs with: the target's own, or a
// generated one, which is also returned in `generated` to be shown once.
struct FirstSecret {
    pg::InitialSecret secret;
    std::optional<std::string> generated;
};

FirstSecret first_secret(const secrets::SecretBox& box, const TriggerId& trigger,
                         const Target& target) {
    if (target.secret)
        return {pg::TriggerSecretStore::seal(box, trigger, new_uuid_v7(), *target.secret),
                std::nullopt};
    std::string generated = webhook::generate_secret();
    return {pg::TriggerSecretStore::seal(box, trigger, new_uuid_v7(), generated), generated};
}

// After a replace, inside its transaction: makes the trigger's secrets match its definition.
// A target with a secret signs with exactly that secret from now on; a target without one
// keeps the trigger's unexpired secrets, or gets a generated secret when it has none; no
// target, no secrets. Returns the generated secret (to be shown once).
std::optional<std::string> sync_secrets(pg::Connection& conn, const secrets::SecretBox& box,
                                        const Trigger& trigger, const TriggerSpec& spec) {
    if (!spec.target) {
        pg::TriggerSecretStore::remove_all(conn, trigger.id);
        return std::nullopt;
    }
    if (spec.target->secret) {
        pg::TriggerSecretStore::remove_all(conn, trigger.id);
    } else if (pg::TriggerSecretStore::has_active(conn, trigger.id)) {
        return std::nullopt;
    }
    FirstSecret first = first_secret(box, trigger.id, *spec.target);
    pg::TriggerSecretStore::add(conn, trigger.id, first.secret);
    return first.generated;
}

// A cdc definition's warnings (see cdc_source_check.hpp) as "warnings": [...], only when any.
json with_warnings(json body, const TriggerSpec& spec, const GatewayContext& ctx) {
    auto warnings = cdc_source_warnings(spec, ctx.cdc_source_url);
    if (!warnings.empty()) body["warnings"] = warnings;
    return body;
}

// The tables of the cdc triggers among `triggers`.
std::vector<std::string> cdc_tables_of(const std::vector<Trigger>& triggers) {
    std::vector<std::string> tables;
    for (const auto& t : triggers)
        if (t.spec.type == TriggerType::kCdc && t.spec.cdc) tables.push_back(t.spec.cdc->table);
    return tables;
}

// Why cdc-capture leaves a cdc trigger's table out (cdc_table_status), as "warnings": [...],
// only when any.
json with_capture_warnings(json body, const Trigger& trigger,
                           const std::map<std::string, std::vector<std::string>>& warnings) {
    if (trigger.spec.type != TriggerType::kCdc || !trigger.spec.cdc) return body;
    auto it = warnings.find(trigger.spec.cdc->table);
    if (it != warnings.end()) body["warnings"] = it->second;
    return body;
}

std::optional<TriggerType> type_param(const net::Request& req) {
    auto text = query_text(req, "type");
    if (!text) return std::nullopt;
    auto type = parse_trigger_type(*text);
    if (!type) throw bad_query("type", "must be scheduled, api or cdc");
    return type;
}

// ?q= (or its older spelling ?name=): a case-insensitive substring of the name, `%` and `_`
// included as plain characters; empty means no filter.
std::optional<std::string> name_param(const net::Request& req) {
    auto q = query_text(req, "q");
    auto name = query_text(req, "name");
    if (q && name) throw bad_query("q", "cannot be combined with name (its older spelling)");
    const std::string param = q ? "q" : "name";
    auto text = q ? std::move(q) : std::move(name);
    if (!text || text->empty()) return std::nullopt;
    if (text->size() > 200) throw bad_query(param, "must be at most 200 characters");
    return text;
}

}  // namespace

void add_trigger_routes(HttpServer& server, GatewayContext& ctx) {
    server.post("/api/v1/triggers", Scope::kWrite,
                [&ctx](const net::Request& req, net::Response& res) {
                    TriggerSpec spec = parse_trigger_spec(json_body(req));
                    check_target_url(spec, ctx.allow_private_targets);
                    check_cdc_table_allowed(spec, ctx.cdc_tables);
                    TriggerId id{new_uuid_v7()};
                    // Written with the trigger, in the same statement.
                    std::optional<std::string> generated;
                    std::optional<pg::InitialSecret> secret;
                    if (spec.target) {
                        FirstSecret first = first_secret(ctx.secrets, id, *spec.target);
                        secret = std::move(first.secret);
                        generated = std::move(first.generated);
                    }
                    Trigger trigger = ctx.creates.submit(pg::NewTrigger{id, spec, secret});
                    publish_change(ctx, trigger);
                    res.set_header("Location", "/api/v1/triggers/" + id.to_string());
                    reply_trigger(res, 201, trigger,
                                  with_warnings(trigger_json(trigger, generated), spec, ctx));
                });

    server.get(
        "/api/v1/triggers", Scope::kRead, [&ctx](const net::Request& req, net::Response& res) {
            const std::vector<Scope> scopes = ctx.auth.scopes(req);
            pg::TriggerFilter filter;
            filter.type = type_param(req);
            filter.active = query_bool(req, "active");
            filter.name_contains = name_param(req);
            std::int64_t page = query_int(req, "page", 1, 1, 1'000'000);
            std::int64_t page_size = query_int(req, "page_size", 50, 1, 500);
            std::optional<pg::TriggerCursor> cursor;
            if (auto text = query_text(req, "cursor")) {
                cursor = pg::TriggerCursor::decode(*text);
                if (!cursor)
                    throw bad_query("cursor", "must be a next_cursor from an earlier page");
                if (req.has_param("page"))
                    throw bad_query("page", "cannot be combined with cursor");
            }
            pg::TriggerPage result;
            std::map<std::string, std::vector<std::string>> warnings;
            {
                auto conn = ctx.pool.acquire();
                result = pg::TriggerStore::list(*conn, filter, page, page_size, cursor);
                warnings = cdc_capture_warnings(*conn, cdc_tables_of(result.items));
            }
            json items = json::array();
            for (const auto& t : result.items)
                items.push_back(with_capture_warnings(trigger_json_for(t, scopes), t, warnings));
            json body = {{"items", items},
                         {"has_more", result.next.has_value()},
                         {"next_cursor", result.next ? json(result.next->encode()) : json(nullptr)},
                         {"page_size", page_size},
                         {"total", result.total}};
            if (!cursor) body["page"] = page;
            reply_json(res, 200, body);
        });

    server.get(R"(/api/v1/triggers/([^/]+))", Scope::kRead,
               [&ctx](const net::Request& req, net::Response& res) {
                   TriggerId id = trigger_id_param(req, 1);
                   const std::vector<Scope> scopes = ctx.auth.scopes(req);
                   auto conn = ctx.pool.acquire();
                   auto trigger = pg::TriggerStore::get(*conn, id);
                   if (!trigger) not_found(id);
                   const auto warnings = cdc_capture_warnings(*conn, cdc_tables_of({*trigger}));
                   reply_trigger(res, 200, *trigger,
                                 with_capture_warnings(trigger_json_for(*trigger, scopes), *trigger,
                                                       warnings));
               });

    server.put(R"(/api/v1/triggers/([^/]+))", Scope::kWrite,
               [&ctx](const net::Request& req, net::Response& res) {
                   TriggerId id = trigger_id_param(req, 1);
                   TriggerSpec spec = parse_trigger_spec(json_body(req));
                   check_target_url(spec, ctx.allow_private_targets);
                   check_cdc_table_allowed(spec, ctx.cdc_tables);
                   std::optional<Trigger> trigger;
                   std::optional<std::string> generated;
                   {
                       auto conn = ctx.pool.acquire();
                       pg::Transaction tx(*conn);
                       if (req.has_header("If-Match")) {
                           // Locked until the commit: no other change slips in between.
                           auto current = pg::TriggerStore::get_for_update(*conn, id);
                           if (!current) not_found(id);
                           check_if_match(req, *current);
                       }
                       trigger = pg::TriggerStore::replace(*conn, id, spec);
                       if (!trigger) not_found(id);
                       generated = sync_secrets(*conn, ctx.secrets, *trigger, spec);
                       tx.commit();
                   }
                   publish_change(ctx, *trigger);
                   reply_trigger(res, 200, *trigger,
                                 with_warnings(trigger_json(*trigger, generated), spec, ctx));
               });

    server.del(R"(/api/v1/triggers/([^/]+))", Scope::kWrite,
               [&ctx](const net::Request& req, net::Response& res) {
                   TriggerId id = trigger_id_param(req, 1);
                   bool removed = false;
                   {
                       auto conn = ctx.pool.acquire();
                       if (req.has_header("If-Match")) {
                           pg::Transaction tx(*conn);
                           auto current = pg::TriggerStore::get_for_update(*conn, id);
                           if (!current) not_found(id);
                           check_if_match(req, *current);
                           removed = pg::TriggerStore::remove(*conn, id);
                           tx.commit();
                       } else {
                           removed = pg::TriggerStore::remove(*conn, id);
                       }
                   }
                   if (!removed) not_found(id);
                   publish_change(ctx, id, bus::make_trigger_tombstone(ctx.topics, id));
                   res.status = 204;
               });

    for (bool active : {true, false}) {
        server.post(
            std::string(R"(/api/v1/triggers/([^/]+)/)") + (active ? "activate" : "deactivate"),
            Scope::kWrite, [&ctx, active](const net::Request& req, net::Response& res) {
                TriggerId id = trigger_id_param(req, 1);
                std::optional<Trigger> trigger;
                {
                    auto conn = ctx.pool.acquire();
                    pg::Transaction tx(*conn);
                    if (active) {
                        // Locked, so a scheduler completing it meanwhile is seen here.
                        auto current = pg::TriggerStore::get_for_update(*conn, id);
                        if (!current) not_found(id);
                        if (auto conflict = activation_conflict(*current, now_utc()))
                            throw *conflict;
                    }
                    trigger = pg::TriggerStore::set_active(*conn, id, active);
                    if (!trigger) not_found(id);
                    tx.commit();
                }
                publish_change(ctx, *trigger);
                reply_trigger(res, 200, *trigger, trigger_json(*trigger));
            });
    }
}

}  // namespace etp::gateway
