#include "etp/pg/event_store.hpp"
#include "http_support.hpp"
#include "routes.hpp"

namespace etp::gateway {

void add_event_routes(HttpServer& server, GatewayContext& ctx) {
    server.get(
        "/api/v1/events", Scope::kRead,
        [&ctx](const httplib::Request& req, httplib::Response& res) {
            pg::EventQuery q;
            if (auto status = query_text(req, "status")) {
                if (*status == "active")
                    q.status = pg::EventStatus::kActive;
                else if (*status == "archived")
                    q.status = pg::EventStatus::kArchived;
                else if (*status == "all")
                    q.status = pg::EventStatus::kAll;
                else
                    throw HttpError(Problem{400,
                                            "",
                                            "invalid query parameter status",
                                            {{"?status", "must be active, archived or all"}}});
            }
            if (auto trigger = query_text(req, "trigger_id")) {
                q.trigger_id = TriggerId::parse(*trigger);
                if (!q.trigger_id)
                    throw HttpError(Problem{400,
                                            "",
                                            "invalid query parameter trigger_id",
                                            {{"?trigger_id", "must be a UUID"}}});
            }
            q.page = query_int(req, "page", 1, 1, 1'000'000);
            q.page_size = query_int(req, "page_size", 100, 1, 500);
            auto conn = ctx.pool.acquire();
            auto events = pg::EventStore::list(*conn, q);
            nlohmann::json items = nlohmann::json::array();
            for (const auto& e : events) items.push_back(to_json(e));
            reply_json(res, 200, {{"items", items}, {"page", q.page}, {"page_size", q.page_size}});
        });
}

}  // namespace etp::gateway
