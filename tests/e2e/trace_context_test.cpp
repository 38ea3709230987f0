// W3C trace context end to end through the real binaries (docs/tracing.md): a fire request's
// traceparent comes back on the answer with the gateway's span, travels in the etp.trigger.fired
// and etp.events CloudEvents (attribute and Kafka header) and in the event log, and reaches the
// webhook target on every attempt with a span id of the attempt's own; a request without one, or
// with an invalid one, gets a new trace (and is still accepted); a scheduled firing's trace is
// derived from its event id; and the services' debug lines about the event name its trace_id.
#include <catch2/catch.hpp>
#include <regex>
#include <set>
#include <thread>

#include "etp/bus/consumer.hpp"
#include "etp/domain/trace_context.hpp"
#include "etp/testing/webhook_receiver.hpp"
#include "message_contract.hpp"
#include "platform.hpp"

using namespace std::chrono_literals;
using etp::testing::ReceivedRequest;
using etp::testing::Reply;
using etp::testing::WebhookReceiver;
using nlohmann::json;

namespace {

constexpr const char* kCallerTrace = "0af7651916cd43dd8448eb211c80319c";
constexpr const char* kCallerSpan = "b7ad6b7169203331";
const std::string kCallerParent = std::string("00-") + kCallerTrace + "-" + kCallerSpan + "-01";

// The gateway, the dispatcher and a scheduler, logging at debug level so that their lines about
// each event (with trace_id) are written; their output is kept by the harness.
struct Traced {
    etp::e2e::Service gateway = etp::e2e::make_service("api-gateway", {{"LOG_LEVEL", "debug"}});
    etp::e2e::Service dispatcher = etp::e2e::make_service("dispatcher", {{"LOG_LEVEL", "debug"}});
    etp::e2e::Service scheduler = etp::e2e::make_service("scheduler", {{"LOG_LEVEL", "debug"}});
    Traced() {
        for (auto* s : {&gateway, &dispatcher, &scheduler})
            if (!s->start_and_wait())
                throw std::runtime_error("a service did not become ready:\n" +
                                         s->process->output());
    }
};

Traced& traced() {
    static Traced t;
    return t;
}

httplib::Client client() {
    httplib::Client c("127.0.0.1", traced().gateway.http_port);
    c.set_read_timeout(30, 0);
    return c;
}

httplib::Headers with_key(httplib::Headers headers = {}) {
    headers.emplace("X-API-Key", etp::e2e::kAdminKey);
    return headers;
}

json create_trigger(const json& definition) {
    auto res = client().Post("/api/v1/triggers", with_key(), definition.dump(), "application/json");
    REQUIRE(res);
    INFO(res->body);
    REQUIRE(res->status == 201);
    return json::parse(res->body);
}

json webhook_trigger(const std::string& name, const std::string& url) {
    return create_trigger(
        {{"name", name},
         {"type", "api"},
         {"target", {{"url", url}}},
         {"retry", {{"max_attempts", 5}, {"initial_backoff_ms", 50}, {"max_backoff_ms", 200}}}});
}

struct Fired {
    int status = 0;
    std::string event_id;
    std::string traceparent;  // of the answer; "" when absent
};

Fired fire(const std::string& path, const httplib::Headers& headers, const json& body = {}) {
    auto res = client().Post(path, with_key(headers), body.is_null() ? "{}" : body.dump(),
                             "application/json");
    REQUIRE(res);
    INFO(res->body);
    Fired f;
    f.status = res->status;
    if (res->status == 202) f.event_id = json::parse(res->body).value("event_id", "");
    f.traceparent = res->get_header_value("traceparent");
    return f;
}

// The fields of a traceparent that must be valid: {trace-id, parent-id}; empty when it is not
// (the check fails, and the test goes on to its other checks).
std::pair<std::string, std::string> fields(const std::optional<std::string>& traceparent) {
    INFO("traceparent '" << traceparent.value_or("(none)") << "'");
    CHECK(traceparent);
    auto parsed = etp::parse_traceparent(traceparent.value_or(""));
    CHECK(parsed);
    if (!parsed) return {};
    CHECK(parsed->traceparent() == *traceparent);  // version 00, lower case, as sent on
    return {parsed->trace_id_hex(), parsed->parent_id_hex()};
}

std::vector<ReceivedRequest> wait_requests(const WebhookReceiver& receiver, const std::string& path,
                                           std::size_t n) {
    auto requests = receiver.wait_for_count(path, n, 30s);
    REQUIRE(requests.size() >= n);
    return requests;
}

// The first message of `topic` with CloudEvent id `id`, read from the start.
std::optional<etp::bus::Message> find_message(const std::string& topic, const std::string& id) {
    static int counter = 0;
    etp::bus::ConsumerConfig config;
    config.brokers = etp::testing::KafkaBroker::shared().bootstrap();
    config.group_id = "trace-test-" + std::to_string(++counter) + "-" +
                      std::to_string(std::chrono::steady_clock::now().time_since_epoch().count());
    config.topics = {topic};
    etp::bus::Consumer consumer(config);
    const auto deadline = std::chrono::steady_clock::now() + 30s;
    while (std::chrono::steady_clock::now() < deadline) {
        for (auto& m : consumer.poll(500, 500ms))
            if (m.header("ce_id") == id) return m;
    }
    return std::nullopt;
}

// A JSON log line of `output` with this msg whose fields include all of `expected`.
bool has_log_line(const std::string& output, const std::string& msg, const json& expected) {
    std::size_t start = 0;
    while (start < output.size()) {
        std::size_t end = output.find('\n', start);
        if (end == std::string::npos) end = output.size();
        const json line = json::parse(output.substr(start, end - start), nullptr, false);
        start = end + 1;
        if (!line.is_object() || line.value("msg", "") != msg) continue;
        bool all = true;
        for (const auto& [k, v] : expected.items()) all = all && line.contains(k) && line[k] == v;
        if (all) return true;
    }
    return false;
}

}  // namespace

