#include <functional>

#include "auth.hpp"
#include "etp/bus/firing.hpp"
#include "etp/domain/error.hpp"
#include "etp/domain/firing.hpp"
#include "etp/domain/payload_schema.hpp"
#include "etp/domain/trace_context.hpp"
#include "etp/domain/webhook_signature.hpp"
#include "etp/pg/delivery_queue.hpp"
#include "etp/pg/idempotency_store.hpp"
#include "etp/runtime/log.hpp"
#include "etp/runtime/metrics.hpp"
#include "http_support.hpp"
#include "routes.hpp"
#include "webhook_target.hpp"

namespace etp::gateway {
namespace {

using nlohmann::json;

constexpr std::size_t kMaxIdempotencyKey = 200;

prometheus::Counter& fire_counter(std::string_view outcome) {
    static auto& family = prometheus::BuildCounter()
                              .Name("etp_gateway_fires_total")
                              .Help("Fire and test-fire requests by outcome")
                              .Register(runtime::metrics_registry());
    return family.Add({{"outcome", std::string(outcome)}});
}

// The trace a request's event travels in: the request's own (W3C traceparent, and tracestate with
// repeated headers joined by ','), continued with a span of the gateway's; a new trace when the
// request has none, an invalid one or several traceparent headers (the standard's rules: never a
// 400 for it).
TraceContext request_trace(const net::Request& req) {
    std::size_t parents = 0;
    std::string_view parent;
    std::optional<std::string> state;
    for (const auto& [name, value] : req.headers) {
        if (net::iequals(name, "traceparent")) {
            ++parents;
            parent = value;
        } else if (net::iequals(name, "tracestate")) {
            state = state ? *state + "," + value : value;
        }
    }
    if (parents == 1) {
        std::optional<std::string_view> state_view;
        if (state) state_view = *state;
        if (auto context = trace_context_from_headers(parent, state_view)) return context->child();
    }
    return new_trace();
}

// What the answer and the log line say about a firing, without a copy of its payload.
struct Fired {
    EventId id;
    TriggerId trigger_id;
    std::string source;
    std::optional<TraceContext> trace;

    explicit Fired(const Event& event)
        : id(event.id), trigger_id(event.trigger_id), source(event.source), trace(event.trace) {}

    // The answer names the trace the event travels in, so a caller without a tracer learns it.
    void set_trace_header(net::Response& res) const {
        if (trace) res.set_header("traceparent", trace->traceparent());
    }

