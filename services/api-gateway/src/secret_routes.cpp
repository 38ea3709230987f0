// Signing secrets of a trigger's webhook: rotate (add a secret, let the others expire after a
// grace period), list (never the values), delete. Each change runs in one transaction holding
// the trigger's row lock, so concurrent changes cannot leave a target without a secret.

#include <algorithm>

#include "etp/domain/error.hpp"
#include "etp/domain/webhook_signature.hpp"
#include "etp/pg/transaction.hpp"
#include "etp/pg/trigger_secret_store.hpp"
#include "etp/pg/trigger_store.hpp"
#include "http_support.hpp"
#include "routes.hpp"
#include "secret_rotation.hpp"

namespace etp::gateway {
namespace {

using nlohmann::json;

json secret_to_json(const pg::TriggerSecretRecord& s) {
    return {{"id", s.id.to_string()},
            {"prefix", s.prefix},
            {"created_at", format_rfc3339(s.created_at)},
            {"expires_at", s.expires_at ? json(format_rfc3339(*s.expires_at)) : json(nullptr)}};
}

[[noreturn]] void not_found(const TriggerId& id) {
    throw gateway::not_found("trigger", id.to_string());
}

}  // namespace

void add_secret_routes(HttpServer& server, GatewayContext& ctx) {
    server.post(
        R"(/api/v1/triggers/([^/]+)/secrets)", Scope::kWrite,
        [&ctx](const net::Request& req, net::Response& res) {
            TriggerId id = trigger_id_param(req, 1);
            SecretRotation request = parse_secret_rotation(json_body(req));
            std::string secret = request.secret ? *request.secret : webhook::generate_secret();
            pg::TriggerSecretRecord record;
            {
                auto conn = ctx.pool.acquire();
                pg::Transaction tx(*conn);
                auto trigger = pg::TriggerStore::get_for_update(*conn, id);
                if (!trigger) not_found(id);
                if (!trigger->spec.target)
                    throw Error(ErrorKind::kConflict,
                                "the trigger has no webhook target; secrets sign webhooks, so "
                                "give it a target first");
                // Secrets that no longer sign are of no use to anyone: rotations do not
                // pile up.
                pg::TriggerSecretStore::remove_expired(*conn, id);
                record = pg::TriggerSecretStore::add(
                    *conn, id,
                    pg::TriggerSecretStore::seal(ctx.secrets, id, new_uuid_v7(), secret));
                pg::TriggerSecretStore::expire_others(*conn, id, record.id, request.grace);
                tx.commit();
            }
            res.set_header("Location", "/api/v1/triggers/" + id.to_string() + "/secrets/" +
                                           record.id.to_string());
            // The only answer that ever carries the secret's value.
            reply_json(res, 201,
                       {{"id", record.id.to_string()},
                        {"secret", secret},
                        {"created_at", format_rfc3339(record.created_at)},
                        {"expires_at", nullptr}});
        });

    server.get(R"(/api/v1/triggers/([^/]+)/secrets)", Scope::kRead,
               [&ctx](const net::Request& req, net::Response& res) {
                   TriggerId id = trigger_id_param(req, 1);
                   std::vector<pg::TriggerSecretRecord> secrets;
                   {
                       auto conn = ctx.pool.acquire();
                       if (!pg::TriggerStore::get(*conn, id)) not_found(id);
                       secrets = pg::TriggerSecretStore::list(*conn, id);
                   }
                   json items = json::array();
                   for (const auto& s : secrets) items.push_back(secret_to_json(s));
                   reply_json(res, 200, {{"items", items}});
               });

    server.del(
        R"(/api/v1/triggers/([^/]+)/secrets/([^/]+))", Scope::kWrite,
        [&ctx](const net::Request& req, net::Response& res) {
            TriggerId id = trigger_id_param(req, 1);
            std::string text = req.matches[2];
            auto secret_id = Uuid::parse(text);
            if (!secret_id)
                throw Error(ErrorKind::kNotFound,
                            "trigger " + id.to_string() + " has no secret with id " + text);
            {
                auto conn = ctx.pool.acquire();
                pg::Transaction tx(*conn);
                auto trigger = pg::TriggerStore::get_for_update(*conn, id);
                if (!trigger) not_found(id);
                auto secrets = pg::TriggerSecretStore::list(*conn, id);
                auto it = std::find_if(secrets.begin(), secrets.end(),
                                       [&](const auto& s) { return s.id == *secret_id; });
                if (it == secrets.end())
                    throw Error(ErrorKind::kNotFound,
                                "trigger " + id.to_string() + " has no secret with id " + text);
                auto active = std::count_if(secrets.begin(), secrets.end(),
                                            [](const auto& s) { return s.active; });
                if (trigger->spec.target && it->active && active == 1)
                    throw Error(ErrorKind::kConflict,
                                "this is the trigger's last unexpired secret, and its webhooks "
                                "must be signed: rotate instead (POST /api/v1/triggers/" +
                                    id.to_string() +
                                    "/secrets with expire_previous_after_seconds: 0)");
                pg::TriggerSecretStore::remove(*conn, id, *secret_id);
                tx.commit();
            }
            res.status = 204;
        });
}

}  // namespace etp::gateway