TEST_CASE("a fire request's traceparent travels to Kafka, the log and every webhook attempt") {
    WebhookReceiver receiver;
    // Two failures first: the retries must stay in the trace.
    receiver.respond("/traced", [](const ReceivedRequest& r) {
        Reply reply;
        reply.status = r.index_on_path <= 2 ? 503 : 200;
        return reply;
    });
    const std::string trigger_id = webhook_trigger("traced", receiver.url("/traced"))["id"];

    Fired f =
        fire("/api/v1/triggers/" + trigger_id + "/fire",
             {{"traceparent", kCallerParent}, {"tracestate", "congo=t61rcWkgMzE"}}, {{"order", 1}});
    REQUIRE(f.status == 202);
    // The answer: the caller's trace, with the gateway's span as parent.
    auto [answer_trace, gateway_span] = fields(f.traceparent);
    CHECK(answer_trace == kCallerTrace);
    CHECK(gateway_span != kCallerSpan);
    CHECK(f.traceparent.substr(53) == "01");  // the caller's flags

    // Every attempt: the same trace, a span of its own, the tracestate as received.
    auto requests = wait_requests(receiver, "/traced", 3);
    std::set<std::string> spans;
    for (const auto& r : requests) {
        INFO("attempt " << r.index_on_path);
        auto [trace, span] = fields(r.header("traceparent"));
        CHECK(trace == kCallerTrace);
        CHECK(span != kCallerSpan);
        CHECK(span != gateway_span);
        spans.insert(span);
        CHECK(r.header("tracestate") == "congo=t61rcWkgMzE");
        // The body is the CloudEvent with the distributed-tracing extension: the event's trace.
        const json body = json::parse(r.body);
        CHECK(body.value("traceparent", "") == f.traceparent);
        CHECK(body.value("tracestate", "") == "congo=t61rcWkgMzE");
    }
    CHECK(spans.size() == requests.size());

    // Kafka: the firing and the logged event carry attribute and header.
    for (const std::string topic : {"etp.trigger.fired", "etp.events"}) {
        INFO(topic);
        auto message = find_message(topic, f.event_id);
        REQUIRE(message);
        CHECK(message->header("traceparent") == f.traceparent);
        CHECK(message->header("tracestate") == "congo=t61rcWkgMzE");
        const json value = json::parse(*message->value);
        CHECK(value.value("traceparent", "") == f.traceparent);
        CHECK(value.value("tracestate", "") == "congo=t61rcWkgMzE");
        CHECK(etp::e2e::cloud_event_header_problems(*message) == "");
        if (topic == "etp.events")
            CHECK(etp::e2e::schema_problems("etp.event.logged", value) == "");
    }

    // The event log keeps it (a retry after a restart reloads it from there).
    auto row = etp::e2e::db().exec("SELECT traceparent, tracestate FROM events WHERE id = $1",
                                   {f.event_id});
    REQUIRE(row.rows() == 1);
    CHECK(row.text(0, 0) == f.traceparent);
    CHECK(row.text(0, 1) == "congo=t61rcWkgMzE");

    // The services' lines about this event name its trace.
    const json about = {{"event_id", f.event_id}, {"trace_id", kCallerTrace}};
    CHECK(etp::e2e::eventually(
        [&] {
            return has_log_line(traced().dispatcher.process->output(), "webhook attempt", about);
        },
        10s));
    CHECK(has_log_line(traced().gateway.process->output(), "event fired", about));
    CHECK(has_log_line(traced().dispatcher.process->output(), "event logged", about));
}