    // One debug line per event Kafka took (LOG_LEVEL=debug): an event found by its trace id.
    void log_line() const {
        if (!log::enabled(log::Level::kDebug)) return;
        log::debug("event fired", {{"event_id", id.to_string()},
                                   {"trigger_id", trigger_id.to_string()},
                                   {"source", source},
                                   {"trace_id", trace ? trace->trace_id_hex() : ""}});
    }
};

Event new_event(const net::Request& req, const TriggerId& id, const TriggerSpec& spec,
                std::string_view source, json payload) {
    return request_firing({id, spec.name, spec.type}, source, std::move(payload),
                          request_trace(req), now_utc());
}

// The 503 for a firing Kafka did not take. librdkafka's text (broker hosts and addresses) goes
// to the log only.
ProblemError bus_unavailable(const std::string& reason) {
    log::warn("the event bus did not accept a firing", {{"error", reason}});
    return ProblemError(ErrorKind::kUnavailable,
                        "the event bus did not accept the firing; try again later");
}

// 202 means Kafka acknowledged the firing (acks=all); anything else is a 503, never a drop.
void publish(GatewayContext& ctx, const Event& event) {
    static prometheus::Counter& unavailable = fire_counter("unavailable");
    try {
        ctx.producer.produce_sync(bus::make_firing_message(ctx.topics, event, "api-gateway"));
        Fired(event).log_line();
    } catch (const Error& e) {
        unavailable.Increment();
        throw bus_unavailable(e.what());
    }
}

// 202 with `accepted` (by default {"event_id": ...}) from Kafka's delivery report, on the
// producer's thread, or 503; `on_accepted` counts. Nothing waits for the ack.
void publish_async(GatewayContext& ctx, const Event& event, const net::Reply& reply,
                   std::function<void()> on_accepted, json accepted = nullptr) {
    static prometheus::Counter& unavailable = fire_counter("unavailable");
    if (accepted.is_null()) accepted = {{"event_id", event.id.to_string()}};
    try {
        ctx.producer.produce(
            bus::make_firing_message(ctx.topics, event, "api-gateway"),
            [reply, accepted = std::move(accepted), on_accepted = std::move(on_accepted),
             fired = Fired(event)](std::optional<Error> error) {
                net::Response res;
                if (error) {
                    unavailable.Increment();
                    reply_problem(res, problem_from(bus_unavailable(error->what())));
                } else {
                    on_accepted();
                    fired.log_line();
                    reply_json(res, 202, accepted);
                }
                fired.set_trace_header(res);
                reply(std::move(res));
            });
    } catch (const Error& e) {
        unavailable.Increment();
        throw bus_unavailable(e.what());
    }
}

void validate_payload(const std::shared_ptr<const PayloadSchema>& schema, const json& payload) {
    if (!schema) return;
    std::vector<FieldError> violations = schema->validate(payload);
    if (violations.empty()) return;
    // Past kMaxListedViolations the last entry only says that there are more.
    std::string count = violations.size() > PayloadSchema::kMaxListedViolations
                            ? "more than " + std::to_string(PayloadSchema::kMaxListedViolations) +
                                  " violations, the first listed"
                            : std::to_string(violations.size()) + " violation" +
                                  (violations.size() == 1 ? "" : "s");
    std::string detail = "the payload does not match the trigger's api_schema (" + count + ")";
    throw HttpError(Problem{422, "", detail, std::move(violations)});
}

std::optional<std::string> idempotency_key(const net::Request& req) {
    if (!req.has_header("Idempotency-Key")) return std::nullopt;
    std::string key = req.get_header_value("Idempotency-Key");
    if (key.empty() || key.size() > kMaxIdempotencyKey)
        throw ProblemError(ErrorKind::kInvalidInput, "invalid Idempotency-Key header",
                           {{"Idempotency-Key", "must be 1 to 200 characters long"}});
    return key;
}

// What a repeat's payload is compared by: the SHA-256 (hex) of the payload as parsed, printed
// compactly with sorted keys, so whitespace and key order do not make two requests differ.
std::string payload_sha256(const json& payload) {
    Digest digest = sha256(payload.dump(-1, ' ', false, json::error_handler_t::replace));
    static constexpr char kHex[] = "0123456789abcdef";
    std::string hex;
    hex.reserve(digest.size() * 2);
    for (unsigned char b : digest) {
        hex += kHex[b >> 4];
        hex += kHex[b & 0xf];
    }
    return hex;
}

// A key reused with another payload (the IETF Idempotency-Key draft's 422): answering the first
// firing's id would tell the client that a request which never fired did.
HttpError key_reused(const std::string& key) {
    std::string message =
        "was used with a different payload for this trigger within 24 hours; send a new key for "
        "a different request";
    return HttpError(Problem{422,
                             "",
                             "the Idempotency-Key " + key + " " + message,
                             {{"Idempotency-Key", std::move(message)}}});
}

void reply_accepted(net::Response& res, const EventId& id) {
    reply_json(res, 202, {{"event_id", id.to_string()}});
}

// The body of a test firing: {"payload": ...} (optional); the rest is refused by name.
json test_payload(const json& body, const TriggerSpec& spec, std::vector<FieldError>& errors) {
    json payload = spec.type == TriggerType::kScheduled ? spec.payload : json::object();
    if (!body.is_object()) {
        errors.push_back({"", "must be a JSON object such as {\"payload\": {...}}"});
        return payload;
    }
    for (const auto& [key, value] : body.items()) {
        if (key == "payload")
            payload = value;
        else if (key != "trigger")
            errors.push_back({"/" + key, "unknown field"});
    }
    return payload;
}

}  // namespace

void add_fire_routes(HttpServer& server, GatewayContext& ctx) {
    static prometheus::Counter& accepted = fire_counter("accepted");
    static prometheus::Counter& repeated = fire_counter("idempotent_repeat");
    static prometheus::Counter& tests = fire_counter("test");

    server.post_async(
        R"(/api/v1/triggers/([^/]+)/fire)", Scope::kFire,
        [&ctx](const net::Request& req, const net::Reply& reply) {
            TriggerId id = trigger_id_param(req, 1);
            std::optional<std::string> key = idempotency_key(req);
            json payload = json_body(req, json::object());
            auto cached = ctx.triggers.get(id);
            if (!cached) throw Error(ErrorKind::kNotFound, "no trigger with id " + id.to_string());
            const TriggerSpec& spec = cached->trigger.spec;
            if (spec.type != TriggerType::kApi)
                throw Error(ErrorKind::kConflict,
                            "only api triggers are fired by API; use POST "
                            "/api/v1/triggers/" +
                                id.to_string() + "/test to fire a " +
                                std::string(to_string(spec.type)) + " trigger by hand");
            if (!spec.active) throw Error(ErrorKind::kConflict, "the trigger is inactive");
            validate_payload(cached->schema, payload);

            std::string request_sha256 = key ? payload_sha256(payload) : "";
            Event event = new_event(req, id, spec, kSourceApi, std::move(payload));
            if (!key) {
                // Answered from the delivery report: no thread waits for Kafka's ack.
                return publish_async(ctx, event, reply, [] { accepted.Increment(); });
            }
            // The key is claimed and the firing published in one transaction: a
            // repeat waits on the claim and then answers with the first event id; a
            // failed publish rolls the claim back so the client's retry fires.
            net::Response res;
            auto conn = ctx.pool.acquire();
            pg::Transaction tx(*conn);
            if (auto first = pg::IdempotencyStore::claim(tx, id, *key, event.id, request_sha256)) {
                if (!first->same_request) throw key_reused(*key);
                repeated.Increment();
                reply_accepted(res, first->event_id);
                return reply(std::move(res));
            }
            publish(ctx, event);
            tx.commit();
            accepted.Increment();
            reply_accepted(res, event.id);
            Fired(event).set_trace_header(res);
            reply(std::move(res));
        });

    server.post_async(
        R"(/api/v1/triggers/([^/]+)/test)", Scope::kWrite,
        [&ctx](const net::Request& req, const net::Reply& reply) {
            TriggerId id = trigger_id_param(req, 1);
            json body = json_body(req, json::object());
            auto cached = ctx.triggers.get(id);
            if (!cached) throw Error(ErrorKind::kNotFound, "no trigger with id " + id.to_string());
            std::vector<FieldError> errors;
            json payload = test_payload(body, cached->trigger.spec, errors);
            if (body.is_object() && body.contains("trigger"))
                errors.push_back({"/trigger", "unknown field"});
            if (!errors.empty()) throw ValidationError(std::move(errors));
            validate_payload(cached->schema, payload);
            Event event = new_event(req, id, cached->trigger.spec, kSourceTest, std::move(payload));
            publish_async(ctx, event, reply, [] { tests.Increment(); });
        });

    server.post_async(
        "/api/v1/triggers/test", Scope::kWrite,
        [&ctx](const net::Request& req, const net::Reply& reply) {
            json body = json_body(req);
            if (!body.is_object() || !body.contains("trigger"))
                throw ValidationError(std::vector<FieldError>{
                    {"/trigger", "is required: the trigger definition to test"}});
            std::vector<FieldError> errors;
            std::optional<TriggerSpec> spec;
            try {
                spec = parse_trigger_spec(body["trigger"]);
            } catch (const ValidationError& e) {
                for (const auto& f : e.errors())
                    errors.push_back({"/trigger" + f.pointer, f.message});
            }
            json payload = spec ? test_payload(body, *spec, errors) : json(json::object());
            if (spec) {
                if (auto e = target_url_error(*spec, ctx.allow_private_targets, "/trigger"))
                    errors.push_back(std::move(*e));
            }
            if (!errors.empty()) throw ValidationError(std::move(errors));
            if (!spec->api_schema.is_null())
                validate_payload(PayloadSchema::compile(spec->api_schema, "/trigger/api_schema"),
                                 payload);
            // An unsaved trigger has no id of its own: each test gets a fresh one.
            Event event =
                new_event(req, TriggerId{new_uuid_v7()}, *spec, kSourceTest, std::move(payload));
            // No trigger row holds this target, so the firing carries it to the dispatcher; its
            // secret never travels on Kafka: it is stored, sealed, for the dispatcher to take
            // when it logs the event. A definition without a secret signs with a new one, shown
            // once.
            std::optional<std::string> generated;
            if (spec->target) {
                event.target = spec->target;
                std::string secret;
                if (event.target->secret) {
                    secret = std::move(*event.target->secret);
                } else {
                    generated = webhook::generate_secret();
                    secret = *generated;
                }
                event.target->secret.reset();
                auto conn = ctx.pool.acquire();
                pg::DeliveryQueue::stage_target_secret(*conn, ctx.secrets, event.id, secret);
            }
            json accepted = {{"event_id", event.id.to_string()}};
            if (generated) accepted["secret"] = *generated;
            publish_async(
                ctx, event, reply, [] { tests.Increment(); }, std::move(accepted));
        });
}

}  // namespace etp::gateway
