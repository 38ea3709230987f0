#include "etp/bus/firing.hpp"
#include "etp/domain/error.hpp"
#include "etp/pg/trigger_store.hpp"
#include "etp/runtime/metrics.hpp"
#include "http_support.hpp"
#include "routes.hpp"

namespace etp::gateway {
namespace {

prometheus::Counter& fired_counter(std::string_view outcome) {
    static auto& family = prometheus::BuildCounter()
                              .Name("etp_gateway_fires_total")
                              .Help("Fire requests by outcome")
                              .Register(runtime::metrics_registry());
    return family.Add({{"outcome", std::string(outcome)}});
}

}  // namespace

void add_fire_routes(HttpServer& server, GatewayContext& ctx) {
    static prometheus::Counter& accepted = fired_counter("accepted");
    static prometheus::Counter& unavailable = fired_counter("unavailable");

    server.post(
        R"(/api/v1/triggers/([^/]+)/fire)", Scope::kFire,
        [&ctx](const httplib::Request& req, httplib::Response& res) {
            TriggerId id = trigger_id_param(req, 1);
            nlohmann::json payload = json_body(req, nlohmann::json::object());
            std::optional<Trigger> trigger;
            {
                auto conn = ctx.pool.acquire();
                trigger = pg::TriggerStore::get(*conn, id);
            }
            if (!trigger) throw HttpError(404, "no trigger with id " + id.to_string());
            if (trigger->spec.type != TriggerType::kApi)
                throw HttpError(
                    409, "only api triggers are fired by API; use POST /api/v1/triggers/" +
                             id.to_string() + "/test to fire a " +
                             std::string(to_string(trigger->spec.type)) + " trigger by hand");
            if (!trigger->spec.active) throw HttpError(409, "the trigger is inactive");

            Event event;
            event.triggered_at = now_utc();
            event.id = EventId{
                new_uuid_v7(std::chrono::time_point_cast<std::chrono::system_clock::duration>(
                    event.triggered_at))};
            event.trigger_id = id;
            event.trigger_name = trigger->spec.name;
            event.trigger_type = trigger->spec.type;
            event.source = std::string(kSourceApi);
            event.payload = std::move(payload);
            try {
                ctx.producer.produce_sync(
                    bus::make_firing_message(ctx.topics, event, "api-gateway"));
            } catch (const Error& e) {
                unavailable.Increment();
                throw HttpError(
                    503, std::string("the event bus did not accept the firing: ") + e.what());
            }
            accepted.Increment();
            reply_json(res, 202, {{"event_id", event.id.to_string()}});
        });
}

}  // namespace etp::gateway