TEST_CASE("a request without a traceparent, or with an invalid one, starts a new trace") {
    WebhookReceiver receiver;
    const std::string trigger_id = webhook_trigger("untraced", receiver.url("/new"))["id"];
    const std::string path = "/api/v1/triggers/" + trigger_id + "/fire";
    std::set<std::string> traces;
    const std::vector<httplib::Headers> requests = {
        {},
        {{"traceparent", "00-0AF7651916CD43DD8448EB211C80319C-B7AD6B7169203331-01"},
         {"tracestate", "congo=1"}},
        {{"traceparent", "00-00000000000000000000000000000000-b7ad6b7169203331-01"}},
        {{"traceparent", "ff-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"}},
        {{"traceparent", "garbage"}},
    };
    for (std::size_t i = 0; i < requests.size(); ++i) {
        INFO("request " << i);
        Fired f = fire(path, requests[i]);
        REQUIRE(f.status == 202);  // never a 400 for trace context
        auto [trace, span] = fields(f.traceparent);
        CHECK(trace != kCallerTrace);
        CHECK(trace != "0af7651916cd43dd8448eb211c80319c");
        CHECK(trace != std::string(32, '0'));
        CHECK(f.traceparent.substr(53) == "01");  // a new trace is sampled
        traces.insert(trace);
        auto got = receiver.wait_until(
            [&](const std::vector<ReceivedRequest>& all) {
                for (const auto& r : all)
                    if (r.header("webhook-id") == f.event_id) return true;
                return false;
            },
            30s);
        REQUIRE(got);
        for (const auto& r : receiver.requests("/new")) {
            if (r.header("webhook-id") != f.event_id) continue;
            CHECK(fields(r.header("traceparent")).first == trace);
            // An invalid traceparent's tracestate is dropped with it.
            CHECK_FALSE(r.header("tracestate"));
        }
    }
    CHECK(traces.size() == requests.size());  // a new trace each time
}

TEST_CASE("a test firing continues the caller's trace") {
    WebhookReceiver receiver;
    const std::string trigger_id = webhook_trigger("tested", receiver.url("/test"))["id"];
    Fired f = fire("/api/v1/triggers/" + trigger_id + "/test", {{"traceparent", kCallerParent}});
    REQUIRE(f.status == 202);
    CHECK(fields(f.traceparent).first == kCallerTrace);
    auto requests = wait_requests(receiver, "/test", 1);
    CHECK(fields(requests.front().header("traceparent")).first == kCallerTrace);
}

TEST_CASE("a scheduled firing's webhook carries the trace derived from its event id") {
    traced();
    WebhookReceiver receiver;
    const json trigger = create_trigger({{"name", "traced schedule"},
                                         {"type", "scheduled"},
                                         {"schedule", {{"interval_seconds", 1}}},
                                         {"target", {{"url", receiver.url("/scheduled")}}}});
    auto requests = wait_requests(receiver, "/scheduled", 2);
    client().Post("/api/v1/triggers/" + trigger["id"].get<std::string>() + "/deactivate",
                  with_key(), "", "application/json");
    std::set<std::string> traces;
    for (const auto& r : requests) {
        auto event_id = etp::EventId::parse(r.header("webhook-id").value_or(""));
        REQUIRE(event_id);
        // Replays of the slot (same event id) are in the same trace.
        const std::string derived = etp::trace_for_event(*event_id).trace_id_hex();
        CHECK(fields(r.header("traceparent")).first == derived);
        traces.insert(derived);
        CHECK(etp::e2e::eventually(
            [&] {
                return has_log_line(traced().scheduler.process->output(), "event fired",
                                    {{"event_id", event_id->to_string()}, {"trace_id", derived}});
            },
            10s));
    }
    CHECK(traces.size() == 2);  // one trace per slot
}
