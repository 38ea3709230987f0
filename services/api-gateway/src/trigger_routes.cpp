#include "etp/domain/error.hpp"
#include "etp/pg/trigger_store.hpp"
#include "etp/runtime/log.hpp"
#include "http_support.hpp"
#include "routes.hpp"

namespace etp::gateway {
namespace {

using nlohmann::json;

// etp.trigger.changes is a prompt for other services to refresh from PostgreSQL (the record),
// so a failed publish is logged, not failed back to a client whose change is committed.
void publish_change(GatewayContext& ctx, const Trigger& trigger) {
    try {
        ctx.producer.produce(
            {ctx.topics.trigger_changes(), trigger.id.to_string(), to_json(trigger).dump(), {}},
            [id = trigger.id.to_string()](std::optional<Error> error) {
                if (error)
                    log::warn("trigger change not published",
                              {{"trigger_id", id}, {"error", error->what()}});
            });
    } catch (const Error& e) {
        log::warn("trigger change not published",
                  {{"trigger_id", trigger.id.to_string()}, {"error", e.what()}});
    }
}

}  // namespace

void add_trigger_routes(HttpServer& server, GatewayContext& ctx) {
    server.post("/api/v1/triggers", Scope::kWrite,
                [&ctx](const httplib::Request& req, httplib::Response& res) {
                    TriggerSpec spec = parse_trigger_spec(json_body(req));
                    TriggerId id{new_uuid_v7()};
                    auto conn = ctx.pool.acquire();
                    Trigger trigger = pg::TriggerStore::create(*conn, id, spec);
                    publish_change(ctx, trigger);
                    res.set_header("Location", "/api/v1/triggers/" + id.to_string());
                    reply_json(res, 201, to_json(trigger));
                });

    server.get("/api/v1/triggers", Scope::kRead,
               [&ctx](const httplib::Request& req, httplib::Response& res) {
                   pg::TriggerFilter filter;
                   if (auto type = query_text(req, "type")) {
                       filter.type = parse_trigger_type(*type);
                       if (!filter.type)
                           throw HttpError(Problem{400,
                                                   "",
                                                   "invalid query parameter type",
                                                   {{"?type", "must be scheduled, api or cdc"}}});
                   }
                   filter.active = query_bool(req, "active");
                   std::int64_t page = query_int(req, "page", 1, 1, 1'000'000);
                   std::int64_t page_size = query_int(req, "page_size", 50, 1, 500);
                   auto conn = ctx.pool.acquire();
                   pg::TriggerPage result = pg::TriggerStore::list(*conn, filter, page, page_size);
                   json items = json::array();
                   for (const auto& t : result.items) items.push_back(to_json(t));
                   reply_json(res, 200,
                              {{"items", items},
                               {"page", page},
                               {"page_size", page_size},
                               {"total", result.total}});
               });

    server.get(R"(/api/v1/triggers/([^/]+))", Scope::kRead,
               [&ctx](const httplib::Request& req, httplib::Response& res) {
                   TriggerId id = trigger_id_param(req, 1);
                   auto conn = ctx.pool.acquire();
                   auto trigger = pg::TriggerStore::get(*conn, id);
                   if (!trigger) throw HttpError(404, "no trigger with id " + id.to_string());
                   reply_json(res, 200, to_json(*trigger));
               });
}

}  // namespace etp::gateway
